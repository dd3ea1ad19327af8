"""Compatibility with the Rust perfgate 0.2: its receipts, verdicts and schemas.

The data are files that the Rust tool wrote; each test skips when they are
not next to the repository checkout.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from perfgate.types.codec import decode_compare, decode_report, decode_run
from perfgate.types.schema import schema_documents

Cli = Callable[..., Any]

# Case names, so that each case is its own test; a case directory added
# later without a name here fails test_every_case_listed.
COMPARE_CASES = [
    "custom-thresholds",
    "fail-25pct",
    "fail-on-warn",
    "pass-10pct",
    "throughput-drop",
    "warn-19pct",
]
ZERO_BASELINE_CASE = "zero-baseline"
RUN_FILES = [
    "run-host.json",
    "run-nonzero.json",
    "run-sleep.json",
    "run-timeout.json",
    "run-work.json",
]
FORMAT_FILES = {
    "run": "perfgate.run.v1.schema.json",
    "compare": "perfgate.compare.v1.schema.json",
    "report": "perfgate.report.v1.schema.json",
    "config": "perfgate.config.v1.schema.json",
}
TOLERANCE = 1e-12


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def rust_validator(interop: Path, kind: str) -> jsonschema.Draft7Validator:
    schema = load_json(interop / "schemas" / FORMAT_FILES[kind])
    assert schema["$schema"].startswith("http://json-schema.org/draft-07/")
    return jsonschema.Draft7Validator(schema)


def our_validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema_documents()[FORMAT_FILES[kind]])


def run_case(run_cli: Cli, case_dir: Path, tmp_path: Path) -> tuple[Any, Path]:
    """Run our ``compare`` with the case's arguments in a copy of its folder."""
    work = tmp_path / case_dir.name
    shutil.copytree(case_dir, work)
    # The Rust output has the name our --out writes; keep only the inputs.
    for produced in ("compare.json", "report.json"):
        (work / produced).unlink(missing_ok=True)
    args = load_json(case_dir / "args.json")
    assert args[0] == "compare"
    result = run_cli(args, cwd=work)
    return result, work


def test_every_case_listed(rust_interop_dir: Path) -> None:
    found = sorted(path.name for path in (rust_interop_dir / "compare").iterdir())
    assert found == sorted([*COMPARE_CASES, ZERO_BASELINE_CASE])
    runs = sorted(path.name for path in (rust_interop_dir / "runs").glob("*.json"))
    assert runs == RUN_FILES


@pytest.mark.parametrize("name", RUN_FILES)
def test_rust_run_receipt_decodes(rust_interop_dir: Path, name: str) -> None:
    path = rust_interop_dir / "runs" / name
    receipt = decode_run(path.read_bytes(), str(path))
    raw = load_json(path)
    assert receipt.run.id == raw["run"]["id"]
    assert len(receipt.samples) == len(raw["samples"])
    assert receipt.stats.wall_ms.median == raw["stats"]["wall_ms"]["median"]


@pytest.mark.parametrize("case", [*COMPARE_CASES, ZERO_BASELINE_CASE])
def test_rust_case_inputs_decode(rust_interop_dir: Path, case: str) -> None:
    for name in ("baseline.json", "current.json", "promoted.json"):
        path = rust_interop_dir / "compare" / case / name
        decode_run(path.read_bytes(), str(path))


@pytest.mark.parametrize("case", COMPARE_CASES)
def test_rust_outputs_decode(rust_interop_dir: Path, case: str) -> None:
    folder = rust_interop_dir / "compare" / case
    compare = decode_compare((folder / "compare.json").read_bytes(), "compare.json")
    report = decode_report((folder / "report.json").read_bytes(), "report.json")
    assert report.verdict.status == compare.verdict.status


@pytest.mark.parametrize("case", COMPARE_CASES)
def test_compare_matches_rust(
    rust_interop_dir: Path, run_cli: Cli, tmp_path: Path, case: str
) -> None:
    case_dir = rust_interop_dir / "compare" / case
    expected = load_json(case_dir / "compare.json")
    expected_exit = load_json(case_dir / "exit.json")["compare"]
    result, work = run_case(run_cli, case_dir, tmp_path)

    assert result.code == expected_exit, result.stderr
    assert result.stderr == ""
    ours = load_json(work / "compare.json")
    assert set(ours["deltas"]) == set(expected["deltas"])
    for metric, rust_delta in expected["deltas"].items():
        our_delta = ours["deltas"][metric]
        for field in ("baseline", "current", "ratio", "pct", "regression"):
            assert our_delta[field] == pytest.approx(
                rust_delta[field], abs=TOLERANCE, rel=TOLERANCE
            ), f"{metric}.{field}"
        assert our_delta["status"] == rust_delta["status"], metric
    assert ours["budgets"] == expected["budgets"]
    assert ours["verdict"]["status"] == expected["verdict"]["status"]
    assert ours["verdict"]["counts"] == expected["verdict"]["counts"]
    # The Rust tool lists reasons in its own metric order; ours are sorted.
    assert set(ours["verdict"]["reasons"]) == set(expected["verdict"]["reasons"])
    assert ours["verdict"]["reasons"] == sorted(ours["verdict"]["reasons"])
    assert ours["bench"] == expected["bench"]
    assert ours["baseline_ref"] == expected["baseline_ref"]
    assert ours["current_ref"] == expected["current_ref"]


