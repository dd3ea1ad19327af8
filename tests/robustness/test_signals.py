"""SIGINT and SIGTERM sent to perfgate in the middle of a run.

perfgate must kill the command's whole process group, write no partial
receipt, leave no temporary file, and exit 130 (SIGINT) or 143 (SIGTERM).
Each case runs the real CLI in a child process and signals that process.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process groups from /proc"
)

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
# The command records its pid, which is its process group id, and then
# sleeps in the foreground and in a background child of the same group.
SCRIPT = "echo $$ > {pidfile}; sleep 60 & sleep 60"


def _wait_for(path: Path, process: subprocess.Popen[bytes], seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = path.read_text().split() if path.exists() else []
        if lines:
            return int(lines[0])
        if process.poll() is not None:
            break
        time.sleep(0.01)
    process.kill()
    stderr = process.communicate()[1].decode("utf-8", "replace")
    raise AssertionError(f"the command never wrote {path}; stderr: {stderr}")


def _wait_gone(support: ModuleType, pgid: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while True:
        members = support.live_group_members(pgid)
        if not members or time.monotonic() > deadline:
            return members
        time.sleep(0.02)


def _interrupt(
    argv: list[str],
    pidfile: Path,
    sent: signal.Signals,
    support: ModuleType,
    cwd: Path,
    extra_env: dict[str, str],
) -> tuple[int, str, int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "perfgate", *argv],
        cwd=cwd,
        env=support.cli_environment(extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        pgid = _wait_for(pidfile, process, 30)
        process.send_signal(sent)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert stdout == b""
    return process.returncode, stderr.decode("utf-8", "replace"), pgid


@pytest.mark.parametrize("spawn_path", ["helper", "direct"])
@pytest.mark.parametrize("existing_out", [False, True], ids=["no_out", "old_out"])
@pytest.mark.parametrize(
    "sent", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"]
)
def test_run_interrupted_cleanly(
    sent: signal.Signals,
    existing_out: bool,
    spawn_path: str,
    tmp_path: Path,
    support: ModuleType,
) -> None:
    pidfile = tmp_path / "group.pid"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "run.json"
    if existing_out:
        out.write_bytes(support.OLD_BYTES)
    env = {"PERFGATE_SPAWN_HELPER": "off"} if spawn_path == "direct" else {}

    code, stderr, pgid = _interrupt(
        [
            "run",
            "--name",
            "slow",
            "--repeat",
            "3",
            "--out",
            str(out),
            "--",
            "sh",
            "-c",
            SCRIPT.format(pidfile=pidfile),
        ],
        pidfile,
        sent,
        support,
        tmp_path,
        env,
    )

    assert code == EXIT_CODES[sent], stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines() == [
        "perfgate: interrupted" if sent == signal.SIGINT else "perfgate: terminated"
    ]
    assert _wait_gone(support, pgid, 5) == []
    if existing_out:
        support.assert_untouched(out)
    else:
        assert list(out_dir.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["group.pid", "out"]


@pytest.mark.parametrize(
    "sent", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"]
)
def test_check_interrupted_cleanly(
    sent: signal.Signals, tmp_path: Path, support: ModuleType
) -> None:
    pidfile = tmp_path / "group.pid"
    config = tmp_path / "perfgate.toml"
    config.write_text(
        '[[bench]]\nname = "slow"\n'
        f"command = {json.dumps(['sh', '-c', SCRIPT.format(pidfile=pidfile)])}\n",
        encoding="utf-8",
    )
    artifacts = [
        support.make_old_output(tmp_path / "out", name)
        for name in ("run.json", "compare.json", "report.json", "comment.md")
    ]

    code, stderr, pgid = _interrupt(
        ["check", "--config", str(config), "--all", "--out-dir", "out"],
        pidfile,
        sent,
        support,
        tmp_path,
        {},
    )

    assert code == EXIT_CODES[sent], stderr
    assert "Traceback" not in stderr
    assert _wait_gone(support, pgid, 5) == []
    # --all writes into out/slow/, which exists but stays empty.
    assert list((tmp_path / "out" / "slow").iterdir()) == []
    (tmp_path / "out" / "slow").rmdir()
    support.assert_untouched(*artifacts)


def _interrupt_at_random(
    spawn_path: str, rounds: int, tmp_path: Path, support: ModuleType
) -> None:
    """Signal perfgate at a random moment of a loop of short iterations.

    Most of the time of such a loop goes into starting processes, so the
    signals land in Popen(), in cleanup and between iterations, not only
    while a command sleeps. Every background child of every iteration must
    be dead afterwards.
    """
    rng = random.Random(f"{spawn_path}-{rounds}")
    pidfile = tmp_path / "groups.pid"
    env = {"PERFGATE_SPAWN_HELPER": "off"} if spawn_path == "direct" else {}
    for round_number in range(rounds):
        pidfile.write_text("")
        sent = rng.choice([signal.SIGINT, signal.SIGTERM])
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "perfgate",
                "run",
                "--name",
                "loop",
                "--repeat",
                "100000",
                "--out",
                str(tmp_path / "run.json"),
                "--",
                "sh",
                "-c",
                f"echo $$ >> {pidfile}; sleep 60 & true",
            ],
            env=support.cli_environment(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_for(pidfile, process, 30)
            time.sleep(rng.uniform(0, 0.05))
            process.send_signal(sent)
            stderr = process.communicate(timeout=30)[1].decode("utf-8", "replace")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        groups = [int(line) for line in pidfile.read_text().split()]
        survivors = [pid for pgid in groups for pid in _wait_gone(support, pgid, 5)]
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert process.returncode == EXIT_CODES[sent], (round_number, stderr)
        assert "error" not in stderr, (round_number, stderr)
        assert survivors == [], (round_number, stderr)
        assert not (tmp_path / "run.json").exists()


@pytest.mark.parametrize("spawn_path", ["helper", "direct"])
def test_interrupt_at_random_moment(
    spawn_path: str, tmp_path: Path, support: ModuleType
) -> None:
    _interrupt_at_random(spawn_path, 12, tmp_path, support)


@pytest.mark.fuzz_long
@pytest.mark.parametrize("spawn_path", ["helper", "direct"])
def test_interrupt_at_random_moment_long(
    spawn_path: str, tmp_path: Path, support: ModuleType
) -> None:
    _interrupt_at_random(spawn_path, 300, tmp_path, support)
