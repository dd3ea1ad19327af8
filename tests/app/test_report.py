"""The report envelope: findings, counts and the missing-baseline report."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from perfgate.app.report import (
    build_error_report,
    build_no_baseline_report,
    build_report,
)
from perfgate.domain.compare import BudgetOverride, BudgetPolicy
from perfgate.domain.report import require_budgets
from perfgate.types.codec import decode_report, encode
from perfgate.types.errors import ReceiptError
from perfgate.types.receipts import CompareReceipt, RunReceipt

MakeCompare = Callable[..., CompareReceipt]


def _mixed_case(make_compare: MakeCompare) -> CompareReceipt:
    """wall_ms fails (+25 %), max_rss_kb warns (+19 %), throughput passes."""
    return make_compare(
        baseline={"wall_ms": (100,), "max_rss_kb": (1000,), "work_units": 100},
        current={"wall_ms": (125,), "max_rss_kb": (1190,), "work_units": 125},
    )


def test_findings_in_metric_order(make_compare: MakeCompare) -> None:
    report = build_report(_mixed_case(make_compare))
    assert [
        finding.data.metric_name for finding in report.findings if finding.data
    ] == [
        "max_rss_kb",
        "wall_ms",
    ]


def test_fail_finding_fields(make_compare: MakeCompare) -> None:
    finding = build_report(_mixed_case(make_compare)).findings[1]
    assert finding.check_id == "perf.budget"
    assert finding.code == "metric_fail"
    assert finding.severity == "fail"
    assert finding.message == (
        "Performance regression exceeded threshold for wall_ms: "
        "25.00% regression (threshold: 20.00%)"
    )
    assert finding.data is not None
    assert finding.data.baseline == 100.0
    assert finding.data.current == 125.0
    assert finding.data.regression_pct == pytest.approx(25.0, abs=1e-12)
    assert finding.data.threshold == 0.2
    assert finding.data.direction == "lower"


def test_warn_finding_fields(make_compare: MakeCompare) -> None:
    finding = build_report(_mixed_case(make_compare)).findings[0]
    assert finding.code == "metric_warn"
    assert finding.severity == "warn"
    assert finding.message == (
        "Performance regression near threshold for max_rss_kb: "
        "19.00% regression (threshold: 20.00%)"
    )
    assert finding.data is not None
    assert finding.data.regression_pct == pytest.approx(19.0, abs=1e-12)


def test_higher_direction_regression_positive(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100,), "work_units": 100},
        current={"wall_ms": (100,), "work_units": 70},
    )
    (finding,) = build_report(compare).findings
    assert finding.data is not None
    assert finding.data.metric_name == "throughput_per_s"
    assert finding.data.direction == "higher"
    # The regression is positive although throughput dropped.
    assert finding.data.regression_pct == pytest.approx(30.0, abs=1e-9)
    assert "30.00% regression" in finding.message


def test_custom_threshold_in_message(make_compare: MakeCompare) -> None:
    policy = BudgetPolicy(overrides={"wall_ms": BudgetOverride(threshold=0.05)})
    compare = make_compare(
        baseline={"wall_ms": (100,)}, current={"wall_ms": (107,)}, policy=policy
    )
    (finding,) = build_report(compare).findings
    assert finding.message.endswith("7.00% regression (threshold: 5.00%)")
    assert finding.data is not None
    assert finding.data.threshold == 0.05


def test_boundary_message_more_decimals(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100000,), "max_rss_kb": (100000,)},
        current={"wall_ms": (119999,), "max_rss_kb": (120001,)},
    )
    messages = [finding.message for finding in build_report(compare).findings]
    assert messages == [
        "Performance regression exceeded threshold for max_rss_kb: "
        "20.001% regression (threshold: 20.00%)",
        "Performance regression near threshold for wall_ms: "
        "19.999% regression (threshold: 20.00%)",
    ]


def test_fine_threshold_in_message(make_compare: MakeCompare) -> None:
    policy = BudgetPolicy(overrides={"wall_ms": BudgetOverride(threshold=0.00125)})
    compare = make_compare(
        baseline={"wall_ms": (1000,)}, current={"wall_ms": (1100,)}, policy=policy
    )
    (finding,) = build_report(compare).findings
    assert finding.message.endswith("10.00% regression (threshold: 0.125%)")


def test_summary_counts_statuses(make_compare: MakeCompare) -> None:
    summary = build_report(_mixed_case(make_compare)).summary
    assert summary.pass_count == 1
    assert summary.warn_count == 1
    assert summary.fail_count == 1
    assert summary.total_count == 3


def test_pass_has_no_findings(make_compare: MakeCompare) -> None:
    compare = make_compare(baseline={"wall_ms": (100,)}, current={"wall_ms": (110,)})
    report = build_report(compare)
    assert report.findings == []
    assert report.verdict.status == "pass"
    assert report.summary.pass_count == 1
    assert report.summary.total_count == 1


def test_report_embeds_compare(make_compare: MakeCompare) -> None:
    compare = _mixed_case(make_compare)
    report = build_report(compare)
    assert report.report_type == "perfgate.report.v1"
    assert report.compare == compare
    assert report.verdict == compare.verdict


def test_report_round_trips_codec(make_compare: MakeCompare) -> None:
    report = build_report(_mixed_case(make_compare))
    decoded = decode_report(encode(report), "report.json")
    assert decoded == report


def test_no_baseline_report_fields(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    report = build_no_baseline_report(make_run_receipt(name="sort-1m"))
    assert report.report_type == "perfgate.report.v1"
    assert report.verdict.status == "warn"
    assert report.verdict.reasons == ["no_baseline"]
    assert report.compare is None
    (finding,) = report.findings
    assert finding.check_id == "perf.baseline"
    assert finding.code == "missing"
    assert finding.severity == "warn"
    assert finding.data is None
    assert "sort-1m" in finding.message
    assert "perfgate promote" in finding.message
    assert report.summary.total_count == 0
    assert report.summary.warn_count == 0


def test_no_baseline_report_shows_command(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    command = "perfgate promote --current out/run.json --to 'b/x y.json' --normalize"
    report = build_no_baseline_report(make_run_receipt(name="x y"), command)
    (finding,) = report.findings
    assert finding.message == (
        "No baseline found for bench 'x y', so no budget was checked; "
        f"create it with `{command}`"
    )


def test_no_baseline_report_generic_hint(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    (finding,) = build_no_baseline_report(make_run_receipt(name="x")).findings
    assert finding.message.endswith(
        "create one from this run's receipt with `perfgate promote`"
    )
    assert "run.json" not in finding.message
    assert "baselines/" not in finding.message


def test_error_report_fields() -> None:
    report = build_error_report("command_error", "command not found: 'work'")
    assert report.report_type == "perfgate.report.v1"
    assert report.verdict.status == "fail"
    assert report.verdict.reasons == ["command_error"]
    assert report.compare is None
    (finding,) = report.findings
    assert finding.check_id == "perf.run"
    assert finding.code == "command_error"
    assert finding.severity == "fail"
    assert finding.message == "command not found: 'work'"
    assert finding.data is None
    assert report.summary.total_count == 0
    data = msgspec.json.decode(encode(report))
    assert "compare" not in data
    assert "data" not in data["findings"][0]
    assert decode_report(encode(report), "report.json") == report


def test_compare_error_has_own_check() -> None:
    (finding,) = build_error_report("compare_error", "x.json: zero").findings
    assert finding.check_id == "perf.compare"


def test_accepted_failures_become_findings(make_compare: MakeCompare) -> None:
    report = build_report(_mixed_case(make_compare), ["iteration 2 of 3: exit code 1"])
    assert [finding.code for finding in report.findings] == [
        "metric_warn",
        "metric_fail",
        "iteration_failed",
    ]
    assert report.verdict.status == "fail"
    assert report.summary.total_count == 3


def test_no_baseline_omits_compare_key(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    report = build_no_baseline_report(make_run_receipt())
    data = msgspec.json.decode(encode(report))
    assert "compare" not in data
    assert "data" not in data["findings"][0]
    assert decode_report(encode(report), "report.json") == report


def test_require_budgets_names_file(make_compare: MakeCompare) -> None:
    compare = _mixed_case(make_compare)
    broken = msgspec.structs.replace(
        compare,
        budgets={
            metric: budget
            for metric, budget in compare.budgets.items()
            if metric != "wall_ms"
        },
    )
    with pytest.raises(ReceiptError) as caught:
        require_budgets(broken, "compare.json")
    message = str(caught.value)
    assert message.startswith("compare.json: ")
    assert "deltas.wall_ms" in message
    assert "\n" not in message
