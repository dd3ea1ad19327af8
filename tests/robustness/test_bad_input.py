"""Bad input files: every reading command exits 1 with one stderr line that
names the file (and the field), and leaves its existing outputs untouched.

The commands run in-process through ``perfgate.cli.main.main``; the
oversized-file cases run in a child process to measure its peak RSS.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

Document = dict[str, Any]


@dataclass(frozen=True)
class Reader:
    """One command that reads the file under test, and the outputs it writes.

    ``argv`` gets the bad file, a valid run receipt and the output folder.
    """

    kind: str
    argv: Callable[[Path, Path, Path], list[str]]
    outputs: tuple[str, ...]


READERS: dict[str, Reader] = {
    "compare_baseline": Reader(
        "run",
        lambda bad, good, out: [
            "compare",
            "--baseline",
            str(bad),
            "--current",
            str(good),
            "--out",
            str(out / "compare.json"),
        ],
        ("compare.json",),
    ),
    "compare_current": Reader(
        "run",
        lambda bad, good, out: [
            "compare",
            "--baseline",
            str(good),
            "--current",
            str(bad),
            "--out",
            str(out / "compare.json"),
        ],
        ("compare.json",),
    ),
    "md": Reader(
        "compare",
        lambda bad, good, out: [
            "md",
            "--compare",
            str(bad),
            "--out",
            str(out / "comment.md"),
        ],
        ("comment.md",),
    ),
    "github_annotations": Reader(
        "compare",
        lambda bad, good, out: ["github-annotations", "--compare", str(bad)],
        (),
    ),
    "report": Reader(
        "compare",
        lambda bad, good, out: [
            "report",
            "--compare",
            str(bad),
            "--out",
            str(out / "report.json"),
            "--md",
            str(out / "comment.md"),
        ],
        ("report.json", "comment.md"),
    ),
    "promote": Reader(
        "run",
        lambda bad, good, out: [
            "promote",
            "--current",
            str(bad),
            "--to",
            str(out / "baseline.json"),
        ],
        ("baseline.json",),
    ),
    "export_run": Reader(
        "run",
        lambda bad, good, out: [
            "export",
            "--run",
            str(bad),
            "--out",
            str(out / "run.csv"),
        ],
        ("run.csv",),
    ),
    "export_compare": Reader(
        "compare",
        lambda bad, good, out: [
            "export",
            "--compare",
            str(bad),
            "--format",
            "jsonl",
            "--out",
            str(out / "compare.jsonl"),
        ],
        ("compare.jsonl",),
    ),
    "check_baseline": Reader(
        "run",
        lambda bad, good, out: [
            "check",
            "--config",
            str(good.parent / "perfgate.toml"),
            "--bench",
            "sort-1m",
            "--baseline",
            str(bad),
            "--out-dir",
            str(out),
        ],
        ("run.json", "compare.json", "report.json", "comment.md"),
    ),
}


def _set(document: Document, path: str, value: Any) -> Document:
    *parents, last = path.split(".")
    target: Any = document
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return document


def _delete(document: Document, path: str) -> Document:
    *parents, last = path.split(".")
    target: Any = document
    for part in parents:
        target = target[part]
    del target[last]
    return document


def _dump(document: Document) -> bytes:
    # allow_nan writes the NaN and Infinity literals that JSON forbids.
    return json.dumps(document, allow_nan=True).encode()


@dataclass(frozen=True)
class Defect:
    """A way to spoil a valid receipt, and texts its error line must contain."""

    make: Callable[[Document, bytes], bytes]
    needles: tuple[str, ...]


# Every defect applies to run and compare receipts alike: both have a
# `schema` and a `bench` with u32 and u64 fields.
DEFECTS: dict[str, Defect] = {
    "empty": Defect(lambda doc, raw: b"", ("empty",)),
    "whitespace_only": Defect(lambda doc, raw: b" \n\t\n", ("empty",)),
    "truncated": Defect(lambda doc, raw: raw[: len(raw) // 2], ("invalid JSON",)),
    "not_json": Defect(lambda doc, raw: b"schema = perfgate\n", ("invalid JSON",)),
    "binary": Defect(lambda doc, raw: bytes(range(256)), ("invalid JSON",)),
    "json_array": Defect(lambda doc, raw: b"[1, 2, 3]", ("an array",)),
    "json_number": Defect(lambda doc, raw: b"42", ("a number",)),
    "json_string": Defect(lambda doc, raw: b'"perfgate.run.v1"', ("a string",)),
    "json_null": Defect(lambda doc, raw: b"null", ("null",)),
    "wrong_type": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.name", 42)), ("bench.name",)
    ),
    "list_for_object": Defect(
        lambda doc, raw: _dump(_set(doc, "bench", [1, 2])), ("bench",)
    ),
    "nan": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.repeat", float("nan"))),
        ("bench.repeat", "NaN"),
    ),
    "infinity": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.warmup", float("inf"))),
        ("bench.warmup", "Infinity"),
    ),
    "negative_infinity": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.warmup", float("-inf"))),
        ("bench.warmup", "Infinity"),
    ),
    "above_u64": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.work_units", 2**64)),
        ("bench.work_units",),
    ),
    "far_above_u64": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.work_units", 10**400)),
        ("bench.work_units",),
    ),
    "above_u32": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.repeat", 2**32)), ("bench.repeat",)
    ),
    "negative": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.warmup", -1)), ("bench.warmup",)
    ),
    "float_for_integer": Defect(
        lambda doc, raw: _dump(_set(doc, "bench.repeat", 2.5)), ("bench.repeat",)
    ),
    "missing_field": Defect(
        lambda doc, raw: _dump(_delete(doc, "bench.command")),
        ("bench", "command"),
    ),
    "unknown_schema": Defect(
        lambda doc, raw: _dump(_set(doc, "schema", "perfgate.run.v9")),
        ("schema", "perfgate.run.v9"),
    ),
    "schema_of_number": Defect(
        lambda doc, raw: _dump(_set(doc, "schema", 1)), ("schema",)
    ),
    "invalid_utf8_in_string": Defect(
        lambda doc, raw: raw.replace(b'"sort-1m"', b'"sort-\xff\xfe"', 1),
        ("invalid UTF-8",),
    ),
    "trailing_garbage": Defect(lambda doc, raw: raw + b"}{", ("invalid JSON",)),
}


@pytest.fixture
def workspace(tmp_path: Path, support: ModuleType) -> dict[str, Path]:
    """Valid receipts and a config in ``inputs/``, old outputs in ``out/``."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    seeds = support.seed_bytes()
    (inputs / "run.json").write_bytes(seeds["run"])
    (inputs / "compare.json").write_bytes(seeds["compare"])
    marker = tmp_path / "command-ran"
    (inputs / "perfgate.toml").write_text(
        '[[bench]]\nname = "sort-1m"\n'
        f'command = ["touch", {json.dumps(str(marker))}]\n',
        encoding="utf-8",
    )
    return {"inputs": inputs, "out": tmp_path / "out", "marker": marker}


