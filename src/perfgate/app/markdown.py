"""The Markdown PR comment: one table row per compared metric, then notes.

Rows and notes are in alphabetical order of the metric (the Rust perfgate
0.2 lists wall_ms, max_rss_kb, throughput_per_s). The bench name is written
as a code span that no backtick, ``|`` or line break in the name can leave,
as ``perfgate.app.text`` explains. When ``check --allow-nonzero`` accepted
failed iterations, a warning lists them above the table, so that a command
that failed at once is not taken for a speed-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from perfgate.app.text import (
    escape_markdown_code,
    escape_markdown_text,
    format_delta_pct,
    format_threshold_pct,
    format_with_unit,
    markdown_code_span,
)
from perfgate.domain.metrics import ALL_METRICS
from perfgate.domain.stats import NS_PER_MS
from perfgate.types.receipts import (
    Budget,
    CompareReceipt,
    Delta,
    MetricName,
    RunReceipt,
    Status,
)

STATUS_ICONS: Final[dict[Status, str]] = {
    "pass": "✅",
    "warn": "⚠️",
    "fail": "❌",
}

# Failed iterations listed in a comment; the rest are counted.
MAX_LISTED_FAILURES: Final = 5
ACCEPTED_FAILURES_HEADING: Final = (
    "⚠️ **Failed iterations (accepted with --allow-nonzero):**"
)

TABLE_HEADER: Final = (
    "| metric | baseline (median) | current (median) | delta | budget | status |\n"
    "|---|---:|---:|---:|---:|---|\n"
)


def _row(metric: MetricName, delta: Delta, budget: Budget) -> str:
    cells = [
        escape_markdown_code(metric),
        format_with_unit(metric, delta.baseline, spaced=True),
        format_with_unit(metric, delta.current, spaced=True),
        format_delta_pct(delta, budget),
        # One decimal as the Rust tool prints it (20.0%), more when needed.
        f"{format_threshold_pct(budget.threshold, 1)} ({budget.direction})",
        STATUS_ICONS[delta.status],
    ]
    return "| " + " | ".join(cells) + " |\n"


def _note(metric: MetricName, delta: Delta, budget: Budget) -> str:
    fail = f"fail > {format_threshold_pct(budget.threshold)}"
    if delta.status == "warn":
        limits = f"warn >= {format_threshold_pct(budget.warn_threshold)}, {fail}"
    else:
        limits = fail
    return f"- {metric}_{delta.status}: {format_delta_pct(delta, budget)} ({limits})\n"


def failure_lines(failures: Sequence[str]) -> list[str]:
    """Return a Markdown list item per failed iteration, at most 5 and a count.

    Each item ends with a line break; the text is escaped, since it can hold
    the command's stderr.
    """
    lines = [
        f"- {escape_markdown_text(failure)}\n"
        for failure in failures[:MAX_LISTED_FAILURES]
    ]
    hidden = len(failures) - MAX_LISTED_FAILURES
    if hidden > 0:
        lines.append(f"- and {hidden} more failed iterations\n")
    return lines


def _accepted_failures(failures: Sequence[str]) -> list[str]:
    if not failures:
        return []
    return [f"{ACCEPTED_FAILURES_HEADING}\n", "\n", *failure_lines(failures), "\n"]


def render_compare_markdown(
    compare: CompareReceipt, failed_iterations: Sequence[str] = ()
) -> str:
    """Render the PR comment for one comparison.

    The notes list every warn or fail metric of the deltas, each starting
    with the metric's reason token, and are left out when every metric
    passes. ``failed_iterations`` are the iterations that failed but were
    accepted, listed above the table. Raises KeyError when a delta has no
    budget. For a receipt read from a file,
    ``perfgate.domain.report.require_budgets`` checks that first.
    """
    status = compare.verdict.status
    parts = [
        f"{STATUS_ICONS[status]} perfgate: {status}\n",
        "\n",
        f"**Bench:** {markdown_code_span(compare.bench.name)}\n",
        "\n",
        *_accepted_failures(failed_iterations),
        TABLE_HEADER,
    ]
    metrics = sorted(compare.deltas)
    for metric in metrics:
        parts.append(_row(metric, compare.deltas[metric], compare.budgets[metric]))
    notes = [
        _note(metric, compare.deltas[metric], compare.budgets[metric])
        for metric in metrics
        if compare.deltas[metric].status != "pass"
    ]
    if notes:
        parts.append("\n**Notes:**\n")
        parts.extend(notes)
    return "".join(parts)


def current_medians(run: RunReceipt) -> dict[MetricName, float]:
    """Return the median of every metric ``run`` has, by metric name.

    ``wall_ms`` comes from the nanosecond summary when present, as in a
    comparison, so a sub-millisecond command does not show 0 ms.
    """
    medians: dict[MetricName, float] = {}
    for metric in ALL_METRICS:
        summary = getattr(run.stats, metric)
        if summary is not None:
            medians[metric] = float(summary.median)
    if run.stats.wall_ns is not None:
        medians["wall_ms"] = run.stats.wall_ns.median / NS_PER_MS
    return medians


def render_no_baseline_markdown(
    run: RunReceipt,
    promote_command: str | None = None,
    failed_iterations: Sequence[str] = (),
) -> str:
    """Render the PR comment for a run that has no baseline to compare with.

    It names the bench, lists the current medians and shows
    ``promote_command``, the shell command that turns this run into the
    baseline. Only the caller knows the receipt and baseline paths, so
    without the command the comment names no path. Accepted
    ``failed_iterations`` are listed above the table.
    """
    name = run.bench.name
    parts = [
        f"{STATUS_ICONS['warn']} perfgate: warn (no baseline)\n",
        "\n",
        f"**Bench:** {markdown_code_span(name)}\n",
        "\n",
        *_accepted_failures(failed_iterations),
        "No baseline to compare with, so no budget was checked.\n",
        "\n",
        "| metric | current (median) |\n",
        "|---|---:|\n",
    ]
    for metric, value in current_medians(run).items():
        parts.append(
            f"| {escape_markdown_code(metric)} | "
            f"{format_with_unit(metric, value, spaced=True)} |\n"
        )
    parts.append("\n")
    if promote_command is None:
        parts.append(
            "Create the baseline from this run's receipt with "
            "`perfgate promote`, then commit it.\n"
        )
    else:
        parts.append(
            "Create the baseline from this run, then commit it: "
            f"{markdown_code_span(promote_command)}\n"
        )
    return "".join(parts)
