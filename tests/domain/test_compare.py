"""Deltas, budgets, gated metrics and the verdict of a comparison."""

from __future__ import annotations

import pytest

from perfgate.domain.compare import (
    BudgetOverride,
    BudgetPolicy,
    compare_stats,
    compare_values,
    decide_verdict,
    exit_code_for,
)
from perfgate.types.errors import ComparisonError
from perfgate.types.receipts import (
    Budget,
    Delta,
    F64Summary,
    MetricName,
    Stats,
    Status,
    U64Summary,
)

LOWER_20 = Budget(threshold=0.2, warn_threshold=0.2 * 0.9, direction="lower")
HIGHER_20 = Budget(threshold=0.2, warn_threshold=0.2 * 0.9, direction="higher")


def summary(median: int) -> U64Summary:
    return U64Summary(median=median, min=median, max=median)


def rate(median: float) -> F64Summary:
    return F64Summary(median=median, min=median, max=median)


def full_stats(scale: int = 1) -> Stats:
    """Stats with every metric present."""
    return Stats(
        wall_ms=summary(100 * scale),
        max_rss_kb=summary(1000 * scale),
        cpu_ms=summary(90 * scale),
        page_faults=summary(2 * scale),
        ctx_switches=summary(10 * scale),
        throughput_per_s=rate(50.0 * scale),
    )


def delta(status: Status) -> Delta:
    return Delta(
        baseline=1.0, current=1.0, ratio=1.0, pct=0.0, regression=0.0, status=status
    )


def test_ten_percent_slower_passes() -> None:
    result = compare_values(100.0, 110.0, LOWER_20)
    assert result.status == "pass"
    assert result.ratio == 110.0 / 100.0
    assert result.pct == (110.0 - 100.0) / 100.0
    assert result.regression == result.pct


def test_faster_has_zero_regression() -> None:
    result = compare_values(100.0, 50.0, LOWER_20)
    assert result.pct == -0.5
    assert result.regression == 0.0
    assert result.status == "pass"


def test_regression_equal_threshold_warns() -> None:
    pct = (120.0 - 100.0) / 100.0
    assert pct == 0.2  # precondition: the boundary is hit exactly
    result = compare_values(100.0, 120.0, LOWER_20)
    assert result.regression == LOWER_20.threshold
    assert result.status == "warn"


def test_regression_above_threshold_fails() -> None:
    assert compare_values(100.0, 121.0, LOWER_20).status == "fail"


def test_regression_equal_warn_threshold_warns() -> None:
    budget = Budget(threshold=0.5, warn_threshold=0.5 * 0.5, direction="lower")
    assert budget.warn_threshold == (125.0 - 100.0) / 100.0  # precondition
    assert compare_values(100.0, 125.0, budget).status == "warn"


def test_eighteen_percent_passes_default_budget() -> None:
    # 0.2 * 0.9 is 0.18000000000000002 in doubles, just above 18/100, so an
    # 18 % regression stays below the default warn threshold.
    assert 0.2 * 0.9 > (118.0 - 100.0) / 100.0
    assert compare_values(100.0, 118.0, LOWER_20).status == "pass"
    assert compare_values(100.0, 119.0, LOWER_20).status == "warn"


def test_higher_direction_drop_fails() -> None:
    result = compare_values(100.0, 75.0, HIGHER_20)
    assert result.pct == -0.25
    assert result.regression == 0.25
    assert result.status == "fail"


def test_higher_direction_gain_passes() -> None:
    result = compare_values(100.0, 200.0, HIGHER_20)
    assert result.regression == 0.0
    assert result.status == "pass"


def test_zero_baseline_and_current_pass() -> None:
    result = compare_values(0.0, 0.0, LOWER_20)
    assert result.status == "pass"
    assert result.ratio == 1.0
    assert result.pct == 0.0
    assert result.regression == 0.0


def test_zero_baseline_nonzero_current_raises() -> None:
    with pytest.raises(ComparisonError, match="baseline median is 0"):
        compare_values(0.0, 5.0, LOWER_20)


def test_zero_baseline_error_names_metric() -> None:
    baseline = Stats(wall_ms=summary(0))
    current = Stats(wall_ms=summary(3))
    with pytest.raises(ComparisonError, match="wall_ms"):
        compare_stats(baseline, current, BudgetPolicy())


def test_zero_max_rss_both_sides_pass() -> None:
    stats = Stats(wall_ms=summary(10), max_rss_kb=summary(0))
    comparison = compare_stats(stats, stats, BudgetPolicy())
    assert comparison.deltas["max_rss_kb"].status == "pass"
    assert comparison.deltas["max_rss_kb"].ratio == 1.0


def test_overflowing_ratio_raises() -> None:
    with pytest.raises(ComparisonError, match="too large"):
        compare_values(5e-324, 1e300, HIGHER_20)


