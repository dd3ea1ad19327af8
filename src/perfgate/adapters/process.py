"""The real process runner: spawn one command, capture its output, measure it.

Two spawning paths give the same ``RunResult``:

* helper path, the default: Python starts the native spawn helper (see
  ``spawn_helper``), which forks the command, times it with CLOCK_MONOTONIC
  and reports its ``wait4`` rusage. On Linux the ``ru_maxrss`` of a process
  includes the RSS high-water mark of the image that called ``exec``, so a
  command forked by the helper starts from the helper's small peak instead
  of this Python process's. benchmarks/run_benchmarks.py measured about
  1.2 MB for ``true`` this way, against 1.0 MB under GNU time.
* direct path: Python starts the command itself, times it with
  ``time.perf_counter_ns`` and reaps it with ``os.wait4``. It always works,
  but on Linux ``max_rss_kb`` is at least the peak RSS of this Python process
  (over 20 MB for ``perfgate run``). It is used when no helper can be found
  or built, which ``spawn_helper`` reports in one warning, and when
  PERFGATE_SPAWN_HELPER=off.

Each result names its path in ``max_rss_source`` ("spawn_helper" or
"direct_child"), and the run receipt records it, because the two paths'
``max_rss_kb`` differ by this process's peak RSS and must not be compared.

In both paths the command runs in a process group of its own whose id is its
pid. stdin is /dev/null, stdout and stderr are pipes read at the same time,
and the whole group gets SIGKILL on timeout, on any exception (such as
KeyboardInterrupt) and after the command exits, so background children never
outlive a sample. On Linux the first run makes this process a child subreaper
for the rest of its life (see ``_become_child_subreaper``).

NOTE: the tests run on Linux only. The macOS branches (ru_maxrss in bytes,
exit found by polling instead of a pidfd, no subreaper) have not been run.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from perfgate.adapters import spawn_helper
from perfgate.adapters.ports import CommandSpec, RunResult
from perfgate.types.errors import MeasureError
from perfgate.types.receipts import MaxRssSource

logger = logging.getLogger("perfgate")

# After the command is reaped, output is read for at most this long (100 ms).
# Killed group members close their pipe ends at once, so the limit only bites
# when a process that left the group (with setsid, for example) keeps stdout
# or stderr open. Output written after the limit is lost.
DRAIN_GRACE_NS = 100_000_000
# How long to wait for processes that were sent SIGKILL to be reaped.
REAP_GRACE_NS = 2_000_000_000
# How long the spawn helper may take to report the command's process group.
HELPER_START_TIMEOUT_NS = 10_000_000_000
READ_CHUNK_BYTES = 65_536
# Without a pidfd, the exit of a command that closed its output is found by
# polling wait4 with WNOHANG, at intervals that double between these bounds.
_EXIT_POLL_MIN_NS = 200_000
_EXIT_POLL_MAX_NS = 20_000_000
# poll() takes a C int of milliseconds, so longer waits are split into
# slices of at most a minute.
_MAX_POLL_MS = 60_000
_PR_SET_CHILD_SUBREAPER = 36
_IS_MACOS = sys.platform == "darwin"
_HELPER_OFF = f"{spawn_helper.OVERRIDE_VARIABLE}=off"


@dataclass(frozen=True)
class _Exit:
    """The command's raw wait status and rusage, with its wall time."""

    status: int
    wall_ns: int
    cpu_us: int
    # ru_maxrss as the OS reports it: KiB on Linux, bytes on macOS.
    maxrss_raw: int
    major_faults: int
    context_switches: int


class _Child(Protocol):
    """The running command as seen by the supervision loop."""

    pgid: int | None
    exit: _Exit | None

    def exit_fd(self) -> int | None:
        """Return a descriptor that becomes readable when the command ends."""
        ...

    def poll_exit(self) -> bool:
        """Reap the command if it has ended, without blocking."""
        ...

    def wait_exit(self) -> None:
        """Block until the command has been reaped."""
        ...

    def kill_group(self) -> None: ...

    def abort(self) -> None:
        """Kill and reap everything that was started, after an exception."""
        ...

    def close(self) -> None: ...


