"""The Markdown PR comment of a comparison and of a run without a baseline."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from perfgate.app.check_summary import promote_command
from perfgate.app.markdown import (
    ACCEPTED_FAILURES_HEADING,
    TABLE_HEADER,
    render_compare_markdown,
    render_no_baseline_markdown,
)
from perfgate.app.text import NEWLINE_SYMBOL
from perfgate.domain.compare import BudgetOverride, BudgetPolicy
from perfgate.types.receipts import CompareReceipt, RunReceipt

MakeCompare = Callable[..., CompareReceipt]

HOSTILE_NAMES = [
    "a|b",
    "x`y",
    "x\n::error::injected",
    "100%",
    "тест 🚀",
    "bench.py::test_fib[10]",
    "carriage\rreturn",
    "blank\r\n\r\n# heading",
    "long ```` run",
    "`",
    "| --- | --- |",
    "=1+1",
    "@SUM(A1)",
    "a\\|b",
]

HEADER_LINES = TABLE_HEADER.splitlines()


def _pass_case(make_compare: MakeCompare, name: str = "bench") -> CompareReceipt:
    return make_compare(
        name=name,
        baseline={"wall_ms": (100, 100, 100), "max_rss_kb": (1000, 1000, 1000)},
        current={"wall_ms": (110, 110, 110), "max_rss_kb": (1000, 1000, 1000)},
    )


def _warn_case(make_compare: MakeCompare, name: str = "bench") -> CompareReceipt:
    return make_compare(
        name=name,
        baseline={"wall_ms": (100, 100, 100), "max_rss_kb": (1000, 1000, 1000)},
        current={"wall_ms": (119, 119, 119), "max_rss_kb": (1000, 1000, 1000)},
    )


def _fail_case(make_compare: MakeCompare, name: str = "bench") -> CompareReceipt:
    return make_compare(
        name=name,
        baseline={"wall_ms": (100, 100, 100), "max_rss_kb": (1000, 1000, 1000)},
        current={"wall_ms": (125, 125, 125), "max_rss_kb": (1190, 1190, 1190)},
    )


def _table_rows(markdown: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index(HEADER_LINES[1]) + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_pass_matches_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    assert_golden("compare_pass.md", render_compare_markdown(_pass_case(make_compare)))


def test_warn_matches_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    assert_golden("compare_warn.md", render_compare_markdown(_warn_case(make_compare)))


def test_fail_matches_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    assert_golden("compare_fail.md", render_compare_markdown(_fail_case(make_compare)))


def test_fractional_ms_and_throughput_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    compare = make_compare(
        baseline={
            "wall_ms": (2, 2, 2),
            "wall_ns": (2_345_000, 2_345_000, 2_345_000),
            "work_units": 1000,
        },
        current={
            "wall_ms": (2, 2, 2),
            "wall_ns": (2_500_000, 2_500_000, 2_500_000),
            "work_units": 1000,
        },
    )
    assert_golden("compare_fractional.md", render_compare_markdown(compare))


def test_hostile_name_golden(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    compare = _fail_case(make_compare, name="a|b`c\n::error::x %0A")
    assert_golden("compare_hostile_name.md", render_compare_markdown(compare))


def test_rows_in_metric_order(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100,), "max_rss_kb": (1000,), "work_units": 10},
        current={"wall_ms": (100,), "max_rss_kb": (1000,), "work_units": 10},
    )
    rows = _table_rows(render_compare_markdown(compare))
    assert [row.split(" | ")[0] for row in rows] == [
        "| `max_rss_kb`",
        "| `throughput_per_s`",
        "| `wall_ms`",
    ]


def test_pass_has_no_notes(make_compare: MakeCompare) -> None:
    markdown = render_compare_markdown(_pass_case(make_compare))
    assert "**Notes:**" not in markdown
    assert markdown.startswith("✅ perfgate: pass\n")


def test_notes_list_each_reason(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100,), "max_rss_kb": (1000,)},
        current={"wall_ms": (119,), "max_rss_kb": (1300,)},
    )
    markdown = render_compare_markdown(compare)
    notes = markdown.split("**Notes:**\n", 1)[1].splitlines()
    assert notes == [
        "- max_rss_kb_fail: +30.00% (fail > 20.00%)",
        "- wall_ms_warn: +19.00% (warn >= 18.00%, fail > 20.00%)",
    ]
    assert markdown.startswith("❌ perfgate: fail\n")


def test_custom_budget_shows_direction(make_compare: MakeCompare) -> None:
    policy = BudgetPolicy(
        warn_factor=0.5,
        overrides={
            "wall_ms": BudgetOverride(threshold=0.05),
            "max_rss_kb": BudgetOverride(direction="higher"),
        },
    )
    compare = make_compare(
        baseline={"wall_ms": (100,), "max_rss_kb": (1000,)},
        current={"wall_ms": (107,), "max_rss_kb": (900,)},
        policy=policy,
    )
    rows = _table_rows(render_compare_markdown(compare))
    assert rows == [
        "| `max_rss_kb` | 1000 KB | 900 KB | -10.00% | 20.0% (higher) | ⚠️ |",
        "| `wall_ms` | 100 ms | 107 ms | +7.00% | 5.0% (lower) | ❌ |",
    ]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_name_stays_in_span(
    name: str,
    make_compare: MakeCompare,
    code_span: Callable[[str], str],
    table_cells: Callable[[str], list[str]],
) -> None:
    plain = render_compare_markdown(_warn_case(make_compare)).splitlines()
    hostile = render_compare_markdown(_warn_case(make_compare, name=name)).splitlines()

    assert len(hostile) == len(plain)
    bench_line = hostile[2]
    assert bench_line.startswith("**Bench:** ")
    displayed_name = code_span(bench_line.removeprefix("**Bench:** "))
    expected = name.replace("\r\n", "\n").replace("\r", "\n")
    assert displayed_name == expected.replace("\n", NEWLINE_SYMBOL)
    # Every line but the bench line is the same as for a plain name.
    assert hostile[:2] + hostile[3:] == plain[:2] + plain[3:]
    for row in _table_rows("\n".join(hostile)):
        assert len(table_cells(row)) == 6


def test_no_baseline_golden(
    make_run_receipt: Callable[..., RunReceipt],
    assert_golden: Callable[[str, str], None],
) -> None:
    run = make_run_receipt(
        name="sort 1m", wall_ms=(120, 125, 130), max_rss_kb=(2048, 2048, 4096)
    )
    command = promote_command("ci/out/run.json", "ci/baselines/sort 1m.json")
    assert_golden("no_baseline.md", render_no_baseline_markdown(run, command))


def test_no_baseline_shows_given_command(
    make_run_receipt: Callable[..., RunReceipt],
    code_span: Callable[[str], str],
) -> None:
    run = make_run_receipt(name="it's")
    command = promote_command("out dir/run.json", "baselines/it's.json")
    last = render_no_baseline_markdown(run, command).splitlines()[-1]
    assert code_span(last[last.index("`") :]) == (
        "perfgate promote --current 'out dir/run.json' "
        "--to 'baselines/it'\"'\"'s.json' --normalize"
    )


def test_no_baseline_without_command_generic(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    markdown = render_no_baseline_markdown(make_run_receipt(name="tiny"))
    assert markdown.endswith(
        "Create the baseline from this run's receipt with `perfgate promote`, "
        "then commit it.\n"
    )
    assert "run.json" not in markdown
    assert "baselines/" not in markdown


def test_no_baseline_lists_present_metrics(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    run = make_run_receipt(
        name="tiny", wall_ms=(0, 0, 0), wall_ns=(400_000, 450_000, 500_000)
    )
    markdown = render_no_baseline_markdown(run)
    assert markdown.startswith("⚠️ perfgate: warn (no baseline)\n")
    assert "**Bench:** `tiny`" in markdown
    assert "| `wall_ms` | 0.45 ms |" in markdown
    assert "throughput_per_s" not in markdown
    assert "max_rss_kb" not in markdown


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_no_baseline_hostile_name(
    name: str,
    make_run_receipt: Callable[..., RunReceipt],
    code_span: Callable[[str], str],
) -> None:
    def render(bench_name: str) -> list[str]:
        command = promote_command("out/run.json", f"baselines/{bench_name}.json")
        run = make_run_receipt(name=bench_name)
        return render_no_baseline_markdown(run, command).splitlines()

    plain = render("bench")
    hostile = render(name)
    assert len(hostile) == len(plain)
    displayed = (
        name.replace("\r\n", "\n").replace("\r", "\n").replace("\n", NEWLINE_SYMBOL)
    )
    assert code_span(hostile[2].removeprefix("**Bench:** ")) == displayed
    last = hostile[-1]
    command_span = last[last.index("`") :]
    expected = promote_command("out/run.json", f"baselines/{name}.json")
    assert code_span(command_span) == (
        expected.replace("\r\n", "\n").replace("\r", "\n").replace("\n", NEWLINE_SYMBOL)
    )


# Failed iterations accepted with --allow-nonzero


def test_accepted_failures_above_table(
    make_compare: MakeCompare, assert_golden: Callable[[str, str], None]
) -> None:
    failures = [
        "iteration 1 of 3: exit code 1, stderr: 'error: *oops*'",
        "iteration 3 of 3: timed out (timeout of 2s)",
    ]
    markdown = render_compare_markdown(_pass_case(make_compare), failures)
    assert_golden("compare_accepted_failures.md", markdown)
    lines = markdown.splitlines()
    assert lines[0] == "✅ perfgate: pass"
    heading = lines.index(ACCEPTED_FAILURES_HEADING)
    assert lines[heading + 1 : heading + 4] == [
        "",
        "- iteration 1 of 3: exit code 1, stderr: 'error: \\*oops\\*'",
        "- iteration 3 of 3: timed out (timeout of 2s)",
    ]
    assert heading < lines.index(HEADER_LINES[0])


def test_accepted_failures_capped(make_compare: MakeCompare) -> None:
    failures = [f"iteration {index} of 9: exit code 1" for index in range(1, 10)]
    markdown = render_compare_markdown(_pass_case(make_compare), failures)
    assert "- iteration 5 of 9: exit code 1\n" in markdown
    assert "iteration 6 of 9" not in markdown
    assert "- and 4 more failed iterations\n" in markdown


def test_no_failures_no_warning(make_compare: MakeCompare) -> None:
    assert ACCEPTED_FAILURES_HEADING not in render_compare_markdown(
        _pass_case(make_compare)
    )


# Deltas next to their thresholds


def test_boundary_deltas_show_more_decimals(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100000,), "max_rss_kb": (100000,)},
        current={"wall_ms": (117999,), "max_rss_kb": (120001,)},
    )
    markdown = render_compare_markdown(compare)
    assert _table_rows(markdown) == [
        "| `max_rss_kb` | 100000 KB | 120001 KB | +20.001% | 20.0% (lower) | ❌ |",
        "| `wall_ms` | 100000 ms | 117999 ms | +17.999% | 20.0% (lower) | ✅ |",
    ]
    notes = markdown.split("**Notes:**\n", 1)[1].splitlines()
    assert notes == ["- max_rss_kb_fail: +20.001% (fail > 20.00%)"]


def test_warn_near_fail_more_decimals(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100000,)}, current={"wall_ms": (119999,)}
    )
    notes = render_compare_markdown(compare).split("**Notes:**\n", 1)[1]
    assert notes == "- wall_ms_warn: +19.999% (warn >= 18.00%, fail > 20.00%)\n"


def test_higher_direction_boundary_decimals(make_compare: MakeCompare) -> None:
    # Throughput 100000 -> 79999 per second: a drop just past 20 %.
    compare = make_compare(
        baseline={"wall_ms": (1000,), "work_units": 100000},
        current={"wall_ms": (1000,), "work_units": 79999},
    )
    rows = _table_rows(render_compare_markdown(compare))
    assert rows[0].split(" | ")[3] == "-20.001%"


def test_budget_shows_exact_threshold(make_compare: MakeCompare) -> None:
    policy = BudgetPolicy(
        overrides={
            "max_rss_kb": BudgetOverride(threshold=0.0004),
            "wall_ms": BudgetOverride(threshold=0.0125),
        }
    )
    compare = make_compare(
        baseline={"wall_ms": (1000,), "max_rss_kb": (100000,)},
        current={"wall_ms": (1100,), "max_rss_kb": (100000,)},
        policy=policy,
    )
    markdown = render_compare_markdown(compare)
    assert _table_rows(markdown) == [
        "| `max_rss_kb` | 100000 KB | 100000 KB | 0.00% | 0.04% (lower) | ✅ |",
        "| `wall_ms` | 1000 ms | 1100 ms | +10.00% | 1.25% (lower) | ❌ |",
    ]
    assert markdown.endswith("- wall_ms_fail: +10.00% (fail > 1.25%)\n")
