"""Findings and counts of a report, decided from a comparison's deltas.

A budget finding exists for every metric whose status is warn or fail, in
alphabetical order of the metric. Its ``regression_pct`` is the regression
in percent (``regression * 100``) and its ``threshold`` the fail threshold as
a fraction. The Rust perfgate 0.2 ``report`` writes ``regression_pct`` as a
fraction and its ``check`` writes percent. We write percent from both.

``check`` adds findings of its own, none with ``data``:

- ``perf.baseline`` / ``missing`` (warn): no baseline to compare with.
- ``perf.run`` / ``iteration_failed`` (warn): one per iteration that failed
  or timed out when the caller accepted that (``--allow-nonzero``). It does
  not change the verdict or the counts, which stay those of the comparison.
- ``perf.run`` / ``command_failed`` (fail): iterations failed or timed out
  and the caller did not accept that.
- ``perf.run`` / ``command_error`` (fail): the command could not be started
  or measured.
- ``perf.compare`` / ``compare_error`` (fail): the two runs cannot be
  compared, such as a baseline median of 0 against a non-zero current one.

The last three are tool errors (exit 1). Their report has the verdict
``fail`` with the code as its only reason, that one finding, no ``compare``
and zero counts, since no metric was compared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from perfgate.domain.percent import regression_decimals, threshold_decimals
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
RUN_CHECK_ID = "perf.run"
COMPARE_CHECK_ID = "perf.compare"
MISSING_BASELINE_CODE = "missing"
ITERATION_FAILED_CODE = "iteration_failed"
NO_BASELINE_REASON = "no_baseline"
# Codes of the tool-error findings, each also the report's only reason.
COMMAND_FAILED_CODE = "command_failed"
COMMAND_ERROR_CODE = "command_error"
COMPARE_ERROR_CODE = "compare_error"


def require_budgets(compare: CompareReceipt, source: str) -> None:
    """Raise ReceiptError when a delta of ``compare`` cannot be rendered.

    Every text output shows a metric's threshold next to its delta, so a
    hand-edited receipt that drops a budget cannot be rendered. The outputs
    also show fractions in percent, so a fraction whose percent value
    overflows a double (above about 1.8e306) is rejected too, instead of
    becoming "inf" or an invalid JSON number. ``source`` names the file in
    the message.
    """
    for metric in sorted(compare.deltas):
        if metric not in compare.budgets:
            raise ReceiptError(
                f"{source}: invalid perfgate.compare.v1 receipt: field "
                f"`deltas.{metric}` has no matching `budgets.{metric}`; "
                "regenerate it with `perfgate compare`"
            )
        delta = compare.deltas[metric]
        budget = compare.budgets[metric]
        fractions = (
            (f"deltas.{metric}.pct", delta.pct),
            (f"deltas.{metric}.regression", delta.regression),
            (f"budgets.{metric}.threshold", budget.threshold),
            (f"budgets.{metric}.warn_threshold", budget.warn_threshold),
        )
        for field, fraction in fractions:
            if not math.isfinite(fraction * 100):
                raise ReceiptError(
                    f"{source}: invalid perfgate.compare.v1 receipt: field "
                    f"`{field}`: {fraction!r} is too large to show in percent; "
                    "regenerate it with `perfgate compare`"
                )


def budget_message(metric: MetricName, delta: Delta, budget: Budget) -> str:
    """Describe a warn or fail metric in the words of the Rust perfgate 0.2.

    Percentages have two decimals, as the Rust tool writes them. They get
    more when the regression would otherwise read the same as a threshold
    it differs from, or when the threshold would be rounded. The rules are
    in ``perfgate.domain.percent``.
    """
    if delta.status == "fail":
        lead = "Performance regression exceeded threshold"
    else:
        lead = "Performance regression near threshold"
    limits = (budget.threshold, budget.warn_threshold)
    regression_places = regression_decimals(delta.regression, limits)
    threshold_places = threshold_decimals(budget.threshold)
    return (
        f"{lead} for {metric}: {delta.regression * 100:.{regression_places}f}% "
        f"regression (threshold: {budget.threshold * 100:.{threshold_places}f}%)"
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


def missing_baseline_finding(
    bench_name: str, promote_command: str | None = None
) -> Finding:
    """Return the warning that ``bench_name`` has no baseline to compare with.

    ``promote_command`` is the shell command that makes this run the
    baseline. Only the caller knows the paths, so without it the message
    names no path.
    """
    if promote_command is None:
        hint = "create one from this run's receipt with `perfgate promote`"
    else:
        hint = f"create it with `{promote_command}`"
    return Finding(
        check_id=BASELINE_CHECK_ID,
        code=MISSING_BASELINE_CODE,
        severity="warn",
        message=(
            f"No baseline found for bench {bench_name!r}, so no budget was "
            f"checked; {hint}"
        ),
    )


def iteration_findings(failures: Sequence[str]) -> list[Finding]:
    """Return one warning per failed iteration that the caller accepted.

    ``failures`` contains one line per iteration, such as 'iteration 2 of 5:
    exit code 1'.
    """
    return [
        Finding(
            check_id=RUN_CHECK_ID,
            code=ITERATION_FAILED_CODE,
            severity="warn",
            message=f"{failure} (accepted with --allow-nonzero)",
        )
        for failure in failures
    ]


def tool_error_finding(code: str, message: str) -> Finding:
    """Return the finding of a check that ended in a tool error.

    ``code`` is ``command_failed``, ``command_error`` or ``compare_error``;
    its check_id follows from it.
    """
    check_id = COMPARE_CHECK_ID if code == COMPARE_ERROR_CODE else RUN_CHECK_ID
    return Finding(check_id=check_id, code=code, severity="fail", message=message)


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