class PosixProcessRunner:
    """Run commands on Linux and macOS with rusage measurement.

    With ``use_helper`` (the default), the first ``run`` looks up or compiles
    the spawn helper and falls back to the direct path when that fails.
    ``helper_path`` names a helper executable to use instead of looking one up.
    """

    def __init__(self, *, use_helper: bool = True, helper_path: str | None = None):
        self._use_helper = use_helper
        self._helper_path = helper_path
        self._helper_resolved = not use_helper or helper_path is not None
        # Process group id of the latest command, for callers that check
        # that nothing of it survived.
        self.last_pgid: int | None = None

    @property
    def uses_helper(self) -> bool:
        """True when runs go through the spawn helper (resolves it if needed)."""
        return self._resolve_helper() is not None

    def run(self, spec: CommandSpec) -> RunResult:
        """Run ``spec`` once and measure it.

        Raises ``MeasureError`` when the command or its working directory is
        unusable or the command cannot be started. Any exception raised while
        the command runs (KeyboardInterrupt included) kills its process group,
        reaps it and propagates.
        """
        if not spec.argv or not spec.argv[0]:
            raise MeasureError("empty command: give the program to run and its args")
        env = _merged_environment(spec.env)
        _check_working_directory(spec.cwd)
        executable = _resolve_executable(spec.argv[0], env, spec.cwd)
        helper = self._resolve_helper()
        _become_child_subreaper()
        self.last_pgid = None
        return self._execute(spec, executable, env, helper)

    def _resolve_helper(self) -> str | None:
        if not self._helper_resolved:
            # Logs one warning when no helper can be found or built.
            self._helper_path = spawn_helper.find_spawn_helper()
            self._helper_resolved = True
        return self._helper_path if self._use_helper else None

    def _execute(
        self,
        spec: CommandSpec,
        executable: str,
        env: dict[str, str],
        helper: str | None,
    ) -> RunResult:
        capture = _OutputCapture(spec.output_cap_bytes)
        stdin_fd = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        # The child's stdin and the write ends of its output pipes, closed
        # here once the child has them.
        inherited_fds: list[int] = [stdin_fd]
        child: _Child | None = None
        try:
            for _ in range(2):
                read_end, write_end = os.pipe()
                inherited_fds.append(write_end)
                capture.add(read_end)
            stdout_fd, stderr_fd = capture.fds
            std_fds = (stdin_fd, inherited_fds[1], inherited_fds[2])
            # SIGINT and SIGTERM are held back wherever an interrupt would
            # lose track of the child or of a descriptor, and raised after.
            with _interrupts_deferred():
                if helper is None:
                    child = _DirectChild.start(spec, executable, env, std_fds)
                else:
                    child = _HelperChild.start(spec, executable, env, std_fds, helper)
                for fd in inherited_fds:
                    os.close(fd)
                inherited_fds.clear()
            try:
                timed_out = _supervise(child, capture, spec.timeout_ns)
                child.kill_group()
                capture.drain(DRAIN_GRACE_NS)
            except BaseException:
                with _interrupts_deferred():
                    child.abort()
                raise
            assert child.exit is not None
            return _to_result(
                child.exit,
                timed_out,
                capture.output(stdout_fd),
                capture.output(stderr_fd),
                max_rss_source="direct_child" if helper is None else "spawn_helper",
            )
        finally:
            with _interrupts_deferred():
                for fd in inherited_fds:
                    os.close(fd)
                capture.close()
                if child is not None:
                    # The helper path may learn the group id only at the end.
                    self.last_pgid = child.pgid
                    child.close()


