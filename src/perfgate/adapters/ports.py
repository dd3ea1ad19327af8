"""The three ports of the application: process runner, host probe and clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from perfgate.types.receipts import HostInfo, MaxRssSource

DEFAULT_OUTPUT_CAP_BYTES = 8192


@dataclass(frozen=True)
class CommandSpec:
    """One execution of a command, as the runner receives it."""

    argv: tuple[str, ...]
    cwd: str | None = None
    # Variables added to (or replacing those in) perfgate's own environment.
    env: Mapping[str, str] = field(default_factory=dict)
    timeout_ns: int | None = None
    # Bytes of stdout and of stderr kept, each; the rest is read and dropped.
    output_cap_bytes: int = DEFAULT_OUTPUT_CAP_BYTES


@dataclass(frozen=True)
class RunResult:
    """The measurements of one execution. Optional values are None when unknown."""

    wall_ns: int
    # The exit status, or -1 when a signal ended the command.
    exit_code: int
    timed_out: bool = False
    # Number of the signal that ended the command, when one did.
    signal: int | None = None
    max_rss_kb: int | None = None
    cpu_ms: int | None = None
    page_faults: int | None = None
    ctx_switches: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    # How max_rss_kb was measured: "spawn_helper" (the command's own peak)
    # or "direct_child" (on Linux it includes the parent's peak). None when
    # the runner does not report it.
    max_rss_source: MaxRssSource | None = None


class ProcessRunner(Protocol):
    """Runs one command and measures it."""

    def run(self, spec: CommandSpec) -> RunResult:
        """Run ``spec`` once; raise ``MeasureError`` if it cannot be started."""
        ...


@dataclass(frozen=True)
class HostProbeOptions:
    include_hostname_hash: bool = False


class HostProbe(Protocol):
    """Describes the machine that runs the benchmarks."""

    def probe(self, options: HostProbeOptions) -> HostInfo: ...


class Clock(Protocol):
    """Wall-clock time for receipt timestamps (not for measurements)."""

    def now_rfc3339(self) -> str:
        """Return the current time in UTC as RFC 3339, e.g. 2026-01-15T10:00:00Z."""
        ...
