"""Output files: written whole or not at all.

Covers ``write_atomic`` itself (full disk, interrupts, special files), every
writing command with an unwritable path or a full disk, and SIGKILL of a
writer in the middle of a write. A full disk is simulated in-process: an
output is never pointed at a device such as /dev/full, because the rename of
an atomic write would replace the device node.
"""

from __future__ import annotations

import errno
import json
import os
import random
import select
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from perfgate.cli.io import write_atomic
from perfgate.types.errors import OutputError

NEW_BYTES = b'{"new": true}\n'


def _entries(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


# write_atomic on its own


def test_missing_folder_raises(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "out.json"

    with pytest.raises(OutputError, match="does not exist") as caught:
        write_atomic(str(target), NEW_BYTES)

    assert str(target) in str(caught.value)
    assert _entries(tmp_path) == []


def test_file_as_folder_raises(tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(b"x")
    target = tmp_path / "plain" / "out.json"

    with pytest.raises(OutputError, match="is not a directory") as caught:
        write_atomic(str(target), NEW_BYTES)

    assert str(target) in str(caught.value)
    assert _entries(tmp_path) == ["plain"]


def test_directory_target_raises(tmp_path: Path) -> None:
    (tmp_path / "out.json").mkdir()

    with pytest.raises(OutputError, match="is a directory"):
        write_atomic(str(tmp_path / "out.json"), NEW_BYTES)

    assert (tmp_path / "out.json").is_dir()


class _FailingFile:
    """A file object that writes half of the first chunk, then fails."""

    def __init__(self, real: Any, error: OSError) -> None:
        self._real = real
        self._error = error

    def write(self, data: bytes) -> int:
        self._real.write(data[: len(data) // 2])
        self._real.flush()
        raise self._error

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _disk_full_on_write(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make writes of files opened from descriptors under ``folder`` fail.

    The first write stores half its bytes and raises ENOSPC, as a disk that
    fills up midway does.
    """
    real_fdopen = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = real_fdopen(fd, *args, **kwargs)
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder)):
            return _FailingFile(handle, OSError(errno.ENOSPC, os.strerror(28)))
        return handle

    monkeypatch.setattr(os, "fdopen", fdopen)


def _disk_full_on_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)


DISK_FULL: dict[str, Callable[[pytest.MonkeyPatch, Path], None]] = {
    "write": _disk_full_on_write,
    "fsync": lambda monkeypatch, folder: _disk_full_on_fsync(monkeypatch),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("stage", sorted(DISK_FULL))
def test_disk_full_keeps_old_file(
    stage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, support: ModuleType
) -> None:
    target = support.make_old_output(tmp_path / "out", "out.json")
    DISK_FULL[stage](monkeypatch, tmp_path)

    with pytest.raises(OutputError, match="No space left on device") as caught:
        write_atomic(str(target), NEW_BYTES * 1000)

    assert str(target) in str(caught.value)
    support.assert_untouched(target)


def test_interrupt_removes_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, support: ModuleType
) -> None:
    target = support.make_old_output(tmp_path / "out", "out.json")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)

    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(target), NEW_BYTES)

    support.assert_untouched(target)


def test_symlink_target_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)

    write_atomic(str(link), NEW_BYTES)

    assert link.is_symlink()
    assert real.read_bytes() == NEW_BYTES
    assert _entries(tmp_path) == ["link.json", "real.json"]


def test_device_target_stays_device(tmp_path: Path) -> None:
    # A private null device node: were the write to rename over it, only
    # this test's node would be lost, never the system's /dev/null.
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD (root)")

    write_atomic(str(node), NEW_BYTES)

    assert stat.S_ISCHR(node.lstat().st_mode)
    assert _entries(tmp_path) == ["null"]


def test_fifo_target_with_reader(tmp_path: Path, support: ModuleType) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)

    def drain() -> None:
        # Before a writer opens the pipe, read() returns end of file at once,
        # so wait for data first.
        poller = select.poll()
        poller.register(reader_fd, select.POLLIN)
        poller.poll(10_000)
        os.set_blocking(reader_fd, True)
        chunks = []
        while chunk := os.read(reader_fd, 65536):
            chunks.append(chunk)
        received.append(b"".join(chunks))

    thread = threading.Thread(target=drain)
    thread.start()
    try:
        with support.hang_guard(10):
            write_atomic(str(fifo), NEW_BYTES)
    finally:
        thread.join(10)
        os.close(reader_fd)

    assert received == [NEW_BYTES]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_fifo_target_without_reader(tmp_path: Path, support: ModuleType) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    with support.hang_guard(10), pytest.raises(OutputError, match="no program reads"):
        write_atomic(str(fifo), NEW_BYTES)

    assert stat.S_ISFIFO(fifo.lstat().st_mode)


# Every writing command


@pytest.fixture
def inputs(tmp_path: Path, support: ModuleType) -> dict[str, Path]:
    folder = tmp_path / "inputs"
    folder.mkdir()
    seeds = support.seed_bytes()
    (folder / "run.json").write_bytes(seeds["run"])
    (folder / "compare.json").write_bytes(seeds["compare"])
    (folder / "perfgate.toml").write_text(
        '[defaults]\nrepeat = 1\n[[bench]]\nname = "b"\ncommand = ["true"]\n',
        encoding="utf-8",
    )
    return {
        "run": folder / "run.json",
        "compare": folder / "compare.json",
        "config": folder / "perfgate.toml",
    }


# name: (argv with OUT for the output path, output file names)
WRITERS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "run": (
        ["run", "--name", "b", "--repeat", "1", "--out", "OUT/run.json", "--", "true"],
        ("run.json",),
    ),
    "compare": (
        ["compare", "--baseline", "RUN", "--current", "RUN", "--out", "OUT/c.json"],
        ("c.json",),
    ),
    "md": (["md", "--compare", "COMPARE", "--out", "OUT/comment.md"], ("comment.md",)),
    "report": (
        [
            "report",
            "--compare",
            "COMPARE",
            "--out",
            "OUT/report.json",
            "--md",
            "OUT/comment.md",
        ],
        ("report.json", "comment.md"),
    ),
    "promote": (
        ["promote", "--current", "RUN", "--to", "OUT/base.json"],
        ("base.json",),
    ),
    "export": (["export", "--run", "RUN", "--out", "OUT/run.csv"], ("run.csv",)),
    "check": (
        ["check", "--config", "CONFIG", "--bench", "b", "--out-dir", "OUT"],
        ("run.json", "report.json", "comment.md"),
    ),
    "schema": (
        ["schema", "--out-dir", "OUT"],
        ("perfgate.run.v1.schema.json", "perfgate.compare.v1.schema.json"),
    ),
}


def _argv(template: list[str], inputs: dict[str, Path], out: Path) -> list[str]:
    replaced = []
    for word in template:
        word = word.replace("OUT", str(out))
        for key in ("RUN", "COMPARE", "CONFIG"):
            word = word.replace(key, str(inputs[key.lower()]))
        replaced.append(word)
    return replaced


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("stage", sorted(DISK_FULL))
@pytest.mark.parametrize("command", sorted(WRITERS))
def test_command_disk_full_one_line(
    command: str,
    stage: str,
    tmp_path: Path,
    inputs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    support: ModuleType,
) -> None:
    template, names = WRITERS[command]
    out = tmp_path / "out"
    outputs = [support.make_old_output(out, name) for name in names]
    DISK_FULL[stage](monkeypatch, out)

    outcome = support.call_cli(_argv(template, inputs, out))

    assert outcome.code == 1
    assert "Traceback" not in outcome.stderr
    errors = [line for line in outcome.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, outcome.stderr
    assert str(out) in errors[0]
    assert "No space left on device" in errors[0]
    support.assert_untouched(*outputs)


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_command_file_as_folder(
    command: str, tmp_path: Path, inputs: dict[str, Path], support: ModuleType
) -> None:
    template, _names = WRITERS[command]
    blocker = support.make_old_output(tmp_path / "blocked", "blocker")

    outcome = support.call_cli(_argv(template, inputs, blocker))

    support.assert_one_error_line(outcome, str(blocker))
    support.assert_untouched(blocker)


# promote, check and schema create a missing output folder on purpose.
FOLDER_CREATORS = ("check", "promote", "schema")


@pytest.mark.parametrize(
    "command", [name for name in sorted(WRITERS) if name not in FOLDER_CREATORS]
)
def test_command_missing_folder(
    command: str, tmp_path: Path, inputs: dict[str, Path], support: ModuleType
) -> None:
    template, _names = WRITERS[command]
    missing = tmp_path / "absent"

    outcome = support.call_cli(_argv(template, inputs, missing))

    support.assert_one_error_line(outcome, str(missing), "does not exist")
    assert _entries(tmp_path) == ["inputs"]


@pytest.mark.parametrize("command", FOLDER_CREATORS)
def test_command_creates_folder(
    command: str, tmp_path: Path, inputs: dict[str, Path], support: ModuleType
) -> None:
    template, names = WRITERS[command]
    out = tmp_path / "new" / "folder"

    outcome = support.call_cli(_argv(template, inputs, out))

    assert outcome.code == 0, outcome.stderr
    for name in names:
        assert (out / name).is_file()


def test_run_unwritable_out_measures_nothing(
    tmp_path: Path, support: ModuleType
) -> None:
    marker = tmp_path / "command-ran"

    outcome = support.call_cli(
        [
            "run",
            "--name",
            "b",
            "--out",
            str(tmp_path / "absent" / "run.json"),
            "--",
            "touch",
            str(marker),
        ]
    )

    support.assert_one_error_line(outcome, "absent", "does not exist")
    assert not marker.exists()


def test_report_bad_md_keeps_out(
    tmp_path: Path, inputs: dict[str, Path], support: ModuleType
) -> None:
    report = support.make_old_output(tmp_path / "out", "report.json")

    outcome = support.call_cli(
        [
            "report",
            "--compare",
            str(inputs["compare"]),
            "--out",
            str(report),
            "--md",
            str(tmp_path / "absent" / "comment.md"),
        ]
    )

    support.assert_one_error_line(outcome, "absent", "does not exist")
    support.assert_untouched(report)


# SIGKILL in the middle of a write

_WRITER_LOOP = """
import sys
from perfgate.cli.io import write_atomic
target, first, second = sys.argv[1:4]
contents = [open(first, "rb").read(), open(second, "rb").read()]
sys.stdout.write("ready\\n")
sys.stdout.flush()
index = 0
while True:
    write_atomic(target, contents[index % 2])
    index += 1
"""


def _large_receipt(support: ModuleType, run_id: str) -> bytes:
    """Return a valid run receipt of about 2 MB, unique by ``run_id``."""
    document = json.loads(support.seed_bytes()["run"])
    document["run"]["id"] = run_id
    sample = document["samples"][1]
    document["samples"] = [dict(sample, wall_ms=index) for index in range(15000)]
    return json.dumps(document).encode()


def _check_whole(target: Path, versions: tuple[bytes, ...], round_number: int) -> None:
    data = target.read_bytes()
    assert data in versions, f"round {round_number}: partial file of {len(data)} B"
    json.loads(data)


def test_sigkill_writer_loop_whole(tmp_path: Path, support: ModuleType) -> None:
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    first.write_bytes(_large_receipt(support, "first"))
    second.write_bytes(_large_receipt(support, "second"))
    out = tmp_path / "out"
    out.mkdir()
    target = out / "baseline.json"
    target.write_bytes(first.read_bytes())
    versions = (first.read_bytes(), second.read_bytes())
    rng = random.Random(20260115)
    interrupted_writes = 0

    for round_number in range(50):
        process = subprocess.Popen(
            [sys.executable, "-c", _WRITER_LOOP, str(target), str(first), str(second)],
            env=support.cli_environment(),
            stdout=subprocess.PIPE,
        )
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0, 0.05))
        process.kill()
        process.wait()
        process.stdout.close()

        _check_whole(target, versions, round_number)
        # SIGKILL can leave the temporary file of the interrupted write.
        leftovers = list(out.glob(".baseline.json.perfgate-*.tmp"))
        interrupted_writes += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()
        assert _entries(out) == ["baseline.json"]

    # Proof that kills landed inside writes, not only between them.
    assert interrupted_writes > 0


def test_sigkill_promote_whole(tmp_path: Path, support: ModuleType) -> None:
    source = tmp_path / "current.json"
    source.write_bytes(_large_receipt(support, "current"))
    out = tmp_path / "baselines"
    out.mkdir()
    target = out / "bench.json"
    old = _large_receipt(support, "old")
    target.write_bytes(old)
    versions = (old, source.read_bytes())
    rng = random.Random(7)

    for round_number in range(10):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "perfgate",
                "promote",
                "--current",
                str(source),
                "--to",
                str(target),
            ],
            env=support.cli_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Start-up takes about 0.1 s; the kill lands before, during or
        # after the write.
        time.sleep(rng.uniform(0.05, 0.3))
        process.kill()
        process.wait()

        _check_whole(target, versions, round_number)
        for leftover in out.glob(".bench.json.perfgate-*.tmp"):
            leftover.unlink()
        target.write_bytes(old)
