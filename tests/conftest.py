"""Fixtures shared by every test folder: paths, receipt builders, CLI runners."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SRC_DIR = REPO_ROOT / "src"
# CI clones the repository next to a copy of the shared test data.
SHARED_DIR = REPO_ROOT / ".." / "shared"
RUST_INTEROP_DIR = SHARED_DIR / "interop" / "rust-perfgate-0.2"


@dataclass(frozen=True)
class CliResult:
    """Exit code and decoded output streams of one perfgate invocation."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture
def rust_interop_dir() -> Path:
    """Return the folder of receipts written by the Rust perfgate 0.2."""
    if not RUST_INTEROP_DIR.is_dir():
        pytest.skip(
            f"no Rust perfgate 0.2 interop data at {RUST_INTEROP_DIR.resolve()}; "
            "place a copy of shared/ next to the repository checkout"
        )
    return RUST_INTEROP_DIR.resolve()


def cli_environment() -> dict[str, str]:
    """Return os.environ with ``src`` first on PYTHONPATH."""
    environment = dict(os.environ)
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = (
        f"{SRC_DIR}{os.pathsep}{existing}" if existing else str(SRC_DIR)
    )
    return environment


def run_cli_subprocess(
    args: Sequence[str], *, cwd: Path | None = None, timeout: float = 60.0
) -> CliResult:
    """Run ``python -m perfgate ARGS`` in a child process."""
    completed = subprocess.run(
        [sys.executable, "-m", "perfgate", *args],
        cwd=cwd,
        env=cli_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    """Return a function that runs the real CLI in a child process."""
    return run_cli_subprocess


@pytest.fixture
def cli_in_process(
    capsys: pytest.CaptureFixture[str],
) -> Callable[[Sequence[str]], CliResult]:
    """Return a function that calls ``perfgate.cli.main.main`` and captures output."""
    from perfgate.cli.main import main

    def invoke(args: Sequence[str]) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def make_run_dict(
    *,
    name: str = "bench",
    run_id: str = "run-1",
    wall_ms: Sequence[int] = (100, 100, 100),
    wall_ns: Sequence[int] | None = None,
    max_rss_kb: Sequence[int] | None = None,
    work_units: int | None = None,
) -> dict[str, Any]:
    """Build a valid run receipt as plain JSON data, with exact stats.

    The stats are computed here, independently of perfgate's own code, with
    the contract's median rule (floor of the mean of the middle two).
    """

    def summary(values: Sequence[int]) -> dict[str, int]:
        ordered = sorted(values)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            median = ordered[middle]
        else:
            median = (ordered[middle - 1] + ordered[middle]) // 2
        return {"median": median, "min": ordered[0], "max": ordered[-1]}

    samples: list[dict[str, Any]] = []
    for index, value in enumerate(wall_ms):
        sample: dict[str, Any] = {"wall_ms": value, "exit_code": 0}
        if wall_ns is not None:
            sample["wall_ns"] = wall_ns[index]
        if max_rss_kb is not None:
            sample["max_rss_kb"] = max_rss_kb[index]
        samples.append(sample)
    stats: dict[str, Any] = {"wall_ms": summary(wall_ms)}
    if wall_ns is not None:
        stats["wall_ns"] = summary(wall_ns)
    if max_rss_kb is not None:
        stats["max_rss_kb"] = summary(max_rss_kb)
    bench: dict[str, Any] = {
        "name": name,
        "command": ["true"],
        "repeat": len(wall_ms),
        "warmup": 0,
    }
    if work_units is not None:
        bench["work_units"] = work_units
        rates = sorted(
            work_units / (value / 1000) if value else 0.0 for value in wall_ms
        )
        middle = len(rates) // 2
        median = (
            rates[middle] if len(rates) % 2 else (rates[middle - 1] + rates[middle]) / 2
        )
        stats["throughput_per_s"] = {
            "median": median,
            "min": rates[0],
            "max": rates[-1],
        }
    return {
        "schema": "perfgate.run.v1",
        "tool": {"name": "perfgate", "version": "0.1.0"},
        "run": {
            "id": run_id,
            "started_at": "2026-01-15T10:00:00Z",
            "ended_at": "2026-01-15T10:00:05Z",
            "host": {"os": "linux", "arch": "x86_64"},
        },
        "bench": bench,
        "samples": samples,
        "stats": stats,
    }


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    """Return a function that writes JSON data to a file in ``tmp_path``."""

    def write(name: str, data: Any) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_run() -> Callable[..., dict[str, Any]]:
    """Return ``make_run_dict`` for tests; conftest modules are not importable."""
    return make_run_dict


@pytest.fixture
def cli_env() -> dict[str, str]:
    """Return the environment for running ``python -m perfgate`` directly."""
    return cli_environment()
