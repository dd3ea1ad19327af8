"""The compare use case: two run receipts in, one compare receipt out."""

from __future__ import annotations

from perfgate.app.tool import TOOL
from perfgate.domain.compare import BudgetPolicy, comparable_stats, compare_stats
from perfgate.types.errors import ComparisonError
from perfgate.types.receipts import (
    COMPARE_SCHEMA,
    CompareReceipt,
    CompareRef,
    RunReceipt,
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
