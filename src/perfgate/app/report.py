"""The report use case: a compare receipt (or a missing baseline, or a tool
error of ``check``) in, the ``perfgate.report.v1`` envelope out.

``perfgate.domain.report`` lists every finding and when it appears.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.domain.report import (
    NO_BASELINE_REASON,
    budget_findings,
    iteration_findings,
    missing_baseline_finding,
    summarize_statuses,
    tool_error_finding,
)
from perfgate.types.receipts import (
    REPORT_SCHEMA,
    CompareReceipt,
    Finding,
    ReportReceipt,
    ReportSummary,
    RunReceipt,
    Status,
    Verdict,
    VerdictCounts,
)


def build_report(
    compare: CompareReceipt, failed_iterations: Sequence[str] = ()
) -> ReportReceipt:
    """Wrap ``compare`` with one finding per warn or fail metric and the counts.

    The verdict is copied from ``compare``. ``failed_iterations`` lists the
    iterations that failed but were accepted; each adds an
    ``iteration_failed`` warning after the budget findings. Raises KeyError
    when a non-passing delta has no budget (see
    ``perfgate.domain.report.require_budgets``).
    """
    findings = budget_findings(compare.deltas, compare.budgets)
    findings.extend(iteration_findings(failed_iterations))
    return ReportReceipt(
        report_type=REPORT_SCHEMA,
        verdict=compare.verdict,
        compare=compare,
        findings=findings,
        summary=summarize_statuses(compare.deltas),
    )


def build_no_baseline_report(
    run: RunReceipt,
    promote_command: str | None = None,
    failed_iterations: Sequence[str] = (),
) -> ReportReceipt:
    """Build the report of a run that has no baseline to compare with.

    The verdict is ``warn`` with the single reason ``no_baseline`` and one
    ``perf.baseline`` finding, whose message shows ``promote_command`` when
    given. Accepted ``failed_iterations`` add ``iteration_failed`` warnings
    after it. No metric was compared, so every count in the verdict and the
    summary is 0, and there is no ``compare`` member.
    """
    findings = [missing_baseline_finding(run.bench.name, promote_command)]
    findings.extend(iteration_findings(failed_iterations))
    return _report_without_compare("warn", NO_BASELINE_REASON, findings)


def build_error_report(code: str, message: str) -> ReportReceipt:
    """Build the report of a check that ended in a tool error.

    ``code`` is ``command_failed``, ``command_error`` or ``compare_error``
    (see ``perfgate.domain.report``). The verdict is ``fail`` with ``code``
    as its only reason. The only finding has that code and ``message``.
    """
    return _report_without_compare("fail", code, [tool_error_finding(code, message)])


def _report_without_compare(
    status: Status, reason: str, findings: list[Finding]
) -> ReportReceipt:
    # No metric was compared, so every count is 0.
    return ReportReceipt(
        report_type=REPORT_SCHEMA,
        verdict=Verdict(
            status=status,
            counts=VerdictCounts(pass_=0, warn=0, fail=0),
            reasons=[reason],
        ),
        findings=findings,
        summary=ReportSummary(pass_count=0, warn_count=0, fail_count=0, total_count=0),
    )
