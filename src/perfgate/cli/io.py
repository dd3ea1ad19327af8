"""File input and atomic file output for the CLI."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile

from perfgate.types.errors import InputError, OutputError

# Receipts of 100,000 samples are about 10 MB; a larger input is far more
# likely a wrong file, and reading it whole could exhaust memory.
MAX_INPUT_BYTES = 256 * 1024 * 1024


def read_input(path: str, what: str) -> bytes:
    """Read a whole input file; raise InputError naming the path on failure.

    ``what`` names the expected content in messages, e.g. "run receipt".
    A named pipe is read until its writer closes it. A pipe that no program
    has open for writing is an error, because waiting for a writer could
    hang forever.
    """
    try:
        # O_NONBLOCK keeps open() from waiting for a writer of a named pipe.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(descriptor, "rb") as handle:
            os.set_blocking(descriptor, True)
            info = os.fstat(descriptor)
            if stat.S_ISDIR(info.st_mode):
                raise InputError(f"{path}: is a directory; pass the {what} file")
            if info.st_size > MAX_INPUT_BYTES:
                raise InputError(
                    f"{path}: file is {info.st_size} bytes, above the "
                    f"{MAX_INPUT_BYTES} byte limit for a {what}; check the path"
                )
            # Without a writer, a blocking read of a named pipe ends at once.
            data = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: file not found; pass the path of a {what}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a directory; pass the {what} file") from exc
    except PermissionError as exc:
        raise InputError(f"{path}: permission denied; make it readable") from exc
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            # open() of a Unix socket, or of a device without a driver.
            raise InputError(
                f"{path}: is a socket or device, not a file; pass the {what} file"
            ) from exc
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not data and stat.S_ISFIFO(info.st_mode):
        raise InputError(
            f"{path}: is a named pipe and no program wrote to it; pass the {what} "
            "file, or start the writer first"
        )
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(
            f"{path}: larger than the {MAX_INPUT_BYTES} byte limit for a {what}; "
            "check the path"
        )
    return data


def check_output_path(path: str | None) -> None:
    """Raise OutputError now if ``path`` clearly cannot be written later.

    Catches a missing folder, a file where the folder should be and a
    directory at ``path``, so that a command fails before it measures for
    nothing or writes one of two outputs. A full disk still fails later, in
    ``write_atomic``. None and '-' stand for stdout and always pass.
    """
    if path is None or path == "-":
        return
    if not os.path.basename(path):
        raise OutputError(f"{path}: is a directory path; pass a file path")
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a directory; pass a file path")
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        if os.path.exists(directory):
            raise OutputError(f"{path}: cannot write: {directory!r} is not a directory")
        raise OutputError(
            f"{path}: cannot write: directory {directory!r} does not exist; "
            "create it first"
        )


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one.

    The bytes go to a temporary file in the same directory, which is flushed
    to disk and then renamed over ``path``. On any error, including an
    interrupt, the temporary file is removed and ``path`` is left untouched.
    A SIGKILL between creating and renaming can leave a ``.perfgate-*.tmp``
    file behind, but never a partial ``path``.

    A symbolic link is followed: the file it points to is replaced and the
    link stays. A device, named pipe or socket (``/dev/null``, ``/dev/stdout``
    on a pipe) is written in place without these guarantees, because a
    rename would replace the device node itself.
    """
    if not os.path.basename(path):
        raise OutputError(f"{path}: is a directory path; pass a file path")
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a directory; pass a file path")
    try:
        mode: int | None = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        _write_in_place(path, data)
        return
    target = os.path.realpath(path) if os.path.islink(path) else path
    directory = os.path.dirname(target) or "."
    base = os.path.basename(target)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{base}.perfgate-", suffix=".tmp", dir=directory
        )
    except FileNotFoundError as exc:
        raise OutputError(
            f"{path}: cannot write: directory {directory!r} does not exist; "
            "create it first"
        ) from exc
    except NotADirectoryError as exc:
        raise OutputError(
            f"{path}: cannot write: {directory!r} is not a directory"
        ) from exc
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc

    renamed = False
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
        renamed = True
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        if not renamed:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    _fsync_directory(directory)


def _write_in_place(path: str, data: bytes) -> None:
    """Write ``data`` into the existing device, named pipe or socket ``path``."""
    try:
        # O_NONBLOCK makes open() fail at once for a named pipe without a reader.
        descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(
                f"{path}: cannot write: it is a named pipe that no program reads, "
                "or a socket; pass a file path"
            ) from exc
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        with open(descriptor, "wb") as handle:
            os.set_blocking(descriptor, True)
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not every platform allows it.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def make_parent_directory(path: str) -> None:
    """Create the folder that will contain ``path``, with its parents."""
    directory = os.path.dirname(path)
    if not directory:
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot create folder {directory!r}: {exc.strerror or exc}"
        ) from exc


def write_output(path: str | None, data: bytes) -> None:
    """Write to ``path`` atomically, or to stdout when ``path`` is None or '-'."""
    if path is None or path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(path, data)