def _supervise(child: _Child, capture: _OutputCapture, timeout_ns: int | None) -> bool:
    """Read output until the command has been reaped, and return True on timeout.

    On timeout the group gets SIGKILL. A command that ends on its own just
    before the kill is not reported as timed out.
    """
    deadline = None if timeout_ns is None else time.perf_counter_ns() + timeout_ns
    poller = select.poll()
    for fd in capture.open_fds():
        poller.register(fd, select.POLLIN)
    exit_fd = child.exit_fd()
    if exit_fd is not None:
        poller.register(exit_fd, select.POLLIN)
    poll_interval = _EXIT_POLL_MIN_NS
    while True:
        wait_ns: int | None = None
        if exit_fd is None:
            wait_ns = poll_interval
            poll_interval = min(poll_interval * 2, _EXIT_POLL_MAX_NS)
        if deadline is not None:
            remaining = deadline - time.perf_counter_ns()
            if remaining <= 0:
                if child.poll_exit():
                    return False
                child.kill_group()
                child.wait_exit()
                assert child.exit is not None
                return os.WIFSIGNALED(child.exit.status)
            wait_ns = remaining if wait_ns is None else min(wait_ns, remaining)
        timeout_ms = None if wait_ns is None else _poll_timeout_ms(wait_ns)
        exit_ready = exit_fd is None
        for fd, _events in poller.poll(timeout_ms):
            if fd == exit_fd:
                exit_ready = True
            elif not capture.read(fd):
                poller.unregister(fd)
                # The output usually ends when the command exits: look soon.
                poll_interval = _EXIT_POLL_MIN_NS
        if exit_ready and child.poll_exit():
            return False


