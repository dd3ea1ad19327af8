"""Findings and counts of a report, decided from a comparison's deltas.

A finding exists for every metric whose status is warn or fail, in
alphabetical order of the metric. Its ``regression_pct`` is the regression
in percent (``regression * 100``) and its ``threshold`` the fail threshold as
a fraction. The Rust perfgate 0.2 ``report`` writes ``regression_pct`` as a
fraction and its ``check`` writes percent. We write percent from both.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfgate.types.errors import ReceiptError
from perfgate.types.receipts import (
    Budget,
    CompareReceipt,
    Delta,
    Finding,
    FindingData,
    MetricName,
    ReportSummary,
    Severity,
)

BUDGET_CHECK_ID = "perf.budget"
BASELINE_CHECK_ID = "perf.baseline"
MISSING_BASELINE_CODE = "missing"
NO_BASELINE_REASON = "no_baseline"


def require_budgets(compare: CompareReceipt, source: str) -> None:
    """Raise ReceiptError when a delta of ``compare`` has no budget.

    Every text output shows a metric's threshold next to its delta, so a
    hand-edited receipt that drops a budget cannot be rendered. ``source``
    names the file in the message.
    """
    for metric in sorted(compare.deltas):
        if metric not in compare.budgets:
            raise ReceiptError(
                f"{source}: invalid perfgate.compare.v1 receipt: field "
                f"`deltas.{metric}` has no matching `budgets.{metric}`; "
                "regenerate it with `perfgate compare`"
            )


def budget_message(metric: MetricName, delta: Delta, budget: Budget) -> str:
    """Describe a warn or fail metric in the words of the Rust perfgate 0.2."""
    if delta.status == "fail":
        lead = "Performance regression exceeded threshold"
    else:
        lead = "Performance regression near threshold"
    return (
        f"{lead} for {metric}: {delta.regression * 100:.2f}% regression "
        f"(threshold: {budget.threshold * 100:.2f}%)"
    )


def budget_findings(
    deltas: Mapping[MetricName, Delta], budgets: Mapping[MetricName, Budget]
) -> list[Finding]:
    """Return one finding per warn or fail metric, ordered by metric name.

    Raises KeyError when a non-passing metric has no budget. Callers that
    read a receipt from a file check that first with ``require_budgets``.
    """
    findings: list[Finding] = []
    for metric in sorted(deltas):
        delta = deltas[metric]
        severity: Severity
        if delta.status == "fail":
            severity = "fail"
        elif delta.status == "warn":
            severity = "warn"
        else:
            continue
        budget = budgets[metric]
        findings.append(
            Finding(
                check_id=BUDGET_CHECK_ID,
                code=f"metric_{severity}",
                severity=severity,
                message=budget_message(metric, delta, budget),
                data=FindingData(
                    metric_name=metric,
                    baseline=delta.baseline,
                    current=delta.current,
                    regression_pct=delta.regression * 100,
                    threshold=budget.threshold,
                    direction=budget.direction,
                ),
            )
        )
    return findings


def missing_baseline_finding(bench_name: str) -> Finding:
    """Return the warning that ``bench_name`` has no baseline to compare with."""
    return Finding(
        check_id=BASELINE_CHECK_ID,
        code=MISSING_BASELINE_CODE,
        severity="warn",
        message=(
            f"No baseline found for bench {bench_name!r}, so no budget was "
            "checked; create one with `perfgate promote --current run.json "
            f"--to baselines/{bench_name}.json`"
        ),
    )


def summarize_statuses(deltas: Mapping[MetricName, Delta]) -> ReportSummary:
    """Count the metric statuses of ``deltas``.

    The counts come from the deltas rather than the receipt's verdict, so
    they always agree with the findings listed beside them.
    """
    statuses = [delta.status for delta in deltas.values()]
    return ReportSummary(
        pass_count=statuses.count("pass"),
        warn_count=statuses.count("warn"),
        fail_count=statuses.count("fail"),
        total_count=len(statuses),
    )
