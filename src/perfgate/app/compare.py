"""The compare use case: two run receipts in, one compare receipt out."""

from __future__ import annotations

from perfgate.app.tool import TOOL
from perfgate.domain.compare import (
    BudgetPolicy,
    comparable_stats,
    compare_stats,
    max_rss_sources_differ,
    without_max_rss,
)
from perfgate.types.errors import ComparisonError
from perfgate.types.receipts import (
    COMPARE_SCHEMA,
    CompareReceipt,
    CompareRef,
    RunReceipt,
)


def max_rss_warning(baseline: RunReceipt, current: RunReceipt) -> str | None:
    """Return the warning for runs whose max_rss_kb cannot be compared, if any."""
    if not max_rss_sources_differ(baseline, current):
        return None
    return (
        f"max_rss_kb not compared: the baseline measured it by "
        f"{baseline.run.max_rss_source} and the current run by "
        f"{current.run.max_rss_source}, which differ by perfgate's own memory; "
        "record both runs the same way"
    )


def compare_runs(
    baseline: RunReceipt,
    current: RunReceipt,
    policy: BudgetPolicy,
    *,
    baseline_path: str | None = None,
    current_path: str | None = None,
) -> CompareReceipt:
    """Compare ``current`` with ``baseline`` under ``policy``.

    Raises ComparisonError naming the file at fault and the metric, when a
    baseline median is 0 and the current one is not, or when a receipt lacks
    a metric that the policy requests.
    """
    baseline_stats, current_stats = comparable_stats(baseline, current)
    if max_rss_sources_differ(baseline, current):
        if "max_rss_kb" in policy.requested_metrics():
            raise ComparisonError(
                f"{current_path or 'current receipt'}: cannot compare max_rss_kb: "
                f"it was measured by {current.run.max_rss_source}, but the "
                f"baseline by {baseline.run.max_rss_source}; "
                "record both runs the same way (see PERFGATE_SPAWN_HELPER)",
                side="current",
            )
        # Not requested explicitly: leave the meaningless comparison out
        # (the CLI warns) rather than report a false regression.
        baseline_stats = without_max_rss(baseline_stats)
        current_stats = without_max_rss(current_stats)
    try:
        comparison = compare_stats(baseline_stats, current_stats, policy)
    except ComparisonError as exc:
        if exc.side == "current":
            where = current_path or "current receipt"
        else:
            where = baseline_path or "baseline receipt"
        raise ComparisonError(f"{where}: {exc}", side=exc.side) from exc
    return CompareReceipt(
        schema=COMPARE_SCHEMA,
        tool=TOOL,
        bench=current.bench,
        baseline_ref=CompareRef(path=baseline_path, run_id=baseline.run.id),
        current_ref=CompareRef(path=current_path, run_id=current.run.id),
        budgets=comparison.budgets,
        deltas=comparison.deltas,
        verdict=comparison.verdict,
    )
