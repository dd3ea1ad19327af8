"""Helpers of the robustness tests: seed receipts made by perfgate's own code,
an in-process CLI runner that works inside Hypothesis tests, checks for the
one-line error contract and for untouched outputs, and peak-RSS measurement
of a perfgate child process.

The helpers are plain functions, reached through the session fixture
``support``, rather than fixtures, because Hypothesis rejects
function-scoped fixtures such as ``capsys`` inside ``@given`` tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from perfgate.adapters.fakes import FixedClock, FixedHostProbe, ScriptedRunner
from perfgate.adapters.ports import RunResult
from perfgate.app.compare import compare_runs
from perfgate.app.report import build_no_baseline_report, build_report
from perfgate.app.run import RunRequest, run_bench
from perfgate.domain.compare import BudgetOverride, BudgetPolicy
from perfgate.types.codec import encode
from perfgate.types.receipts import CompareReceipt, ReportReceipt, RunReceipt

SRC_DIR = Path(__file__).resolve().parents[2] / "src"
# Content of an output file that existed before a failing command ran.
OLD_BYTES = b"previous output, must survive byte for byte\n"
# Wraps the CLI so that the child writes its own peak RSS (ru_maxrss, KiB on
# Linux) to the file named by argv[1] before it exits. RUSAGE_SELF leaves
# out the measured commands, which are children.
_RSS_WRAPPER = """
import resource, sys
from perfgate.cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as handle:
    handle.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
raise SystemExit(code)
"""


@dataclass(frozen=True)
class Outcome:
    """Exit code and output of one perfgate invocation."""

    code: int
    stdout: bytes
    stderr: str


@dataclass(frozen=True)
class MeasuredOutcome:
    """A child perfgate's outcome and its own peak resident set size."""

    code: int
    stdout: bytes
    stderr: str
    peak_rss_kb: int


@contextlib.contextmanager
def _captured_streams() -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", write_through=True)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        yield out_bytes, err_bytes
    finally:
        sys.stdout, sys.stderr = saved
        # detach() keeps the byte buffers open after the wrappers are freed.
        out.detach()
        err.detach()


def call_cli(args: Sequence[str]) -> Outcome:
    """Call ``perfgate.cli.main.main`` in this process and capture its output.

    Works inside Hypothesis tests, where the ``capsys`` fixture cannot be used.
    """
    from perfgate.cli.main import main

    with _captured_streams() as (out_bytes, err_bytes):
        code = main(list(args))
    return Outcome(code, out_bytes.getvalue(), err_bytes.getvalue().decode("utf-8"))


class HangError(BaseException):
    """Raised by ``hang_guard`` when the guarded code blocks for too long.

    A BaseException, so that the CLI's catch-all cannot turn it into an exit
    code and hide the hang.
    """


@contextlib.contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Fail with HangError when the block runs longer than ``seconds``.

    Uses SIGALRM, which also interrupts a blocking open() or read().
    """

    def expire(signum: int, frame: object) -> None:
        raise HangError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cli_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return os.environ with ``src`` first on PYTHONPATH, plus ``extra``."""
    environment = dict(os.environ)
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = (
        f"{SRC_DIR}{os.pathsep}{existing}" if existing else str(SRC_DIR)
    )
    environment.pop("GITHUB_STEP_SUMMARY", None)
    environment.update(extra or {})
    return environment


