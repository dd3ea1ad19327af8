"""Our text outputs against those the Rust perfgate 0.2 wrote from the same receipts.

The tests normalise three intended differences. Our rows, notes,
annotations, findings and export rows follow alphabetical metric order, while
the Rust tool lists wall_ms, max_rss_kb, throughput_per_s. Our report
findings carry ``regression_pct`` in percent, where the Rust ``report``
writes a fraction. Our receipts omit ``warmup: false`` and
``timed_out: false`` because they are the defaults.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Every case with outputs. zero-baseline has none: the Rust compare rejects it.
OUTPUT_CASES = [
    "custom-thresholds",
    "fail-25pct",
    "fail-on-warn",
    "pass-10pct",
    "throughput-drop",
    "warn-19pct",
]
RUN_CASES = [*OUTPUT_CASES, "zero-baseline"]
SAMPLE_DEFAULTS = {"warmup": False, "timed_out": False}

RunCli = Callable[..., Any]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _run_ok(run_cli: RunCli, args: list[str], *, cwd: Path | None = None) -> str:
    result = run_cli(args, cwd=cwd)
    assert result.code == 0, (args, result.stderr)
    assert result.stderr == "", args
    stdout: str = result.stdout
    return stdout


@pytest.fixture
def case_dir(rust_interop_dir: Path, request: pytest.FixtureRequest) -> Path:
    path: Path = rust_interop_dir / "compare" / request.param
    return path


@pytest.fixture
def our_compare(case_dir: Path, tmp_path: Path, run_cli: RunCli) -> Path:
    """Our compare receipt of the case, from the case's own compare arguments."""
    args = json.loads(_read(case_dir / "args.json"))
    out = tmp_path / "compare.json"
    args[args.index("--out") + 1] = str(out)
    # Run in the case folder so that baseline_ref and current_ref hold the
    # same relative paths as in the Rust receipt.
    result = run_cli(args, cwd=case_dir)
    expected_exit = json.loads(_read(case_dir / "exit.json"))["compare"]
    assert result.code == expected_exit, result.stderr
    assert result.stderr == ""
    return out


def test_case_list_is_complete(rust_interop_dir: Path) -> None:
    folders = sorted(path.name for path in (rust_interop_dir / "compare").iterdir())
    assert folders == sorted(RUN_CASES)
    with_outputs = sorted(
        path.name
        for path in (rust_interop_dir / "compare").iterdir()
        if (path / "md.txt").exists()
    )
    assert with_outputs == OUTPUT_CASES


def _markdown_parts(text: str) -> tuple[list[str], list[str], set[str]]:
    """Split a comment into the lines before the rows, the rows and the notes."""
    lines = text.splitlines()
    delimiter = lines.index("|---|---:|---:|---:|---:|---|")
    head = lines[: delimiter + 1]
    rows = []
    rest = lines[delimiter + 1 :]
    while rest and rest[0].startswith("| "):
        rows.append(rest.pop(0))
    notes = {line for line in rest if line}
    return head, sorted(rows), notes


@pytest.mark.parametrize("case_dir", OUTPUT_CASES, indirect=True)
def test_md_matches_rust(case_dir: Path, our_compare: Path, run_cli: RunCli) -> None:
    ours = _run_ok(run_cli, ["md", "--compare", str(our_compare)])
    theirs = _read(case_dir / "md.txt")
    our_head, our_rows, our_notes = _markdown_parts(ours)
    their_head, their_rows, their_notes = _markdown_parts(theirs)
    assert our_head == their_head
    assert our_rows == their_rows
    assert our_notes == their_notes
    # Same layout: blank lines in the same places, one final line break.
    assert [line == "" for line in ours.split("\n")] == [
        line == "" for line in theirs.split("\n")
    ]


@pytest.mark.parametrize("case_dir", OUTPUT_CASES, indirect=True)
def test_annotations_match_rust(
    case_dir: Path, our_compare: Path, run_cli: RunCli
) -> None:
    ours = _run_ok(run_cli, ["github-annotations", "--compare", str(our_compare)])
    theirs = _read(case_dir / "annotations.txt")
    our_lines = ours.splitlines()
    their_lines = [line for line in theirs.splitlines() if line]
    assert len(our_lines) == len(their_lines)
    assert set(our_lines) == set(their_lines)