class _OutputCapture:
    """Keeps the first ``cap`` bytes of each stream and drops the rest."""

    def __init__(self, cap: int) -> None:
        self._cap = max(cap, 0)
        self._kept: dict[int, bytearray] = {}
        self._open: set[int] = set()
        self._scratch = bytearray(READ_CHUNK_BYTES)
        self.fds: list[int] = []

    def add(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fds.append(fd)
        self._kept[fd] = bytearray()
        self._open.add(fd)

    def open_fds(self) -> list[int]:
        return [fd for fd in self.fds if fd in self._open]

    def read(self, fd: int) -> bool:
        """Read what is available from ``fd`` and return False at end of file."""
        try:
            count = os.readv(fd, [self._scratch])
        except BlockingIOError:
            return True
        if count == 0:
            self._close_fd(fd)
            return False
        kept = self._kept[fd]
        room = self._cap - len(kept)
        if room > 0:
            kept += memoryview(self._scratch)[: min(count, room)]
        return True

    def drain(self, grace_ns: int) -> None:
        """Read until every stream ends or ``grace_ns`` passes, then stop."""
        deadline = time.perf_counter_ns() + grace_ns
        poller = select.poll()
        for fd in self.open_fds():
            poller.register(fd, select.POLLIN)
        while self._open:
            remaining = deadline - time.perf_counter_ns()
            if remaining <= 0:
                logger.debug(
                    "output still open %d ms after the command ended; "
                    "a process outside its group probably holds it",
                    grace_ns // 1_000_000,
                )
                return
            for fd, _events in poller.poll(_poll_timeout_ms(remaining)):
                if not self.read(fd):
                    poller.unregister(fd)

    def output(self, fd: int) -> bytes:
        return bytes(self._kept[fd])

    def close(self) -> None:
        for fd in list(self._open):
            self._close_fd(fd)

    def _close_fd(self, fd: int) -> None:
        self._open.discard(fd)
        os.close(fd)


class _DirectChild:
    """The command started straight from Python and reaped with ``os.wait4``.

    After the command exits, the rest of its group gets SIGKILL so that
    background children never outlive the sample. On Linux this process is a
    child subreaper (see ``_become_child_subreaper``), so those killed members
    become its children and are reaped here.
    """

    def __init__(self, process: subprocess.Popen[bytes], start_ns: int) -> None:
        self._process = process
        self._start_ns = start_ns
        self.pid = process.pid
        # start_new_session makes the command a session and group leader.
        self.pgid: int | None = process.pid
        self.exit: _Exit | None = None
        self._pidfd = _open_pidfd(self.pid)

    @classmethod
    def start(
        cls,
        spec: CommandSpec,
        executable: str,
        env: dict[str, str],
        std_fds: tuple[int, int, int],
    ) -> _DirectChild:
        start_ns = time.perf_counter_ns()
        try:
            process = subprocess.Popen(
                spec.argv,
                executable=executable,
                stdin=std_fds[0],
                stdout=std_fds[1],
                stderr=std_fds[2],
                cwd=spec.cwd,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            stage = "chdir" if spec.cwd is not None and exc.filename == spec.cwd else ""
            raise _start_error(spec, exc.errno or 0, stage) from exc
        return cls(process, start_ns)

    def exit_fd(self) -> int | None:
        return self._pidfd

    def poll_exit(self) -> bool:
        return self._reap(os.WNOHANG)

    def wait_exit(self) -> None:
        self._reap(0)

    def _reap(self, options: int) -> bool:
        if self.exit is not None:
            return True
        pid, status, usage = os.wait4(self.pid, options)
        if pid == 0:
            return False
        end_ns = time.perf_counter_ns()
        self._process.returncode = _return_code(status)
        cpu_us = _seconds_to_us(usage.ru_utime) + _seconds_to_us(usage.ru_stime)
        self.exit = _Exit(
            status=status,
            wall_ns=end_ns - self._start_ns,
            cpu_us=cpu_us,
            maxrss_raw=usage.ru_maxrss,
            major_faults=usage.ru_majflt,
            context_switches=usage.ru_nvcsw + usage.ru_nivcsw,
        )
        return True

    def kill_group(self) -> None:
        assert self.pgid is not None
        _kill_group(self.pgid)
        if self.exit is not None:
            _reap_group(self.pgid)

    def abort(self) -> None:
        self.kill_group()
        # ECHILD: an interrupt between wait4() and the recording of its
        # result in _reap left the command reaped but ``exit`` unset.
        with contextlib.suppress(ChildProcessError):
            self.wait_exit()
        self.kill_group()

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self.exit is None:
            self.abort()


class _HelperChild:
    """The command started by the spawn helper, which reports its rusage.

    The helper is a session leader in a group of its own and the command is
    in a second group, so killing the command's group leaves the helper alive
    to reap the command and write its report.

    Where the OS has pidfds, this process sleeps on a pidfd of the helper
    while the command runs, and reads the helper's G line only when it needs
    the process group (to kill it) or with the final report. Waking up for
    the G line would compete with the command for a CPU inside the measured
    interval. On a 2-core Linux VM with a busy loop on one core, that added
    about 0.2 ms to the median wall time of `true`.
    """

    def __init__(
        self, process: subprocess.Popen[bytes], report_fd: int, spec: CommandSpec
    ) -> None:
        self._process = process
        self._report_fd = report_fd
        self._spec = spec
        self._buffer = bytearray()
        self._lines: list[list[bytes]] = []
        self._report_done = False
        # True once an R or E line reports that the helper reaped the command.
        self._command_reaped = False
        self._pidfd = _open_pidfd(process.pid)
        self.pgid: int | None = None
        self.exit: _Exit | None = None

    @classmethod
    def start(
        cls,
        spec: CommandSpec,
        executable: str,
        env: dict[str, str],
        std_fds: tuple[int, int, int],
        helper: str,
    ) -> _HelperChild:
        report_read, report_write = os.pipe()
        try:
            args = [helper, str(report_write), spec.cwd or "", executable, *spec.argv]
            try:
                process = subprocess.Popen(
                    args,
                    executable=helper,
                    stdin=std_fds[0],
                    stdout=std_fds[1],
                    stderr=std_fds[2],
                    env=env,
                    start_new_session=True,
                    pass_fds=(report_write,),
                )
            except OSError as exc:
                os.close(report_read)
                raise MeasureError(
                    f"cannot start the spawn helper {helper!r}: {exc.strerror} "
                    f"(delete it to rebuild it, or set {_HELPER_OFF} to measure "
                    "without it)"
                ) from exc
        finally:
            os.close(report_write)
        os.set_blocking(report_read, False)
        child = cls(process, report_read, spec)
        if child._pidfd is None:
            # The report pipe is the exit signal, so take the G line first.
            try:
                child._await_group()
            except BaseException:
                child.abort()
                child.close()
                raise
        return child

    def exit_fd(self) -> int | None:
        if self._report_done:
            return None
        # The helper exits right after it writes its report.
        return self._report_fd if self._pidfd is None else self._pidfd

    def poll_exit(self) -> bool:
        if not self._report_done:
            self._read_report()
        if not self._report_done:
            return False
        self._finish_report()
        return True

    def wait_exit(self) -> None:
        deadline = time.perf_counter_ns() + REAP_GRACE_NS
        while not self._report_done:
            remaining = deadline - time.perf_counter_ns()
            if remaining <= 0:
                self._kill_helper()
                raise MeasureError(
                    f"the spawn helper did not report on command "
                    f"{self._spec.argv[0]!r} after it was killed "
                    f"(retry, or set {_HELPER_OFF} to measure without it)"
                )
            self._wait_readable(remaining)
            self._read_report()
        self._finish_report()

    def kill_group(self) -> None:
        if self.pgid is None and not self._report_done:
            self._read_report()
            if self.pgid is None:
                self._await_group_quietly()
        # After an R line the helper has already killed and reaped the group.
        if self.pgid is not None and not self._command_reaped:
            _kill_group(self.pgid)

    def abort(self) -> None:
        if self.pgid is None and not self._report_done:
            self._await_group_quietly()
        if self.pgid is not None and not self._command_reaped:
            _kill_group(self.pgid)
        deadline = time.perf_counter_ns() + REAP_GRACE_NS
        while not self._report_done and time.perf_counter_ns() < deadline:
            self._wait_readable(deadline - time.perf_counter_ns())
            self._read_report()
        self._kill_helper()
        if self.pgid is not None and not self._command_reaped:
            # The helper died before reaping: its orphans are ours to reap.
            _reap_group(self.pgid)

    def close(self) -> None:
        if self.exit is None and not self._command_reaped and self._report_fd >= 0:
            # An exception before supervision began: killing only the helper
            # would leave the command running.
            self.abort()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self._report_fd >= 0:
            os.close(self._report_fd)
            self._report_fd = -1
        if self._process.returncode is None:
            self._kill_helper()

    def _await_group(self) -> None:
        """Wait for the helper's G line, and raise for an F line or a silent exit."""
        deadline = time.perf_counter_ns() + HELPER_START_TIMEOUT_NS
        while self.pgid is None:
            if self._report_done:
                self._finish_report()
                raise MeasureError(
                    f"the spawn helper exited without starting "
                    f"{self._spec.argv[0]!r} (set {_HELPER_OFF} to measure without it)"
                )
            remaining = deadline - time.perf_counter_ns()
            if remaining <= 0:
                raise MeasureError(
                    f"the spawn helper did not start {self._spec.argv[0]!r} within "
                    f"{HELPER_START_TIMEOUT_NS // 1_000_000_000} s "
                    f"(check the machine's load, or set {_HELPER_OFF})"
                )
            self._wait_readable(remaining)
            self._read_report()

    def _await_group_quietly(self) -> None:
        with contextlib.suppress(MeasureError):
            self._await_group()

    def _wait_readable(self, timeout_ns: int) -> None:
        poller = select.poll()
        poller.register(self._report_fd, select.POLLIN)
        poller.poll(max(_poll_timeout_ms(timeout_ns), 0))

    def _read_report(self) -> None:
        while not self._report_done:
            try:
                chunk = os.read(self._report_fd, 4096)
            except BlockingIOError:
                return
            if not chunk:
                self._report_done = True
                self._reap_helper()
                return
            self._buffer += chunk
            while b"\n" in self._buffer:
                line, _, rest = bytes(self._buffer).partition(b"\n")
                self._buffer = bytearray(rest)
                self._take_line(line.split())

    def _take_line(self, fields: list[bytes]) -> None:
        if not fields:
            return
        if fields[0] == b"G" and len(fields) == 2:
            self.pgid = int(fields[1])
            return
        if fields[0] in (b"R", b"E"):
            self._command_reaped = True
        self._lines.append(fields)

    def _finish_report(self) -> None:
        """Turn the helper's final line into ``exit`` or a MeasureError."""
        if self.exit is not None:
            return
        for fields in self._lines:
            kind, values = fields[0], [int(value) for value in fields[1:]]
            if kind == b"R" and len(values) == 8:
                status, wall_ns, utime, stime, maxrss, majflt, nvcsw, nivcsw = values
                self.exit = _Exit(
                    status=status,
                    wall_ns=wall_ns,
                    cpu_us=utime + stime,
                    maxrss_raw=maxrss,
                    major_faults=majflt,
                    context_switches=nvcsw + nivcsw,
                )
                return
            if kind == b"E" and len(values) == 2:
                stage = "chdir" if values[0] == 1 else ""
                cause = OSError(values[1], os.strerror(values[1]))
                raise _start_error(self._spec, values[1], stage) from cause
            if kind == b"F" and len(values) == 1:
                raise MeasureError(
                    f"cannot start command {self._spec.argv[0]!r}: "
                    f"{os.strerror(values[0])} (check the process and memory limits)"
                )
        raise MeasureError(
            f"the spawn helper exited with status {self._process.returncode} "
            f"without a report on command {self._spec.argv[0]!r} "
            f"(something killed it; retry, or set {_HELPER_OFF})"
        )

    def _reap_helper(self) -> None:
        if self._process.returncode is not None:
            return
        try:
            _pid, status, _usage = os.wait4(self._process.pid, 0)
        except ChildProcessError:
            # Reaped by an earlier call that an interrupt stopped before it
            # recorded the status, which is lost.
            self._process.returncode = -1
            return
        self._process.returncode = _return_code(status)

    def _kill_helper(self) -> None:
        if self._process.returncode is None:
            _kill_group(self._process.pid)
            self._reap_helper()


def _to_result(
    exit: _Exit,
    timed_out: bool,
    stdout: bytes,
    stderr: bytes,
    *,
    max_rss_source: MaxRssSource,
) -> RunResult:
    signal_number: int | None = None
    if os.WIFSIGNALED(exit.status):
        exit_code = -1
        signal_number = os.WTERMSIG(exit.status)
    elif os.WIFEXITED(exit.status):
        exit_code = os.WEXITSTATUS(exit.status)
    else:
        exit_code = -1
    maxrss_kb = exit.maxrss_raw // 1024 if _IS_MACOS else exit.maxrss_raw
    return RunResult(
        wall_ns=exit.wall_ns,
        exit_code=exit_code,
        timed_out=timed_out,
        signal=signal_number,
        max_rss_kb=maxrss_kb,
        cpu_ms=exit.cpu_us // 1000,
        page_faults=exit.major_faults,
        ctx_switches=exit.context_switches,
        stdout=stdout,
        stderr=stderr,
        max_rss_source=max_rss_source,
    )


def _poll_timeout_ms(wait_ns: int) -> int:
    return min(math.ceil(wait_ns / 1_000_000), _MAX_POLL_MS)


def _return_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _seconds_to_us(seconds: float) -> int:
    # resource reports timevals as float seconds; round to undo float error.
    return round(seconds * 1_000_000)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:
        # Every member left runs as another user, e.g. a setuid program.
        logger.warning("cannot kill process group %d: permission denied", pgid)


def _reap_group(pgid: int) -> None:
    """Reap killed members of group ``pgid`` that are children of this process.

    Members become our children only when this process is a child subreaper.
    Gives up after REAP_GRACE_NS, leaving the rest to init.
    """
    deadline = time.perf_counter_ns() + REAP_GRACE_NS
    while True:
        try:
            pid, _status = os.waitpid(-pgid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.perf_counter_ns() >= deadline:
                logger.warning(
                    "members of process group %d survived SIGKILL for %d s",
                    pgid,
                    REAP_GRACE_NS // 1_000_000_000,
                )
                return
            time.sleep(0.001)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back during a step that must run to its end.

    The steps start a child or clean up after one. A handler that raised
    inside Popen(), after the fork, would lose the new child's pid, and one
    that raised halfway through cleanup would skip the kill of the process
    group, so the command would outlive perfgate. Signals that arrive
    meanwhile are raised again on exit. Handlers can be set only in the main
    thread, and only handlers that Python installed can be restored;
    otherwise nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def defer(signum: int, frame: object) -> None:
        pending.append(signum)

    previous: dict[signal.Signals, Any] = {}
    for interrupt in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(interrupt) is not None:
            previous[interrupt] = signal.signal(interrupt, defer)
    try:
        yield
    finally:
        for interrupt, handler in previous.items():
            signal.signal(interrupt, handler)
        for signum in pending:
            signal.raise_signal(signum)


def _open_pidfd(pid: int) -> int | None:
    """Return a pidfd that polls readable when ``pid`` exits (Linux 5.3+)."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        fd: int = pidfd_open(pid)
    except OSError:
        return None
    return fd


@functools.cache
def _become_child_subreaper() -> bool:
    """Make this process adopt orphaned descendants; return True on success.

    Linux only; runs once per process and the setting lasts for its life.
    Killed background children of a command are re-parented to the nearest
    subreaper. Without one they go to init, and an init that does not reap
    (as in some containers) leaves them as zombies that keep the process
    group alive.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        reason = os.strerror(ctypes.get_errno())
        logger.debug("prctl(PR_SET_CHILD_SUBREAPER) failed: %s", reason)
        return False
    return True


def _merged_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def _check_working_directory(cwd: str | None) -> None:
    if cwd is None:
        return
    if not os.path.exists(cwd):
        raise MeasureError(
            f"working directory not found: {cwd!r} (create it or fix the cwd setting)"
        )
    if not os.path.isdir(cwd):
        raise MeasureError(
            f"working directory is not a directory: {cwd!r} (fix the cwd setting)"
        )
    if not os.access(cwd, os.X_OK):
        raise MeasureError(
            f"working directory is not accessible: {cwd!r} (check its permissions)"
        )


def _resolve_executable(command: str, env: Mapping[str, str], cwd: str | None) -> str:
    """Return the path to execute for ``command``, searching PATH like execvp.

    A command containing '/' is used as given, relative to ``cwd`` when set.
    Otherwise the first executable regular file in the command's PATH wins.
    """
    if "/" in command:
        full = _in_directory(command, cwd)
        if os.path.isdir(full):
            raise MeasureError(
                f"command is a directory: {command!r} (give the path of a program)"
            )
        if not os.path.exists(full):
            raise MeasureError(
                f"command not found: {command!r} (check the path"
                + (f" relative to the working directory {cwd!r})" if cwd else ")")
            )
        if not os.access(full, os.X_OK):
            raise _not_executable(command)
        return command
    not_executable: str | None = None
    for directory in _search_path(env):
        candidate = os.path.join(directory or os.curdir, command)
        full = _in_directory(candidate, cwd)
        if not os.path.isfile(full):
            continue
        if os.access(full, os.X_OK):
            return candidate
        not_executable = not_executable or candidate
    if not_executable is not None:
        raise _not_executable(command)
    raise MeasureError(
        f"command not found: {command!r} (check the command name and PATH)"
    )


def _search_path(env: Mapping[str, str]) -> Sequence[str]:
    return os.get_exec_path(dict(env))


def _in_directory(path: str, cwd: str | None) -> str:
    return path if cwd is None or os.path.isabs(path) else os.path.join(cwd, path)


def _not_executable(command: str) -> MeasureError:
    return MeasureError(
        f"command is not executable: {command!r} "
        "(make it executable with chmod +x, or run it through its interpreter)"
    )


def _start_error(spec: CommandSpec, error_number: int, stage: str) -> MeasureError:
    reason = os.strerror(error_number)
    if stage == "chdir":
        return MeasureError(
            f"cannot change to working directory {spec.cwd!r} for command "
            f"{spec.argv[0]!r}: {reason} (fix the cwd setting)"
        )
    return MeasureError(
        f"cannot start command {spec.argv[0]!r}: {reason} "
        "(check that it is a program for this machine and that a script's "
        "#! line names an installed interpreter)"
    )
