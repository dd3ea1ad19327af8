"""The check use case with scripted runs: verdicts, exit codes and summaries."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from perfgate.adapters.fakes import FixedClock, FixedHostProbe, ScriptedRunner
from perfgate.adapters.ports import CommandSpec, RunResult
from perfgate.app.check import (
    CheckRequest,
    CheckResult,
    check_bench,
    worst_exit_code,
)
from perfgate.app.check_summary import (
    promote_command,
    render_check_summary,
    render_error_markdown,
)
from perfgate.app.markdown import ACCEPTED_FAILURES_HEADING
from perfgate.app.text import escape_markdown_text
from perfgate.domain.compare import BudgetOverride, BudgetPolicy
from perfgate.domain.config import ResolvedBench, folder_name
from perfgate.types.errors import MeasureError
from perfgate.types.receipts import RunReceipt

MakeRunReceipt = Callable[..., RunReceipt]
NS_PER_MS = 1_000_000


def bench(
    name: str = "b",
    *,
    repeat: int = 3,
    warmup: int = 0,
    policy: BudgetPolicy | None = None,
    cwd: str | None = None,
    timeout_ns: int | None = None,
) -> ResolvedBench:
    return ResolvedBench(
        name=name,
        folder_name=folder_name(name),
        command=("work", "--fast"),
        repeat=repeat,
        warmup=warmup,
        policy=policy or BudgetPolicy(),
        cwd=cwd,
        timeout_ns=timeout_ns,
    )


def results(
    wall_ms: Sequence[int], *, exit_codes: Sequence[int] | None = None
) -> list[RunResult]:
    codes = exit_codes or [0] * len(wall_ms)
    return [
        RunResult(wall_ns=value * NS_PER_MS, exit_code=code, max_rss_kb=1000)
        for value, code in zip(wall_ms, codes, strict=True)
    ]


def check(
    request: CheckRequest,
    script: Sequence[RunResult] | Callable[[CommandSpec], RunResult],
) -> CheckResult:
    return check_bench(
        request,
        ScriptedRunner(script),
        FixedHostProbe(),
        FixedClock(),
        new_run_id=lambda: "run-current",
    )


@pytest.fixture
def baseline(make_run_receipt: MakeRunReceipt) -> RunReceipt:
    """A baseline of bench "b": wall_ms median 100, max_rss_kb median 1000."""
    return make_run_receipt(
        name="b", run_id="base", wall_ms=(100, 100, 100), max_rss_kb=(1000,) * 3
    )


def with_baseline(
    baseline: RunReceipt, *, fail_on_warn: bool = False, allow_nonzero: bool = False
) -> CheckRequest:
    return CheckRequest(
        bench=bench(),
        baseline=baseline,
        baseline_path="baselines/b.json",
        current_path="out/run.json",
        fail_on_warn=fail_on_warn,
        allow_nonzero=allow_nonzero,
    )


# Verdicts and exit codes


def test_pass_exits_zero(baseline: RunReceipt) -> None:
    result = check(with_baseline(baseline), results([101, 99, 100]))
    assert result.outcome == "pass"
    assert result.exit_code == 0
    assert result.error is None
    assert result.summary == "perfgate: b: pass (max_rss_kb 0.00%, wall_ms 0.00%)"


def test_warn_exits_zero(baseline: RunReceipt) -> None:
    result = check(with_baseline(baseline), results([119, 119, 119]))
    assert result.outcome == "warn"
    assert result.exit_code == 0
    assert result.summary == "perfgate: b: warn (max_rss_kb 0.00%, wall_ms +19.00%)"


def test_warn_with_fail_on_warn_exits_three(baseline: RunReceipt) -> None:
    request = with_baseline(baseline, fail_on_warn=True)
    result = check(request, results([119, 119, 119]))
    assert result.exit_code == 3


def test_fail_exits_two(baseline: RunReceipt) -> None:
    result = check(with_baseline(baseline), results([125, 125, 125]))
    assert result.outcome == "fail"
    assert result.exit_code == 2
    assert result.summary == "perfgate: b: fail (max_rss_kb 0.00%, wall_ms +25.00%)"


def test_compare_receipt_built(baseline: RunReceipt) -> None:
    result = check(with_baseline(baseline), results([125, 125, 125]))
    compare = result.compare
    assert compare is not None
    assert compare.baseline_ref.path == "baselines/b.json"
    assert compare.baseline_ref.run_id == "base"
    assert compare.current_ref.path == "out/run.json"
    assert compare.current_ref.run_id == "run-current"
    assert compare.deltas["wall_ms"].baseline == 100.0
    assert compare.deltas["wall_ms"].current == 125.0
    assert compare.verdict.reasons == ["wall_ms_fail"]


def test_report_wraps_compare(baseline: RunReceipt) -> None:
    result = check(with_baseline(baseline), results([125, 125, 125]))
    assert result.report is not None
    assert result.report.compare == result.compare
    assert result.report.verdict.status == "fail"
    assert [finding.code for finding in result.report.findings] == ["metric_fail"]


def test_comment_shows_verdict(baseline: RunReceipt) -> None:
    result = check(with_baseline(baseline), results([125, 125, 125]))
    assert result.comment.startswith("❌ perfgate: fail\n")
    assert "| `wall_ms` | 100 ms | 125 ms | +25.00% |" in result.comment


def test_policy_of_bench_used(baseline: RunReceipt) -> None:
    policy = BudgetPolicy(
        overrides={"wall_ms": BudgetOverride(threshold=0.5)},
        metrics=frozenset({"wall_ms"}),
    )
    request = CheckRequest(bench=bench(policy=policy), baseline=baseline)
    result = check(request, results([125, 125, 125]))
    assert result.outcome == "pass"
    assert result.compare is not None
    assert list(result.compare.deltas) == ["wall_ms"]
    assert result.compare.budgets["wall_ms"].threshold == 0.5


# Missing baseline


def test_missing_baseline_warns_and_exits_zero() -> None:
    request = CheckRequest(
        bench=bench(), baseline_path="baselines/b.json", current_path="out/run.json"
    )
    result = check(request, results([10, 12, 11]))
    assert result.outcome == "no_baseline"
    assert result.exit_code == 0
    assert result.error is None
    assert result.compare is None
    assert (
        result.summary == "perfgate: b: no baseline (max_rss_kb 1000 KB, wall_ms 11 ms)"
    )


def test_missing_baseline_report() -> None:
    result = check(CheckRequest(bench=bench()), results([10, 12, 11]))
    report = result.report
    assert report is not None
    assert report.verdict.status == "warn"
    assert report.verdict.reasons == ["no_baseline"]
    assert report.compare is None
    assert len(report.findings) == 1
    assert report.findings[0].check_id == "perf.baseline"
    assert report.findings[0].code == "missing"


def test_missing_baseline_comment_says_so() -> None:
    result = check(CheckRequest(bench=bench()), results([10, 12, 11]))
    assert "no baseline" in result.comment
    assert "| `wall_ms` | 11 ms |" in result.comment


def test_missing_baseline_promote_command() -> None:
    request = CheckRequest(
        bench=bench("sort 1m"),
        baseline_path="ci/base/sort 1m.json",
        current_path="ci/out/run.json",
    )
    result = check(request, results([10, 12, 11]))
    expected = (
        "perfgate promote --current ci/out/run.json "
        "--to 'ci/base/sort 1m.json' --normalize"
    )
    assert result.promote_command == expected
    assert f"`{expected}`" in result.comment
    assert result.report is not None
    (finding,) = result.report.findings
    assert finding.message.endswith(f"create it with `{expected}`")


def test_missing_baseline_without_paths_generic() -> None:
    result = check(CheckRequest(bench=bench()), results([10, 12, 11]))
    assert result.promote_command is None
    assert "run.json" not in result.comment
    assert "baselines/" not in result.comment
    assert "`perfgate promote`" in result.comment
    assert result.report is not None
    (finding,) = result.report.findings
    assert "run.json" not in finding.message
    assert "baselines/" not in finding.message


def test_required_baseline_missing_exits_one() -> None:
    request = CheckRequest(
        bench=bench(), baseline_path="baselines/b.json", require_baseline=True
    )
    result = check(request, results([10, 12, 11]))
    assert result.exit_code == 1
    assert result.error == "baseline required but not found: baselines/b.json"
    assert result.run is not None
    assert result.report is not None


# Tool errors


def test_failed_command_exits_one(baseline: RunReceipt) -> None:
    script = results([5, 100, 100], exit_codes=[3, 0, 0])
    result = check(with_baseline(baseline), script)
    assert result.outcome == "error"
    assert result.exit_code == 1
    assert result.failures == ("iteration 1 of 3: exit code 3",)
    assert result.error == "1 of 3 iterations failed or timed out"
    assert (
        result.summary == "perfgate: b: error (1 of 3 iterations failed or timed out)"
    )


def test_failed_command_keeps_run(baseline: RunReceipt) -> None:
    script = results([5, 100, 100], exit_codes=[3, 0, 0])
    result = check(with_baseline(baseline), script)
    assert result.run is not None
    assert [sample.exit_code for sample in result.run.samples] == [3, 0, 0]
    assert result.compare is None
    assert result.comment.startswith("❌ perfgate: error\n")


def test_failed_command_report_fails(baseline: RunReceipt) -> None:
    script = [
        RunResult(wall_ns=2 * 10**9, exit_code=-1, timed_out=True, signal=9),
        *results([100, 100, 100, 100], exit_codes=[0, 1, 0, 0]),
    ]
    request = CheckRequest(
        bench=bench(repeat=5, timeout_ns=2 * 10**9), baseline=baseline
    )
    report = check(request, script).report
    assert report is not None
    assert report.verdict.status == "fail"
    assert report.verdict.reasons == ["command_failed"]
    assert report.compare is None
    (finding,) = report.findings
    assert finding.check_id == "perf.run"
    assert finding.code == "command_failed"
    assert finding.severity == "fail"
    assert finding.data is None
    assert finding.message == (
        "2 of 5 iterations failed or timed out: "
        "iteration 1 of 5: timed out (timeout of 2s); "
        "iteration 3 of 5: exit code 1"
    )
    assert report.summary.total_count == 0
    assert report.summary.fail_count == 0
    assert report.verdict.counts.fail == 0


def test_timeout_counts_as_failure() -> None:
    script = [
        RunResult(wall_ns=2 * 10**9, exit_code=-1, timed_out=True, signal=9),
        *results([10, 10]),
    ]
    request = CheckRequest(bench=bench(timeout_ns=2 * 10**9))
    result = check(request, script)
    assert result.exit_code == 1
    assert result.failures == ("iteration 1 of 3: timed out (timeout of 2s)",)


def test_allow_nonzero_still_compares(baseline: RunReceipt) -> None:
    script = results([100, 100, 100], exit_codes=[0, 1, 0])
    result = check(with_baseline(baseline, allow_nonzero=True), script)
    assert result.outcome == "pass"
    assert result.exit_code == 0
    assert result.failures == ("iteration 2 of 3: exit code 1",)
    assert result.compare is not None


def test_allow_nonzero_comment_lists_failures(baseline: RunReceipt) -> None:
    script = results([100, 100, 100], exit_codes=[0, 1, 0])
    result = check(with_baseline(baseline, allow_nonzero=True), script)
    lines = result.comment.splitlines()
    assert lines[0] == "✅ perfgate: pass"
    heading = lines.index(ACCEPTED_FAILURES_HEADING)
    assert lines[heading + 2] == "- iteration 2 of 3: exit code 1"
    assert heading < lines.index(
        "| metric | baseline (median) | current (median) | delta | budget | status |"
    )


def test_allow_nonzero_report_warns(baseline: RunReceipt) -> None:
    script = results([100, 100, 125], exit_codes=[1, 0, 1])
    result = check(with_baseline(baseline, allow_nonzero=True), script)
    report = result.report
    assert report is not None
    assert report.verdict.status == "pass"
    assert report.summary.pass_count == 2
    run_findings = [f for f in report.findings if f.check_id == "perf.run"]
    assert [finding.code for finding in run_findings] == ["iteration_failed"] * 2
    assert [finding.severity for finding in run_findings] == ["warn", "warn"]
    assert [finding.message for finding in run_findings] == [
        "iteration 1 of 3: exit code 1 (accepted with --allow-nonzero)",
        "iteration 3 of 3: exit code 1 (accepted with --allow-nonzero)",
    ]
    assert all(finding.data is None for finding in run_findings)


def test_allow_nonzero_no_baseline_lists() -> None:
    request = CheckRequest(bench=bench(), allow_nonzero=True)
    result = check(request, results([10, 10, 10], exit_codes=[0, 0, 2]))
    assert result.outcome == "no_baseline"
    assert ACCEPTED_FAILURES_HEADING in result.comment
    assert "- iteration 3 of 3: exit code 2\n" in result.comment
    report = result.report
    assert report is not None
    assert [finding.code for finding in report.findings] == [
        "missing",
        "iteration_failed",
    ]


def test_failed_warmup_counts(baseline: RunReceipt) -> None:
    request = CheckRequest(bench=bench(warmup=1), baseline=baseline)
    script = results([1, 100, 100, 100], exit_codes=[2, 0, 0, 0])
    result = check(request, script)
    assert result.exit_code == 1
    assert result.failures == ("warmup 1 of 1: exit code 2",)
    assert result.error == "1 of 4 iterations failed or timed out"


def test_unstartable_command_is_error() -> None:
    def fail_to_start(spec: CommandSpec) -> RunResult:
        raise MeasureError("command not found: 'work'")

    result = check(CheckRequest(bench=bench()), fail_to_start)
    assert result.outcome == "error"
    assert result.exit_code == 1
    assert result.run is None
    assert result.error == "command not found: 'work'"
    report = result.report
    assert report is not None
    assert report.verdict.status == "fail"
    assert report.verdict.reasons == ["command_error"]
    (finding,) = report.findings
    assert (finding.check_id, finding.code, finding.severity) == (
        "perf.run",
        "command_error",
        "fail",
    )
    assert finding.message == "command not found: 'work'"


def test_zero_baseline_is_error(make_run_receipt: MakeRunReceipt) -> None:
    zero = make_run_receipt(name="b", wall_ms=(0, 0, 0))
    request = CheckRequest(bench=bench(), baseline=zero, baseline_path="z.json")
    result = check(request, results([5, 5, 5]))
    assert result.outcome == "error"
    assert result.exit_code == 1
    assert result.error is not None
    assert result.error.startswith("z.json: cannot compare wall_ms")
    assert result.run is not None
    report = result.report
    assert report is not None
    assert report.verdict.reasons == ["compare_error"]
    (finding,) = report.findings
    assert (finding.check_id, finding.code) == ("perf.compare", "compare_error")
    assert finding.message == result.error


# What the runner receives


def test_runner_gets_bench_settings() -> None:
    runner = ScriptedRunner(results([1, 1, 1, 1, 1]))
    request = CheckRequest(
        bench=bench(repeat=3, warmup=2, cwd="work/dir", timeout_ns=5 * 10**9),
        env={"MODE": "fast"},
        output_cap_bytes=64,
    )
    result = check_bench(request, runner, FixedHostProbe(), FixedClock())
    assert runner.remaining == 0
    assert len(runner.specs) == 5
    spec = runner.specs[0]
    assert spec.argv == ("work", "--fast")
    assert spec.cwd == "work/dir"
    assert dict(spec.env) == {"MODE": "fast"}
    assert spec.timeout_ns == 5 * 10**9
    assert spec.output_cap_bytes == 64
    assert result.run is not None
    assert result.run.bench.repeat == 3
    assert result.run.bench.warmup == 2
    assert result.run.bench.timeout_ms == 5000


# Exit code precedence


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], 0),
        ([0, 0], 0),
        ([0, 3], 3),
        ([3, 2, 0], 2),
        ([2, 1, 3], 1),
        ([1, 0], 1),
        ([0, 2, 3, 2], 2),
    ],
)
def test_worst_exit_code_precedence(codes: list[int], expected: int) -> None:
    assert worst_exit_code(codes) == expected


# Markdown of check


def combined_results(make_run_receipt: MakeRunReceipt) -> list[CheckResult]:
    """One bench of each outcome: pass, warn, fail, no baseline, error."""

    def named(name: str) -> CheckRequest:
        base = make_run_receipt(
            name=name, run_id="base", wall_ms=(100,) * 3, max_rss_kb=(1000,) * 3
        )
        return CheckRequest(
            bench=bench(name),
            baseline=base,
            baseline_path=f"baselines/{folder_name(name)}.json",
            current_path=f"out/{folder_name(name)}/run.json",
        )

    missing = CheckRequest(
        bench=bench("new bench"),
        baseline_path="baselines/new_bench.json",
        current_path="out/new_bench/run.json",
    )
    return [
        check(named("sort-1m"), results([100, 100, 101])),
        check(named("hash"), results([119, 119, 119])),
        check(named("parse|`x`"), results([150, 150, 150])),
        check(missing, results([20, 20, 20])),
        check(named("broken"), results([1, 1, 1], exit_codes=[3, 3, 0])),
    ]


def test_combined_summary_golden(
    make_run_receipt: MakeRunReceipt,
    assert_golden: Callable[[str, str], None],
) -> None:
    rendered = render_check_summary(combined_results(make_run_receipt))
    assert_golden("check_summary.md", rendered)


def test_combined_summary_row_per_bench(
    make_run_receipt: MakeRunReceipt,
    table_cells: Callable[[str], list[str]],
    code_span: Callable[[str], str],
) -> None:
    rendered = render_check_summary(combined_results(make_run_receipt))
    rows = [line for line in rendered.splitlines() if line.startswith("| `")]
    cells = [table_cells(row) for row in rows]
    assert [code_span(row[0]) for row in cells] == [
        "sort-1m",
        "hash",
        "parse|`x`",
        "new bench",
        "broken",
    ]
    assert [row[1] for row in cells] == [
        "✅ pass",
        "⚠️ warn",
        "❌ fail",
        "⚠️ no baseline",
        "❌ error",
    ]
    assert all(len(row) == 3 for row in cells)
    assert cells[3][2] == "no baseline"


def test_combined_heading_is_worst(make_run_receipt: MakeRunReceipt) -> None:
    every = combined_results(make_run_receipt)
    assert render_check_summary(every).startswith("❌ perfgate: error\n")
    assert render_check_summary(every[:3]).startswith("❌ perfgate: fail\n")
    assert render_check_summary(every[:2]).startswith("⚠️ perfgate: warn\n")
    assert render_check_summary(every[3:4]).startswith("⚠️ perfgate: warn\n")
    assert render_check_summary(every[:1]).startswith("✅ perfgate: pass\n")


def test_required_baseline_heading_is_error() -> None:
    request = CheckRequest(bench=bench(), require_baseline=True)
    result = check(request, results([1, 1, 1]))
    rendered = render_check_summary([result])
    assert rendered.startswith("❌ perfgate: error\n")
    assert "- error: baseline required but not found\n" in rendered


def test_failures_listed_up_to_limit() -> None:
    failures = [f"iteration {index} of 8: exit code 1" for index in range(1, 9)]
    rendered = render_error_markdown("b", "8 of 8 iterations failed", failures)
    assert "- iteration 5 of 8: exit code 1\n" in rendered
    assert "iteration 6 of 8" not in rendered
    assert rendered.endswith("- and 3 more failed iterations\n")


def test_error_comment_golden(assert_golden: Callable[[str, str], None]) -> None:
    rendered = render_error_markdown(
        "sort *fast*",
        "2 of 3 iterations failed or timed out",
        [
            "iteration 1 of 3: exit code 3",
            "iteration 3 of 3: timed out (timeout of 2s)",
        ],
    )
    assert_golden("check_error.md", rendered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words: 1.5%", "plain words: 1.5%"),
        ("a|b", "a\\|b"),
        ("*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"),
        ("[link](x) <b>", "\\[link\\](x) \\<b\\>"),
        ("@team #12 &amp; ~x~ !", "\\@team \\#12 \\&amp; \\~x\\~ \\!"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines\r\n", "two lines  "),
    ],
)
def test_escape_markdown_text(text: str, expected: str) -> None:
    assert escape_markdown_text(text) == expected


def test_promote_command_quotes_paths() -> None:
    assert promote_command("out dir/run.json", "baselines/b.json") == (
        "perfgate promote --current 'out dir/run.json' --to baselines/b.json "
        "--normalize"
    )


def test_promote_command_guards_leading_dash() -> None:
    assert promote_command("-out/run.json", "-base/b.json") == (
        "perfgate promote --current ./-out/run.json --to ./-base/b.json --normalize"
    )
