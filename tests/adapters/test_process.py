"""Tests of PosixProcessRunner with real commands, on both spawning paths."""

from __future__ import annotations

import os
import resource
import signal
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from perfgate.adapters import process, spawn_helper
from perfgate.adapters.ports import CommandSpec
from perfgate.adapters.process import PosixProcessRunner
from perfgate.types.errors import MeasureError

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the runner is POSIX only"
)

SECOND_NS = 1_000_000_000
IS_LINUX = sys.platform.startswith("linux")


@pytest.fixture(scope="session")
def helper_path(tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """Compile the spawn helper once into a temporary folder."""
    return spawn_helper.build_spawn_helper(
        tmp_path_factory.mktemp("helper") / "spawn-helper"
    )


@pytest.fixture(params=["direct", "direct-polling", "helper", "helper-polling"])
def runner(
    request: pytest.FixtureRequest,
    helper_path: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> PosixProcessRunner:
    """Return a runner for each spawning path.

    The "-polling" variants run without a pidfd, as on macOS and on Linux
    before 5.3: the direct path finds the exit by polling wait4, and the
    helper path by reading the helper's report pipe.
    """
    if request.param.endswith("-polling"):
        monkeypatch.setattr(process, "_open_pidfd", lambda _pid: None)
    if request.param.startswith("direct"):
        return PosixProcessRunner(use_helper=False)
    if helper_path is None:
        pytest.skip("no C compiler, so the spawn helper cannot be built")
    return PosixProcessRunner(helper_path=helper_path)


def shell(script: str, **options: Any) -> CommandSpec:
    return CommandSpec(argv=("sh", "-c", script), **options)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd" if IS_LINUX else "/dev/fd"))


def child_pids() -> set[int]:
    """Return the pids of this process's children, zombies included (Linux)."""
    children: set[int] = set()
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            children.add(int(entry))
    return children


def assert_group_gone(pgid: int | None) -> None:
    assert pgid is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """Check that a test leaves no open descriptor and no child process."""
    fds_before = open_fds()
    children_before = child_pids() if IS_LINUX else set()
    yield
    assert open_fds() == fds_before
    if IS_LINUX:
        assert child_pids() == children_before


# --- exit status and signals ------------------------------------------------


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("code", [0, 1, 3, 255])
def test_exit_code_passthrough(runner: PosixProcessRunner, code: int) -> None:
    result = runner.run(shell(f"exit {code}"))
    assert result.exit_code == code
    assert result.signal is None
    assert result.timed_out is False


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(
    "signal_number", [signal.SIGKILL, signal.SIGSEGV, signal.SIGTERM]
)
def test_signal_death_gives_minus_one(
    runner: PosixProcessRunner, signal_number: int
) -> None:
    result = runner.run(shell(f"kill -{int(signal_number)} $$"))
    assert result.exit_code == -1
    assert result.signal == signal_number
    assert result.timed_out is False


# --- timeouts and process groups ---------------------------------------------


@pytest.mark.usefixtures("no_leaks")
def test_timeout_kills_grandchildren(runner: PosixProcessRunner) -> None:
    started = time.monotonic()
    result = runner.run(shell("echo $$; sleep 60 & sleep 60", timeout_ns=SECOND_NS))
    elapsed = time.monotonic() - started
    assert elapsed < 3.0
    assert result.timed_out is True
    assert result.exit_code == -1
    assert result.signal == signal.SIGKILL
    assert result.wall_ns >= SECOND_NS * 9 // 10
    assert result.stdout == f"{runner.last_pgid}\n".encode()
    assert_group_gone(runner.last_pgid)


@pytest.mark.usefixtures("no_leaks")
def test_timeout_after_output_closed(runner: PosixProcessRunner) -> None:
    started = time.monotonic()
    result = runner.run(shell("exec >&- 2>&-; sleep 60", timeout_ns=SECOND_NS // 2))
    assert time.monotonic() - started < 3.0
    assert result.timed_out is True
    assert_group_gone(runner.last_pgid)


@pytest.mark.usefixtures("no_leaks")
def test_tiny_timeout_still_kills(runner: PosixProcessRunner) -> None:
    started = time.monotonic()
    result = runner.run(shell("sleep 30", timeout_ns=1))
    assert time.monotonic() - started < 3.0
    assert result.timed_out is True
    assert_group_gone(runner.last_pgid)


def test_fast_command_under_timeout(runner: PosixProcessRunner) -> None:
    result = runner.run(CommandSpec(argv=("true",), timeout_ns=30 * SECOND_NS))
    assert result.timed_out is False
    assert result.exit_code == 0


def test_timeout_beyond_poll_range(runner: PosixProcessRunner) -> None:
    # 700 hours is more milliseconds than poll() accepts in a C int.
    result = runner.run(CommandSpec(argv=("true",), timeout_ns=700 * 3600 * SECOND_NS))
    assert result.timed_out is False
    assert result.exit_code == 0


@pytest.mark.usefixtures("no_leaks")
def test_background_child_holding_stdout(runner: PosixProcessRunner) -> None:
    started = time.monotonic()
    result = runner.run(shell("sleep 5 & echo started"))
    elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert result.stdout == b"started\n"
    assert result.exit_code == 0
    assert result.wall_ns < SECOND_NS
    assert_group_gone(runner.last_pgid)


@pytest.mark.usefixtures("no_leaks")
def test_background_child_killed_after_exit(runner: PosixProcessRunner) -> None:
    result = runner.run(shell("sleep 60 >/dev/null 2>&1 & echo $$"))
    assert result.stdout == f"{runner.last_pgid}\n".encode()
    assert_group_gone(runner.last_pgid)


def test_command_leads_its_own_group(runner: PosixProcessRunner) -> None:
    result = runner.run(shell("ps -o pgid= -p $$"))
    assert int(result.stdout) == runner.last_pgid
    assert runner.last_pgid != os.getpgrp()


# --- interruption ---------------------------------------------------------------


class Interrupted(Exception):
    """An exception like the one a CLI's SIGTERM handler raises."""


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(
    ("exception", "script"),
    [
        (KeyboardInterrupt, "sleep 60 & sleep 60"),
        (Interrupted, "head -c 2000000000 /dev/zero & sleep 60"),
    ],
)
def test_interrupt_kills_group(
    runner: PosixProcessRunner, exception: type[BaseException], script: str
) -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise exception

    previous = signal.signal(signal.SIGALRM, handler)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(exception):
            runner.run(shell(script))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 5.0
    assert_group_gone(runner.last_pgid)


# --- output capture ------------------------------------------------------------


@pytest.mark.usefixtures("no_leaks")
def test_output_cap_on_both_streams(runner: PosixProcessRunner) -> None:
    script = "head -c 100000 /dev/zero; head -c 70000 /dev/zero >&2; echo done"
    result = runner.run(shell(script, output_cap_bytes=1000))
    assert len(result.stdout) == 1000
    assert len(result.stderr) == 1000
    assert result.stdout == b"\0" * 1000
    assert result.exit_code == 0


def test_output_under_cap_kept_whole(runner: PosixProcessRunner) -> None:
    result = runner.run(shell("printf out; printf err >&2", output_cap_bytes=8192))
    assert result.stdout == b"out"
    assert result.stderr == b"err"


def test_output_cap_exact_boundary(runner: PosixProcessRunner) -> None:
    result = runner.run(shell("printf 0123456789", output_cap_bytes=10))
    assert result.stdout == b"0123456789"
    shorter = runner.run(shell("printf 0123456789", output_cap_bytes=9))
    assert shorter.stdout == b"012345678"


def test_zero_cap_keeps_nothing(runner: PosixProcessRunner) -> None:
    result = runner.run(shell("echo out; echo err >&2", output_cap_bytes=0))
    assert result.stdout == b""
    assert result.stderr == b""
    assert result.exit_code == 0


def peak_rss_kb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(
    ("script", "stream"),
    [
        ("head -c 500000000 /dev/zero", "stdout"),
        ("head -c 200000000 /dev/zero >&2", "stderr"),
    ],
)
def test_flood_keeps_memory_bounded(
    runner: PosixProcessRunner, script: str, stream: str
) -> None:
    # ru_maxrss is a high-water mark: buffering the flood would raise it by
    # hundreds of MB whatever earlier tests left behind.
    before = peak_rss_kb()
    result = runner.run(shell(script, output_cap_bytes=4096))
    growth_kb = peak_rss_kb() - before
    assert result.exit_code == 0
    assert len(getattr(result, stream)) == 4096
    assert growth_kb < 30_000


def test_invalid_utf8_passes_through(runner: PosixProcessRunner) -> None:
    result = runner.run(shell(r"printf '\377\376abc\200'; printf '\303' >&2"))
    assert result.stdout == b"\xff\xfeabc\x80"
    assert result.stderr == b"\xc3"


# --- environment, cwd and stdin -------------------------------------------------


def test_cwd_is_applied(runner: PosixProcessRunner, tmp_path: Path) -> None:
    result = runner.run(CommandSpec(argv=("pwd", "-P"), cwd=str(tmp_path)))
    assert result.stdout.decode() == f"{tmp_path.resolve()}\n"


def test_relative_command_uses_cwd(runner: PosixProcessRunner, tmp_path: Path) -> None:
    script = tmp_path / "hello.sh"
    script.write_text("#!/bin/sh\necho hello\n")
    script.chmod(0o755)
    result = runner.run(CommandSpec(argv=("./hello.sh",), cwd=str(tmp_path)))
    assert result.stdout == b"hello\n"


def test_env_is_merged_over_environ(
    runner: PosixProcessRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFGATE_TEST_INHERITED", "inherited")
    monkeypatch.setenv("PERFGATE_TEST_REPLACED", "old")
    spec = shell(
        'printf "%s,%s,%s" "$PERFGATE_TEST_INHERITED" "$PERFGATE_TEST_REPLACED" '
        '"$PERFGATE_TEST_ADDED"',
        env={"PERFGATE_TEST_REPLACED": "new", "PERFGATE_TEST_ADDED": "added"},
    )
    result = runner.run(spec)
    assert result.stdout == b"inherited,new,added"
    assert os.environ["PERFGATE_TEST_REPLACED"] == "old"


def test_path_from_spec_env_is_searched(
    runner: PosixProcessRunner, tmp_path: Path
) -> None:
    tool = tmp_path / "perfgate-test-tool"
    tool.write_text("#!/bin/sh\necho found\n")
    tool.chmod(0o755)
    path = f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"
    result = runner.run(CommandSpec(argv=("perfgate-test-tool",), env={"PATH": path}))
    assert result.stdout == b"found\n"


def test_stdin_is_dev_null(runner: PosixProcessRunner) -> None:
    started = time.monotonic()
    result = runner.run(CommandSpec(argv=("cat",), timeout_ns=10 * SECOND_NS))
    assert time.monotonic() - started < 5.0
    assert result.timed_out is False
    assert result.stdout == b""
    assert result.exit_code == 0


@pytest.mark.skipif(not IS_LINUX, reason="reads /proc")
def test_stdin_links_to_dev_null(runner: PosixProcessRunner) -> None:
    result = runner.run(CommandSpec(argv=("readlink", "/proc/self/fd/0")))
    assert result.stdout == b"/dev/null\n"


@pytest.mark.skipif(not IS_LINUX, reason="reads /proc")
def test_no_extra_fds_inherited(runner: PosixProcessRunner) -> None:
    result = runner.run(CommandSpec(argv=("ls", "/proc/self/fd")))
    # 0, 1, 2 and the descriptor ls opens to list the folder.
    assert len(result.stdout.split()) <= 4


# --- start errors ----------------------------------------------------------------


@pytest.mark.usefixtures("no_leaks")
def test_missing_command_message(runner: PosixProcessRunner) -> None:
    with pytest.raises(MeasureError) as caught:
        runner.run(CommandSpec(argv=("perfgate-no-such-command",)))
    message = str(caught.value)
    assert "command not found: 'perfgate-no-such-command'" in message
    assert "PATH" in message
    assert "\n" not in message


@pytest.mark.usefixtures("no_leaks")
def test_missing_path_message(runner: PosixProcessRunner, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    with pytest.raises(MeasureError, match=r"command not found: '.*missing'"):
        runner.run(CommandSpec(argv=(missing,)))


@pytest.mark.usefixtures("no_leaks")
def test_not_executable_message(runner: PosixProcessRunner, tmp_path: Path) -> None:
    script = tmp_path / "plain.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with pytest.raises(MeasureError, match=r"command is not executable: '.*plain\.sh'"):
        runner.run(CommandSpec(argv=(str(script),)))


@pytest.mark.usefixtures("no_leaks")
def test_directory_command_message(runner: PosixProcessRunner, tmp_path: Path) -> None:
    with pytest.raises(MeasureError, match="command is a directory"):
        runner.run(CommandSpec(argv=(str(tmp_path),)))


@pytest.mark.usefixtures("no_leaks")
def test_missing_cwd_message(runner: PosixProcessRunner, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    with pytest.raises(MeasureError) as caught:
        runner.run(CommandSpec(argv=("true",), cwd=missing))
    assert f"working directory not found: {missing!r}" in str(caught.value)


@pytest.mark.usefixtures("no_leaks")
def test_file_as_cwd_message(runner: PosixProcessRunner, tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(MeasureError, match="working directory is not a directory"):
        runner.run(CommandSpec(argv=("true",), cwd=str(file)))


@pytest.mark.usefixtures("no_leaks")
def test_exec_format_error_chains_oserror(
    runner: PosixProcessRunner, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x7fELF not really a program")
    garbage.chmod(0o755)
    with pytest.raises(MeasureError) as caught:
        runner.run(CommandSpec(argv=(str(garbage),)))
    assert "cannot start command" in str(caught.value)
    assert "garbage" in str(caught.value)
    assert isinstance(caught.value.__cause__, OSError)


@pytest.mark.usefixtures("no_leaks")
def test_missing_interpreter_message(
    runner: PosixProcessRunner, tmp_path: Path
) -> None:
    script = tmp_path / "orphan.sh"
    script.write_text("#!/nonexistent/interpreter\n")
    script.chmod(0o755)
    with pytest.raises(MeasureError, match=r"cannot start command '.*orphan\.sh'"):
        runner.run(CommandSpec(argv=(str(script),)))


def test_empty_argv_rejected(runner: PosixProcessRunner) -> None:
    with pytest.raises(MeasureError, match="empty command"):
        runner.run(CommandSpec(argv=()))


# --- measurements ---------------------------------------------------------------


def test_wall_time_plausible(runner: PosixProcessRunner) -> None:
    result = runner.run(CommandSpec(argv=("sleep", "0.2")))
    assert SECOND_NS // 5 <= result.wall_ns < 2 * SECOND_NS


def test_rusage_fields_plausible(runner: PosixProcessRunner) -> None:
    program = "b = bytearray(50_000_000)\nx = 0\nfor i in range(3_000_000): x += i"
    result = runner.run(CommandSpec(argv=(sys.executable, "-c", program)))
    assert result.exit_code == 0
    assert result.max_rss_kb is not None
    assert result.max_rss_kb >= 40_000
    assert result.cpu_ms is not None
    assert result.cpu_ms >= 50
    assert result.page_faults is not None
    assert result.page_faults >= 0
    assert result.ctx_switches is not None
    assert result.ctx_switches >= 0


@pytest.mark.skipif(not IS_LINUX, reason="the RSS floor is a Linux exec effect")
def test_helper_keeps_rss_floor_small(helper_path: str | None) -> None:
    if helper_path is None:
        pytest.skip("no C compiler, so the spawn helper cannot be built")
    with_helper = PosixProcessRunner(helper_path=helper_path).run(
        CommandSpec(argv=("true",))
    )
    direct = PosixProcessRunner(use_helper=False).run(CommandSpec(argv=("true",)))
    assert with_helper.max_rss_kb is not None
    assert direct.max_rss_kb is not None
    # `true` needs about 1 MB; the direct path inherits this process's peak.
    assert with_helper.max_rss_kb < 5_000
    assert direct.max_rss_kb >= peak_rss_kb() // 2


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfds")
@pytest.mark.usefixtures("no_leaks")
def test_helper_group_read_when_needed(helper_path: str | None) -> None:
    if helper_path is None:
        pytest.skip("no C compiler, so the spawn helper cannot be built")
    spec = shell("sleep 60")
    with open(os.devnull, "rb") as stdin, open(os.devnull, "wb") as sink:
        std_fds = (stdin.fileno(), sink.fileno(), sink.fileno())
        child = process._HelperChild.start(spec, "/bin/sh", {}, std_fds, helper_path)
    try:
        # Nothing woke this process for the G line while the command runs.
        assert child.pgid is None
        child.kill_group()
        assert child.pgid is not None
        child.wait_exit()
        assert child.exit is not None
        assert os.WIFSIGNALED(child.exit.status)
        assert_group_gone(child.pgid)
    finally:
        child.close()


# --- helper lookup and fallback -------------------------------------------------


@pytest.mark.usefixtures("no_leaks")
def test_helper_killed_by_command_is_reported(helper_path: str | None) -> None:
    if helper_path is None:
        pytest.skip("no C compiler, so the spawn helper cannot be built")
    runner = PosixProcessRunner(helper_path=helper_path)
    with pytest.raises(MeasureError, match="spawn helper exited"):
        runner.run(shell("kill -9 $PPID; sleep 60"))
    assert_group_gone(runner.last_pgid)


@pytest.fixture
def fresh_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Isolate find_spawn_helper: empty cache, no prebuilt helper, no override."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(spawn_helper.OVERRIDE_VARIABLE, raising=False)
    monkeypatch.setattr(spawn_helper, "PREBUILT_HELPER", tmp_path / "absent")
    spawn_helper.find_spawn_helper.cache_clear()
    yield
    spawn_helper.find_spawn_helper.cache_clear()


@pytest.mark.usefixtures("fresh_lookup")
def test_override_off_disables_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(spawn_helper.OVERRIDE_VARIABLE, "off")
    assert PosixProcessRunner().uses_helper is False


@pytest.mark.usefixtures("fresh_lookup")
def test_override_path_is_used(
    monkeypatch: pytest.MonkeyPatch, helper_path: str | None
) -> None:
    if helper_path is None:
        pytest.skip("no C compiler, so the spawn helper cannot be built")
    monkeypatch.setenv(spawn_helper.OVERRIDE_VARIABLE, helper_path)
    assert spawn_helper.find_spawn_helper() == helper_path
    assert PosixProcessRunner().uses_helper is True


@pytest.mark.usefixtures("fresh_lookup")
def test_find_helper_builds_into_cache(tmp_path: Path) -> None:
    if spawn_helper.find_compiler() is None:
        pytest.skip("no C compiler")
    found = spawn_helper.find_spawn_helper()
    assert found is not None
    assert Path(found).parent == tmp_path / "perfgate"
    assert os.access(found, os.X_OK)
    modified = os.stat(found).st_mtime_ns
    spawn_helper.find_spawn_helper.cache_clear()
    assert spawn_helper.find_spawn_helper() == found
    assert os.stat(found).st_mtime_ns == modified


@pytest.mark.usefixtures("fresh_lookup")
def test_no_compiler_falls_back_to_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", "perfgate-no-such-compiler")
    runner = PosixProcessRunner()
    assert runner.uses_helper is False
    result = runner.run(shell("echo ok"))
    assert result.stdout == b"ok\n"


def test_broken_compiler_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CC", "false")
    assert spawn_helper.build_spawn_helper(tmp_path / "helper") is None
    assert list(tmp_path.iterdir()) == []


def test_result_names_max_rss_source(runner: PosixProcessRunner) -> None:
    result = runner.run(shell("true"))
    expected = "spawn_helper" if runner.uses_helper else "direct_child"
    assert result.max_rss_source == expected
