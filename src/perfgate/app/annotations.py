"""GitHub Actions workflow commands for the metrics that warn or fail."""

from __future__ import annotations

from perfgate.app.text import escape_annotation, format_delta_pct, format_with_unit
from perfgate.types.receipts import CompareReceipt


def render_annotations(compare: CompareReceipt) -> str:
    """Render one ``::error::`` (fail) or ``::warning::`` (warn) line per metric.

    Lines are in alphabetical order of the metric, and each ends with a line
    break. A passing metric gets no line, so the result is empty when every
    metric passes. The bench name is escaped, so a line break in it cannot
    start a second workflow command. The fixed text around it, such as the
    ``%`` of ``+25.00%``, stays as written: the runner decodes only ``%25``,
    ``%0D`` and ``%0A``, so a lone ``%`` displays as itself.
    """
    lines: list[str] = []
    for metric in sorted(compare.deltas):
        delta = compare.deltas[metric]
        if delta.status == "pass":
            continue
        command = "error" if delta.status == "fail" else "warning"
        baseline = format_with_unit(metric, delta.baseline, spaced=False)
        current = format_with_unit(metric, delta.current, spaced=False)
        name = escape_annotation(compare.bench.name)
        pct = format_delta_pct(delta, compare.budgets.get(metric))
        lines.append(
            f"::{command}::perfgate {name} {metric}: {pct} "
            f"(baseline {baseline}, current {current})\n"
        )
    return "".join(lines)