def test_huge_medians_compare_finite() -> None:
    u64_max = 2**64 - 1
    baseline = Stats(wall_ms=summary(u64_max // 2))
    current = Stats(wall_ms=summary(u64_max))
    comparison = compare_stats(baseline, current, BudgetPolicy())
    wall = comparison.deltas["wall_ms"]
    assert wall.ratio == pytest.approx(2.0)
    assert wall.status == "fail"


def test_wall_ns_used_when_both_have_it() -> None:
    baseline = Stats(wall_ms=summary(0), wall_ns=summary(400_000))
    current = Stats(wall_ms=summary(0), wall_ns=summary(500_000))
    wall = compare_stats(baseline, current, BudgetPolicy()).deltas["wall_ms"]
    assert wall.baseline == 400_000 / 1e6
    assert wall.current == 500_000 / 1e6
    assert wall.status == "fail"


def test_wall_ms_used_when_one_lacks_ns() -> None:
    baseline = Stats(wall_ms=summary(100), wall_ns=summary(100_900_000))
    current = Stats(wall_ms=summary(110))
    wall = compare_stats(baseline, current, BudgetPolicy()).deltas["wall_ms"]
    assert wall.baseline == 100.0
    assert wall.current == 110.0
    wall_reverse = compare_stats(current, baseline, BudgetPolicy()).deltas["wall_ms"]
    assert wall_reverse.baseline == 110.0
    assert wall_reverse.current == 100.0


def test_default_gated_metrics() -> None:
    comparison = compare_stats(full_stats(), full_stats(), BudgetPolicy())
    assert list(comparison.deltas) == ["max_rss_kb", "throughput_per_s", "wall_ms"]
    assert list(comparison.budgets) == list(comparison.deltas)


def test_default_directions() -> None:
    budgets = compare_stats(full_stats(), full_stats(), BudgetPolicy()).budgets
    assert budgets["throughput_per_s"].direction == "higher"
    assert budgets["wall_ms"].direction == "lower"
    assert budgets["max_rss_kb"].direction == "lower"


def test_metric_absent_on_one_side_skipped() -> None:
    baseline = full_stats()
    current = Stats(wall_ms=summary(100))
    comparison = compare_stats(baseline, current, BudgetPolicy())
    assert list(comparison.deltas) == ["wall_ms"]


def test_override_gates_extra_metric() -> None:
    policy = BudgetPolicy(overrides={"cpu_ms": BudgetOverride(threshold=0.05)})
    comparison = compare_stats(full_stats(), full_stats(), policy)
    assert list(comparison.deltas) == [
        "cpu_ms",
        "max_rss_kb",
        "throughput_per_s",
        "wall_ms",
    ]
    assert comparison.budgets["cpu_ms"].threshold == 0.05


def test_direction_override_gates_metric() -> None:
    policy = BudgetPolicy(overrides={"page_faults": BudgetOverride(direction="higher")})
    comparison = compare_stats(full_stats(), full_stats(), policy)
    assert "page_faults" in comparison.deltas
    assert comparison.budgets["page_faults"].direction == "higher"
    assert comparison.budgets["page_faults"].threshold == 0.2


def test_metrics_set_is_exact() -> None:
    policy = BudgetPolicy(metrics=frozenset({"ctx_switches", "cpu_ms"}))
    comparison = compare_stats(full_stats(), full_stats(), policy)
    assert list(comparison.deltas) == ["cpu_ms", "ctx_switches"]


def test_metrics_set_ignores_override_outside() -> None:
    policy = BudgetPolicy(
        metrics=frozenset({"wall_ms"}),
        overrides={"cpu_ms": BudgetOverride(threshold=0.1)},
    )
    comparison = compare_stats(full_stats(), full_stats(), policy)
    assert list(comparison.deltas) == ["wall_ms"]


def test_budget_warn_threshold_is_product() -> None:
    policy = BudgetPolicy(
        threshold=0.3,
        warn_factor=0.5,
        overrides={"wall_ms": BudgetOverride(threshold=0.1, warn_factor=0.7)},
    )
    assert policy.budget_for("max_rss_kb") == Budget(
        threshold=0.3, warn_threshold=0.3 * 0.5, direction="lower"
    )
    assert policy.budget_for("wall_ms") == Budget(
        threshold=0.1, warn_threshold=0.1 * 0.7, direction="lower"
    )


def test_default_budget_values() -> None:
    budget = BudgetPolicy().budget_for("wall_ms")
    assert budget.threshold == 0.2
    assert budget.warn_threshold == 0.2 * 0.9


def test_throughput_drop_fails() -> None:
    baseline = Stats(wall_ms=summary(100), throughput_per_s=rate(1000.0))
    current = Stats(wall_ms=summary(100), throughput_per_s=rate(700.0))
    comparison = compare_stats(baseline, current, BudgetPolicy())
    assert comparison.deltas["throughput_per_s"].status == "fail"
    assert comparison.verdict.reasons == ["throughput_per_s_fail"]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({}, "pass"),
        ({"wall_ms": "pass"}, "pass"),
        ({"wall_ms": "pass", "max_rss_kb": "warn"}, "warn"),
        ({"wall_ms": "fail", "max_rss_kb": "warn"}, "fail"),
        ({"cpu_ms": "warn", "wall_ms": "fail", "max_rss_kb": "pass"}, "fail"),
    ],
)
def test_verdict_status(statuses: dict[MetricName, Status], expected: Status) -> None:
    verdict = decide_verdict({metric: delta(s) for metric, s in statuses.items()})
    assert verdict.status == expected


def test_verdict_counts_and_reasons() -> None:
    statuses: dict[MetricName, Status] = {
        "wall_ms": "warn",
        "throughput_per_s": "fail",
        "max_rss_kb": "fail",
        "cpu_ms": "pass",
    }
    verdict = decide_verdict({metric: delta(s) for metric, s in statuses.items()})
    assert verdict.counts.pass_ == 1
    assert verdict.counts.warn == 1
    assert verdict.counts.fail == 2
    assert verdict.reasons == [
        "max_rss_kb_fail",
        "throughput_per_s_fail",
        "wall_ms_warn",
    ]


@pytest.mark.parametrize(
    ("status", "fail_on_warn", "code"),
    [
        ("pass", False, 0),
        ("pass", True, 0),
        ("warn", False, 0),
        ("warn", True, 3),
        ("fail", False, 2),
        ("fail", True, 2),
    ],
)
def test_exit_code_for_verdict(status: Status, fail_on_warn: bool, code: int) -> None:
    assert exit_code_for(status, fail_on_warn=fail_on_warn) == code
