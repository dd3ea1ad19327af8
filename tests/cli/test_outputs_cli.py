"""End-to-end tests of md, github-annotations, report, promote and export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from perfgate.types.codec import decode_compare, decode_report, decode_run

InProcess = Callable[[Sequence[str]], Any]

WARN_ROW = "| `wall_ms` | 100 ms | 119 ms | +19.00% | 20.0% (lower) | ⚠️ |"
WARN_ANNOTATION = (
    "::warning::perfgate bench wall_ms: +19.00% (baseline 100ms, current 119ms)\n"
)


@pytest.fixture
def runs(
    tmp_path: Path,
    make_run: Callable[..., dict[str, Any]],
    write_json: Callable[[str, Any], Path],
) -> tuple[Path, Path]:
    """Baseline and current run receipts whose wall_ms warns (+19 %)."""
    baseline = write_json("baseline.json", make_run(run_id="base", wall_ms=(100,)))
    current = write_json("current.json", make_run(run_id="cur", wall_ms=(119,)))
    return baseline, current


@pytest.fixture
def compare_file(
    tmp_path: Path, runs: tuple[Path, Path], cli_in_process: InProcess
) -> Path:
    """A compare receipt written by `perfgate compare` from ``runs``."""
    out = tmp_path / "compare.json"
    result = cli_in_process(
        [
            "compare",
            "--baseline",
            str(runs[0]),
            "--current",
            str(runs[1]),
            "--out",
            str(out),
        ]
    )
    assert result.code == 0, result.stderr
    return out


@pytest.fixture
def failing_compare_file(
    tmp_path: Path,
    make_run: Callable[..., dict[str, Any]],
    write_json: Callable[[str, Any], Path],
    cli_in_process: InProcess,
) -> Path:
    """A compare receipt whose wall_ms fails (+25 %)."""
    baseline = write_json("fail-base.json", make_run(run_id="b", wall_ms=(100,)))
    current = write_json("fail-cur.json", make_run(run_id="c", wall_ms=(125,)))
    out = tmp_path / "fail-compare.json"
    result = cli_in_process(
        [
            "compare",
            "--baseline",
            str(baseline),
            "--current",
            str(current),
            "--out",
            str(out),
        ]
    )
    assert result.code == 2, result.stderr
    return out


def _assert_one_error_line(result: Any, path: Path | str) -> None:
    assert result.code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("perfgate: error: ")
    assert str(path) in lines[0]
    assert "Traceback" not in result.stderr


def _leftover_temporaries(directory: Path) -> list[Path]:
    return [path for path in directory.iterdir() if path.name.endswith(".tmp")]


def test_md_prints_to_stdout(compare_file: Path, cli_in_process: InProcess) -> None:
    result = cli_in_process(["md", "--compare", str(compare_file)])
    assert result.code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "⚠️ perfgate: warn"
    assert lines[2] == "**Bench:** `bench`"
    assert WARN_ROW in lines
    assert lines[-1] == "- wall_ms_warn: +19.00% (warn >= 18.00%, fail > 20.00%)"


def test_md_writes_out_file(
    tmp_path: Path, compare_file: Path, cli_in_process: InProcess
) -> None:
    out = tmp_path / "comment.md"
    result = cli_in_process(["md", "--compare", str(compare_file), "--out", str(out)])
    assert result.code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    printed = cli_in_process(["md", "--compare", str(compare_file)]).stdout
    assert out.read_text(encoding="utf-8") == printed
    assert _leftover_temporaries(tmp_path) == []


def test_annotations_print_lines(compare_file: Path, cli_in_process: InProcess) -> None:
    result = cli_in_process(["github-annotations", "--compare", str(compare_file)])
    assert result.code == 0
    assert result.stderr == ""
    assert result.stdout == WARN_ANNOTATION


def test_annotations_exit_zero_on_fail(
    failing_compare_file: Path, cli_in_process: InProcess
) -> None:
    result = cli_in_process(
        ["github-annotations", "--compare", str(failing_compare_file)]
    )
    assert result.code == 0
    assert result.stdout.startswith("::error::perfgate bench wall_ms: +25.00%")


def test_report_writes_envelope_and_md(
    tmp_path: Path, failing_compare_file: Path, cli_in_process: InProcess
) -> None:
    out = tmp_path / "report.json"
    markdown = tmp_path / "comment.md"
    result = cli_in_process(
        [
            "report",
            "--compare",
            str(failing_compare_file),
            "--out",
            str(out),
            "--md",
            str(markdown),
            "--pretty",
        ]
    )
    # A fail verdict still exits 0: report renders, compare and check gate.
    assert result.code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith('{\n  "report_type": "perfgate.report.v1"')
    report = decode_report(text.encode(), str(out))
    assert report.verdict.status == "fail"
    assert [finding.code for finding in report.findings] == ["metric_fail"]
    assert report.compare == decode_compare(
        failing_compare_file.read_bytes(), "compare.json"
    )
    assert markdown.read_text(encoding="utf-8").startswith("❌ perfgate: fail\n")
    assert _leftover_temporaries(tmp_path) == []


def test_report_prints_to_stdout(compare_file: Path, cli_in_process: InProcess) -> None:
    result = cli_in_process(["report", "--compare", str(compare_file)])
    assert result.code == 0
    assert result.stderr == ""
    assert result.stdout.endswith("}\n")
    assert result.stdout.count("\n") == 1
    report = json.loads(result.stdout)
    assert report["summary"] == {
        "pass_count": 0,
        "warn_count": 1,
        "fail_count": 0,
        "total_count": 1,
    }
    assert report["findings"][0]["data"]["regression_pct"] == pytest.approx(19.0)


def test_promote_normalize_writes_baseline(
    tmp_path: Path, runs: tuple[Path, Path], cli_in_process: InProcess
) -> None:
    target = tmp_path / "baselines" / "bench.json"
    target.parent.mkdir()
    result = cli_in_process(
        ["promote", "--current", str(runs[1]), "--to", str(target), "--normalize"]
    )
    assert result.code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    promoted = decode_run(target.read_bytes(), str(target))
    original = decode_run(runs[1].read_bytes(), str(runs[1]))
    assert promoted.run.id == "baseline"
    assert promoted.run.started_at == "1970-01-01T00:00:00Z"
    assert promoted.run.ended_at == "1970-01-01T00:00:00Z"
    assert promoted.samples == original.samples
    assert promoted.stats == original.stats
    assert promoted.bench == original.bench
    assert target.read_bytes().count(b"\n") == 1


def test_promote_plain_keeps_receipt(
    tmp_path: Path, runs: tuple[Path, Path], cli_in_process: InProcess
) -> None:
    target = tmp_path / "baseline.json"
    result = cli_in_process(
        ["promote", "--current", str(runs[1]), "--to", str(target), "--pretty"]
    )
    assert result.code == 0
    assert result.stderr == ""
    assert target.read_text(encoding="utf-8").startswith('{\n  "schema"')
    assert decode_run(target.read_bytes(), "a") == decode_run(runs[1].read_bytes(), "b")


def test_promote_creates_baseline_folder(
    tmp_path: Path, runs: tuple[Path, Path], cli_in_process: InProcess
) -> None:
    target = tmp_path / "new" / "baselines" / "bench.json"
    result = cli_in_process(["promote", "--current", str(runs[1]), "--to", str(target)])
    assert result.code == 0
    assert result.stderr == ""
    assert target.read_bytes() == runs[1].read_bytes()


def test_promote_rejects_invalid_receipt(
    tmp_path: Path, cli_in_process: InProcess
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "perfgate.run.v1"}', encoding="utf-8")
    target = tmp_path / "baselines" / "bench.json"
    result = cli_in_process(["promote", "--current", str(broken), "--to", str(target)])
    assert result.code == 1
    assert str(broken) in result.stderr
    assert not target.exists()


def test_export_run_csv_default(
    tmp_path: Path, runs: tuple[Path, Path], cli_in_process: InProcess
) -> None:
    out = tmp_path / "run.csv"
    result = cli_in_process(["export", "--run", str(runs[1]), "--out", str(out)])
    assert result.code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows == [
        [
            "bench_name",
            "wall_ms_median",
            "wall_ms_min",
            "wall_ms_max",
            "max_rss_kb_median",
            "throughput_median",
            "sample_count",
            "timestamp",
        ],
        ["bench", "119", "119", "119", "", "", "1", "2026-01-15T10:00:00Z"],
    ]


def test_export_compare_jsonl(
    tmp_path: Path, compare_file: Path, cli_in_process: InProcess
) -> None:
    out = tmp_path / "compare.jsonl"
    result = cli_in_process(
        [
            "export",
            "--compare",
            str(compare_file),
            "--out",
            str(out),
            "--format",
            "jsonl",
        ]
    )
    assert result.code == 0
    assert result.stderr == ""
    records = [
        json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()
    ]
    assert len(records) == 1
    assert records[0]["metric"] == "wall_ms"
    assert records[0]["status"] == "warn"
    assert records[0]["regression_pct"] == pytest.approx(19.0)
    assert records[0]["threshold"] == pytest.approx(20.0)


def test_export_compare_csv(
    tmp_path: Path, compare_file: Path, cli_in_process: InProcess
) -> None:
    out = tmp_path / "compare.csv"
    result = cli_in_process(
        ["export", "--compare", str(compare_file), "--out", str(out), "--format", "csv"]
    )
    assert result.code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1] == (
        "bench,wall_ms,100.000000,119.000000,19.000000,warn,20.000000"
    )


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--run", "a.json", "--compare", "b.json"],
    ],
)
def test_export_needs_one_source(
    tmp_path: Path, extra: list[str], cli_in_process: InProcess
) -> None:
    result = cli_in_process(["export", "--out", str(tmp_path / "x.csv"), *extra])
    assert result.code == 1
    assert len(result.stderr.splitlines()) == 1
    assert "--run" in result.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["md", "--compare"],
        ["github-annotations", "--compare"],
        ["report", "--compare"],
        ["export", "--out", "OUT", "--compare"],
        ["export", "--out", "OUT", "--run"],
        ["promote", "--to", "OUT", "--current"],
    ],
)
def test_missing_input_one_line(
    tmp_path: Path, command: list[str], cli_in_process: InProcess
) -> None:
    missing = tmp_path / "nowhere.json"
    out = tmp_path / "out"
    args = [str(out) if part == "OUT" else part for part in command]
    result = cli_in_process([*args, str(missing)])
    _assert_one_error_line(result, missing)
    assert "not found" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["md", "--compare"],
        ["github-annotations", "--compare"],
        ["report", "--compare"],
        ["export", "--out", "OUT", "--compare"],
    ],
)
def test_run_receipt_as_compare_rejected(
    tmp_path: Path,
    runs: tuple[Path, Path],
    command: list[str],
    cli_in_process: InProcess,
) -> None:
    out = tmp_path / "out"
    args = [str(out) if part == "OUT" else part for part in command]
    result = cli_in_process([*args, str(runs[1])])
    _assert_one_error_line(result, runs[1])
    assert "perfgate.compare.v1" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["promote", "--to", "OUT", "--current"],
        ["export", "--out", "OUT", "--run"],
    ],
)
def test_compare_receipt_as_run_rejected(
    tmp_path: Path,
    compare_file: Path,
    command: list[str],
    cli_in_process: InProcess,
) -> None:
    out = tmp_path / "out"
    args = [str(out) if part == "OUT" else part for part in command]
    result = cli_in_process([*args, str(compare_file)])
    _assert_one_error_line(result, compare_file)
    assert "perfgate.run.v1" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["md", "--compare"],
        ["report", "--compare"],
        ["export", "--out", "OUT", "--compare"],
    ],
)
def test_missing_budget_rejected(
    tmp_path: Path,
    failing_compare_file: Path,
    command: list[str],
    cli_in_process: InProcess,
) -> None:
    data = json.loads(failing_compare_file.read_text(encoding="utf-8"))
    del data["budgets"]["wall_ms"]
    broken = tmp_path / "broken-compare.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    args = [str(out) if part == "OUT" else part for part in command]
    result = cli_in_process([*args, str(broken)])
    _assert_one_error_line(result, broken)
    assert "budgets.wall_ms" in result.stderr
    assert not out.exists()


def test_bad_input_keeps_old_output(
    tmp_path: Path, runs: tuple[Path, Path], cli_in_process: InProcess
) -> None:
    out = tmp_path / "comment.md"
    out.write_text("previous comment\n", encoding="utf-8")
    result = cli_in_process(["md", "--compare", str(runs[1]), "--out", str(out)])
    assert result.code == 1
    assert out.read_text(encoding="utf-8") == "previous comment\n"
    assert _leftover_temporaries(tmp_path) == []


def test_missing_out_directory_one_line(
    tmp_path: Path, compare_file: Path, cli_in_process: InProcess
) -> None:
    out = tmp_path / "no-such-dir" / "report.json"
    result = cli_in_process(
        ["report", "--compare", str(compare_file), "--out", str(out)]
    )
    _assert_one_error_line(result, out)
    assert not out.parent.exists()


def test_failed_rename_keeps_old_output(
    tmp_path: Path,
    compare_file: Path,
    cli_in_process: InProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "compare.csv"
    out.write_text("old,export\n", encoding="utf-8")

    def fail_rename(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("perfgate.cli.io.os.replace", fail_rename)
    result = cli_in_process(
        ["export", "--compare", str(compare_file), "--out", str(out)]
    )
    _assert_one_error_line(result, out)
    assert out.read_text(encoding="utf-8") == "old,export\n"
    assert _leftover_temporaries(tmp_path) == []


def test_commands_chain_in_subprocess(
    tmp_path: Path, runs: tuple[Path, Path], run_cli: Callable[..., Any]
) -> None:
    compare = tmp_path / "chain-compare.json"
    steps: list[list[str]] = [
        [
            "compare",
            "--baseline",
            str(runs[0]),
            "--current",
            str(runs[1]),
            "--out",
            str(compare),
        ],
        ["md", "--compare", str(compare), "--out", str(tmp_path / "c.md")],
        ["github-annotations", "--compare", str(compare)],
        ["report", "--compare", str(compare), "--out", str(tmp_path / "r.json")],
        ["export", "--compare", str(compare), "--out", str(tmp_path / "c.csv")],
        [
            "export",
            "--run",
            str(runs[1]),
            "--out",
            str(tmp_path / "r.jsonl"),
            "--format",
            "jsonl",
        ],
        [
            "promote",
            "--current",
            str(runs[1]),
            "--to",
            str(tmp_path / "b.json"),
            "--normalize",
        ],
    ]
    outputs = []
    for step in steps:
        result = run_cli(step)
        assert result.code == 0, (step, result.stderr)
        assert result.stderr == "", step
        outputs.append(result.stdout)
    assert outputs[2] == WARN_ANNOTATION
    assert (tmp_path / "c.md").read_text(encoding="utf-8").splitlines()[0] == (
        "⚠️ perfgate: warn"
    )
    assert (
        json.loads((tmp_path / "r.jsonl").read_text(encoding="utf-8"))["wall_ms_median"]
        == 119
    )
    assert decode_run((tmp_path / "b.json").read_bytes(), "b.json").run.id == (
        "baseline"
    )


def test_export_dash_prints_stdout(
    compare_file: Path, cli_in_process: InProcess
) -> None:
    result = cli_in_process(
        ["export", "--compare", str(compare_file), "--out", "-", "--format", "csv"]
    )
    assert result.code == 0
    assert result.stderr == ""
    assert result.stdout.splitlines()[0].startswith("bench_name,metric,")
    assert not Path("-").exists()
