"""Summaries of samples: medians, spread, throughput and warmup exclusion."""

from __future__ import annotations

import math

import pytest

from perfgate.domain.stats import (
    compute_stats,
    summarize_f64,
    summarize_u64,
    throughput_per_s,
)
from perfgate.types.receipts import Sample

U64_MAX = 2**64 - 1


def test_one_sample_summary() -> None:
    summary = summarize_u64([7])
    assert summary.median == 7
    assert summary.min == 7
    assert summary.max == 7
    assert summary.mean == 7.0
    assert summary.stddev is None


def test_odd_count_takes_middle() -> None:
    summary = summarize_u64([9, 1, 5])
    assert summary.median == 5
    assert summary.min == 1
    assert summary.max == 9


def test_even_count_floors_mean() -> None:
    assert summarize_u64([1, 2]).median == 1
    assert summarize_u64([4, 1]).median == 2
    assert summarize_u64([8, 2, 6, 4]).median == 5
    assert summarize_u64([3, 3, 4, 4]).median == 3


def test_float_even_count_takes_mean() -> None:
    assert summarize_f64([1.0, 2.0]).median == 1.5
    assert summarize_f64([4.0, 1.0, 3.0, 2.0]).median == 2.5


def test_float_one_sample() -> None:
    summary = summarize_f64([0.25])
    assert summary.median == 0.25
    assert summary.stddev is None


def test_huge_values_median_exact() -> None:
    # The mean of the middle two is 2**64 - 1.5; its floor must be exact,
    # which float arithmetic could not give.
    summary = summarize_u64([U64_MAX, U64_MAX - 1])
    assert summary.median == U64_MAX - 1
    assert summary.max == U64_MAX


def test_huge_equal_values_median() -> None:
    summary = summarize_u64([U64_MAX] * 4)
    assert summary.median == U64_MAX
    assert summary.mean is not None
    assert math.isfinite(summary.mean)
    assert summary.stddev == 0.0


def test_stddev_uses_n_minus_one() -> None:
    summary = summarize_u64([2, 4, 4, 4, 5, 5, 7, 9])
    # The squared deviations from the mean 5 sum to 32; 32 / 7 with the
    # sample divisor (the population divisor would give exactly 2).
    assert summary.mean == 5.0
    assert summary.stddev == pytest.approx(math.sqrt(32 / 7), rel=1e-15)


def test_empty_values_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        summarize_u64([])
    with pytest.raises(ValueError, match="empty"):
        summarize_f64([])


def test_throughput_zero_wall_is_zero() -> None:
    assert throughput_per_s(1000, Sample(wall_ms=0, exit_code=0)) == 0.0
    assert throughput_per_s(1000, Sample(wall_ms=0, exit_code=0, wall_ns=0)) == 0.0


def test_throughput_prefers_wall_ns() -> None:
    sample = Sample(wall_ms=0, exit_code=0, wall_ns=500_000)
    assert throughput_per_s(1000, sample) == 2_000_000.0


def test_throughput_from_wall_ms() -> None:
    assert throughput_per_s(1000, Sample(wall_ms=250, exit_code=0)) == 4000.0


def test_stats_exclude_warmups() -> None:
    samples = [
        Sample(wall_ms=1000, exit_code=0, warmup=True, max_rss_kb=99_999),
        Sample(wall_ms=10, exit_code=0, max_rss_kb=100),
        Sample(wall_ms=30, exit_code=0, max_rss_kb=300),
        Sample(wall_ms=20, exit_code=0, max_rss_kb=200),
    ]
    stats = compute_stats(samples, None)
    assert (stats.wall_ms.median, stats.wall_ms.min, stats.wall_ms.max) == (
        20,
        10,
        30,
    )
    assert stats.max_rss_kb is not None
    assert stats.max_rss_kb.max == 300


def test_only_warmups_rejected() -> None:
    with pytest.raises(ValueError, match="warmup"):
        compute_stats([Sample(wall_ms=1, exit_code=0, warmup=True)], None)


def test_optional_summary_needs_one_value() -> None:
    samples = [
        Sample(wall_ms=10, exit_code=0, cpu_ms=4),
        Sample(wall_ms=12, exit_code=0),
    ]
    stats = compute_stats(samples, None)
    assert stats.cpu_ms is not None
    assert stats.cpu_ms.median == 4
    assert stats.max_rss_kb is None
    assert stats.wall_ns is None
    assert stats.throughput_per_s is None


def test_warmup_only_value_gives_no_summary() -> None:
    samples = [
        Sample(wall_ms=10, exit_code=0, warmup=True, page_faults=3),
        Sample(wall_ms=12, exit_code=0),
    ]
    assert compute_stats(samples, None).page_faults is None


def test_throughput_summary_over_samples() -> None:
    samples = [
        Sample(wall_ms=100, exit_code=0, wall_ns=100_000_000),
        Sample(wall_ms=200, exit_code=0, wall_ns=200_000_000),
        Sample(wall_ms=400, exit_code=0, wall_ns=400_000_000),
        Sample(wall_ms=0, exit_code=0, wall_ns=0),
    ]
    stats = compute_stats(samples, 100)
    throughput = stats.throughput_per_s
    assert throughput is not None
    # Per-sample rates are 1000, 500, 250 and 0 (zero wall time).
    assert throughput.min == 0.0
    assert throughput.max == 1000.0
    assert throughput.median == 375.0


def test_wall_ns_summary_kept() -> None:
    samples = [
        Sample(wall_ms=1, exit_code=0, wall_ns=1_500_000),
        Sample(wall_ms=2, exit_code=0, wall_ns=2_500_000),
    ]
    stats = compute_stats(samples, None)
    assert stats.wall_ns is not None
    assert stats.wall_ns.median == 2_000_000
    assert stats.wall_ms.median == 1
