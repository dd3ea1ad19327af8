"""GitHub workflow-command annotations of a comparison."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from perfgate.app.annotations import render_annotations
from perfgate.domain.compare import BudgetOverride, BudgetPolicy
from perfgate.types.receipts import CompareReceipt

MakeCompare = Callable[..., CompareReceipt]

HOSTILE_NAMES = [
    "a|b",
    "x`y",
    "x\n::error::injected",
    "100%",
    "тест 🚀",
    "bench.py::test_fib[10]",
    "carriage\rreturn::warning::x",
    "crlf\r\n::error::y",
    "%0A::error::z",
    "=1+1",
    "-dash",
    "",
]


def _mixed_case(make_compare: MakeCompare, name: str = "bench") -> CompareReceipt:
    """wall_ms fails (+25 %), max_rss_kb warns (+19 %), throughput passes."""
    return make_compare(
        name=name,
        baseline={"wall_ms": (100,), "max_rss_kb": (1000,), "work_units": 100},
        current={"wall_ms": (125,), "max_rss_kb": (1190,), "work_units": 125},
    )


def _decode_runner_message(text: str) -> str:
    # The GitHub runner decodes a message's %0D, %0A and then %25.
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def test_mixed_matches_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    assert_golden(
        "annotations_mixed.txt", render_annotations(_mixed_case(make_compare))
    )


def test_warn_matches_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    compare = make_compare(baseline={"wall_ms": (100,)}, current={"wall_ms": (119,)})
    assert_golden("annotations_warn.txt", render_annotations(compare))


def test_hostile_name_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    compare = _mixed_case(make_compare, name="x\r\n::error::injected 100%")
    assert_golden("annotations_hostile_name.txt", render_annotations(compare))


def test_pass_gives_empty_text(make_compare: MakeCompare) -> None:
    compare = make_compare(baseline={"wall_ms": (100,)}, current={"wall_ms": (110,)})
    assert render_annotations(compare) == ""


def test_lines_follow_metric_order(make_compare: MakeCompare) -> None:
    lines = render_annotations(_mixed_case(make_compare)).splitlines()
    assert lines == [
        "::warning::perfgate bench max_rss_kb: +19.00% "
        "(baseline 1000KB, current 1190KB)",
        "::error::perfgate bench wall_ms: +25.00% (baseline 100ms, current 125ms)",
    ]


def test_throughput_drop_is_error(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100,), "work_units": 100},
        current={"wall_ms": (100,), "work_units": 70},
    )
    assert render_annotations(compare) == (
        "::error::perfgate bench throughput_per_s: -30.00% "
        "(baseline 1000.000/s, current 700.000/s)\n"
    )


def test_higher_direction_warns_on_drop(make_compare: MakeCompare) -> None:
    policy = BudgetPolicy(overrides={"max_rss_kb": BudgetOverride(direction="higher")})
    compare = make_compare(
        baseline={"wall_ms": (100,), "max_rss_kb": (1000,)},
        current={"wall_ms": (100,), "max_rss_kb": (810,)},
        policy=policy,
    )
    assert render_annotations(compare) == (
        "::warning::perfgate bench max_rss_kb: -19.00% "
        "(baseline 1000KB, current 810KB)\n"
    )


def test_boundary_delta_more_decimals(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100000,), "max_rss_kb": (100000,)},
        current={"wall_ms": (119999,), "max_rss_kb": (120001,)},
    )
    assert render_annotations(compare).splitlines() == [
        "::error::perfgate bench max_rss_kb: +20.001% "
        "(baseline 100000KB, current 120001KB)",
        "::warning::perfgate bench wall_ms: +19.999% "
        "(baseline 100000ms, current 119999ms)",
    ]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_name_one_line_each(name: str, make_compare: MakeCompare) -> None:
    text = render_annotations(_mixed_case(make_compare, name=name))

    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    assert len(lines) == 2
    assert "\r" not in text
    prefix_by_line = ["::warning::perfgate ", "::error::perfgate "]
    suffix_by_line = [
        " max_rss_kb: +19.00% (baseline 1000KB, current 1190KB)",
        " wall_ms: +25.00% (baseline 100ms, current 125ms)",
    ]
    for line, prefix, suffix in zip(lines, prefix_by_line, suffix_by_line, strict=True):
        assert line.startswith(prefix)
        assert line.endswith(suffix)
        escaped_name = line[len(prefix) : len(line) - len(suffix)]
        # Every % of the name is escaped, so the runner shows the name as is.
        assert "%" not in escaped_name.replace("%25", "").replace("%0D", "").replace(
            "%0A", ""
        )
        assert _decode_runner_message(escaped_name) == name