def _sorted_reasons(verdict: dict[str, Any]) -> dict[str, Any]:
    return {**verdict, "reasons": sorted(verdict["reasons"])}


@pytest.mark.parametrize("case_dir", OUTPUT_CASES, indirect=True)
def test_report_matches_rust(
    case_dir: Path, our_compare: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    _run_ok(run_cli, ["report", "--compare", str(our_compare), "--out", str(out)])
    ours = json.loads(_read(out))
    theirs = json.loads(_read(case_dir / "report.json"))

    assert ours["report_type"] == theirs["report_type"]
    assert _sorted_reasons(ours["verdict"]) == _sorted_reasons(theirs["verdict"])
    assert ours["summary"] == theirs["summary"]
    # The writer's name and version are ours, so only the rest must match.
    our_embedded = {**ours["compare"], "tool": None}
    their_embedded = {**theirs["compare"], "tool": None}
    their_embedded["verdict"] = _sorted_reasons(their_embedded["verdict"])
    assert our_embedded == their_embedded

    our_findings = {item["data"]["metric_name"]: item for item in ours["findings"]}
    their_findings = {item["data"]["metric_name"]: item for item in theirs["findings"]}
    assert list(our_findings) == sorted(our_findings)
    assert set(our_findings) == set(their_findings)
    for metric, our_finding in our_findings.items():
        their_finding = their_findings[metric]
        for key in ("check_id", "code", "severity", "message"):
            assert our_finding[key] == their_finding[key], (metric, key)
        our_data = our_finding["data"]
        their_data = their_finding["data"]
        assert our_data["direction"] == their_data["direction"]
        for key in ("baseline", "current", "threshold"):
            assert our_data[key] == pytest.approx(their_data[key], abs=1e-12)
        # Ours is in percent, the Rust report's a fraction.
        assert our_data["regression_pct"] / 100 == pytest.approx(
            their_data["regression_pct"], abs=1e-12
        )


def _csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], sorted(rows[1:])


@pytest.mark.parametrize("case_dir", OUTPUT_CASES, indirect=True)
def test_compare_csv_matches_rust(
    case_dir: Path, our_compare: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "export.csv"
    _run_ok(run_cli, ["export", "--compare", str(our_compare), "--out", str(out)])
    assert _csv_rows(_read(out)) == _csv_rows(_read(case_dir / "export-compare.csv"))


@pytest.mark.parametrize("case_dir", OUTPUT_CASES, indirect=True)
def test_compare_jsonl_matches_rust(
    case_dir: Path, our_compare: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "export.jsonl"
    _run_ok(
        run_cli,
        [
            "export",
            "--compare",
            str(our_compare),
            "--out",
            str(out),
            "--format",
            "jsonl",
        ],
    )
    ours = [json.loads(line) for line in _read(out).splitlines()]
    theirs = [
        json.loads(line)
        for line in _read(case_dir / "export-compare.jsonl").splitlines()
        if line
    ]
    assert [list(record) for record in ours] == [list(record) for record in theirs]
    by_metric = {record["metric"]: record for record in theirs}
    assert [record["metric"] for record in ours] == sorted(by_metric)
    for record in ours:
        assert record == by_metric[record["metric"]]


@pytest.mark.parametrize("case_dir", RUN_CASES, indirect=True)
def test_run_csv_matches_rust(case_dir: Path, run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "run.csv"
    current = case_dir / "current.json"
    _run_ok(run_cli, ["export", "--run", str(current), "--out", str(out)])
    assert _read(out) == _read(case_dir / "export-run.csv")


def _with_sample_defaults(receipt: dict[str, Any]) -> dict[str, Any]:
    receipt["samples"] = [
        {**SAMPLE_DEFAULTS, **sample} for sample in receipt["samples"]
    ]
    return receipt


@pytest.mark.parametrize("case_dir", RUN_CASES, indirect=True)
def test_promote_matches_rust(case_dir: Path, run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "promoted.json"
    current = case_dir / "current.json"
    _run_ok(
        run_cli, ["promote", "--current", str(current), "--to", str(out), "--normalize"]
    )
    ours = _with_sample_defaults(json.loads(_read(out)))
    theirs = _with_sample_defaults(json.loads(_read(case_dir / "promoted.json")))
    # promote copies the receipt, so even the writer's name and version match.
    assert ours == theirs