def test_zero_baseline_both_tools_fail(
    rust_interop_dir: Path, run_cli: Cli, tmp_path: Path
) -> None:
    case_dir = rust_interop_dir / "compare" / ZERO_BASELINE_CASE
    assert load_json(case_dir / "exit.json")["compare"] == 1
    result, work = run_case(run_cli, case_dir, tmp_path)
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "wall_ms" in lines[0]
    assert "baseline.json" in lines[0]
    assert not (work / "compare.json").exists()


@pytest.mark.parametrize("case", COMPARE_CASES)
def test_our_compare_fits_schemas(
    rust_interop_dir: Path, run_cli: Cli, tmp_path: Path, case: str
) -> None:
    result, work = run_case(run_cli, rust_interop_dir / "compare" / case, tmp_path)
    assert result.code in (0, 2, 3), result.stderr
    data = load_json(work / "compare.json")
    rust_validator(rust_interop_dir, "compare").validate(data)
    our_validator("compare").validate(data)


def rust_files(interop: Path) -> Iterator[tuple[str, Path]]:
    for name in RUN_FILES:
        yield "run", interop / "runs" / name
    for case in COMPARE_CASES:
        yield "compare", interop / "compare" / case / "compare.json"
        yield "report", interop / "compare" / case / "report.json"
        yield "run", interop / "compare" / case / "baseline.json"


def test_rust_files_fit_our_schemas(rust_interop_dir: Path) -> None:
    for kind, path in rust_files(rust_interop_dir):
        errors = list(our_validator(kind).iter_errors(load_json(path)))
        assert errors == [], f"{path}: {errors[0].message if errors else ''}"


def test_rust_schemas_accept_rust_files(rust_interop_dir: Path) -> None:
    # Proves the validator setup: the Rust tool's own files must pass.
    for kind, path in rust_files(rust_interop_dir):
        rust_validator(rust_interop_dir, kind).validate(load_json(path))


REAL_RUNS: dict[str, list[str]] = {
    "work": ["--repeat", "2", "--warmup", "1", "--work", "1000", "--", "true"],
    "timeout": [
        "--repeat",
        "1",
        "--timeout",
        "50ms",
        "--allow-nonzero",
        "--",
        "sleep",
        "5",
    ],
    "output": [
        "--repeat",
        "2",
        "--allow-nonzero",
        "--include-hostname-hash",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ],
}


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX process runner")
@pytest.mark.parametrize("variant", sorted(REAL_RUNS))
def test_our_run_fits_schemas(
    rust_interop_dir: Path, run_cli: Cli, tmp_path: Path, variant: str
) -> None:
    out = tmp_path / "run.json"
    result = run_cli(
        [
            "run",
            "--name",
            variant,
            "--cwd",
            str(tmp_path),
            "--out",
            str(out),
            *REAL_RUNS[variant],
        ]
    )
    assert result.code == 0, result.stderr
    data = load_json(out)
    rust_validator(rust_interop_dir, "run").validate(data)
    our_validator("run").validate(data)
    decode_run(out.read_bytes(), str(out))
    if variant == "timeout":
        assert data["samples"][0]["timed_out"] is True
        assert data["bench"]["timeout_ms"] == 50
    if variant == "output":
        assert data["samples"][0]["stdout"] == "out\n"
        assert data["samples"][0]["exit_code"] == 3
        assert len(data["run"]["host"]["hostname_hash"]) == 64
    if variant == "work":
        assert "throughput_per_s" in data["stats"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX process runner")
def test_real_run_compares_with_rust_schema(
    rust_interop_dir: Path, run_cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "run.json"
    flags = ["--repeat", "3", "--work", "10", "--out", str(out)]
    ran = run_cli(["run", "--name", "t", *flags, "--", "true"])
    assert ran.code == 0, ran.stderr
    compared = run_cli(["compare", "--baseline", str(out), "--current", str(out)])
    assert compared.code == 0, compared.stderr
    data = json.loads(compared.stdout)
    # Only the three default metrics, the ones the Rust perfgate 0.2 accepts.
    assert set(data["deltas"]) <= {"max_rss_kb", "throughput_per_s", "wall_ms"}
    rust_validator(rust_interop_dir, "compare").validate(data)
    our_validator("compare").validate(data)


def test_config_fits_both_schemas(rust_interop_dir: Path) -> None:
    config = {
        "defaults": {"repeat": 5, "threshold": 0.2, "warn_factor": 0.9},
        "bench": [
            {
                "name": "sort-1m",
                "command": ["sort", "-n", "data/1m.txt"],
                "timeout": "30s",
                "metrics": ["wall_ms", "max_rss_kb"],
                "budgets": {"wall_ms": {"threshold": 0.1, "direction": "lower"}},
            }
        ],
    }
    rust_validator(rust_interop_dir, "config").validate(config)
    our_validator("config").validate(config)
