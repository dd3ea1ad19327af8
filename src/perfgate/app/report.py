"""The report use case: a compare receipt (or a missing baseline) in, the
``perfgate.report.v1`` envelope out."""

from __future__ import annotations

from perfgate.domain.report import (
    NO_BASELINE_REASON,
    budget_findings,
    missing_baseline_finding,
    summarize_statuses,
)
from perfgate.types.receipts import (
    REPORT_SCHEMA,
    CompareReceipt,
    ReportReceipt,
    ReportSummary,
    RunReceipt,
    Verdict,
    VerdictCounts,
)


def build_report(compare: CompareReceipt) -> ReportReceipt:
    """Wrap ``compare`` with one finding per warn or fail metric and the counts.

    The verdict is copied from ``compare``. Raises KeyError when a non-passing
    delta has no budget (see ``perfgate.domain.report.require_budgets``).
    """
    return ReportReceipt(
        report_type=REPORT_SCHEMA,
        verdict=compare.verdict,
        compare=compare,
        findings=budget_findings(compare.deltas, compare.budgets),
        summary=summarize_statuses(compare.deltas),
    )


def build_no_baseline_report(run: RunReceipt) -> ReportReceipt:
    """Build the report of a run that has no baseline to compare with.

    The verdict is ``warn`` with the single reason ``no_baseline`` and one
    ``perf.baseline`` finding. No metric was compared, so every count in the
    verdict and the summary is 0, and there is no ``compare`` member.
    """
    return ReportReceipt(
        report_type=REPORT_SCHEMA,
        verdict=Verdict(
            status="warn",
            counts=VerdictCounts(pass_=0, warn=0, fail=0),
            reasons=[NO_BASELINE_REASON],
        ),
        findings=[missing_baseline_finding(run.bench.name)],
        summary=ReportSummary(pass_count=0, warn_count=0, fail_count=0, total_count=0),
    )
