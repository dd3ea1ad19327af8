"""Budgets, deltas and the verdict of a comparison.

Every delta is computed with plain IEEE-754 doubles in exactly the order of
the receipt contract, with no rounding and no tolerance, so that a verdict on
a threshold boundary matches the Rust perfgate 0.2 bit for bit::

    ratio          = current / baseline
    pct            = (current - baseline) / baseline
    regression     = max(pct, 0) for "lower", max(-pct, 0) for "higher"
    warn_threshold = threshold * warn_factor
    status         = fail if regression > threshold
                     else warn if regression >= warn_threshold
                     else pass
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import msgspec

from perfgate.domain.metrics import (
    ALL_METRICS,
    DEFAULT_GATED,
    default_direction,
    median_value,
)
from perfgate.domain.stats import summarize_f64, throughput_per_s
from perfgate.types.errors import ComparisonError
from perfgate.types.receipts import (
    Budget,
    Delta,
    Direction,
    F64Summary,
    MetricName,
    RunReceipt,
    Stats,
    Status,
    Verdict,
    VerdictCounts,
)

DEFAULT_THRESHOLD = 0.20
DEFAULT_WARN_FACTOR = 0.90
# Thresholds are fractions (0.20 = 20 %). A value above 1 is almost always a
# percentage written by mistake, which would make the budget impossible to
# fail, so the CLI and the config reject it.
MAX_THRESHOLD = 1.0

EXIT_OK = 0
EXIT_TOOL_ERROR = 1
EXIT_FAIL = 2
EXIT_WARN_AS_FAIL = 3


# The value types below are frozen msgspec structs rather than dataclasses:
# msgspec is loaded anyway, and importing dataclasses (with inspect) would add
# several milliseconds to every `perfgate compare`.


class BudgetOverride(msgspec.Struct, frozen=True, kw_only=True):
    """Per-metric settings; None falls back to the policy's defaults."""

    threshold: float | None = None
    warn_factor: float | None = None
    direction: Direction | None = None


class BudgetPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The budgets of every metric, and the set of metrics that are gated."""

    threshold: float = DEFAULT_THRESHOLD
    warn_factor: float = DEFAULT_WARN_FACTOR
    overrides: Mapping[MetricName, BudgetOverride] = msgspec.field(default_factory=dict)
    # The exact set of gated metrics; None gates the defaults plus every
    # metric that has an override.
    metrics: frozenset[MetricName] | None = None

    def gated_metrics(self) -> tuple[MetricName, ...]:
        """Return the metrics to compare, in alphabetical order."""
        if self.metrics is not None:
            chosen = set(self.metrics)
        else:
            chosen = set(DEFAULT_GATED) | set(self.overrides)
        return tuple(metric for metric in ALL_METRICS if metric in chosen)

    def requested_metrics(self) -> frozenset[MetricName]:
        """Return the metrics that the policy names explicitly.

        A requested metric that a receipt lacks is an error, while a default
        metric that a receipt lacks is skipped.
        """
        if self.metrics is not None:
            return self.metrics
        return frozenset(self.overrides)

    def budget_for(self, metric: MetricName) -> Budget:
        override = self.overrides.get(metric, BudgetOverride())
        threshold = (
            override.threshold if override.threshold is not None else self.threshold
        )
        warn_factor = (
            override.warn_factor
            if override.warn_factor is not None
            else self.warn_factor
        )
        direction = override.direction or default_direction(metric)
        return Budget(
            threshold=threshold,
            warn_threshold=threshold * warn_factor,
            direction=direction,
        )


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    """Budgets, deltas and verdict, keyed and ordered by metric name."""

    budgets: dict[MetricName, Budget]
    deltas: dict[MetricName, Delta]
    verdict: Verdict


def compare_values(baseline: float, current: float, budget: Budget) -> Delta:
    """Compute one metric's delta and status.

    A baseline of 0 gives no ratio: when the current value is 0 too the
    metric passes with ratio 1 and pct 0; otherwise ComparisonError. A ratio
    too large for a double also raises ComparisonError.
    """
    if baseline == 0:
        if current == 0:
            return Delta(
                baseline=0.0,
                current=0.0,
                ratio=1.0,
                pct=0.0,
                regression=0.0,
                status="pass",
            )
        raise ComparisonError("the baseline median is 0, so no ratio exists")
    ratio = current / baseline
    pct = (current - baseline) / baseline
    if not (math.isfinite(ratio) and math.isfinite(pct)):
        # Only a tiny float baseline (a rate near 0) can overflow a double
        # here; JSON cannot carry the infinite result.
        raise ComparisonError(
            f"the ratio of {current!r} to the baseline {baseline!r} is too large "
            "to represent"
        )
    if budget.direction == "lower":
        regression = pct if pct > 0 else 0.0
    else:
        regression = -pct if pct < 0 else 0.0
    status: Status
    if regression > budget.threshold:
        status = "fail"
    elif regression >= budget.warn_threshold:
        status = "warn"
    else:
        status = "pass"
    return Delta(
        baseline=baseline,
        current=current,
        ratio=ratio,
        pct=pct,
        regression=regression,
        status=status,
    )


def comparable_medians(
    baseline: Stats, current: Stats, metric: MetricName
) -> tuple[float | None, float | None]:
    """Return the (baseline, current) medians of a metric; None where absent.

    For ``wall_ms``, when both sides carry the nanosecond summary, its
    median divided by 1e6 replaces the whole-millisecond median: integer
    milliseconds cannot tell 2 ms from 2.9 ms, and a command under 1 ms
    would otherwise have a median of 0. The division is a double operation,
    as in the receipt contract, so huge medians round the same way in every
    implementation.
    """
    if (
        metric == "wall_ms"
        and baseline.wall_ns is not None
        and current.wall_ns is not None
    ):
        return (
            float(baseline.wall_ns.median) / 1e6,
            float(current.wall_ns.median) / 1e6,
        )
    return median_value(baseline, metric), median_value(current, metric)


def _throughput_in_whole_ms(receipt: RunReceipt) -> F64Summary | None:
    work_units = receipt.bench.work_units
    measured = [sample for sample in receipt.samples if not sample.warmup]
    if work_units is None or not measured:
        return receipt.stats.throughput_per_s
    return summarize_f64(
        [throughput_per_s(work_units, sample, use_wall_ns=False) for sample in measured]
    )


def comparable_stats(baseline: RunReceipt, current: RunReceipt) -> tuple[Stats, Stats]:
    """Return the two receipts' stats, measured at the same time precision.

    Throughput from nanosecond wall times is exact, but from whole
    milliseconds it reads high by up to 1 ms per sample. When only one side
    has ``wall_ns`` (a baseline from an older perfgate or the Rust tool),
    that side's throughput is recomputed from whole milliseconds, so an
    unchanged command does not show a drop that is only a rounding effect.
    """
    baseline_has_ns = baseline.stats.wall_ns is not None
    current_has_ns = current.stats.wall_ns is not None
    if baseline_has_ns == current_has_ns:
        return baseline.stats, current.stats
    precise = baseline if baseline_has_ns else current
    if precise.stats.throughput_per_s is None:
        return baseline.stats, current.stats
    aligned = msgspec.structs.replace(
        precise.stats, throughput_per_s=_throughput_in_whole_ms(precise)
    )
    if baseline_has_ns:
        return aligned, current.stats
    return baseline.stats, aligned


def max_rss_sources_differ(baseline: RunReceipt, current: RunReceipt) -> bool:
    """Return True when the two runs measured max_rss_kb in different ways.

    Through the spawn helper a small command reports about 1 MB; measured
    directly from perfgate it reports perfgate's own ~20 MB on Linux. The
    two cannot be compared. Receipts that do not say (older ones, the Rust
    perfgate's) are assumed comparable.
    """
    baseline_source = baseline.run.max_rss_source
    current_source = current.run.max_rss_source
    if baseline_source is None or current_source is None:
        return False
    return baseline_source != current_source


def without_max_rss(stats: Stats) -> Stats:
    """Return ``stats`` without its max_rss_kb summary."""
    return msgspec.structs.replace(stats, max_rss_kb=None)


def _zero_baseline_hint(metric: MetricName) -> str:
    if metric in ("wall_ms", "cpu_ms"):
        return (
            "record the baseline again with a command that takes measurable "
            f"time, or stop gating {metric}"
        )
    return f"gate {metric} only against a baseline where it is above 0"


def _missing_metric_hint(metric: MetricName) -> str:
    if metric == "throughput_per_s":
        return "record it with --work (or `work` in the config), or stop gating it"
    return (
        f"record it again with this perfgate, which records {metric}, or stop gating it"
    )


def decide_verdict(deltas: Mapping[MetricName, Delta]) -> Verdict:
    """Fail if any metric fails, else warn if any warns, else pass."""
    counts = {"pass": 0, "warn": 0, "fail": 0}
    reasons: list[str] = []
    for metric in sorted(deltas):
        status = deltas[metric].status
        counts[status] += 1
        if status != "pass":
            reasons.append(f"{metric}_{status}")
    verdict_status: Status
    if counts["fail"]:
        verdict_status = "fail"
    elif counts["warn"]:
        verdict_status = "warn"
    else:
        verdict_status = "pass"
    return Verdict(
        status=verdict_status,
        counts=VerdictCounts(
            pass_=counts["pass"], warn=counts["warn"], fail=counts["fail"]
        ),
        reasons=reasons,
    )


def compare_stats(baseline: Stats, current: Stats, policy: BudgetPolicy) -> Comparison:
    """Compare every gated metric.

    A default metric that either side lacks is skipped. Raises
    ComparisonError naming the metric and the receipt at fault when a
    requested metric is missing, or when a baseline median is 0 and the
    current one is not.
    """
    requested = policy.requested_metrics()
    budgets: dict[MetricName, Budget] = {}
    deltas: dict[MetricName, Delta] = {}
    for metric in policy.gated_metrics():
        baseline_value, current_value = comparable_medians(baseline, current, metric)
        if baseline_value is None or current_value is None:
            if metric not in requested:
                continue
            side = "baseline" if baseline_value is None else "current"
            raise ComparisonError(
                f"cannot compare {metric}: the {side} receipt has no {metric}; "
                + _missing_metric_hint(metric),
                side=side,
            )
        budget = policy.budget_for(metric)
        try:
            delta = compare_values(baseline_value, current_value, budget)
        except ComparisonError as exc:
            at_fault = "baseline" if baseline_value == 0 else None
            hint = f"; {_zero_baseline_hint(metric)}" if at_fault else ""
            raise ComparisonError(
                f"cannot compare {metric}: {exc}{hint}", side=at_fault
            ) from exc
        budgets[metric] = budget
        deltas[metric] = delta
    return Comparison(budgets=budgets, deltas=deltas, verdict=decide_verdict(deltas))


def exit_code_for(verdict_status: Status, *, fail_on_warn: bool) -> int:
    """Map a verdict to the process exit code (tool errors are mapped elsewhere)."""
    if verdict_status == "fail":
        return EXIT_FAIL
    if verdict_status == "warn" and fail_on_warn:
        return EXIT_WARN_AS_FAIL
    return EXIT_OK
