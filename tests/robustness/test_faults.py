"""Faults of the measured command: missing or unusable programs, deaths by
signal, background children, invalid UTF-8 and floods of output.

The run command executes real commands, in-process or (to measure perfgate's
own peak RSS) in a child process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from perfgate.types.codec import decode_run

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="uses Linux /proc and sh"
)

FLOOD_BYTES = 300 * 1024 * 1024
CAP_BYTES = 1000


@pytest.fixture(params=["helper", "direct"])
def spawn_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each case through the spawn helper and without it."""
    if request.param == "direct":
        monkeypatch.setenv("PERFGATE_SPAWN_HELPER", "off")
    return str(request.param)


def _run(support: ModuleType, out: Path, command: list[str], *flags: str) -> object:
    return support.call_cli(
        ["run", "--name", "bench", *flags, "--out", str(out), "--", *command]
    )


def _make_not_executable(folder: Path) -> str:
    script = folder / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    return str(script)


def _make_directory(folder: Path) -> str:
    directory = folder / "bin"
    directory.mkdir()
    return str(directory)


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("missing_path", "command not found"),
        ("missing_name", "command not found"),
        ("not_executable", "not executable"),
        ("directory", "is a directory"),
    ],
)
def test_unusable_command_one_line(
    case: str, needle: str, tmp_path: Path, support: ModuleType, spawn_path: str
) -> None:
    program = {
        "missing_path": lambda: str(tmp_path / "no-such-program"),
        "missing_name": lambda: "perfgate-no-such-program",
        "not_executable": lambda: _make_not_executable(tmp_path),
        "directory": lambda: _make_directory(tmp_path),
    }[case]()
    out = support.make_old_output(tmp_path / "out", "run.json")

    outcome = _run(support, out, [program, "--flag"])

    support.assert_one_error_line(outcome, needle, repr(program))
    support.assert_untouched(out)


# name: (shell script, exit code in the receipt, word in the failure line)
DEATHS: dict[str, tuple[str, int, str]] = {
    "sigkill": ("kill -KILL $$", -1, "SIGKILL"),
    "sigsegv": ("ulimit -c 0; kill -SEGV $$", -1, "SIGSEGV"),
    "sigterm": ("kill -TERM $$", -1, "SIGTERM"),
    "exit_255": ("exit 255", 255, "exit code 255"),
}


@pytest.mark.parametrize("death", sorted(DEATHS))
def test_dying_command_recorded(
    death: str, tmp_path: Path, support: ModuleType, spawn_path: str
) -> None:
    script, exit_code, word = DEATHS[death]
    out = tmp_path / "run.json"

    outcome = _run(support, out, ["sh", "-c", script], "--repeat", "2", "--warmup", "1")

    # One line: the count and the first failure; the receipt has them all.
    line = support.assert_one_error_line(outcome, "3 of 3 iterations", str(out))
    first = word if exit_code == 255 else f"killed by {word}"
    assert f"first warmup 1 of 1: {first};" in line
    assert "--allow-nonzero" in line
    # The receipt is written before the exit code reports the failure.
    receipt = decode_run(out.read_bytes(), str(out))
    assert [sample.exit_code for sample in receipt.samples] == [exit_code] * 3
    assert [sample.warmup for sample in receipt.samples] == [True, False, False]


@pytest.mark.parametrize("death", sorted(DEATHS))
def test_dying_command_allowed(death: str, tmp_path: Path, support: ModuleType) -> None:
    script, exit_code, _word = DEATHS[death]
    out = tmp_path / "run.json"

    outcome = _run(
        support, out, ["sh", "-c", script], "--repeat", "2", "--allow-nonzero"
    )

    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    receipt = decode_run(out.read_bytes(), str(out))
    assert [sample.exit_code for sample in receipt.samples] == [exit_code] * 2


def test_background_child_not_awaited(
    tmp_path: Path, support: ModuleType, spawn_path: str
) -> None:
    out = tmp_path / "run.json"
    started = time.monotonic()

    outcome = _run(support, out, ["sh", "-c", "sleep 5 & echo started"])

    elapsed = time.monotonic() - started
    assert outcome.code == 0, outcome.stderr
    receipt = decode_run(out.read_bytes(), str(out))
    for sample in receipt.samples:
        assert sample.wall_ms < 1000
        assert sample.stdout == "started\n"
    # Five samples, each far shorter than the background sleep.
    assert elapsed < 5


