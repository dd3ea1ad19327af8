"""Markdown of ``check``: the comment of a bench that hit a tool error, and the
combined comment of ``check --all``.

The combined comment has one table row per bench in config order (the name
as a code span, the verdict, the deltas of the gated metrics or "no
baseline"), then the notes of every bench that has any. Deltas and notes
are in alphabetical order of the metric, as in the single-bench comment.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from perfgate.app.markdown import STATUS_ICONS, failure_lines
from perfgate.app.text import (
    escape_markdown_code,
    escape_markdown_text,
    format_delta_pct,
    format_threshold_pct,
    markdown_code_span,
)
from perfgate.domain.compare import EXIT_TOOL_ERROR
from perfgate.types.receipts import Budget, Delta, MetricName

if TYPE_CHECKING:
    from perfgate.app.check import CheckOutcome, CheckResult

ERROR_ICON: Final = "❌"

_VERDICT_CELLS: Final[dict[str, str]] = {
    "pass": f"{STATUS_ICONS['pass']} pass",
    "warn": f"{STATUS_ICONS['warn']} warn",
    "fail": f"{STATUS_ICONS['fail']} fail",
    "no_baseline": f"{STATUS_ICONS['warn']} no baseline",
    "error": f"{ERROR_ICON} error",
}
_COUNT_ORDER: Final[tuple[CheckOutcome, ...]] = (
    "pass",
    "warn",
    "fail",
    "no_baseline",
    "error",
)


def promote_command(current_path: str, baseline_path: str | None) -> str:
    """Return the shell command that makes ``current_path`` the baseline.

    Paths are quoted for a POSIX shell, and a relative one that starts with
    ``-`` gets ``./`` so that it cannot be read as an option.
    """
    target = _shell_path(baseline_path) if baseline_path else "BASELINE.json"
    return (
        f"perfgate promote --current {_shell_path(current_path)} "
        f"--to {target} --normalize"
    )


def _shell_path(path: str) -> str:
    if path.startswith("-"):
        path = f"./{path}"
    return shlex.quote(path)


def render_error_markdown(name: str, error: str, failures: Sequence[str]) -> str:
    """Render the PR comment of a bench whose check ended in a tool error."""
    parts = [
        f"{ERROR_ICON} perfgate: error\n",
        "\n",
        f"**Bench:** {markdown_code_span(name)}\n",
        "\n",
        f"The check did not finish, so no verdict exists: "
        f"{escape_markdown_text(error)}\n",
    ]
    listed = failure_lines(failures)
    if listed:
        parts.append("\n")
        parts.extend(listed)
    return "".join(parts)


def render_check_summary(results: Sequence[CheckResult]) -> str:
    """Render the combined comment of ``check --all`` for ``results`` in order."""
    parts = [f"{_overall_heading(results)}\n", "\n", f"{_count_line(results)}\n"]
    if results:
        parts.extend(["\n", "| bench | verdict | deltas |\n", "|---|---|---|\n"])
        for result in results:
            cells = [
                escape_markdown_code(result.name),
                _VERDICT_CELLS[result.outcome],
                _deltas_cell(result),
            ]
            parts.append("| " + " | ".join(cells) + " |\n")
    notes = [(result, _notes(result)) for result in results]
    notes = [(result, lines) for result, lines in notes if lines]
    if notes:
        parts.append("\n**Notes:**\n")
        for result, lines in notes:
            parts.append(f"\n{markdown_code_span(result.name)}:\n\n")
            parts.extend(lines)
    return "".join(parts)


def _overall_heading(results: Sequence[CheckResult]) -> str:
    if any(result.exit_code == EXIT_TOOL_ERROR for result in results):
        return f"{ERROR_ICON} perfgate: error"
    outcomes = {result.outcome for result in results}
    if "fail" in outcomes:
        return f"{STATUS_ICONS['fail']} perfgate: fail"
    if "warn" in outcomes or "no_baseline" in outcomes:
        return f"{STATUS_ICONS['warn']} perfgate: warn"
    return f"{STATUS_ICONS['pass']} perfgate: pass"


def _count_line(results: Sequence[CheckResult]) -> str:
    total = len(results)
    noun = "bench" if total == 1 else "benches"
    counts = []
    for outcome in _COUNT_ORDER:
        count = sum(1 for result in results if result.outcome == outcome)
        if count:
            counts.append(f"{count} {outcome.replace('_', ' ')}")
    if not counts:
        return f"{total} {noun}."
    return f"{total} {noun}: {', '.join(counts)}."


def _deltas_cell(result: CheckResult) -> str:
    if result.outcome == "error":
        return "see notes"
    if result.compare is None:
        return "no baseline"
    deltas = result.compare.deltas
    if not deltas:
        return "no metric compared"
    texts = []
    for metric in sorted(deltas):
        delta = deltas[metric]
        budget = result.compare.budgets.get(metric)
        text = f"{escape_markdown_code(metric)} {format_delta_pct(delta, budget)}"
        if delta.status != "pass":
            text += f" {STATUS_ICONS[delta.status]}"
        texts.append(text)
    return ", ".join(texts)


def _notes(result: CheckResult) -> list[str]:
    lines: list[str] = []
    if result.error is not None:
        lines.append(f"- error: {escape_markdown_text(result.error)}\n")
    lines.extend(failure_lines(result.failures))
    if result.compare is not None:
        compare = result.compare
        for metric in sorted(compare.deltas):
            delta = compare.deltas[metric]
            if delta.status != "pass":
                lines.append(_budget_note(metric, delta, compare.budgets[metric]))
    elif result.outcome == "no_baseline":
        lines.append(_baseline_note(result))
    return lines


def _budget_note(metric: MetricName, delta: Delta, budget: Budget) -> str:
    fail = f"fail > {format_threshold_pct(budget.threshold)}"
    limits = fail
    if delta.status == "warn":
        limits = f"warn >= {format_threshold_pct(budget.warn_threshold)}, {fail}"
    return f"- {metric}_{delta.status}: {format_delta_pct(delta, budget)} ({limits})\n"


def _baseline_note(result: CheckResult) -> str:
    if result.baseline_path is None:
        return "- no baseline to compare with\n"
    where = f"- no baseline at {markdown_code_span(result.baseline_path)}"
    if result.promote_command is None:
        return f"{where}\n"
    return (
        f"{where}; create it from this run with "
        f"{markdown_code_span(result.promote_command)}\n"
    )