def _prepare_outputs(reader: Reader, out: Path, support: ModuleType) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [support.make_old_output(out, name) for name in reader.outputs]


def _check_nothing_written(
    reader: Reader,
    outcome: Any,
    outputs: list[Path],
    workspace: dict[str, Path],
    support: ModuleType,
) -> None:
    assert outcome.stdout == b""
    if outputs:
        support.assert_untouched(*outputs)
    else:
        assert list(workspace["out"].iterdir()) == []
    # check reads every baseline before it runs anything.
    assert not workspace["marker"].exists()


@pytest.mark.parametrize("defect_name", sorted(DEFECTS))
@pytest.mark.parametrize("reader_name", sorted(READERS))
def test_defective_receipt_one_line(
    reader_name: str,
    defect_name: str,
    workspace: dict[str, Path],
    support: ModuleType,
) -> None:
    reader = READERS[reader_name]
    defect = DEFECTS[defect_name]
    raw = (workspace["inputs"] / f"{reader.kind}.json").read_bytes()
    bad = workspace["inputs"] / "bad.json"
    bad.write_bytes(defect.make(json.loads(raw), raw))
    outputs = _prepare_outputs(reader, workspace["out"], support)

    argv = reader.argv(bad, workspace["inputs"] / "run.json", workspace["out"])
    outcome = support.call_cli(argv)

    support.assert_one_error_line(outcome, str(bad), *defect.needles)
    _check_nothing_written(reader, outcome, outputs, workspace, support)


