"""The compare use case: two run receipts in, one compare receipt out."""

from __future__ import annotations

from perfgate.app.tool import TOOL
from perfgate.domain.compare import BudgetPolicy, compare_stats
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

    Raises ComparisonError, naming the baseline file and the metric, when a
    baseline median is 0 and the current one is not.
    """
    try:
        comparison = compare_stats(baseline.stats, current.stats, policy)
    except ComparisonError as exc:
        where = baseline_path or "baseline"
        raise ComparisonError(
            f"{where}: {exc}; record the baseline again with a command that "
            "takes measurable time, or drop that metric from the budget"
        ) from exc
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
