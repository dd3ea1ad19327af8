"""``perfgate run`` end to end with real commands."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from perfgate.types.codec import decode_run

RunCli = Callable[..., Any]

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the process runner needs a POSIX system"
)


def load_run(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    decode_run(data, str(path))  # the receipt must pass our own reader
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def test_fast_command_compares_with_itself(run_cli: RunCli, tmp_path: Path) -> None:
    # `true` takes well under 1 ms, so its wall_ms median is 0; only the
    # nanosecond summary makes the comparison possible.
    receipt = tmp_path / "run.json"
    ran = run_cli(
        ["run", "--name", "t", "--repeat", "20", "--out", str(receipt), "--", "true"]
    )
    assert ran.code == 0, ran.stderr
    assert ran.stderr == ""
    assert ran.stdout == ""
    compared = run_cli(
        ["compare", "--baseline", str(receipt), "--current", str(receipt)]
    )
    assert compared.code == 0, compared.stderr
    assert compared.stderr == ""
    result = json.loads(compared.stdout)
    assert result["verdict"]["status"] == "pass"
    assert result["deltas"]["wall_ms"]["ratio"] == 1.0


def test_receipt_fields_from_real_run(run_cli: RunCli, tmp_path: Path) -> None:
    receipt = tmp_path / "run.json"
    ran = run_cli(
        [
            "run",
            "--name",
            "echo",
            "--repeat",
            "3",
            "--warmup",
            "2",
            "--work",
            "1000",
            "--cwd",
            str(tmp_path),
            "--env",
            "PERFGATE_TEST_VALUE=hello",
            "--out",
            str(receipt),
            "--",
            "sh",
            "-c",
            'echo "$PERFGATE_TEST_VALUE"; pwd; echo err >&2',
        ]
    )
    assert ran.code == 0, ran.stderr

    data = load_run(receipt)

    bench = data["bench"]
    assert bench["repeat"] == 3
    assert bench["warmup"] == 2
    assert bench["work_units"] == 1000
    assert bench["cwd"] == str(tmp_path)

    samples = data["samples"]
    assert [sample.get("warmup", False) for sample in samples] == [
        True,
        True,
        False,
        False,
        False,
    ]
    for sample in samples:
        assert sample["exit_code"] == 0
        assert sample["stdout"] == f"hello\n{tmp_path}\n"
        assert sample["stderr"] == "err\n"
        assert sample["wall_ms"] == sample["wall_ns"] // 1_000_000

    stats = data["stats"]
    assert "throughput_per_s" in stats
    assert "wall_ns" in stats


def test_receipt_to_stdout_by_default(run_cli: RunCli) -> None:
    ran = run_cli(["run", "--name", "t", "--repeat", "1", "--", "true"])
    assert ran.code == 0, ran.stderr
    assert ran.stderr == ""
    assert ran.stdout.endswith("}\n")
    assert json.loads(ran.stdout)["schema"] == "perfgate.run.v1"


def test_pretty_receipt_is_indented(run_cli: RunCli) -> None:
    ran = run_cli(["run", "--name", "t", "--repeat", "1", "--pretty", "--", "true"])
    assert ran.code == 0, ran.stderr
    assert ran.stdout.startswith('{\n  "schema": "perfgate.run.v1"')


def test_failing_command_writes_receipt(run_cli: RunCli, tmp_path: Path) -> None:
    receipt = tmp_path / "run.json"
    ran = run_cli(
        [
            "run",
            "--name",
            "fails",
            "--repeat",
            "2",
            "--out",
            str(receipt),
            "--",
            "sh",
            "-c",
            "exit 3",
        ]
    )
    assert ran.code == 1
    assert ran.stderr.count("\n") == 1
    assert "2 of 2 iterations" in ran.stderr
    assert "iteration 1 of 2: exit code 3" in ran.stderr
    assert str(receipt) in ran.stderr
    assert "--allow-nonzero" in ran.stderr
    assert "Traceback" not in ran.stderr

    samples = load_run(receipt)["samples"]
    assert [sample["exit_code"] for sample in samples] == [3, 3]


def test_failure_shows_command_stderr(run_cli: RunCli, tmp_path: Path) -> None:
    ran = run_cli(
        [
            "run",
            "--name",
            "fails",
            "--repeat",
            "1",
            "--out",
            str(tmp_path / "run.json"),
            "--",
            "sh",
            "-c",
            "echo 'tool: no such option --x' >&2; echo 'see tool --help' >&2; exit 2",
        ]
    )
    assert ran.code == 1
    assert ran.stderr.count("\n") == 1
    assert "tool: no such option --x" in ran.stderr
    assert "see tool --help" in ran.stderr


def test_allow_nonzero_exits_zero(run_cli: RunCli, tmp_path: Path) -> None:
    receipt = tmp_path / "run.json"
    ran = run_cli(
        [
            "run",
            "--name",
            "fails",
            "--repeat",
            "1",
            "--allow-nonzero",
            "--out",
            str(receipt),
            "--",
            "sh",
            "-c",
            "exit 3",
        ]
    )
    assert ran.code == 0
    assert ran.stderr == ""
    assert receipt.exists()


def test_signal_exit_code_is_minus_one(run_cli: RunCli, tmp_path: Path) -> None:
    receipt = tmp_path / "run.json"
    ran = run_cli(
        [
            "run",
            "--name",
            "killed",
            "--repeat",
            "1",
            "--allow-nonzero",
            "--out",
            str(receipt),
            "--",
            "sh",
            "-c",
            "kill -9 $$",
        ]
    )
    assert ran.code == 0, ran.stderr

    samples = load_run(receipt)["samples"]
    assert samples[0]["exit_code"] == -1
    assert samples[0].get("timed_out", False) is False


def process_is_gone(pid: int) -> bool:
    """Return True when ``pid`` no longer exists or is a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    stat_path = Path(f"/proc/{pid}/stat")
    try:
        # The state follows the parenthesised command name: "Z" is a zombie,
        # a process that has exited and only waits to be reaped.
        state = stat_path.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def test_timeout_kills_process_group(run_cli: RunCli, tmp_path: Path) -> None:
    receipt = tmp_path / "run.json"
    pid_file = tmp_path / "pids"
    script = (
        f"echo $$ >> {pid_file}; "
        f"sleep 60 & echo $! >> {pid_file}; "
        f"sleep 60 & echo $! >> {pid_file}; "
        "wait"
    )

    started = time.monotonic()
    ran = run_cli(
        [
            "run",
            "--name",
            "t",
            "--repeat",
            "1",
            "--timeout",
            "1s",
            "--out",
            str(receipt),
            "--",
            "sh",
            "-c",
            script,
        ],
        timeout=30,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 3.0
    assert ran.code == 1
    assert "timed out" in ran.stderr

    data = load_run(receipt)

    samples = data["samples"]
    assert samples[0]["timed_out"] is True
    assert samples[0]["exit_code"] == -1

    bench = data["bench"]
    assert bench["timeout_ms"] == 1000

    pids = [int(line) for line in pid_file.read_text().split()]
    assert len(pids) == 3
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and not all(map(process_is_gone, pids)):
        time.sleep(0.05)
    alive = [pid for pid in pids if not process_is_gone(pid)]
    assert alive == []


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="ru_maxrss is in KiB on Linux only"
)
def test_output_cap_bounds_memory(tmp_path: Path, cli_env: dict[str, str]) -> None:
    from perfgate.adapters.ports import CommandSpec
    from perfgate.adapters.process import PosixProcessRunner
    from perfgate.adapters.spawn_helper import find_spawn_helper

    # wait4 on a child of this (large) pytest process would report at least
    # this process's own peak, so perfgate is measured through the spawn
    # helper, which forks it from a small image.
    helper = find_spawn_helper()
    if helper is None:
        pytest.skip("no spawn helper (no C compiler) to measure perfgate alone")
    receipt = tmp_path / "run.json"
    argv = (
        sys.executable,
        "-m",
        "perfgate",
        "run",
        "--name",
        "t",
        "--repeat",
        "1",
        "--output-cap-bytes",
        "4096",
        "--out",
        str(receipt),
        "--",
        "sh",
        "-c",
        "head -c 500000000 /dev/zero",
    )
    runner = PosixProcessRunner(helper_path=helper)
    result = runner.run(CommandSpec(argv=argv, env=cli_env, timeout_ns=120 * 10**9))

    assert result.exit_code == 0, result.stderr
    assert result.max_rss_kb is not None
    peak_mib = result.max_rss_kb / 1024
    assert peak_mib < 60, f"perfgate peaked at {peak_mib:.1f} MiB"

    samples = load_run(receipt)["samples"]
    stored = samples[0]["stdout"]
    # 4096 zero bytes decode to 4096 NUL characters.
    assert stored == "\x00" * 4096


