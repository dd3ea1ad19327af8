"""Number formats and escaping of the text outputs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from perfgate.app.text import (
    NEWLINE_SYMBOL,
    escape_annotation,
    escape_markdown_code,
    format_delta_pct,
    format_pct,
    format_threshold_pct,
    format_value,
    format_with_unit,
    markdown_code_span,
)
from perfgate.types.receipts import Budget, Delta, MetricName

HOSTILE_NAMES = [
    "a|b",
    "x`y",
    "x\n::error::injected",
    "100%",
    "тест 🚀",
    "bench.py::test_fib[10]",
    "carriage\rreturn",
    "crlf\r\nname",
    "blank\n\nline",
    "long ```` run",
    "`starts",
    "ends`",
    "`",
    " both spaces ",
    "a\\|b",
    "ends with backslash\\",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(A1)",
    "<b>html</b> &amp;",
    "%0A",
    "",
]


def _displayed(name: str) -> str:
    """Return what a code span of ``name`` must show: line breaks as ␤."""
    return (
        name.replace("\r\n", NEWLINE_SYMBOL)
        .replace("\r", NEWLINE_SYMBOL)
        .replace("\n", NEWLINE_SYMBOL)
    )


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("wall_ms", 100.0, "100"),
        ("wall_ms", 0.0, "0"),
        ("wall_ms", 2.345, "2.35"),
        ("wall_ms", 0.5, "0.50"),
        ("wall_ms", 99.5, "99.50"),
        ("wall_ms", 100.4, "100"),
        ("wall_ms", 123.6, "124"),
        ("wall_ms", 99.996, "100"),
        ("cpu_ms", 12.25, "12.25"),
        ("max_rss_kb", 1000.0, "1000"),
        ("page_faults", 3.0, "3"),
        ("ctx_switches", 18446744073709551615.0, "18446744073709551616"),
        ("throughput_per_s", 1000.0, "1000.000"),
        ("throughput_per_s", 0.1234, "0.123"),
        ("throughput_per_s", 700.0, "700.000"),
    ],
)
def test_format_value_forms(metric: MetricName, value: float, expected: str) -> None:
    assert format_value(metric, value) == expected


@pytest.mark.parametrize(
    ("metric", "value", "spaced", "unspaced"),
    [
        ("wall_ms", 100.0, "100 ms", "100ms"),
        ("cpu_ms", 2.5, "2.50 ms", "2.50ms"),
        ("max_rss_kb", 1000.0, "1000 KB", "1000KB"),
        ("throughput_per_s", 1000.0, "1000.000 /s", "1000.000/s"),
        ("page_faults", 7.0, "7", "7"),
        ("ctx_switches", 12.0, "12", "12"),
    ],
)
def test_format_with_unit_spacing(
    metric: MetricName, value: float, spaced: str, unspaced: str
) -> None:
    assert format_with_unit(metric, value, spaced=True) == spaced
    assert format_with_unit(metric, value, spaced=False) == unspaced


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (0.19, "+19.00%"),
        (0.25, "+25.00%"),
        (-0.1, "-10.00%"),
        (-0.3, "-30.00%"),
        (0.0, "0.00%"),
        (-0.0, "0.00%"),
        (1e-7, "0.00%"),
        (-1e-7, "0.00%"),
        (0.00005, "+0.01%"),
        (2.5, "+250.00%"),
    ],
)
def test_format_pct_sign_and_decimals(fraction: float, expected: str) -> None:
    assert format_pct(fraction) == expected


def test_format_pct_more_decimals() -> None:
    assert format_pct(0.20001, 3) == "+20.001%"
    assert format_pct(-0.1234567, 6) == "-12.345670%"
    assert format_pct(1e-9, 4) == "0.0000%"


def test_format_threshold_pct_decimals() -> None:
    assert format_threshold_pct(0.2) == "20.00%"
    assert format_threshold_pct(0.18000000000000002) == "18.00%"
    assert format_threshold_pct(0.05, 1) == "5.0%"


@pytest.mark.parametrize(
    ("fraction", "min_decimals", "expected"),
    [
        (0.2, 1, "20.0%"),
        (0.1, 1, "10.0%"),
        (0.0125, 1, "1.25%"),
        (0.0004, 1, "0.04%"),
        (0.00125, 2, "0.125%"),
        (0.0125, 2, "1.25%"),
        (1 / 3, 1, "33.333333%"),
        (1e-9, 1, "0.000000%"),
        (10.0, 1, "1000.0%"),
    ],
)
def test_format_threshold_pct_exact(
    fraction: float, min_decimals: int, expected: str
) -> None:
    assert format_threshold_pct(fraction, min_decimals) == expected


def delta_of(baseline: float, current: float, direction: str = "lower") -> Delta:
    """Build a delta the way the comparison formulas define it."""
    pct = (current - baseline) / baseline
    regression = max(pct, 0.0) if direction == "lower" else max(-pct, 0.0)
    return Delta(
        baseline=baseline,
        current=current,
        ratio=current / baseline,
        pct=pct,
        regression=regression,
        status="pass",
    )


DEFAULT_BUDGET = Budget(threshold=0.2, warn_threshold=0.2 * 0.9, direction="lower")


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        # Two decimals wherever they already tell the values apart.
        (100, 125, "+25.00%"),
        (100, 119, "+19.00%"),
        (100, 90, "-10.00%"),
        # Equal to a threshold in value: nothing to tell apart.
        (100, 120, "+20.00%"),
        # Near the fail threshold of 20 % and the warn threshold of 18 %.
        (100000, 120001, "+20.001%"),
        (100000, 119999, "+19.999%"),
        (100000, 117999, "+17.999%"),
        (100000, 118001, "+18.001%"),
        (10000000, 12000001, "+20.00001%"),
        # A difference below the sixth decimal stops at six.
        (10**10, 10**10 * 1.2 + 1, "+20.000000%"),
        # An improvement of 20.001 % is no regression: two decimals.
        (100000, 79999, "-20.00%"),
    ],
)
def test_format_delta_pct_near_thresholds(
    baseline: float, current: float, expected: str
) -> None:
    assert format_delta_pct(delta_of(baseline, current), DEFAULT_BUDGET) == expected


def test_format_delta_pct_higher_direction() -> None:
    budget = Budget(threshold=0.2, warn_threshold=0.18, direction="higher")
    delta = delta_of(100000, 79999, direction="higher")
    assert format_delta_pct(delta, budget) == "-20.001%"


def test_format_delta_pct_without_budget() -> None:
    assert format_delta_pct(delta_of(100000, 120001), None) == "+20.00%"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bench", "`bench`"),
        ("x`y", "``x`y``"),
        ("a ``` b", "````a ``` b````"),
        ("`starts", "`` `starts ``"),
        ("ends`", "`` ends` ``"),
        (" both ", "`  both  `"),
        ("a\nb", f"`a{NEWLINE_SYMBOL}b`"),
        ("a\r\nb", f"`a{NEWLINE_SYMBOL}b`"),
        ("a|b", "`a|b`"),
        ("", "` `"),
    ],
)
def test_code_span_exact_forms(name: str, expected: str) -> None:
    assert markdown_code_span(name) == expected


def test_table_code_escapes_pipe() -> None:
    assert escape_markdown_code("a|b") == "`a\\|b`"
    assert escape_markdown_code("x||y") == "`x\\|\\|y`"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_code_span_keeps_hostile_name(
    name: str, code_span: Callable[[str], str]
) -> None:
    span = markdown_code_span(name)
    assert code_span(span) == (_displayed(name) or " ")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_table_cell_keeps_hostile_name(
    name: str,
    code_span: Callable[[str], str],
    table_cells: Callable[[str], list[str]],
) -> None:
    row = f"| {escape_markdown_code(name)} | next |"
    cells = table_cells(row)
    assert len(cells) == 2
    assert cells[1] == "next"
    assert code_span(cells[0]) == (_displayed(name) or " ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("100%", "100%25"),
        ("a\nb", "a%0Ab"),
        ("a\rb", "a%0Db"),
        ("a\r\nb", "a%0D%0Ab"),
        ("%0A", "%250A"),
        ("x\n::error::injected", "x%0A::error::injected"),
        ("тест 🚀", "тест 🚀"),
    ],
)
def test_escape_annotation_forms(text: str, expected: str) -> None:
    assert escape_annotation(text) == expected


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_escape_annotation_round_trips(name: str) -> None:
    escaped = escape_annotation(name)
    assert "\r" not in escaped
    assert "\n" not in escaped
    # The runner's decoding: %0D and %0A first, then %25.
    decoded = escaped.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    assert decoded == name
