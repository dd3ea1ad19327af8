"""Fakes of the ports, shipped in the package for tests of the upper layers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec

from perfgate.adapters.ports import CommandSpec, HostProbeOptions, RunResult
from perfgate.types.receipts import HostInfo

FIXED_TIMESTAMP = "2026-01-15T10:00:00Z"


class ScriptedRunner:
    """A ``ProcessRunner`` that returns prepared results and records each spec.

    ``script`` is either a sequence of results, returned in order, or a
    callable that receives each spec and returns its result (or raises, for
    example ``MeasureError``). Running past the end of a sequence raises
    ``AssertionError``, because the test prepared too few results.
    """

    def __init__(
        self, script: Iterable[RunResult] | Callable[[CommandSpec], RunResult]
    ) -> None:
        self._respond: Callable[[CommandSpec], RunResult] | None = None
        self._results: list[RunResult] = []
        if callable(script):
            self._respond = script
        else:
            self._results = list(script)
        self._next = 0
        self.specs: list[CommandSpec] = []

    @property
    def remaining(self) -> int:
        """Number of scripted results not yet returned (0 for a callable)."""
        return len(self._results) - self._next

    def run(self, spec: CommandSpec) -> RunResult:
        self.specs.append(spec)
        if self._respond is not None:
            return self._respond(spec)
        if self._next >= len(self._results):
            raise AssertionError(
                f"ScriptedRunner ran out of results after {len(self._results)} "
                f"runs; the latest command was {list(spec.argv)!r}"
            )
        result = self._results[self._next]
        self._next += 1
        return result


class FixedClock:
    """A ``Clock`` that returns the given timestamps in turn, repeating the last."""

    def __init__(self, *timestamps: str) -> None:
        self._timestamps = list(timestamps) or [FIXED_TIMESTAMP]
        self._next = 0

    def now_rfc3339(self) -> str:
        timestamp = self._timestamps[min(self._next, len(self._timestamps) - 1)]
        self._next += 1
        return timestamp


class FixedHostProbe:
    """A ``HostProbe`` that returns one ``HostInfo`` and records each request.

    ``hostname_hash`` is dropped when the options do not ask for it, as the
    real probe does.
    """

    def __init__(self, host: HostInfo | None = None) -> None:
        self.host = host or HostInfo(
            os="linux",
            arch="x86_64",
            cpu_count=2,
            memory_bytes=8 * 1024**3,
            hostname_hash="0" * 64,
        )
        self.requests: list[HostProbeOptions] = []

    def probe(self, options: HostProbeOptions) -> HostInfo:
        self.requests.append(options)
        if options.include_hostname_hash:
            return self.host
        return msgspec.structs.replace(self.host, hostname_hash=None)