def _make_directory(path: Path) -> str:
    path.mkdir()
    return "is a directory"


def _make_missing(path: Path) -> str:
    return "file not found"


def _make_fifo_without_writer(path: Path) -> str:
    os.mkfifo(path)
    return "named pipe"


def _make_socket(path: Path) -> str:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.close()
    return "socket"


FILE_PROBLEMS: dict[str, Callable[[Path], str]] = {
    "directory": _make_directory,
    "missing": _make_missing,
    "fifo_without_writer": _make_fifo_without_writer,
    "unix_socket": _make_socket,
}


@pytest.mark.parametrize("problem", sorted(FILE_PROBLEMS))
@pytest.mark.parametrize("reader_name", sorted(READERS))
def test_unusable_file_one_line(
    reader_name: str,
    problem: str,
    workspace: dict[str, Path],
    support: ModuleType,
) -> None:
    reader = READERS[reader_name]
    bad = workspace["inputs"] / "bad.json"
    needle = FILE_PROBLEMS[problem](bad)
    outputs = _prepare_outputs(reader, workspace["out"], support)
    argv = reader.argv(bad, workspace["inputs"] / "run.json", workspace["out"])

    # A FIFO without a writer must not block; the guard turns a hang into a
    # test failure.
    with support.hang_guard(10):
        outcome = support.call_cli(argv)

    support.assert_one_error_line(outcome, str(bad), needle)
    _check_nothing_written(reader, outcome, outputs, workspace, support)