def run_measured(
    args: Sequence[str],
    rss_file: Path,
    *,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> MeasuredOutcome:
    """Run perfgate in a child process and return its own peak RSS in KiB."""
    completed = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, str(rss_file), *args],
        cwd=cwd,
        env=cli_environment(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return MeasuredOutcome(
        completed.returncode,
        completed.stdout,
        completed.stderr.decode("utf-8", "replace"),
        int(rss_file.read_text()),
    )


def interpreter_rss_kb() -> int:
    """Return the peak RSS of a bare interpreter that imports the CLI, in KiB."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, perfgate.cli.commands, perfgate.types.codec; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
        ],
        env=cli_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(completed.stdout)


def assert_one_error_line(outcome: Outcome | MeasuredOutcome, *needles: str) -> str:
    """Check the bad-input contract: exit 1, one stderr line, no traceback.

    Each of ``needles`` (a path, a field, a flag) must appear in that line.
    """
    assert outcome.code == 1, (outcome.code, outcome.stderr)
    assert "Traceback" not in outcome.stderr
    assert "internal error" not in outcome.stderr
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    line = lines[0]
    assert line.startswith("perfgate: error: "), line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


def make_old_output(folder: Path, name: str) -> Path:
    """Create ``folder/name`` with OLD_BYTES, in a folder of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(OLD_BYTES)
    return path


def assert_untouched(*paths: Path) -> None:
    """Check each path still contains OLD_BYTES, with no temporary file beside it."""
    for path in paths:
        assert path.read_bytes() == OLD_BYTES, path
    expected = {path.name for path in paths}
    for folder in {path.parent for path in paths}:
        present = {entry.name for entry in folder.iterdir()}
        assert present <= expected | _INPUT_NAMES, sorted(present - expected)


# Files the tests put beside the outputs on purpose.
_INPUT_NAMES = frozenset({"perfgate.toml", "perfgate.json"})


def live_group_members(pgid: int) -> list[int]:
    """Return the pids of processes in group ``pgid`` that are not zombies.

    Reads /proc (Linux): a killed process that is not reaped yet is a zombie
    and still counts for kill(), but it runs nothing.
    """
    members: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        # The command name in brackets may contain spaces; fields follow it.
        fields = text.rpartition(")")[2].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            members.append(int(entry))
    return members


def peak_rss_limit_kb() -> int:
    """Return the peak-RSS bound for one perfgate process, in KiB.

    A bare interpreter with the CLI imported plus 64 MiB: room for one
    receipt and the capture buffers, far below the hundreds of MB that an
    unbounded reader would hold.
    """
    return interpreter_rss_kb() + 64 * 1024


# Seed receipts, produced by perfgate's own code from scripted measurements.

GATE_ALL = BudgetPolicy(
    overrides={
        "cpu_ms": BudgetOverride(threshold=0.5),
        "ctx_switches": BudgetOverride(threshold=0.5),
        "page_faults": BudgetOverride(threshold=0.5, direction="lower"),
    }
)


def _results(
    wall_ms: Sequence[int], rss_kb: int, exit_code: int = 0
) -> list[RunResult]:
    return [
        RunResult(
            wall_ns=value * 1_000_000 + 123_456,
            exit_code=exit_code,
            max_rss_kb=rss_kb + index,
            cpu_ms=value // 2,
            page_faults=index,
            ctx_switches=10 + index,
            stdout="résumé ✓ line\n".encode(),
            stderr=b"warning: \xff invalid utf-8\n",
        )
        for index, value in enumerate(wall_ms)
    ]


def make_seed_run(
    name: str = "sort-1m", wall_ms: Sequence[int] = (101, 99, 100, 104, 98)
) -> RunReceipt:
    """Return a run receipt of one warmup and ``len(wall_ms) - 1`` samples."""
    request = RunRequest(
        name=name,
        command=("sort", "-n", "data/1m.txt"),
        repeat=len(wall_ms) - 1,
        warmup=1,
        work_units=1_000_000,
        cwd="bench",
        timeout_ns=30_000_000_000,
    )
    outcome = run_bench(
        request,
        ScriptedRunner(_results(wall_ms, 20_000)),
        FixedHostProbe(),
        FixedClock("2026-01-15T10:00:00Z", "2026-01-15T10:00:05Z"),
        new_run_id=lambda: "6f1c1b3e-0000-4000-8000-000000000001",
    )
    return outcome.receipt


def make_seed_compare() -> CompareReceipt:
    """Return a compare receipt with pass, warn and fail metrics."""
    baseline = make_seed_run()
    current = make_seed_run(wall_ms=(130, 128, 125, 131, 127))
    return compare_runs(
        baseline,
        current,
        GATE_ALL,
        baseline_path="baselines/sort-1m.json",
        current_path="artifacts/run.json",
    )


def make_seed_report() -> ReportReceipt:
    return build_report(make_seed_compare())


def make_seed_no_baseline_report() -> ReportReceipt:
    return build_no_baseline_report(make_seed_run())


SEED_CONFIG_TOML = """\
[defaults]
repeat = 3
warmup = 1
threshold = 0.25
warn_factor = 0.8
out_dir = "out"
baseline_dir = "baselines"

[[bench]]
name = "sort-1m"
command = ["true"]
cwd = "."
work = 1000
timeout = "1h30m"
repeat = 2
warmup = 0
metrics = ["wall_ms", "max_rss_kb", "cpu_ms"]

[bench.budgets.wall_ms]
threshold = 0.10
warn_factor = 0.5
direction = "lower"

[[bench]]
name = "second"
command = ["true", "--flag"]
"""

SEED_CONFIG_DATA: dict[str, object] = {
    "defaults": {
        "repeat": 3,
        "warmup": 1,
        "threshold": 0.25,
        "warn_factor": 0.8,
        "out_dir": "out",
        "baseline_dir": "baselines",
    },
    "bench": [
        {
            "name": "sort-1m",
            "command": ["true"],
            "cwd": ".",
            "work": 1000,
            "timeout": "1h30m",
            "repeat": 2,
            "warmup": 0,
            "metrics": ["wall_ms", "max_rss_kb", "cpu_ms"],
            "budgets": {
                "wall_ms": {"threshold": 0.1, "warn_factor": 0.5, "direction": "lower"}
            },
        },
        {"name": "second", "command": ["true", "--flag"]},
    ],
}


def seed_bytes() -> dict[str, bytes]:
    """Return the encoded seed receipts by kind."""
    return {
        "run": encode(make_seed_run()),
        "compare": encode(make_seed_compare()),
        "report": encode(make_seed_report()),
        "report_no_baseline": encode(make_seed_no_baseline_report()),
    }


@pytest.fixture(scope="session")
def support() -> types.ModuleType:
    """Return this module, so tests can call its helpers.

    conftest modules are not importable under ``--import-mode=importlib``.
    """
    return sys.modules[__name__]


@pytest.fixture(autouse=True, scope="session")
def _no_step_summary() -> Iterator[None]:
    # check appends to the file named by GITHUB_STEP_SUMMARY when CI sets it.
    # Session scope, because Hypothesis rejects function-scoped fixtures.
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GITHUB_STEP_SUMMARY", raising=False)
        yield
