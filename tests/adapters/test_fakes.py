"""Tests of the fake ports shipped for the upper layers' tests."""

from __future__ import annotations

import pytest

from perfgate.adapters.fakes import (
    FIXED_TIMESTAMP,
    FixedClock,
    FixedHostProbe,
    ScriptedRunner,
)
from perfgate.adapters.ports import CommandSpec, HostProbeOptions, RunResult
from perfgate.types.errors import MeasureError
from perfgate.types.receipts import HostInfo


def test_scripted_runner_returns_in_order() -> None:
    first = RunResult(wall_ns=1, exit_code=0)
    second = RunResult(wall_ns=2, exit_code=1, stdout=b"out")
    runner = ScriptedRunner([first, second])
    assert runner.remaining == 2
    assert runner.run(CommandSpec(argv=("a",))) is first
    assert runner.run(CommandSpec(argv=("b",))) is second
    assert runner.remaining == 0


def test_scripted_runner_records_specs() -> None:
    runner = ScriptedRunner([RunResult(wall_ns=1, exit_code=0)] * 2)
    spec = CommandSpec(argv=("echo", "hi"), cwd="/tmp", timeout_ns=5)
    runner.run(spec)
    runner.run(CommandSpec(argv=("true",)))
    assert runner.specs[0] is spec
    assert [s.argv for s in runner.specs] == [("echo", "hi"), ("true",)]


def test_scripted_runner_exhausted_raises() -> None:
    runner = ScriptedRunner([RunResult(wall_ns=1, exit_code=0)])
    runner.run(CommandSpec(argv=("true",)))
    with pytest.raises(AssertionError, match="ran out of results after 1 runs"):
        runner.run(CommandSpec(argv=("again",)))
    assert len(runner.specs) == 2


def test_scripted_runner_accepts_callable() -> None:
    def respond(spec: CommandSpec) -> RunResult:
        return RunResult(wall_ns=len(spec.argv), exit_code=0)

    runner = ScriptedRunner(respond)
    assert runner.run(CommandSpec(argv=("a", "b", "c"))).wall_ns == 3
    assert runner.remaining == 0
    assert len(runner.specs) == 1


def test_scripted_runner_callable_may_raise() -> None:
    def fail(spec: CommandSpec) -> RunResult:
        raise MeasureError(f"command not found: {spec.argv[0]!r}")

    runner = ScriptedRunner(fail)
    with pytest.raises(MeasureError, match="command not found: 'nope'"):
        runner.run(CommandSpec(argv=("nope",)))
    assert len(runner.specs) == 1


def test_scripted_runner_takes_generator() -> None:
    results = (RunResult(wall_ns=n, exit_code=0) for n in range(3))
    runner = ScriptedRunner(results)
    assert [runner.run(CommandSpec(argv=("x",))).wall_ns for _ in range(3)] == [0, 1, 2]


def test_fixed_clock_default() -> None:
    clock = FixedClock()
    assert clock.now_rfc3339() == FIXED_TIMESTAMP
    assert clock.now_rfc3339() == FIXED_TIMESTAMP


def test_fixed_clock_sequence_repeats_last() -> None:
    clock = FixedClock("2026-01-15T10:00:00Z", "2026-01-15T10:00:05Z")
    assert clock.now_rfc3339() == "2026-01-15T10:00:00Z"
    assert clock.now_rfc3339() == "2026-01-15T10:00:05Z"
    assert clock.now_rfc3339() == "2026-01-15T10:00:05Z"


def test_fixed_host_probe_hash_on_request() -> None:
    probe = FixedHostProbe()
    with_hash = probe.probe(HostProbeOptions(include_hostname_hash=True))
    without = probe.probe(HostProbeOptions())
    assert with_hash.hostname_hash == "0" * 64
    assert without.hostname_hash is None
    assert without.os == with_hash.os
    assert without.memory_bytes == with_hash.memory_bytes
    assert probe.requests == [
        HostProbeOptions(include_hostname_hash=True),
        HostProbeOptions(),
    ]


def test_fixed_host_probe_custom_host() -> None:
    custom = HostInfo(os="macos", arch="arm64")
    probe = FixedHostProbe(custom)
    assert probe.probe(HostProbeOptions(include_hostname_hash=True)) == custom
    assert probe.probe(HostProbeOptions()).cpu_count is None
