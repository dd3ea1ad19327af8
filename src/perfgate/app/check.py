"""The check use case: run one configured bench, compare it, report the verdict.

The caller reads the baseline and writes the artifacts. This module runs the
bench through the injected ports, compares, and renders the report and the
comment.

Exit code of one bench, highest precedence first:

    1  tool error: the command could not be started, or it failed or timed
       out without ``allow_nonzero``, or the comparison is impossible, or a
       baseline is required and missing
    2  fail verdict
    3  warn verdict with ``fail_on_warn``
    0  otherwise

A missing baseline without ``require_baseline`` gives 0 and a ``warn``
report with the reason ``no_baseline``.

Every result has a report, a tool error included. A tool error's report has
the verdict ``fail`` and one finding with the cause. Its reason is
``command_failed`` (iterations failed or timed out), ``command_error`` (the
command could not be started or measured) or ``compare_error`` (the runs
cannot be compared). Iterations that failed but were accepted with
``allow_nonzero`` keep the comparison's verdict and add an
``iteration_failed`` warning each, in the report and above the comment's
table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from perfgate.adapters.ports import (
    DEFAULT_OUTPUT_CAP_BYTES,
    Clock,
    HostProbe,
    ProcessRunner,
)
from perfgate.app.check_summary import promote_command, render_error_markdown
from perfgate.app.compare import compare_runs, max_rss_warning
from perfgate.app.markdown import (
    current_medians,
    render_compare_markdown,
    render_no_baseline_markdown,
)
from perfgate.app.report import (
    build_error_report,
    build_no_baseline_report,
    build_report,
)
from perfgate.app.run import RunRequest, run_bench
from perfgate.app.text import format_delta_pct, format_with_unit
from perfgate.domain.compare import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_TOOL_ERROR,
    EXIT_WARN_AS_FAIL,
    exit_code_for,
)
from perfgate.domain.config import ResolvedBench
from perfgate.domain.report import (
    COMMAND_ERROR_CODE,
    COMMAND_FAILED_CODE,
    COMPARE_ERROR_CODE,
)
from perfgate.types.errors import ComparisonError, MeasureError
from perfgate.types.receipts import CompareReceipt, ReportReceipt, RunReceipt

# The result kind of one bench. A "no_baseline" result reports a warn verdict.
CheckOutcome = Literal["pass", "warn", "fail", "no_baseline", "error"]

# Exit codes from least to most severe: tool errors beat fails beat
# warnings-as-failures beat success.
_EXIT_SEVERITY: Final = (EXIT_OK, EXIT_WARN_AS_FAIL, EXIT_FAIL, EXIT_TOOL_ERROR)


@dataclass(frozen=True)
class CheckRequest:
    """One bench to check, with its baseline already read and decoded."""

    bench: ResolvedBench
    # None when no baseline file exists.
    baseline: RunReceipt | None = None
    # Where the baseline was read from, or would be; for refs and messages.
    baseline_path: str | None = None
    # Where the caller writes the run receipt; for the compare receipt's ref.
    current_path: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    output_cap_bytes: int = DEFAULT_OUTPUT_CAP_BYTES
    require_baseline: bool = False
    fail_on_warn: bool = False
    allow_nonzero: bool = False


@dataclass(frozen=True)
class CheckResult:
    """Everything one check produced, for the caller to write and print."""

    name: str
    folder_name: str
    outcome: CheckOutcome
    exit_code: int
    # None only when the command could not be started.
    run: RunReceipt | None
    # None without a baseline or on a tool error.
    compare: CompareReceipt | None
    # Always present; on a tool error its verdict is fail (module docstring).
    report: ReportReceipt
    # The Markdown PR comment, also written on a tool error.
    comment: str
    # One line per failed or timed-out iteration.
    failures: tuple[str, ...]
    # The tool error as one line, when the outcome is "error".
    error: str | None
    # One line such as 'perfgate: sort-1m: warn (max_rss_kb +1.20%, wall_ms
    # +19.00%)', with the metrics in alphabetical order.
    summary: str
    baseline_path: str | None = None
    current_path: str | None = None
    # The shell command that promotes the run receipt at current_path to
    # baseline_path; None unless both paths are known.
    promote_command: str | None = None


def check_bench(
    request: CheckRequest,
    runner: ProcessRunner,
    host_probe: HostProbe,
    clock: Clock,
    *,
    new_run_id: Callable[[], str] | None = None,
) -> CheckResult:
    """Run ``request.bench``, compare it with the baseline and build the outputs.

    Tool errors of this bench (see the module docstring) become a result
    with outcome ``error`` and exit code 1 instead of an exception, so that
    the other benches of ``check --all`` still run.
    """
    bench = request.bench
    run_request = RunRequest(
        name=bench.name,
        command=bench.command,
        repeat=bench.repeat,
        warmup=bench.warmup,
        work_units=bench.work_units,
        cwd=bench.cwd,
        env=dict(request.env),
        timeout_ns=bench.timeout_ns,
        output_cap_bytes=request.output_cap_bytes,
    )
    try:
        if new_run_id is None:
            outcome = run_bench(run_request, runner, host_probe, clock)
        else:
            outcome = run_bench(
                run_request, runner, host_probe, clock, new_run_id=new_run_id
            )
    except MeasureError as exc:
        return _error_result(request, None, (), str(exc), COMMAND_ERROR_CODE)
    run = outcome.receipt
    failures = outcome.failures

    if failures and not request.allow_nonzero:
        total = bench.warmup + bench.repeat
        message = f"{len(failures)} of {total} iterations failed or timed out"
        # The report lists every failure; the comment lists the first few.
        detailed = f"{message}: {'; '.join(failures)}"
        return _error_result(
            request, run, failures, message, COMMAND_FAILED_CODE, detailed
        )

    if request.baseline is None:
        return _no_baseline_result(request, run, failures)

    try:
        compare = compare_runs(
            request.baseline,
            run,
            bench.policy,
            baseline_path=request.baseline_path,
            current_path=request.current_path,
        )
    except ComparisonError as exc:
        return _error_result(request, run, failures, str(exc), COMPARE_ERROR_CODE)
    status = compare.verdict.status
    summary = _summary_line(bench.name, status, deltas_text(compare))
    rss_warning = max_rss_warning(request.baseline, run)
    if rss_warning is not None:
        summary += f"; warning: {rss_warning}"
    return CheckResult(
        name=bench.name,
        folder_name=bench.folder_name,
        outcome=status,
        exit_code=exit_code_for(status, fail_on_warn=request.fail_on_warn),
        run=run,
        compare=compare,
        report=build_report(compare, failures),
        comment=render_compare_markdown(compare, failures),
        failures=failures,
        error=None,
        summary=summary,
        baseline_path=request.baseline_path,
        current_path=request.current_path,
        promote_command=_promote_command(request),
    )


def deltas_text(compare: CompareReceipt) -> list[str]:
    """Return 'metric +1.23%' per compared metric, or a note that none was."""
    deltas = [
        f"{metric} "
        f"{format_delta_pct(compare.deltas[metric], compare.budgets.get(metric))}"
        for metric in sorted(compare.deltas)
    ]
    return deltas or ["no metric compared"]


def worst_exit_code(codes: Iterable[int]) -> int:
    """Return the most severe exit code: 1 over 2 over 3 over 0 (0 when empty)."""
    worst = EXIT_OK
    for code in codes:
        if _EXIT_SEVERITY.index(code) > _EXIT_SEVERITY.index(worst):
            worst = code
    return worst


def _summary_line(name: str, word: str, details: list[str]) -> str:
    return f"perfgate: {name}: {word} ({', '.join(details)})"


def _promote_command(request: CheckRequest) -> str | None:
    if request.current_path is None or request.baseline_path is None:
        return None
    return promote_command(request.current_path, request.baseline_path)


def _no_baseline_result(
    request: CheckRequest, run: RunReceipt, failures: tuple[str, ...]
) -> CheckResult:
    bench = request.bench
    gated = set(bench.policy.gated_metrics())
    medians = [
        f"{metric} {format_with_unit(metric, value, spaced=True)}"
        for metric, value in current_medians(run).items()
        if metric in gated
    ]
    promote = _promote_command(request)
    error = None
    exit_code = EXIT_OK
    if request.require_baseline:
        where = f": {request.baseline_path}" if request.baseline_path else ""
        error = f"baseline required but not found{where}"
        exit_code = EXIT_TOOL_ERROR
    return CheckResult(
        name=bench.name,
        folder_name=bench.folder_name,
        outcome="no_baseline",
        exit_code=exit_code,
        run=run,
        compare=None,
        report=build_no_baseline_report(run, promote, failures),
        comment=render_no_baseline_markdown(run, promote, failures),
        failures=failures,
        error=error,
        summary=_summary_line(bench.name, "no baseline", medians or ["no medians"]),
        baseline_path=request.baseline_path,
        current_path=request.current_path,
        promote_command=promote,
    )


def _error_result(
    request: CheckRequest,
    run: RunReceipt | None,
    failures: tuple[str, ...],
    message: str,
    code: str,
    report_message: str | None = None,
) -> CheckResult:
    """Build the result of a tool error; ``code`` is the report's reason.

    The message of the report's finding is ``report_message``, by default
    ``message``.
    """
    bench = request.bench
    return CheckResult(
        name=bench.name,
        folder_name=bench.folder_name,
        outcome="error",
        exit_code=EXIT_TOOL_ERROR,
        run=run,
        compare=None,
        report=build_error_report(code, report_message or message),
        comment=render_error_markdown(bench.name, message, failures),
        failures=failures,
        error=message,
        summary=_summary_line(bench.name, "error", [message]),
        baseline_path=request.baseline_path,
        current_path=request.current_path,
        promote_command=_promote_command(request),
    )
