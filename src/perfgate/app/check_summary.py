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

from perfgate.app.markdown import STATUS_ICONS
from perfgate.app.text import (
    escape_markdown_code,
    format_pct,
    format_threshold_pct,
    markdown_code_span,
)
from perfgate.domain.compare import EXIT_TOOL_ERROR
from perfgate.types.receipts import Budget, Delta, MetricName

if TYPE_CHECKING:
    from perfgate.app.check import CheckOutcome, CheckResult

ERROR_ICON: Final = "❌"
# Iteration failures listed per bench; the rest are counted.
MAX_LISTED_FAILURES: Final = 5

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
# Characters that can start emphasis, code, links, HTML, entities, strike-
# through, a table cell boundary, a GitHub mention or an issue reference
# inside a line.
_MARKDOWN_SPECIAL: Final = frozenset("\\`*_[]<>|~!&#@")


def escape_markdown_text(text: str) -> str:
    """Escape ``text`` so that Markdown shows it literally, on one line.

    Meant for text inside a line, such as after ``- error: ``; the
    characters that matter there get a backslash, which CommonMark allows
    before any ASCII punctuation. Line breaks become spaces.
    """
    parts = []
    for character in text:
        if character in "\r\n":
            parts.append(" ")
        elif character in _MARKDOWN_SPECIAL:
            parts.append("\\" + character)
        else:
            parts.append(character)
    return "".join(parts)


def promote_command(current_path: str, baseline_path: str | None) -> str:
    """Return the shell command that makes ``current_path`` the baseline."""
    target = shlex.quote(baseline_path) if baseline_path else "BASELINE.json"
    return (
        f"perfgate promote --current {shlex.quote(current_path)} "
        f"--to {target} --normalize"
    )


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
    listed = _failure_lines(failures)
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
        text = f"{escape_markdown_code(metric)} {format_pct(delta.pct)}"
        if delta.status != "pass":
            text += f" {STATUS_ICONS[delta.status]}"
        texts.append(text)
    return ", ".join(texts)


def _notes(result: CheckResult) -> list[str]:
    lines: list[str] = []
    if result.error is not None:
        lines.append(f"- error: {escape_markdown_text(result.error)}\n")
    lines.extend(_failure_lines(result.failures))
    if result.compare is not None:
        compare = result.compare
        for metric in sorted(compare.deltas):
            delta = compare.deltas[metric]
            if delta.status != "pass":
                lines.append(_budget_note(metric, delta, compare.budgets[metric]))
    elif result.outcome == "no_baseline":
        lines.append(_baseline_note(result))
    return lines


def _failure_lines(failures: Sequence[str]) -> list[str]:
    lines = [
        f"- {escape_markdown_text(failure)}\n"
        for failure in failures[:MAX_LISTED_FAILURES]
    ]
    hidden = len(failures) - MAX_LISTED_FAILURES
    if hidden > 0:
        lines.append(f"- and {hidden} more failed iterations\n")
    return lines


def _budget_note(metric: MetricName, delta: Delta, budget: Budget) -> str:
    fail = f"fail > {format_threshold_pct(budget.threshold)}"
    limits = fail
    if delta.status == "warn":
        limits = f"warn >= {format_threshold_pct(budget.warn_threshold)}, {fail}"
    return f"- {metric}_{delta.status}: {format_pct(delta.pct)} ({limits})\n"


def _baseline_note(result: CheckResult) -> str:
    if result.baseline_path is None or result.current_path is None:
        return "- no baseline to compare with\n"
    command = promote_command(result.current_path, result.baseline_path)
    return (
        f"- no baseline at {markdown_code_span(result.baseline_path)}; create it "
        f"from this run with {markdown_code_span(command)}\n"
    )