@pytest.mark.parametrize("reader_name", sorted(READERS))
def test_unreadable_file_one_line(
    reader_name: str,
    workspace: dict[str, Path],
    support: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The tests run as root, where permission bits do not stop a read, so
    # both ways of opening a file raise PermissionError for this one path.
    reader = READERS[reader_name]
    bad = workspace["inputs"] / "bad.json"
    bad.write_bytes((workspace["inputs"] / f"{reader.kind}.json").read_bytes())
    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(bad):
            raise PermissionError(13, "Permission denied", str(bad))
        return real_open(file, *args, **kwargs)

    def guarded_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if str(path) == str(bad):
            raise PermissionError(13, "Permission denied", str(bad))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    outputs = _prepare_outputs(reader, workspace["out"], support)
    argv = reader.argv(bad, workspace["inputs"] / "run.json", workspace["out"])

    outcome = support.call_cli(argv)

    support.assert_one_error_line(outcome, str(bad), "permission denied")
    _check_nothing_written(reader, outcome, outputs, workspace, support)


def test_fifo_with_writer_renders(
    workspace: dict[str, Path], support: ModuleType
) -> None:
    fifo = workspace["inputs"] / "pipe.json"
    os.mkfifo(fifo)
    payload = (workspace["inputs"] / "compare.json").read_bytes()
    # The writer keeps the pipe open before the reader starts, as the shell
    # does for process substitution.
    writer = os.open(fifo, os.O_RDWR)

    def feed() -> None:
        os.write(writer, payload)
        os.close(writer)

    thread = threading.Timer(0.2, feed)
    thread.start()
    try:
        with support.hang_guard(10):
            outcome = support.call_cli(["md", "--compare", str(fifo)])
    finally:
        thread.join()

    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout.startswith("❌ perfgate: fail".encode())
    assert outcome.stderr == ""


def test_sparse_file_above_limit_bounded(tmp_path: Path, support: ModuleType) -> None:
    # 300 MiB apparent size, no data blocks: the test writes almost nothing.
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.write(b'{"schema": "perfgate.compare.v1", "pad": "')
    os.truncate(huge, 300 * 1024 * 1024)
    out = support.make_old_output(tmp_path / "out", "comment.md")

    outcome = support.run_measured(
        ["md", "--compare", str(huge), "--out", str(out)], tmp_path / "rss"
    )

    support.assert_one_error_line(outcome, str(huge), "limit")
    support.assert_untouched(out)
    # Rejected from its size alone: the process reads none of the file.
    assert outcome.peak_rss_kb < support.interpreter_rss_kb() + 32 * 1024


def test_sparse_file_below_limit_bounded(tmp_path: Path, support: ModuleType) -> None:
    # 200 MiB, under the 256 MiB input limit, so the whole file is read and
    # rejected by the JSON parser (a NUL byte inside a string).
    size = 200 * 1024 * 1024
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.write(b'{"schema": "perfgate.run.v1", "pad": "')
    os.truncate(big, size)
    out = support.make_old_output(tmp_path / "out", "baseline.json")

    outcome = support.run_measured(
        ["promote", "--current", str(big), "--to", str(out)], tmp_path / "rss"
    )

    support.assert_one_error_line(outcome, str(big), "invalid JSON")
    support.assert_untouched(out)
    # The file is held once as bytes and once as text while the error is
    # located; anything proportional to more copies would exceed this.
    limit_kb = support.interpreter_rss_kb() + (size * 5 // 2) // 1024
    assert outcome.peak_rss_kb < limit_kb


# Cases that fuzzing found; each crashed with "internal error" or printed
# more than one line before its fix.


def test_invalid_utf8_unknown_key_rejected(
    workspace: dict[str, Path], support: ModuleType
) -> None:
    # The typed decoder skips unknown keys without checking their UTF-8, so
    # only the untyped decode of `promote --normalize` used to see it.
    raw = (workspace["inputs"] / "run.json").read_bytes()
    bad = workspace["inputs"] / "bad.json"
    bad.write_bytes(raw.replace(b'{"schema"', b'{"\xf3extra": 1, "schema"', 1))
    out = support.make_old_output(workspace["out"], "baseline.json")

    outcome = support.call_cli(
        ["promote", "--current", str(bad), "--normalize", "--to", str(out)]
    )

    support.assert_one_error_line(outcome, str(bad), "invalid UTF-8")
    support.assert_untouched(out)


@pytest.mark.parametrize("key", ["\n", "\r", "a\u2028b", "\ud800"])
def test_key_with_line_break_one_line(
    key: str, workspace: dict[str, Path], support: ModuleType
) -> None:
    bad = workspace["inputs"] / "bad.json"
    # ensure_ascii writes the key as \u escapes, which JSON allows.
    bad.write_text(json.dumps({"schema": "perfgate.compare.v1", key: math.inf}))

    outcome = support.call_cli(["md", "--compare", str(bad)])

    support.assert_one_error_line(outcome, str(bad), "Infinity")


@pytest.mark.parametrize(
    "field", ["threshold", "warn_threshold", "delta_pct", "delta_regression"]
)
@pytest.mark.parametrize("command", ["md", "report", "export"])
def test_percent_overflow_one_line(
    command: str, field: str, workspace: dict[str, Path], support: ModuleType
) -> None:
    # 1e308 is a valid double, but 1e308 * 100 is not: the outputs show
    # thresholds and deltas in percent.
    document = json.loads((workspace["inputs"] / "compare.json").read_bytes())
    if field.startswith("delta_"):
        document["deltas"]["cpu_ms"][field.removeprefix("delta_")] = 1e308
        needle = f"deltas.cpu_ms.{field.removeprefix('delta_')}"
    else:
        document["budgets"]["cpu_ms"][field] = 1e308
        needle = f"budgets.cpu_ms.{field}"
    bad = workspace["inputs"] / "bad.json"
    bad.write_text(json.dumps(document))
    out = support.make_old_output(workspace["out"], "output")
    argv = {
        "md": ["md", "--compare", str(bad), "--out", str(out)],
        "report": ["report", "--compare", str(bad), "--out", str(out)],
        "export": [
            "export",
            "--compare",
            str(bad),
            "--format",
            "jsonl",
            "--out",
            str(out),
        ],
    }[command]

    outcome = support.call_cli(argv)

    support.assert_one_error_line(outcome, str(bad), needle, "percent")
    support.assert_untouched(out)
