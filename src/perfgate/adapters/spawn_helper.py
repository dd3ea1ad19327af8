"""Locate or build the native spawn helper that ``PosixProcessRunner`` can use.

The helper (``_spawn_helper.c`` beside this module) runs the measured command
as its own child so that the command's ``ru_maxrss`` starts from the helper's
small image instead of Python's. See that file for the protocol.

The helper is compiled on first use with the system C compiler into a per-user
cache directory, under a name that includes a hash of the source, so an
upgraded perfgate never runs an older helper. When the source is not shipped,
no compiler is installed or compiling fails, ``find_spawn_helper`` returns None
and the runner measures without the helper.

The environment variable PERFGATE_SPAWN_HELPER overrides the lookup: "off"
disables the helper, and any other non-empty value is the helper's path.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

logger = logging.getLogger("perfgate")

HELPER_SOURCE = Path(__file__).with_name("_spawn_helper.c")
# A helper compiled when the package was built, if the build did that.
PREBUILT_HELPER = Path(__file__).with_name("_spawn_helper")
COMPILE_TIMEOUT_S = 60.0
OVERRIDE_VARIABLE = "PERFGATE_SPAWN_HELPER"
_COMPILER_NAMES = ("cc", "gcc", "clang")


@functools.cache
def find_spawn_helper() -> str | None:
    """Return the path of a usable helper, compiling it on the first call.

    Checks $PERFGATE_SPAWN_HELPER first, then a prebuilt helper beside this
    module, then the cache directory. The outcome, failure included, is
    remembered for the life of the process so a missing compiler costs one
    attempt only.
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
    return _find_or_build_cached()


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


def build_spawn_helper(destination: Path) -> str | None:
    """Compile the helper to ``destination`` and return its path, or None.

    The executable is written to a temporary file in the same directory and
    renamed into place, so concurrent builds never expose a partial file.
    Failures are logged as warnings, not raised.
    """
    if not HELPER_SOURCE.is_file():
        logger.warning("spawn helper source %s is missing", HELPER_SOURCE)
        return None
    compiler = find_compiler()
    if compiler is None:
        logger.warning(
            "no C compiler found (set CC or install cc); "
            "measuring without the spawn helper"
        )
        return None
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(
        prefix=destination.name + ".", suffix=".tmp", dir=destination.parent
    )
    os.close(fd)
    try:
        command = [*compiler, "-O2", "-o", temporary, str(HELPER_SOURCE)]
        try:
            completed = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=COMPILE_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.warning("compiling the spawn helper failed: %s", exc)
            return None
        if completed.returncode != 0:
            logger.warning(
                "compiling the spawn helper failed with exit code %d: %s",
                completed.returncode,
                completed.stderr.decode("utf-8", "replace").strip()[:2000],
            )
            return None
        os.chmod(temporary, 0o700)
        os.replace(temporary, destination)
        logger.info("compiled the spawn helper to %s", destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return str(destination)


def _find_or_build_cached() -> str | None:
    destination = cache_dir() / f"spawn-helper-{_build_key()}"
    if _is_executable(destination):
        return str(destination)
    try:
        return build_spawn_helper(destination)
    except OSError as exc:
        logger.warning("cannot build the spawn helper in %s: %s", destination, exc)
        return None


def _build_key() -> str:
    """Hash what the compiled helper depends on: source, compiler and platform."""
    digest = hashlib.sha256()
    if HELPER_SOURCE.is_file():
        digest.update(HELPER_SOURCE.read_bytes())
    compiler = find_compiler() or []
    for part in (*compiler, sys.platform, platform.machine()):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