def test_escaped_child_bounded_by_grace(
    tmp_path: Path, support: ModuleType, spawn_path: str
) -> None:
    # setsid takes the background child out of the command's process group,
    # so perfgate cannot kill it. perfgate reads the output for at most the
    # 100 ms drain grace period and then stops waiting for the pipe to close.
    # The command waits until the child has escaped (written its pid) and exits.
    folder = tmp_path / "escaped"
    folder.mkdir()
    script = (
        f"setsid sh -c 'echo $$ > {folder}/'$$'; exec sleep 30' & "
        f"until [ -s {folder}/$$ ]; do sleep 0.01; done; echo started"
    )
    out = tmp_path / "run.json"
    started = time.monotonic()
    try:
        outcome = _run(support, out, ["sh", "-c", script], "--repeat", "3")
        elapsed = time.monotonic() - started
    finally:
        escaped = [int(path.read_text()) for path in folder.iterdir()]
        for pid in escaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    assert len(escaped) == 3
    assert outcome.code == 0, outcome.stderr
    receipt = decode_run(out.read_bytes(), str(out))
    for sample in receipt.samples:
        assert sample.wall_ms < 1000
        assert sample.stdout == "started\n"
    # Three short samples plus three grace periods, not the 30 s sleeps.
    assert elapsed < 3


def test_invalid_utf8_replaced(
    tmp_path: Path, support: ModuleType, spawn_path: str
) -> None:
    out = tmp_path / "run.json"

    outcome = _run(
        support,
        out,
        ["sh", "-c", r"printf 'a\377b\303(c'; printf '\355\240\200' >&2"],
        "--repeat",
        "1",
    )

    assert outcome.code == 0, outcome.stderr
    # json.loads checks that the receipt is valid JSON on its own terms.
    sample = json.loads(out.read_bytes())["samples"][0]
    assert sample["stdout"] == "a\ufffdb\ufffd(c"
    # An encoded UTF-16 surrogate is invalid UTF-8; each byte is replaced.
    assert sample["stderr"] == "\ufffd\ufffd\ufffd"
    decode_run(out.read_bytes(), str(out))


def test_cap_cuts_multibyte_character(
    tmp_path: Path, support: ModuleType, spawn_path: str
) -> None:
    out = tmp_path / "run.json"

    # "é" is two bytes in UTF-8; a cap of 4 keeps "abc" and its first byte.
    outcome = _run(
        support,
        out,
        ["sh", "-c", "printf 'abcé'; printf '€uro' >&2"],
        "--repeat",
        "1",
        "--output-cap-bytes",
        "4",
    )

    assert outcome.code == 0, outcome.stderr
    sample = json.loads(out.read_bytes())["samples"][0]
    assert sample["stdout"] == "abc\ufffd"
    assert sample["stderr"] == "€u"


@pytest.mark.parametrize(
    ("streams", "script"),
    [
        ("stderr", f"yes | head -c {FLOOD_BYTES} >&2"),
        (
            "both",
            f"yes | head -c {FLOOD_BYTES} & yes | head -c {FLOOD_BYTES} >&2; wait",
        ),
    ],
)
def test_output_flood_bounded(
    streams: str, script: str, tmp_path: Path, support: ModuleType
) -> None:
    out = tmp_path / "run.json"

    outcome = support.run_measured(
        [
            "run",
            "--name",
            "flood",
            "--repeat",
            "1",
            "--out",
            str(out),
            "--output-cap-bytes",
            str(CAP_BYTES),
            "--",
            "sh",
            "-c",
            script,
        ],
        tmp_path / "rss",
    )

    assert outcome.code == 0, outcome.stderr
    sample = decode_run(out.read_bytes(), str(out)).samples[0]
    # `yes` writes "y\n" forever: the kept bytes are its first CAP_BYTES.
    expected = ("y\n" * CAP_BYTES)[:CAP_BYTES]
    assert sample.stderr == expected
    assert sample.stdout == (expected if streams == "both" else None)
    assert outcome.peak_rss_kb < support.peak_rss_limit_kb()


def test_default_cap_keeps_8192_bytes(tmp_path: Path, support: ModuleType) -> None:
    out = tmp_path / "run.json"

    outcome = _run(support, out, ["sh", "-c", "yes | head -c 100000"], "--repeat", "1")

    assert outcome.code == 0, outcome.stderr
    sample = decode_run(out.read_bytes(), str(out)).samples[0]
    assert sample.stdout == ("y\n" * 4096)


def test_timeout_kills_group(
    tmp_path: Path, support: ModuleType, spawn_path: str
) -> None:
    pidfile = tmp_path / "group.pid"
    out = tmp_path / "run.json"
    started = time.monotonic()

    outcome = _run(
        support,
        out,
        ["sh", "-c", f"echo $$ > {pidfile}; sleep 60 & sleep 60"],
        "--repeat",
        "1",
        "--timeout",
        "300ms",
    )

    assert time.monotonic() - started < 10
    assert outcome.code == 1
    assert "timed out" in outcome.stderr
    sample = decode_run(out.read_bytes(), str(out)).samples[0]
    assert sample.timed_out
    assert sample.exit_code == -1
    assert support.live_group_members(int(pidfile.read_text())) == []
