"""Locate or build the native spawn helper that ``PosixProcessRunner`` can use.

The helper (``_spawn_helper.c`` beside this module) runs the measured command
as its own child so that the command's ``ru_maxrss`` starts from the helper's
small image instead of Python's. See that file for the protocol.

Where the helper comes from, in the order ``find_spawn_helper`` tries:

1. $PERFGATE_SPAWN_HELPER: "off" disables the helper, and any other non-empty
   value is the helper's path.
2. The helper that the package build compiled beside this module (``setup.py``
   does this for ``pip install .`` and, in place, for ``pip install -e .``).
   Its file name contains a hash of the source, so a helper built from an
   older source is never used.
3. A helper compiled on first use with the system C compiler into a per-user
   cache directory, under a name that hashes the source, the compiler and the
   platform.

When none of these works, ``find_spawn_helper`` logs one warning and returns
None, and the runner measures without the helper.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

logger = logging.getLogger("perfgate")

HELPER_SOURCE = Path(__file__).with_name("_spawn_helper.c")
COMPILE_TIMEOUT_S = 60.0
OVERRIDE_VARIABLE = "PERFGATE_SPAWN_HELPER"
PREBUILT_PREFIX = "_spawn_helper-"
_COMPILER_NAMES = ("cc", "gcc", "clang")


class HelperUnavailableError(Exception):
    """The helper cannot be found or built; the message gives the reason."""


def source_digest() -> str:
    """Return the first 16 hex digits of the SHA-256 of the helper's source."""
    try:
        source = HELPER_SOURCE.read_bytes()
    except OSError:
        source = b""
    return hashlib.sha256(source).hexdigest()[:16]


def prebuilt_helper_name() -> str:
    """Return the file name a build step gives the helper beside this module."""
    return PREBUILT_PREFIX + source_digest()


# A helper compiled when the package was built, if the build did that.
PREBUILT_HELPER = Path(__file__).with_name(prebuilt_helper_name())


@functools.cache
def find_spawn_helper() -> str | None:
    """Return the path of a usable helper, compiling it on the first call.

    The outcome, failure included, is remembered for the life of the process
    so a missing compiler costs one attempt only. A failure is logged as one
    warning that names its cause and the effect on ``max_rss_kb``.
    """
    override = os.environ.get(OVERRIDE_VARIABLE, "").strip()
    if override.lower() == "off":
        logger.info("spawn helper disabled by %s=off", OVERRIDE_VARIABLE)
        return None
    if override:
        if _is_executable(Path(override)):
            return override
        logger.warning(
            "%s=%s is not an executable file; looking for the helper elsewhere",
            OVERRIDE_VARIABLE,
            override,
        )
    if _is_executable(PREBUILT_HELPER):
        return str(PREBUILT_HELPER)
    destination = cache_dir() / f"spawn-helper-{_build_key()}"
    if _is_executable(destination):
        return str(destination)
    try:
        return _compile(destination, 0o700)
    except HelperUnavailableError as exc:
        logger.warning(
            "cannot use the spawn helper (%s), so max_rss_kb will include "
            "perfgate's own peak memory, now %d MB; install a C compiler and "
            "reinstall perfgate",
            exc,
            _own_peak_rss_kb() // 1024,
        )
        return None


def cache_dir() -> Path:
    """Return the directory for compiled helpers ($XDG_CACHE_HOME/perfgate)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return Path(base) / "perfgate"


def find_compiler() -> list[str] | None:
    """Return the C compiler command: $CC when set, else cc, gcc or clang."""
    from_env = os.environ.get("CC", "").strip()
    if from_env:
        words = shlex.split(from_env)
        return words if shutil.which(words[0]) else None
    for name in _COMPILER_NAMES:
        found = shutil.which(name)
        if found:
            return [found]
    return None


def build_spawn_helper(destination: Path, *, mode: int = 0o700) -> str | None:
    """Compile the helper to ``destination`` and return its path, or None.

    The executable is written to a temporary file in the same directory and
    renamed into place, so concurrent builds never expose a partial file.
    ``mode`` is its permission bits: only the owner's by default, as in the
    per-user cache. A failure is logged as one warning, not raised.
    """
    try:
        return _compile(destination, mode)
    except HelperUnavailableError as exc:
        logger.warning("cannot build the spawn helper: %s", exc)
        return None


def _compile(destination: Path, mode: int) -> str:
    """Compile the helper to ``destination``; raise HelperUnavailableError."""
    if not HELPER_SOURCE.is_file():
        raise HelperUnavailableError(f"its source {HELPER_SOURCE} is missing")
    compiler = find_compiler()
    if compiler is None:
        raise HelperUnavailableError("no C compiler found; set CC or install cc")
    try:
        destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(
            prefix=destination.name + ".", suffix=".tmp", dir=destination.parent
        )
    except OSError as exc:
        raise HelperUnavailableError(
            f"cannot write to {destination.parent}: {exc.strerror}"
        ) from exc
    os.close(fd)
    try:
        _run_compiler([*compiler, "-O2", "-o", temporary, str(HELPER_SOURCE)])
        os.chmod(temporary, mode)
        os.replace(temporary, destination)
        logger.info("compiled the spawn helper to %s", destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return str(destination)


def _run_compiler(command: list[str]) -> None:
    try:
        completed = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=COMPILE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise HelperUnavailableError(
            f"the C compiler {command[0]} timed out after {COMPILE_TIMEOUT_S:g} s"
        ) from exc
    except OSError as exc:
        raise HelperUnavailableError(
            f"cannot run the C compiler {command[0]}: {exc.strerror}"
        ) from exc
    if completed.returncode != 0:
        output = completed.stderr.decode("utf-8", "replace").strip()
        logger.debug("compiler output:\n%s", output)
        first_line = output.splitlines()[0] if output else "no output"
        raise HelperUnavailableError(
            f"the C compiler {command[0]} failed with exit code "
            f"{completed.returncode}: {first_line[:200]}"
        )


def _build_key() -> str:
    """Hash what the compiled helper depends on: source, compiler and platform."""
    digest = hashlib.sha256()
    if HELPER_SOURCE.is_file():
        digest.update(HELPER_SOURCE.read_bytes())
    compiler = find_compiler() or []
    for part in (*compiler, sys.platform, platform.machine()):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def _own_peak_rss_kb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    return peak // 1024 if sys.platform == "darwin" else peak


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
