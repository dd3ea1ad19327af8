"""The v1 receipt formats: run, compare and report.

Optional fields default to ``None`` and are omitted when encoded, never
written as ``null``; a ``null`` on input reads as absent. Unknown fields are
accepted and dropped, so receipts from newer writers still load.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

RUN_SCHEMA = "perfgate.run.v1"
COMPARE_SCHEMA = "perfgate.compare.v1"
REPORT_SCHEMA = "perfgate.report.v1"
CONFIG_SCHEMA = "perfgate.config.v1"

U64_MAX = 2**64 - 1

# msgspec cannot express an upper bound above int64 in a constraint, so the
# decoder checks the u64 upper bound separately (see ``codec``).
U64 = Annotated[int, Meta(ge=0)]
U32 = Annotated[int, Meta(ge=0, le=2**32 - 1)]
I32 = Annotated[int, Meta(ge=-(2**31), le=2**31 - 1)]

MetricName = Literal[
    "cpu_ms",
    "ctx_switches",
    "max_rss_kb",
    "page_faults",
    "throughput_per_s",
    "wall_ms",
]
Direction = Literal["lower", "higher"]
Status = Literal["pass", "warn", "fail"]
Severity = Literal["warn", "fail"]


class _Record(Struct, kw_only=True, omit_defaults=True):
    """Base of every receipt struct: keyword construction, absent values omitted."""


class ToolInfo(_Record, kw_only=True):
    name: Annotated[str, Meta(description="Name of the writing tool, 'perfgate'.")]
    version: Annotated[str, Meta(description="Version of the writing tool.")]


class HostInfo(_Record, kw_only=True):
    os: Annotated[str, Meta(description="Operating system, e.g. 'linux', 'macos'.")]
    arch: Annotated[str, Meta(description="CPU architecture, e.g. 'x86_64'.")]
    cpu_count: Annotated[
        U32 | None, Meta(description="Logical CPUs; absent when unknown.")
    ] = None
    memory_bytes: Annotated[
        U64 | None, Meta(description="Total physical memory; absent when unknown.")
    ] = None
    hostname_hash: Annotated[
        str | None,
        Meta(
            description="SHA-256 of the hostname as 64 hex digits; "
            "present only when requested."
        ),
    ] = None


class RunMeta(_Record, kw_only=True):
    id: Annotated[str, Meta(description="Run identifier, a UUID4 for real runs.")]
    started_at: Annotated[str, Meta(description="Start time, RFC 3339 in UTC.")]
    ended_at: Annotated[str, Meta(description="End time, RFC 3339 in UTC.")]
    host: HostInfo


class BenchMeta(_Record, kw_only=True):
    name: Annotated[str, Meta(description="Bench name.")]
    cwd: Annotated[
        str | None, Meta(description="Working directory of the command.")
    ] = None
    command: Annotated[
        list[str], Meta(description="argv of the command; no shell parsing.")
    ]
    repeat: Annotated[U32, Meta(description="Measured iterations.")]
    warmup: Annotated[U32, Meta(description="Warmup iterations, excluded from stats.")]
    work_units: Annotated[
        U64 | None,
        Meta(description="Work units per iteration; enables throughput_per_s."),
    ] = None
    timeout_ms: Annotated[
        U64 | None, Meta(description="Per-iteration timeout in milliseconds.")
    ] = None


class Sample(_Record, kw_only=True):
    wall_ms: Annotated[
        U64, Meta(description="Wall time, truncated to whole milliseconds.")
    ]
    exit_code: Annotated[
        I32, Meta(description="Exit status; -1 when a signal ended the command.")
    ]
    warmup: Annotated[
        bool, Meta(description="True for warmup iterations, which stats ignore.")
    ] = False
    timed_out: Annotated[
        bool, Meta(description="True when the timeout stopped the command.")
    ] = False
    wall_ns: Annotated[
        U64 | None, Meta(description="The same wall time in nanoseconds.")
    ] = None
    max_rss_kb: Annotated[
        U64 | None, Meta(description="Peak resident set size in KiB (ru_maxrss).")
    ] = None
    cpu_ms: Annotated[
        U64 | None, Meta(description="User plus system CPU time in milliseconds.")
    ] = None
    page_faults: Annotated[
        U64 | None, Meta(description="Major page faults (ru_majflt).")
    ] = None
    ctx_switches: Annotated[
        U64 | None,
        Meta(description="Voluntary plus involuntary context switches."),
    ] = None
    stdout: Annotated[
        str | None,
        Meta(description="stdout up to the output cap, decoded as lossy UTF-8."),
    ] = None
    stderr: Annotated[
        str | None,
        Meta(description="stderr up to the output cap, decoded as lossy UTF-8."),
    ] = None


class U64Summary(_Record, kw_only=True):
    median: Annotated[
        U64,
        Meta(description="Median; for an even count, floor of the middle two's mean."),
    ]
    min: U64
    max: U64
    mean: float | None = None
    stddev: Annotated[
        float | None, Meta(description="Sample standard deviation (n - 1).")
    ] = None


class F64Summary(_Record, kw_only=True):
    median: Annotated[
        float,
        Meta(description="Median; for an even count, the mean of the middle two."),
    ]
    min: float
    max: float
    mean: float | None = None
    stddev: Annotated[
        float | None, Meta(description="Sample standard deviation (n - 1).")
    ] = None


class Stats(_Record, kw_only=True):
    wall_ms: Annotated[U64Summary, Meta(description="Wall time in milliseconds.")]
    wall_ns: Annotated[
        U64Summary | None, Meta(description="Wall time in nanoseconds.")
    ] = None
    max_rss_kb: U64Summary | None = None
    cpu_ms: U64Summary | None = None
    page_faults: U64Summary | None = None
    ctx_switches: U64Summary | None = None
    throughput_per_s: Annotated[
        F64Summary | None, Meta(description="Work units per second.")
    ] = None


class RunReceipt(_Record, kw_only=True):
    schema: Annotated[str, Meta(description="Always 'perfgate.run.v1'.")]
    tool: ToolInfo
    run: RunMeta
    bench: BenchMeta
    samples: Annotated[list[Sample], Meta(description="All iterations, warmups first.")]
    stats: Annotated[
        Stats, Meta(description="Summaries over the measured (non-warmup) samples.")
    ]


class CompareRef(_Record, kw_only=True):
    path: str | None = None
    run_id: str | None = None


class Budget(_Record, kw_only=True):
    threshold: Annotated[
        float, Meta(description="Fail threshold as a fraction (0.20 = 20 %).")
    ]
    warn_threshold: Annotated[float, Meta(description="Warn threshold as a fraction.")]
    direction: Annotated[
        Direction, Meta(description="Which way is better: lower or higher.")
    ]


class Delta(_Record, kw_only=True):
    baseline: float
    current: float
    ratio: Annotated[float, Meta(description="current / baseline")]
    pct: Annotated[float, Meta(description="(current - baseline) / baseline")]
    regression: Annotated[
        float, Meta(description="The change in the worse direction, >= 0.")
    ]
    status: Status


class VerdictCounts(_Record, kw_only=True):
    pass_: Annotated[U32, Meta(description="Metrics that passed.")] = msgspec.field(
        name="pass"
    )
    warn: U32
    fail: U32


class Verdict(_Record, kw_only=True):
    status: Status
    counts: VerdictCounts
    reasons: Annotated[
        list[str],
        Meta(description="One '<metric>_warn' or '<metric>_fail' per such metric."),
    ]


class CompareReceipt(_Record, kw_only=True):
    schema: Annotated[str, Meta(description="Always 'perfgate.compare.v1'.")]
    tool: ToolInfo
    bench: BenchMeta
    baseline_ref: CompareRef
    current_ref: CompareRef
    budgets: dict[MetricName, Budget]
    deltas: dict[MetricName, Delta]
    verdict: Verdict


class FindingData(_Record, kw_only=True):
    metric_name: MetricName
    baseline: float
    current: float
    regression_pct: Annotated[
        float, Meta(description="Regression in percent (regression * 100).")
    ]
    threshold: Annotated[float, Meta(description="Fail threshold as a fraction.")]
    direction: Direction


class Finding(_Record, kw_only=True):
    check_id: Annotated[str, Meta(description="'perf.budget' or 'perf.baseline'.")]
    code: Annotated[str, Meta(description="'metric_warn', 'metric_fail' or 'missing'.")]
    severity: Severity
    message: str
    data: FindingData | None = None


class ReportSummary(_Record, kw_only=True):
    pass_count: U32
    warn_count: U32
    fail_count: U32
    total_count: U32


class ReportReceipt(_Record, kw_only=True):
    report_type: Annotated[str, Meta(description="Always 'perfgate.report.v1'.")]
    verdict: Verdict
    compare: Annotated[
        CompareReceipt | None,
        Meta(description="The compare receipt; absent when there is no baseline."),
    ] = None
    findings: list[Finding]
    summary: ReportSummary
