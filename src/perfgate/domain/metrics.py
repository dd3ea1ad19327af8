"""The metric vocabulary: names, default directions and which are gated."""

from __future__ import annotations

from typing import Final, get_args

from perfgate.types.receipts import Direction, MetricName, Stats

ALL_METRICS: Final[tuple[MetricName, ...]] = tuple(sorted(get_args(MetricName)))

# Gated unless a policy names others. Fault and switch counts are noisy and
# often zero, and a compare receipt limited to these three stays readable by
# the Rust perfgate 0.2, which rejects metric keys it does not know.
DEFAULT_GATED: Final[frozenset[MetricName]] = frozenset(
    {"wall_ms", "max_rss_kb", "throughput_per_s"}
)

UNITS: Final[dict[MetricName, str]] = {
    "cpu_ms": "ms",
    "ctx_switches": "",
    "max_rss_kb": "KB",
    "page_faults": "",
    "throughput_per_s": "/s",
    "wall_ms": "ms",
}


def parse_metric(text: str) -> MetricName | None:
    """Return the metric called ``text``, or None when there is no such metric."""
    for metric in ALL_METRICS:
        if metric == text:
            return metric
    return None


def default_direction(metric: MetricName) -> Direction:
    """``higher`` is better for throughput; ``lower`` for everything else."""
    return "higher" if metric == "throughput_per_s" else "lower"


def median_value(stats: Stats, metric: MetricName) -> float | None:
    """Return the median of ``metric`` as a float, or None when it is absent.

    For ``wall_ms`` this is ``stats.wall_ms.median``; the comparison prefers
    the nanosecond summary when both sides have it (see ``compare``).
    """
    summary = getattr(stats, metric)
    if summary is None:
        return None
    return float(summary.median)
