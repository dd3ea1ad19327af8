"""Summaries of measured samples.

Medians follow the receipt contract. For an even count, an integer summary
takes the floor of the mean of the two middle values, so it stays an
integer and matches the Rust perfgate bit for bit. A float summary takes
their mean. Warmup samples never enter a summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from perfgate.types.receipts import F64Summary, Sample, Stats, U64Summary

NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


def summarize_u64(values: Sequence[int]) -> U64Summary:
    """Summarize non-negative integers; ``values`` must not be empty."""
    if not values:
        raise ValueError("cannot summarize an empty sequence")
    ordered = sorted(values)
    count = len(ordered)
    middle = count // 2
    if count % 2:
        median = ordered[middle]
    else:
        # Python integers do not overflow, so (a + b) // 2 is exact for any
        # pair of u64 values.
        median = (ordered[middle - 1] + ordered[middle]) // 2
    mean = math.fsum(ordered) / count
    return U64Summary(
        median=median,
        min=ordered[0],
        max=ordered[-1],
        mean=mean,
        stddev=_sample_stddev(ordered, mean),
    )


def summarize_f64(values: Sequence[float]) -> F64Summary:
    """Summarize finite floats; ``values`` must not be empty."""
    if not values:
        raise ValueError("cannot summarize an empty sequence")
    ordered = sorted(values)
    count = len(ordered)
    middle = count // 2
    if count % 2:
        median = ordered[middle]
    else:
        median = (ordered[middle - 1] + ordered[middle]) / 2
    mean = math.fsum(ordered) / count
    return F64Summary(
        median=median,
        min=ordered[0],
        max=ordered[-1],
        mean=mean,
        stddev=_sample_stddev(ordered, mean),
    )


def _sample_stddev(values: Sequence[float], mean: float) -> float | None:
    """Sample standard deviation (divisor n - 1); None for a single value."""
    if len(values) < 2:
        return None
    squares = math.fsum((value - mean) ** 2 for value in values)
    return math.sqrt(squares / (len(values) - 1))


def throughput_per_s(
    work_units: int, sample: Sample, *, use_wall_ns: bool = True
) -> float:
    """Work units per second for one sample; 0.0 when the wall time is 0.

    Uses ``wall_ns`` when the sample has it (and ``use_wall_ns``), else
    ``wall_ms``. Every step is a double operation, as in the Rust perfgate:
    ``work / (wall / unit)``.
    """
    if use_wall_ns and sample.wall_ns is not None:
        seconds = float(sample.wall_ns) / 1e9
    else:
        seconds = float(sample.wall_ms) / 1e3
    if seconds == 0:
        return 0.0
    return float(work_units) / seconds


def compute_stats(samples: Sequence[Sample], work_units: int | None) -> Stats:
    """Summarize the measured (non-warmup) samples.

    An optional summary is present only when at least one measured sample has
    the value. Raises ValueError when there is no measured sample.
    """
    measured = [sample for sample in samples if not sample.warmup]
    if not measured:
        raise ValueError("no measured samples: every sample is a warmup")

    def optional(values: list[int | None]) -> U64Summary | None:
        present = [value for value in values if value is not None]
        return summarize_u64(present) if present else None

    throughput = None
    if work_units is not None:
        throughput = summarize_f64(
            [throughput_per_s(work_units, sample) for sample in measured]
        )
    return Stats(
        wall_ms=summarize_u64([sample.wall_ms for sample in measured]),
        wall_ns=optional([sample.wall_ns for sample in measured]),
        max_rss_kb=optional([sample.max_rss_kb for sample in measured]),
        cpu_ms=optional([sample.cpu_ms for sample in measured]),
        page_faults=optional([sample.page_faults for sample in measured]),
        ctx_switches=optional([sample.ctx_switches for sample in measured]),
        throughput_per_s=throughput,
    )
