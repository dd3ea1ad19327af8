"""Invariants of the statistics and the budget policy, checked with hypothesis."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.domain.compare import (
    BudgetPolicy,
    compare_stats,
    compare_values,
    decide_verdict,
)
from perfgate.domain.stats import compute_stats, summarize_f64, summarize_u64
from perfgate.types.codec import encode
from perfgate.types.errors import ComparisonError
from perfgate.types.receipts import (
    RUN_SCHEMA,
    BenchMeta,
    Budget,
    Delta,
    Direction,
    HostInfo,
    MetricName,
    RunMeta,
    RunReceipt,
    Sample,
    Stats,
    Status,
    ToolInfo,
    U64Summary,
)

U64_MAX = 2**64 - 1
STATUS_RANK = {"pass": 0, "warn": 1, "fail": 2}
METRICS: list[MetricName] = [
    "cpu_ms",
    "ctx_switches",
    "max_rss_kb",
    "page_faults",
    "throughput_per_s",
    "wall_ms",
]

u64s = st.integers(min_value=0, max_value=U64_MAX)
u64_lists = st.lists(u64s, min_size=1, max_size=50)
rates = st.floats(min_value=0.0, max_value=1e12, allow_nan=False)
rate_lists = st.lists(rates, min_size=1, max_size=50)
directions: st.SearchStrategy[Direction] = st.sampled_from(["lower", "higher"])
statuses: st.SearchStrategy[Status] = st.sampled_from(["pass", "warn", "fail"])
thresholds = st.floats(min_value=1e-6, max_value=10.0)
warn_factors = st.floats(min_value=1e-6, max_value=1.0)
positive_medians = st.floats(min_value=1e-6, max_value=1e15)
medians = st.floats(min_value=0.0, max_value=1e15)


@st.composite
def budgets(draw: st.DrawFn) -> Budget:
    threshold = draw(thresholds)
    direction: Direction = draw(directions)
    return Budget(
        threshold=threshold,
        warn_threshold=threshold * draw(warn_factors),
        direction=direction,
    )


@st.composite
def measured_samples(draw: st.DrawFn, warmup: bool = False) -> Sample:
    wall_ns = draw(st.integers(min_value=0, max_value=10**13))
    return Sample(
        wall_ms=wall_ns // 1_000_000,
        exit_code=draw(st.integers(min_value=-1, max_value=255)),
        warmup=warmup,
        wall_ns=wall_ns,
        max_rss_kb=draw(st.none() | u64s),
        cpu_ms=draw(st.none() | st.integers(min_value=0, max_value=10**9)),
    )


@st.composite
def stats_pairs(draw: st.DrawFn) -> tuple[Stats, Stats]:
    def one() -> Stats:
        samples = draw(st.lists(measured_samples(), min_size=1, max_size=9))
        work = draw(st.none() | st.integers(min_value=1, max_value=10**9))
        return compute_stats(samples, work)

    return one(), one()


def reference_u64_median(values: list[int]) -> int:
    ordered = sorted(values)
    count = len(ordered)
    if count % 2:
        return ordered[count // 2]
    return math.floor(Fraction(ordered[count // 2 - 1] + ordered[count // 2], 2))


@given(u64_lists)
def test_u64_median_between_extremes(values: list[int]) -> None:
    summary = summarize_u64(values)
    assert summary.min <= summary.median <= summary.max
    assert summary.min == min(values)
    assert summary.max == max(values)


@given(rate_lists)
def test_f64_median_between_extremes(values: list[float]) -> None:
    summary = summarize_f64(values)
    assert summary.min <= summary.median <= summary.max


@given(u64_lists)
def test_u64_median_matches_reference(values: list[int]) -> None:
    assert summarize_u64(values).median == reference_u64_median(values)


@given(rate_lists)
def test_f64_median_matches_reference(values: list[float]) -> None:
    assert summarize_f64(values).median == statistics.median(values)


@given(
    st.lists(measured_samples(), min_size=1, max_size=10),
    st.lists(measured_samples(warmup=True), max_size=10),
    st.none() | st.integers(min_value=1, max_value=10**9),
)
def test_warmups_never_counted(
    measured: list[Sample], warmups: list[Sample], work: int | None
) -> None:
    assert compute_stats(warmups + measured, work) == compute_stats(measured, work)


@given(st.just(0.0) | positive_medians, medians, budgets())
def test_regression_never_negative(
    baseline: float, current: float, budget: Budget
) -> None:
    if baseline == 0 and current != 0:
        return
    result = compare_values(baseline, current, budget)
    assert result.regression >= 0.0


@given(positive_medians, medians, budgets())
def test_status_follows_formula(
    baseline: float, current: float, budget: Budget
) -> None:
    result = compare_values(baseline, current, budget)
    pct = (current - baseline) / baseline
    regression = max(pct, 0.0) if budget.direction == "lower" else max(-pct, 0.0)
    if regression > budget.threshold:
        expected = "fail"
    elif regression >= budget.warn_threshold:
        expected = "warn"
    else:
        expected = "pass"
    assert result.pct == pct
    assert result.ratio == current / baseline
    assert result.regression == regression
    assert result.status == expected


@given(positive_medians, medians, medians, budgets())
def test_status_monotone_in_regression(
    baseline: float, first: float, second: float, budget: Budget
) -> None:
    one = compare_values(baseline, first, budget)
    two = compare_values(baseline, second, budget)
    if one.regression <= two.regression:
        assert STATUS_RANK[one.status] <= STATUS_RANK[two.status]
    else:
        assert STATUS_RANK[one.status] >= STATUS_RANK[two.status]


@given(
    st.integers(min_value=1, max_value=2**40),
    st.integers(min_value=0, max_value=2**41),
    thresholds,
    warn_factors,
)
def test_direction_symmetry(
    baseline: int, current: int, threshold: float, warn_factor: float
) -> None:
    # Mirroring current around the baseline negates pct exactly while all
    # values are integers below 2**53.
    if current > 2 * baseline:
        current = 2 * baseline
    mirrored = 2 * baseline - current
    higher = Budget(
        threshold=threshold,
        warn_threshold=threshold * warn_factor,
        direction="higher",
    )
    lower = Budget(
        threshold=threshold, warn_threshold=threshold * warn_factor, direction="lower"
    )
    as_higher = compare_values(float(baseline), float(current), higher)
    as_lower = compare_values(float(baseline), float(mirrored), lower)
    assert as_higher.pct == -as_lower.pct
    assert as_higher.regression == as_lower.regression
    assert as_higher.status == as_lower.status


@given(st.dictionaries(st.sampled_from(METRICS), statuses))
def test_verdict_precedence(by_metric: dict[MetricName, Status]) -> None:
    verdict = decide_verdict({m: status_delta(s) for m, s in by_metric.items()})
    found = set(by_metric.values())
    if "fail" in found:
        assert verdict.status == "fail"
    elif "warn" in found:
        assert verdict.status == "warn"
    else:
        assert verdict.status == "pass"


@given(st.dictionaries(st.sampled_from(METRICS), statuses))
def test_verdict_counts_add_up(by_metric: dict[MetricName, Status]) -> None:
    verdict = decide_verdict({m: status_delta(s) for m, s in by_metric.items()})
    counts = verdict.counts
    assert counts.pass_ + counts.warn + counts.fail == len(by_metric)
    assert counts.fail == sum(1 for s in by_metric.values() if s == "fail")
    assert counts.warn == sum(1 for s in by_metric.values() if s == "warn")


@given(st.dictionaries(st.sampled_from(METRICS), statuses))
def test_reasons_sorted_one_per_problem(by_metric: dict[MetricName, Status]) -> None:
    verdict = decide_verdict({m: status_delta(s) for m, s in by_metric.items()})
    expected = [f"{m}_{s}" for m, s in sorted(by_metric.items()) if s != "pass"]
    assert verdict.reasons == expected
    assert verdict.reasons == sorted(verdict.reasons)


@given(stats_pairs(), thresholds, warn_factors)
def test_compare_is_deterministic(
    pair: tuple[Stats, Stats], threshold: float, warn_factor: float
) -> None:
    baseline, current = pair
    policy = BudgetPolicy(threshold=threshold, warn_factor=warn_factor)
    first_error: str | None = None
    try:
        first = compare_stats(baseline, current, policy)
    except ComparisonError as exc:
        first_error = str(exc)
    if first_error is not None:
        # A zero baseline median must fail the same way every time.
        with pytest.raises(ComparisonError) as again:
            compare_stats(baseline, current, policy)
        assert str(again.value) == first_error
        return
    second = compare_stats(baseline, current, policy)
    assert first == second
    assert list(first.deltas) == sorted(first.deltas)


@given(stats_pairs())
def test_stats_encoding_is_byte_stable(pair: tuple[Stats, Stats]) -> None:
    stats, _ = pair
    receipt = RunReceipt(
        schema=RUN_SCHEMA,
        tool=ToolInfo(name="perfgate", version="0"),
        run=RunMeta(
            id="r",
            started_at="2026-01-15T10:00:00Z",
            ended_at="2026-01-15T10:00:00Z",
            host=HostInfo(os="linux", arch="x86_64"),
        ),
        bench=BenchMeta(name="b", command=["true"], repeat=1, warmup=0),
        samples=[],
        stats=stats,
    )
    assert encode(receipt) == encode(receipt)
    assert encode(receipt, pretty=True) == encode(receipt, pretty=True)


def status_delta(status: Status) -> Delta:
    return Delta(
        baseline=1.0, current=1.0, ratio=1.0, pct=0.0, regression=0.0, status=status
    )


@given(u64_lists)
def test_u64_summary_encodes_exactly(values: list[int]) -> None:
    summary = summarize_u64(values)
    assert isinstance(summary, U64Summary)
    assert isinstance(summary.median, int)
    assert 0 <= summary.median <= U64_MAX
