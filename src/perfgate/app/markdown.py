"""The Markdown PR comment: one table row per compared metric, then notes.

Rows and notes are in alphabetical order of the metric (the Rust perfgate
0.2 lists wall_ms, max_rss_kb, throughput_per_s). The bench name is written
as a code span that no backtick, ``|`` or line break in the name can leave,
as ``perfgate.app.text`` explains.
"""

from __future__ import annotations

from typing import Final

from perfgate.app.text import (
    escape_markdown_code,
    format_pct,
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

TABLE_HEADER: Final = (
    "| metric | baseline (median) | current (median) | delta | budget | status |\n"
    "|---|---:|---:|---:|---:|---|\n"
)


def _row(metric: MetricName, delta: Delta, budget: Budget) -> str:
    cells = [
        escape_markdown_code(metric),
        format_with_unit(metric, delta.baseline, spaced=True),
        format_with_unit(metric, delta.current, spaced=True),
        format_pct(delta.pct),
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
    return f"- {metric}_{delta.status}: {format_pct(delta.pct)} ({limits})\n"


def render_compare_markdown(compare: CompareReceipt) -> str:
    """Render the PR comment for one comparison.

    The notes list every warn or fail metric of the deltas, each starting
    with the metric's reason token, and are left out when every metric
    passes. Raises KeyError when a delta has no budget. For a receipt read
    from a file, ``perfgate.domain.report.require_budgets`` checks that first.
    """
    status = compare.verdict.status
    parts = [
        f"{STATUS_ICONS[status]} perfgate: {status}\n",
        "\n",
        f"**Bench:** {markdown_code_span(compare.bench.name)}\n",
        "\n",
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


def render_no_baseline_markdown(run: RunReceipt) -> str:
    """Render the PR comment for a run that has no baseline to compare with.

    It names the bench, lists the current medians and shows the command that
    turns this run into a baseline.
    """
    name = run.bench.name
    promote_command = f"perfgate promote --current run.json --to baselines/{name}.json"
    parts = [
        f"{STATUS_ICONS['warn']} perfgate: warn (no baseline)\n",
        "\n",
        f"**Bench:** {markdown_code_span(name)}\n",
        "\n",
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
    parts.extend(
        [
            "\n",
            "Create the baseline from this run, then commit it: "
            f"{markdown_code_span(promote_command)}\n",
        ]
    )
    return "".join(parts)