def test_output_cap_zero_stores_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    receipt = tmp_path / "run.json"
    ran = run_cli(
        [
            "run",
            "--name",
            "t",
            "--repeat",
            "1",
            "--output-cap-bytes",
            "0",
            "--out",
            str(receipt),
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2",
        ]
    )
    assert ran.code == 0, ran.stderr

    samples = load_run(receipt)["samples"]
    assert "stdout" not in samples[0]
    assert "stderr" not in samples[0]


def test_cut_multibyte_output_replaced(run_cli: RunCli, tmp_path: Path) -> None:
    receipt = tmp_path / "run.json"
    ran = run_cli(
        [
            "run",
            "--name",
            "t",
            "--repeat",
            "1",
            "--output-cap-bytes",
            "4",
            "--out",
            str(receipt),
            "--",
            "printf",
            "caf\\303\\251!",
        ]
    )
    assert ran.code == 0, ran.stderr

    samples = load_run(receipt)["samples"]
    assert samples[0]["stdout"] == "caf\ufffd"


@pytest.mark.parametrize("timeout", ["700h", "100000h", f"{2**64 - 1}ns"])
def test_long_timeout_accepted(run_cli: RunCli, timeout: str) -> None:
    # poll() takes at most 2**31-1 ms (about 24.8 days) in one call.
    ran = run_cli(
        ["run", "--name", "t", "--repeat", "1", "--timeout", timeout, "--", "true"]
    )
    assert ran.code == 0, ran.stderr
    assert ran.stderr == ""


def test_helper_warning_has_prefix(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFGATE_SPAWN_HELPER", str(tmp_path / "missing-helper"))
    receipt = str(tmp_path / "r.json")
    ran = run_cli(
        ["run", "--name", "t", "--repeat", "1", "--out", receipt, "--", "true"]
    )
    assert ran.code == 0
    lines = ran.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("perfgate: warning: PERFGATE_SPAWN_HELPER=")
