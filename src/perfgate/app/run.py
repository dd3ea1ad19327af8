"""The run use case: warmups, measured iterations, stats and the receipt."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from perfgate.adapters.ports import (
    DEFAULT_OUTPUT_CAP_BYTES,
    Clock,
    CommandSpec,
    HostProbe,
    HostProbeOptions,
    ProcessRunner,
    RunResult,
)
from perfgate.app.tool import TOOL
from perfgate.domain.stats import NS_PER_MS, compute_stats
from perfgate.types.receipts import (
    RUN_SCHEMA,
    BenchMeta,
    MaxRssSource,
    RunMeta,
    RunReceipt,
    Sample,
)


@dataclass(frozen=True)
class RunRequest:
    """One bench to measure: ``warmup`` iterations, then ``repeat`` measured ones."""

    name: str
    command: tuple[str, ...]
    repeat: int
    warmup: int = 0
    work_units: int | None = None
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    timeout_ns: int | None = None
    output_cap_bytes: int = DEFAULT_OUTPUT_CAP_BYTES
    include_hostname_hash: bool = False


@dataclass(frozen=True)
class RunOutcome:
    """The receipt, and one reason per iteration that failed or timed out."""

    receipt: RunReceipt
    failures: tuple[str, ...]


def _decode_output(data: bytes) -> str | None:
    # A cap can cut a multi-byte character; the replacement character marks it.
    return data.decode("utf-8", errors="replace") if data else None


def sample_from_result(result: RunResult, *, warmup: bool) -> Sample:
    """Turn one runner result into a receipt sample."""
    return Sample(
        wall_ms=result.wall_ns // NS_PER_MS,
        exit_code=result.exit_code,
        warmup=warmup,
        timed_out=result.timed_out,
        wall_ns=result.wall_ns,
        max_rss_kb=result.max_rss_kb,
        cpu_ms=result.cpu_ms,
        page_faults=result.page_faults,
        ctx_switches=result.ctx_switches,
        stdout=_decode_output(result.stdout),
        stderr=_decode_output(result.stderr),
    )


# Enough of the command's stderr to show why it failed, short enough to keep
# the failure on one line of a CI log.
STDERR_LINE_CHARS = 100


def _shorten(line: str) -> str:
    if len(line) > STDERR_LINE_CHARS:
        return line[: STDERR_LINE_CHARS - 1] + "…"
    return line


def stderr_summary(stderr: bytes) -> str | None:
    """Return the first and last non-empty stderr lines, shortened, or None.

    Tools usually put the error first and a hint last ("Try --help"), while
    a Python traceback ends with the exception, so both ends are shown.
    """
    text = stderr.decode("utf-8", errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    if len(lines) == 1:
        return repr(_shorten(lines[0]))
    return f"{_shorten(lines[0])!r} … {_shorten(lines[-1])!r}"


def describe_failure(result: RunResult, label: str, timeout_ns: int | None) -> str:
    """Return why one iteration failed, e.g. 'iteration 2 of 5: exit code 3'.

    The ends of the command's stderr follow, when it printed any, because
    they usually show the cause (a wrong flag, a missing file, a traceback).
    """
    if result.timed_out:
        limit = f" of {timeout_ns / 1e9:g}s" if timeout_ns is not None else ""
        reason = f"timed out (timeout{limit})"
    elif result.signal is not None:
        try:
            name = signal.Signals(result.signal).name
        except ValueError:
            name = f"signal {result.signal}"
        reason = f"killed by {name}"
    else:
        reason = f"exit code {result.exit_code}"
    summary = stderr_summary(result.stderr)
    if summary is not None and not result.timed_out:
        reason = f"{reason}, stderr: {summary}"
    return f"{label}: {reason}"


def run_bench(
    request: RunRequest,
    runner: ProcessRunner,
    host_probe: HostProbe,
    clock: Clock,
    *,
    new_run_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> RunOutcome:
    """Run the warmups and measured iterations and build the run receipt.

    Every iteration runs even after one fails, so the receipt shows all of
    them; ``failures`` lists each failed or timed-out iteration.
    """
    if request.repeat < 1:
        raise ValueError("repeat must be at least 1")
    spec = CommandSpec(
        argv=request.command,
        cwd=request.cwd,
        env=dict(request.env),
        timeout_ns=request.timeout_ns,
        output_cap_bytes=request.output_cap_bytes,
    )
    host = host_probe.probe(
        HostProbeOptions(include_hostname_hash=request.include_hostname_hash)
    )
    started_at = clock.now_rfc3339()

    samples: list[Sample] = []
    failures: list[str] = []
    sources: set[MaxRssSource] = set()
    total = request.warmup + request.repeat
    for index in range(total):
        is_warmup = index < request.warmup
        result = runner.run(spec)
        if result.max_rss_source is not None:
            sources.add(result.max_rss_source)
        samples.append(sample_from_result(result, warmup=is_warmup))
        if result.timed_out or result.exit_code != 0:
            if is_warmup:
                label = f"warmup {index + 1} of {request.warmup}"
            else:
                label = f"iteration {index - request.warmup + 1} of {request.repeat}"
            failures.append(describe_failure(result, label, request.timeout_ns))

    ended_at = clock.now_rfc3339()
    timeout_ms = None
    if request.timeout_ns is not None:
        timeout_ms = request.timeout_ns // NS_PER_MS
    receipt = RunReceipt(
        schema=RUN_SCHEMA,
        tool=TOOL,
        run=RunMeta(
            id=new_run_id(),
            started_at=started_at,
            ended_at=ended_at,
            host=host,
            # A runner that switched paths mid-run has no single source to record.
            max_rss_source=sources.pop() if len(sources) == 1 else None,
        ),
        bench=BenchMeta(
            name=request.name,
            cwd=request.cwd,
            command=list(request.command),
            repeat=request.repeat,
            warmup=request.warmup,
            work_units=request.work_units,
            timeout_ms=timeout_ms,
        ),
        samples=samples,
        stats=compute_stats(samples, request.work_units),
    )
    return RunOutcome(receipt=receipt, failures=tuple(failures))
