"""End-to-end tests of `perfgate check` on real commands."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from perfgate.types.codec import decode_compare, decode_report, decode_run

InProcess = Callable[[Sequence[str]], Any]

SRC_DIR = Path(__file__).resolve().parents[2] / "src"
SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"

# Real commands take a few milliseconds with a large relative spread, so
# benches that must pass get a budget no run-to-run noise can exceed.
WIDE_DEFAULTS = "[defaults]\nrepeat = 3\nthreshold = 1.0\n"
# A command whose run time barely varies, so that a 100 % budget never fails
# on a busy machine (the wall time of `true` can double between runs).
STEADY_COMMAND = ["sleep", "0.02"]


def bench_toml(name: str, command: Sequence[str], extra: str = "") -> str:
    return (
        f"[[bench]]\nname = {json.dumps(name)}\n"
        f"command = {json.dumps(list(command))}\n{extra}"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the current directory, with no step summary."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SUMMARY_VARIABLE, raising=False)
    return tmp_path


def write_config(folder: Path, text: str, name: str = "perfgate.toml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_subprocess(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if key != SUMMARY_VARIABLE
    }
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = (
        f"{SRC_DIR}{os.pathsep}{existing}" if existing else str(SRC_DIR)
    )
    return subprocess.run(
        [sys.executable, "-m", "perfgate", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def read_report(path: Path) -> Any:
    return decode_report(path.read_bytes(), str(path))


def all_files(folder: Path) -> list[str]:
    return sorted(
        str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()
    )


# The gate end to end, in a child process


def test_first_check_has_no_baseline(tmp_path: Path) -> None:
    write_config(tmp_path, WIDE_DEFAULTS + bench_toml("t", STEADY_COMMAND))
    completed = run_subprocess(["check", "--bench", "t"], tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert lines[0].startswith(
        'perfgate: warning: bench "t": no baseline at baselines/t.json'
    )
    assert lines[1].startswith("perfgate: t: no baseline (")
    assert len(lines) == 2
    out = tmp_path / "artifacts" / "perfgate"
    assert all_files(out) == ["comment.md", "report.json", "run.json"]
    report = read_report(out / "report.json")
    assert report.verdict.status == "warn"
    assert report.verdict.reasons == ["no_baseline"]
    assert [finding.check_id for finding in report.findings] == ["perf.baseline"]
    assert "no baseline" in (out / "comment.md").read_text(encoding="utf-8")


def test_promoted_baseline_gives_verdict(tmp_path: Path) -> None:
    write_config(tmp_path, WIDE_DEFAULTS + bench_toml("t", STEADY_COMMAND))
    first = run_subprocess(["check", "--bench", "t"], tmp_path)
    assert first.returncode == 0, first.stderr
    (tmp_path / "baselines").mkdir()
    promote = run_subprocess(
        [
            "promote",
            "--current",
            "artifacts/perfgate/run.json",
            "--to",
            "baselines/t.json",
            "--normalize",
        ],
        tmp_path,
    )
    assert promote.returncode == 0, promote.stderr

    second = run_subprocess(["check", "--bench", "t"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stderr.startswith("perfgate: t: pass (")
    out = tmp_path / "artifacts" / "perfgate"
    assert all_files(out) == ["comment.md", "compare.json", "report.json", "run.json"]
    compare = decode_compare((out / "compare.json").read_bytes(), "compare.json")
    assert compare.baseline_ref.path == "baselines/t.json"
    assert compare.baseline_ref.run_id == "baseline"
    assert compare.verdict.status == "pass"
    assert "wall_ms" in compare.deltas
    comment = (out / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith("✅ perfgate: pass\n")


def test_slower_command_fails_gate(tmp_path: Path) -> None:
    fast = bench_toml("nap", ["sleep", "0.01"])
    write_config(tmp_path, "[defaults]\nrepeat = 3\n" + fast)
    first = run_subprocess(["check", "--bench", "nap"], tmp_path)
    assert first.returncode == 0, first.stderr
    (tmp_path / "baselines").mkdir()
    (tmp_path / "artifacts" / "perfgate" / "run.json").rename(
        tmp_path / "baselines" / "nap.json"
    )
    # Thirty times slower: far past the default 20 % threshold on any machine.
    slow = bench_toml("nap", ["sleep", "0.3"])
    write_config(tmp_path, "[defaults]\nrepeat = 3\n" + slow)
    second = run_subprocess(["check", "--bench", "nap"], tmp_path)
    assert second.returncode == 2, second.stderr
    assert second.stderr.startswith("perfgate: nap: fail (")
    report = read_report(tmp_path / "artifacts" / "perfgate" / "report.json")
    assert report.verdict.status == "fail"
    assert "wall_ms_fail" in report.verdict.reasons


# Baselines


def write_baseline(
    folder: Path, make_run: Callable[..., dict[str, Any]], name: str = "t"
) -> Path:
    """A baseline whose medians any `true` run stays far within (1 s, 1 GB)."""
    path = folder / "baselines" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = make_run(name=name, run_id="base", wall_ms=(1000,), max_rss_kb=(10**6,))
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_faster_run_passes(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND, "repeat = 2\n"))
    write_baseline(project, make_run)
    result = cli_in_process(["check", "--bench", "t"])
    assert result.code == 0, result.stderr
    assert result.stderr.startswith("perfgate: t: pass (max_rss_kb -")


def test_fail_on_warn_keeps_pass(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND, "repeat = 2\n"))
    write_baseline(project, make_run)
    result = cli_in_process(["check", "--bench", "t", "--fail-on-warn"])
    assert result.code == 0, result.stderr


def test_stale_compare_removed(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND, "repeat = 2\n"))
    baseline = write_baseline(project, make_run)
    assert cli_in_process(["check", "--bench", "t"]).code == 0
    compare = project / "artifacts" / "perfgate" / "compare.json"
    assert compare.exists()
    baseline.unlink()
    result = cli_in_process(["check", "--bench", "t"])
    assert result.code == 0, result.stderr
    assert not compare.exists()
    report = read_report(project / "artifacts" / "perfgate" / "report.json")
    assert report.verdict.reasons == ["no_baseline"]


def test_explicit_baseline_used(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND, "repeat = 2\n"))
    baseline = write_baseline(project, make_run)
    moved = baseline.rename(project / "elsewhere.json")
    result = cli_in_process(["check", "--bench", "t", "--baseline", str(moved)])
    assert result.code == 0, result.stderr
    compare_path = project / "artifacts" / "perfgate" / "compare.json"
    compare = decode_compare(compare_path.read_bytes(), "compare.json")
    assert compare.baseline_ref.path == str(moved)


def test_missing_explicit_baseline_is_error(
    project: Path, cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("t", ["touch", "ran"]))
    result = cli_in_process(["check", "--bench", "t", "--baseline", "gone.json"])
    assert result.code == 1
    assert result.stderr == (
        "perfgate: error: gone.json: file not found; pass the path of a run receipt\n"
    )
    assert not (project / "ran").exists()
    assert not (project / "artifacts").exists()


@pytest.mark.parametrize("name", ["sort 1m", "ünï cødé", "it's (v2)"])
def test_baseline_file_is_bench_name(
    name: str,
    project: Path,
    make_run: Callable[..., dict[str, Any]],
    cli_in_process: InProcess,
) -> None:
    # A 10 ms baseline against a 50 ms command: a regression far past 20 %.
    write_config(project, bench_toml(name, ["sleep", "0.05"], "repeat = 2\n"))
    baseline = make_run(
        name=name, run_id="base", wall_ms=(10, 10), wall_ns=(10**7, 10**7)
    )
    (project / "baselines").mkdir()
    path = project / "baselines" / f"{name}.json"
    path.write_text(json.dumps(baseline), encoding="utf-8")
    result = cli_in_process(["check", "--bench", name])
    assert result.code == 2, result.stderr
    compare_path = project / "artifacts" / "perfgate" / "compare.json"
    compare = decode_compare(compare_path.read_bytes(), "compare.json")
    assert compare.baseline_ref.path == f"baselines/{name}.json"
    assert compare.verdict.status == "fail"


def test_require_baseline_exits_one(project: Path, cli_in_process: InProcess) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND, "repeat = 1\n"))
    result = cli_in_process(["check", "--bench", "t", "--require-baseline"])
    assert result.code == 1
    assert "baseline required" in result.stderr
    assert (project / "artifacts" / "perfgate" / "run.json").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "baselines/t.json: invalid JSON"),
        (b'{"schema": "perfgate.compare.v1"}', "field `schema`"),
        (b"", "baselines/t.json: file is empty"),
    ],
)
def test_invalid_baseline_is_loud(
    project: Path, cli_in_process: InProcess, content: bytes, expected: str
) -> None:
    write_config(project, bench_toml("t", ["touch", "ran"]))
    (project / "baselines").mkdir()
    (project / "baselines" / "t.json").write_bytes(content)
    result = cli_in_process(["check", "--bench", "t"])
    assert result.code == 1
    assert result.stderr.startswith("perfgate: error: ")
    assert expected in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (project / "ran").exists()
    assert not (project / "artifacts").exists()


def test_baseline_folder_is_loud(project: Path, cli_in_process: InProcess) -> None:
    write_config(project, bench_toml("t", ["touch", "ran"]))
    (project / "baselines" / "t.json").mkdir(parents=True)
    result = cli_in_process(["check", "--bench", "t"])
    assert result.code == 1
    assert "baselines/t.json: is a directory" in result.stderr
    assert not (project / "ran").exists()


def test_baseline_of_other_bench_warns(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND, "repeat = 1\n"))
    path = write_baseline(project, make_run, name="other")
    path.rename(project / "baselines" / "t.json")
    result = cli_in_process(["check", "--bench", "t"])
    assert result.code == 0, result.stderr
    assert 'the baseline is of bench "other", not "t"' in result.stderr


# Failing commands


def test_failed_command_exits_one(project: Path, cli_in_process: InProcess) -> None:
    write_config(project, bench_toml("bad", ["sh", "-c", "exit 3"], "repeat = 2\n"))
    result = cli_in_process(["check", "--bench", "bad"])
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert lines == [
        'perfgate: error: bench "bad": iteration 1 of 2: exit code 3',
        'perfgate: error: bench "bad": iteration 2 of 2: exit code 3',
        'perfgate: error: bench "bad": 2 of 2 iterations failed or timed out '
        "(run.json written; pass --allow-nonzero to compare anyway)",
        "perfgate: bad: error (2 of 2 iterations failed or timed out)",
    ]
    out = project / "artifacts" / "perfgate"
    assert all_files(out) == ["comment.md", "report.json", "run.json"]
    run = decode_run((out / "run.json").read_bytes(), "run.json")
    assert [sample.exit_code for sample in run.samples] == [3, 3]
    assert "perfgate: error" in (out / "comment.md").read_text(encoding="utf-8")


def test_failed_command_writes_report(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND, "repeat = 2\n"))
    write_baseline(project, make_run)
    assert cli_in_process(["check", "--bench", "t"]).code == 0
    out = project / "artifacts" / "perfgate"
    assert (out / "compare.json").exists()

    write_config(project, bench_toml("t", ["sh", "-c", "exit 3"], "repeat = 2\n"))
    result = cli_in_process(["check", "--bench", "t"])
    assert result.code == 1
    assert not (out / "compare.json").exists()
    report = read_report(out / "report.json")
    assert report.verdict.status == "fail"
    assert report.verdict.reasons == ["command_failed"]
    assert report.compare is None
    (finding,) = report.findings
    assert (finding.check_id, finding.code, finding.severity) == (
        "perf.run",
        "command_failed",
        "fail",
    )
    assert finding.message == (
        "2 of 2 iterations failed or timed out: "
        "iteration 1 of 2: exit code 3; iteration 2 of 2: exit code 3"
    )
    assert finding.data is None
    assert report.summary.total_count == 0


def test_allow_nonzero_reports_verdict(
    project: Path, cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("bad", ["sh", "-c", "exit 3"], "repeat = 1\n"))
    result = cli_in_process(["check", "--bench", "bad", "--allow-nonzero"])
    assert result.code == 0, result.stderr
    assert result.stderr.startswith(
        'perfgate: warning: bench "bad": iteration 1 of 1: exit code 3\n'
    )
    out = project / "artifacts" / "perfgate"
    assert all_files(out) == ["comment.md", "report.json", "run.json"]


def test_allow_nonzero_pass_shows_failures(
    project: Path,
    make_run: Callable[..., dict[str, Any]],
    cli_in_process: InProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = project / "summary.md"
    monkeypatch.setenv(SUMMARY_VARIABLE, str(summary))
    write_config(project, bench_toml("t", ["sh", "-c", "exit 1"], "repeat = 2\n"))
    write_baseline(project, make_run)
    result = cli_in_process(["check", "--bench", "t", "--allow-nonzero"])
    assert result.code == 0, result.stderr
    out = project / "artifacts" / "perfgate"
    comment = (out / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith("✅ perfgate: pass\n")
    assert "**Failed iterations (accepted with --allow-nonzero):**" in comment
    assert "- iteration 1 of 2: exit code 1\n" in comment
    assert "- iteration 2 of 2: exit code 1\n" in comment
    assert summary.read_text(encoding="utf-8") == f"{comment}\n"
    report = read_report(out / "report.json")
    assert report.verdict.status == "pass"
    assert [finding.code for finding in report.findings] == ["iteration_failed"] * 2
    assert {finding.severity for finding in report.findings} == {"warn"}


def test_missing_program_exits_one(project: Path, cli_in_process: InProcess) -> None:
    write_config(project, bench_toml("gone", ["no-such-program-perfgate"]))
    result = cli_in_process(["check", "--bench", "gone"])
    assert result.code == 1
    assert "command not found" in result.stderr
    out = project / "artifacts" / "perfgate"
    assert all_files(out) == ["comment.md", "report.json"]
    report = read_report(out / "report.json")
    assert report.verdict.status == "fail"
    assert report.verdict.reasons == ["command_error"]
    (finding,) = report.findings
    assert (finding.check_id, finding.code) == ("perf.run", "command_error")
    assert "command not found" in finding.message


def test_timeout_exits_one(project: Path, cli_in_process: InProcess) -> None:
    extra = 'repeat = 1\ntimeout = "200ms"\n'
    write_config(project, bench_toml("slow", ["sleep", "5"], extra))
    result = cli_in_process(["check", "--bench", "slow"])
    assert result.code == 1
    assert "iteration 1 of 1: timed out" in result.stderr


# --all


def test_all_checks_every_bench(project: Path, cli_in_process: InProcess) -> None:
    text = (
        WIDE_DEFAULTS
        + bench_toml("one", STEADY_COMMAND)
        + bench_toml("two", STEADY_COMMAND)
    )
    write_config(project, text)
    result = cli_in_process(["check", "--all"])
    assert result.code == 0, result.stderr
    summaries = [
        line
        for line in result.stderr.splitlines()
        if not line.startswith("perfgate: warning")
    ]
    assert [line.split(" (")[0] for line in summaries] == [
        "perfgate: one: no baseline",
        "perfgate: two: no baseline",
    ]
    out = project / "artifacts" / "perfgate"
    assert all_files(out) == [
        "comment.md",
        "one/comment.md",
        "one/report.json",
        "one/run.json",
        "two/comment.md",
        "two/report.json",
        "two/run.json",
    ]
    combined = (out / "comment.md").read_text(encoding="utf-8")
    assert "| `one` | ⚠️ no baseline | no baseline |" in combined
    assert "| `two` | ⚠️ no baseline | no baseline |" in combined


def test_all_exit_is_worst(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    text = (
        "[defaults]\nrepeat = 1\n"
        + bench_toml("ok", STEADY_COMMAND)
        + bench_toml("bad", ["false"])
        + bench_toml("ok2", STEADY_COMMAND)
    )
    write_config(project, text)
    write_baseline(project, make_run, name="ok")
    result = cli_in_process(["check", "--all"])
    assert result.code == 1
    out = project / "artifacts" / "perfgate"
    assert (out / "ok" / "compare.json").exists()
    assert (out / "ok2" / "run.json").exists()
    combined = (out / "comment.md").read_text(encoding="utf-8")
    assert combined.startswith("❌ perfgate: error\n")
    assert "| `bad` | ❌ error | see notes |" in combined
    assert "| `ok` | ✅ pass |" in combined


def test_unsafe_names_stay_inside(project: Path, cli_in_process: InProcess) -> None:
    text = (
        WIDE_DEFAULTS
        + bench_toml("../escape", STEADY_COMMAND)
        + bench_toml("a/b", STEADY_COMMAND)
        + bench_toml("/abs", STEADY_COMMAND)
    )
    write_config(project, text)
    result = cli_in_process(["check", "--all"])
    assert result.code == 0, result.stderr
    assert sorted(path.name for path in project.iterdir()) == [
        "artifacts",
        "perfgate.toml",
    ]
    out = project / "artifacts" / "perfgate"
    assert sorted(path.name for path in out.iterdir()) == [
        ".._escape",
        "_abs",
        "a_b",
        "comment.md",
    ]
    assert "no baseline at baselines/.._escape.json" in result.stderr
    assert "no baseline at baselines/a_b.json" in result.stderr


def test_unsafe_name_baseline_found(
    project: Path, make_run: Callable[..., dict[str, Any]], cli_in_process: InProcess
) -> None:
    write_config(project, bench_toml("a/b", STEADY_COMMAND, "repeat = 1\n"))
    path = write_baseline(project, make_run, name="a/b".replace("/", "_"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["bench"]["name"] = "a/b"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = cli_in_process(["check", "--bench", "a/b"])
    assert result.code == 0, result.stderr
    assert (project / "artifacts" / "perfgate" / "compare.json").exists()


# Paths


def test_paths_relative_to_config(project: Path, cli_in_process: InProcess) -> None:
    text = (
        "[defaults]\nrepeat = 1\nthreshold = 1.0\n"
        'out_dir = "out"\nbaseline_dir = "base"\n'
        + bench_toml("here", ["sh", "-c", "pwd > where.txt"])
        + bench_toml("there", ["sh", "-c", "pwd > where.txt"], 'cwd = "work"\n')
    )
    config = write_config(project / "ci", text)
    (project / "ci" / "work").mkdir()
    result = cli_in_process(["check", "--config", "ci/perfgate.toml", "--all"])
    assert result.code == 0, result.stderr
    default_cwd = (project / "ci" / "where.txt").read_text(encoding="utf-8")
    set_cwd = (project / "ci" / "work" / "where.txt").read_text(encoding="utf-8")
    assert Path(default_cwd.strip()).resolve() == config.parent.resolve()
    assert Path(set_cwd.strip()).resolve() == (config.parent / "work").resolve()
    assert (project / "ci" / "out" / "here" / "run.json").exists()
    assert "no baseline at ci/base/here.json" in result.stderr


def test_promote_hint_works_as_given(project: Path, cli_in_process: InProcess) -> None:
    text = (
        "[defaults]\nrepeat = 1\nthreshold = 1.0\n"
        'out_dir = "out"\nbaseline_dir = "base line"\n'
        + bench_toml("sort 1m", STEADY_COMMAND)
    )
    write_config(project / "ci", text)
    args = ["check", "--config", "ci/perfgate.toml", "--bench", "sort 1m"]
    first = cli_in_process(args)
    assert first.code == 0, first.stderr
    expected = (
        "perfgate promote --current ci/out/run.json "
        "--to 'ci/base line/sort 1m.json' --normalize"
    )
    out = project / "ci" / "out"
    comment = (out / "comment.md").read_text(encoding="utf-8")
    assert comment.endswith(f"`{expected}`\n")
    (finding,) = read_report(out / "report.json").findings
    assert finding.message.endswith(f"create it with `{expected}`")
    assert f"create it with `{expected}`" in first.stderr

    (project / "ci" / "base line").mkdir()
    promote = cli_in_process(shlex.split(expected)[1:])
    assert promote.code == 0, promote.stderr
    second = cli_in_process(args)
    assert second.code == 0, second.stderr
    assert second.stderr.startswith("perfgate: sort 1m: pass (")


def test_all_promote_hint_per_bench(project: Path, cli_in_process: InProcess) -> None:
    write_config(project, WIDE_DEFAULTS + bench_toml("ünï cødé", STEADY_COMMAND))
    result = cli_in_process(["check", "--all"])
    assert result.code == 0, result.stderr
    folder = project / "artifacts" / "perfgate" / "ünï cødé"
    expected = (
        "perfgate promote --current 'artifacts/perfgate/ünï cødé/run.json' "
        "--to 'baselines/ünï cødé.json' --normalize"
    )
    assert (
        (folder / "comment.md").read_text(encoding="utf-8").endswith(f"`{expected}`\n")
    )
    combined = (project / "artifacts" / "perfgate" / "comment.md").read_text("utf-8")
    assert f"`{expected}`" in combined


def test_out_dir_flag_relative_to_cwd(project: Path, cli_in_process: InProcess) -> None:
    write_config(project / "ci", WIDE_DEFAULTS + bench_toml("t", STEADY_COMMAND))
    result = cli_in_process(
        ["check", "--config", "ci/perfgate.toml", "--bench", "t", "--out-dir", "o/p"]
    )
    assert result.code == 0, result.stderr
    assert all_files(project / "o" / "p") == ["comment.md", "report.json", "run.json"]
    assert not (project / "ci" / "artifacts").exists()


def test_out_dir_is_file_rejected(project: Path, cli_in_process: InProcess) -> None:
    write_config(project, bench_toml("t", STEADY_COMMAND))
    (project / "taken").write_text("x", encoding="utf-8")
    result = cli_in_process(["check", "--bench", "t", "--out-dir", "taken"])
    assert result.code == 1
    assert result.stderr.startswith("perfgate: error: taken: cannot create")


# Options


def test_env_reaches_command(project: Path, cli_in_process: InProcess) -> None:
    command = ["sh", "-c", 'test "$PERFGATE_TEST_MODE" = fast']
    write_config(project, bench_toml("env", command, "repeat = 1\n"))
    assert cli_in_process(["check", "--bench", "env"]).code == 1
    result = cli_in_process(
        ["check", "--bench", "env", "--env", "PERFGATE_TEST_MODE=fast"]
    )
    assert result.code == 0, result.stderr


def test_output_cap_applies(project: Path, cli_in_process: InProcess) -> None:
    command = ["sh", "-c", "printf 0123456789"]
    write_config(project, bench_toml("out", command, "repeat = 1\n"))
    result = cli_in_process(
        ["check", "--bench", "out", "--output-cap-bytes", "4", "--pretty"]
    )
    assert result.code == 0, result.stderr
    text = (project / "artifacts" / "perfgate" / "run.json").read_text("utf-8")
    assert "\n  " in text
    run = decode_run(text.encode(), "run.json")
    assert run.samples[0].stdout == "0123"


def test_json_config_works(project: Path, cli_in_process: InProcess) -> None:
    config = {"bench": [{"name": "j", "command": STEADY_COMMAND, "repeat": 1}]}
    write_config(project, json.dumps(config), name="perfgate.json")
    result = cli_in_process(["check", "--config", "perfgate.json", "--bench", "j"])
    assert result.code == 0, result.stderr
    assert (project / "artifacts" / "perfgate" / "run.json").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check"], "one of the arguments --bench --all is required"),
        (["check", "--bench", "t", "--all"], "not allowed with argument"),
        (["check", "--all", "--baseline", "b.json"], "--baseline works only with"),
        (["check", "--bench", "nope"], 'no bench named "nope"; the config defines "t"'),
        (
            ["check", "--all", "--config", "missing.toml"],
            "missing.toml: file not found",
        ),
        (["check", "--bench", "t", "--env", "NOEQUALS"], "expected KEY=VALUE"),
    ],
)
def test_bad_usage_exits_one(
    project: Path, cli_in_process: InProcess, args: list[str], expected: str
) -> None:
    write_config(project, bench_toml("t", ["touch", "ran"]))
    result = cli_in_process(args)
    assert result.code == 1
    assert expected in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (project / "ran").exists()


def test_all_without_benches_rejected(project: Path, cli_in_process: InProcess) -> None:
    write_config(project, "[defaults]\nrepeat = 1\n")
    result = cli_in_process(["check", "--all"])
    assert result.code == 1
    assert result.stderr == (
        "perfgate: error: perfgate.toml: no [[bench]] tables, so there is "
        "nothing to check; add a bench\n"
    )


# GitHub step summary


def test_step_summary_appended(
    project: Path, cli_in_process: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv(SUMMARY_VARIABLE, str(summary))
    write_config(project, WIDE_DEFAULTS + bench_toml("one", STEADY_COMMAND))
    assert cli_in_process(["check", "--all"]).code == 0
    combined = (project / "artifacts" / "perfgate" / "comment.md").read_text("utf-8")
    assert summary.read_text(encoding="utf-8") == f"earlier step\n{combined}\n"


def test_step_summary_of_one_bench(
    project: Path, cli_in_process: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project / "summary.md"
    monkeypatch.setenv(SUMMARY_VARIABLE, str(summary))
    write_config(project, WIDE_DEFAULTS + bench_toml("one", STEADY_COMMAND))
    assert cli_in_process(["check", "--bench", "one"]).code == 0
    comment = (project / "artifacts" / "perfgate" / "comment.md").read_text("utf-8")
    assert summary.read_text(encoding="utf-8") == f"{comment}\n"


def test_step_summary_failure_warns(
    project: Path, cli_in_process: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project / "not-a-file"
    folder.mkdir()
    monkeypatch.setenv(SUMMARY_VARIABLE, str(folder))
    write_config(project, WIDE_DEFAULTS + bench_toml("one", STEADY_COMMAND))
    result = cli_in_process(["check", "--bench", "one"])
    assert result.code == 0
    assert f"perfgate: warning: {folder}: cannot append the summary" in result.stderr


# Config errors: one line naming file, bench and key; nothing runs.

GOOD = bench_toml("ok", ["touch", "ran"])


@pytest.mark.parametrize(
    ("content", "parts"),
    [
        (b"benchs = []\n" + GOOD.encode(), ['unknown key "benchs"', "top level"]),
        (
            b"[defaults]\ntreshold = 0.1\n" + GOOD.encode(),
            ['unknown key "treshold"', "[defaults]"],
        ),
        (
            (GOOD + "comand = []\n").encode(),
            ['bench "ok"', 'unknown key "comand"', "[[bench]]"],
        ),
        (
            (GOOD + "[bench.budgets.wall_ms]\ntreshold = 0.1\n").encode(),
            ['bench "ok"', 'unknown key "treshold"', "[bench.budgets.wall_ms]"],
        ),
        (
            (GOOD + GOOD).encode(),
            ['bench "ok"', 'key "name"', "duplicate name"],
        ),
        (
            (GOOD + bench_toml("empty", [])).encode(),
            ['bench "empty"', 'key "command"', "the command is empty"],
        ),
        (
            (GOOD + 'timeout = "5 sec"\n').encode(),
            ['bench "ok"', 'key "timeout"', "invalid duration"],
        ),
        (
            (GOOD + "[bench.budgets.wall_ms]\nthreshold = 0\n").encode(),
            ['bench "ok"', 'key "threshold"', "invalid value 0.0"],
        ),
        (
            (GOOD + "[bench.budgets.wall_ms]\nthreshold = -0.1\n").encode(),
            ['bench "ok"', 'key "threshold"', "invalid value -0.1"],
        ),
        (
            (GOOD + "[bench.budgets.wall_ms]\nthreshold = nan\n").encode(),
            ['bench "ok"', 'key "threshold"', "invalid value nan"],
        ),
        (
            (GOOD + '[bench.budgets.wall_ms]\nthreshold = "10%"\n').encode(),
            ['bench "ok"', 'key "threshold"', "expected a number, found a string"],
        ),
        (
            (GOOD + 'metrics = ["wall_time"]\n').encode(),
            ['bench "ok"', 'key "metrics"', 'unknown metric "wall_time"'],
        ),
        (GOOD.encode("utf-16"), ["UTF-16"]),
        (GOOD.replace("\n", "\r").encode(), ["line 1", "carriage return (CR)"]),
        ((GOOD + "repeat = \n").encode(), ["invalid TOML", "line 4"]),
    ],
    ids=[
        "unknown-top-level",
        "unknown-defaults",
        "unknown-bench",
        "unknown-budgets",
        "duplicate-name",
        "empty-command",
        "bad-duration",
        "threshold-zero",
        "threshold-negative",
        "threshold-nan",
        "threshold-text",
        "unknown-metric",
        "utf-16",
        "lone-cr",
        "invalid-toml",
    ],
)
def test_config_error_exits_one(
    project: Path, cli_in_process: InProcess, content: bytes, parts: list[str]
) -> None:
    (project / "perfgate.toml").write_bytes(content)
    result = cli_in_process(["check", "--all"])
    assert result.code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("perfgate: error: perfgate.toml: ")
    assert result.stderr.count("\n") == 1
    for part in parts:
        assert part in result.stderr
    assert all_files(project) == ["perfgate.toml"]


def test_json_config_error_exits_one(project: Path, cli_in_process: InProcess) -> None:
    config = {"bench": [{"name": "j", "command": ["touch", "ran"], "repat": 1}]}
    write_config(project, json.dumps(config), name="perfgate.json")
    result = cli_in_process(["check", "--config", "perfgate.json", "--all"])
    assert result.code == 1
    assert result.stderr.startswith(
        'perfgate: error: perfgate.json: bench "j": unknown key "repat" in '
        'object "bench"; expected name, command'
    )
    assert result.stderr.count("\n") == 1
    assert all_files(project) == ["perfgate.json"]


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbf" + GOOD.encode(),
        GOOD.replace("\n", "\r\n").encode(),
    ],
    ids=["utf-8-bom", "crlf"],
)
def test_config_encoding_accepted(
    project: Path, cli_in_process: InProcess, content: bytes
) -> None:
    (project / "perfgate.toml").write_bytes(content + b"repeat = 1\r\n")
    result = cli_in_process(["check", "--all"])
    assert result.code == 0, result.stderr
    assert (project / "ran").exists()
