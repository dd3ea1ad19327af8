"""CSV and JSONL exports of run and compare receipts.

Both formats of one receipt kind have the same columns in the same order.
CSV follows RFC 4180: a field with a comma, a double quote, CR or LF is
quoted, inner quotes are doubled, and every row ends with LF. Numbers in CSV
have fixed decimals (six for floats); JSONL carries them as JSON numbers
with full precision, as the Rust perfgate 0.2 writes its JSONL.

A text cell that a spreadsheet would run as a formula (see
``neutralize_formula``) gets a leading ``'`` in CSV only: JSONL is read by
programs, which need the bench name exactly as recorded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Final, TypeAlias

from perfgate.types.receipts import CompareReceipt, RunReceipt

# A cell: text, an integer, a float, or None when the receipt lacks the value.
Cell: TypeAlias = str | int | float | None

RUN_COLUMNS: Final = (
    "bench_name",
    "wall_ms_median",
    "wall_ms_min",
    "wall_ms_max",
    "max_rss_kb_median",
    "throughput_median",
    "sample_count",
    "timestamp",
)
COMPARE_COLUMNS: Final = (
    "bench_name",
    "metric",
    "baseline_value",
    "current_value",
    "regression_pct",
    "status",
    "threshold",
)

# The first characters that make Excel, LibreOffice or Google Sheets treat a
# cell as a formula, as the OWASP page on CSV injection lists them.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")

# Line breaks other than CR and LF that json.dumps leaves unescaped. They are
# escaped because a reader that splits lines on every Unicode line break, as
# Python's str.splitlines does, would otherwise cut an object in two.
_UNICODE_LINE_BREAKS: Final = {
    "\x85": "\\u0085",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def neutralize_formula(text: str) -> str:
    """Prefix ``'`` to text that a spreadsheet would run as a formula."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralize_formula(value)
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def _to_csv(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    # The csv module quotes a field that contains a character of the line
    # terminator, but not a bare CR when the terminator is LF alone. So each
    # row is written with CR LF, which quotes both, and then ended with LF.
    lines = [",".join(columns) + "\n"]
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(
            [_csv_cell(value) for value in row]
        )
        lines.append(buffer.getvalue().removesuffix("\r\n") + "\n")
    return "".join(lines)


def _to_jsonl(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    lines = []
    for row in rows:
        text = json.dumps(
            dict(zip(columns, row, strict=True)),
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
        )
        for character, escape in _UNICODE_LINE_BREAKS.items():
            text = text.replace(character, escape)
        lines.append(text + "\n")
    return "".join(lines)


def _run_row(run: RunReceipt) -> list[Cell]:
    stats = run.stats
    return [
        run.bench.name,
        stats.wall_ms.median,
        stats.wall_ms.min,
        stats.wall_ms.max,
        None if stats.max_rss_kb is None else stats.max_rss_kb.median,
        None if stats.throughput_per_s is None else stats.throughput_per_s.median,
        sum(1 for sample in run.samples if not sample.warmup),
        run.run.started_at,
    ]


def _compare_rows(compare: CompareReceipt) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for metric in sorted(compare.deltas):
        delta = compare.deltas[metric]
        budget = compare.budgets[metric]
        rows.append(
            [
                compare.bench.name,
                metric,
                delta.baseline,
                delta.current,
                delta.pct * 100,
                delta.status,
                budget.threshold * 100,
            ]
        )
    return rows


def export_run_csv(run: RunReceipt) -> str:
    """Export a run receipt as a header and one CSV row.

    ``wall_ms`` values are the whole-millisecond summary, ``sample_count``
    counts the measured (non-warmup) samples, and ``timestamp`` is the run's
    start time. A metric the receipt lacks gives an empty cell.
    """
    return _to_csv(RUN_COLUMNS, [_run_row(run)])


def export_run_jsonl(run: RunReceipt) -> str:
    """Export a run receipt as one JSON object on one line.

    Integers stay JSON integers, throughput is a JSON float at full
    precision, and a metric the receipt lacks is ``null`` so that every
    object has every key.
    """
    return _to_jsonl(RUN_COLUMNS, [_run_row(run)])


def export_compare_csv(compare: CompareReceipt) -> str:
    """Export a compare receipt as a header and one CSV row per metric.

    Rows are ordered by metric name. ``regression_pct`` is the signed change
    ``pct * 100`` (a throughput drop of 30 % gives -30.000000), and
    ``threshold`` is the fail threshold in percent. Raises KeyError when a
    delta has no budget (see ``perfgate.domain.report.require_budgets``).
    """
    return _to_csv(COMPARE_COLUMNS, _compare_rows(compare))


def export_compare_jsonl(compare: CompareReceipt) -> str:
    """Export a compare receipt as one JSON object per metric, one per line.

    The keys, order and meaning are those of ``export_compare_csv``; numbers
    are JSON floats at full precision.
    """
    return _to_jsonl(COMPARE_COLUMNS, _compare_rows(compare))
