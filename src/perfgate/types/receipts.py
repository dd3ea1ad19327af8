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
# decoder checks the u64 upper bound separately (see ``codec``). The JSON
# Schema gets the bound from ``extra_json_schema``.
U64 = Annotated[int, Meta(ge=0, extra_json_schema={"maximum": U64_MAX})]
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
MaxRssSource = Literal["spawn_helper", "direct_child"]
Status = Literal["pass", "warn", "fail"]
Severity = Literal["warn", "fail"]


class _Record(Struct, kw_only=True, omit_defaults=True):
    """Base of every receipt struct: keyword construction, absent values omitted."""


class ToolInfo(_Record, kw_only=True):
    """The tool that wrote a receipt."""

    name: Annotated[str, Meta(description="Name of the writing tool, 'perfgate'.")]
    version: Annotated[str, Meta(description="Version of the writing tool.")]


class HostInfo(_Record, kw_only=True):
    """The machine that ran the command; informational only."""

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
    """Identity, time span and host of one run."""

    id: Annotated[str, Meta(description="Run identifier, a UUID4 for real runs.")]
    started_at: Annotated[str, Meta(description="Start time, RFC 3339 in UTC.")]
    ended_at: Annotated[str, Meta(description="End time, RFC 3339 in UTC.")]
    host: Annotated[HostInfo, Meta(description="The machine that ran the command.")]
    max_rss_source: Annotated[
        MaxRssSource | None,
        Meta(
            description="How max_rss_kb was measured: 'spawn_helper' (the "
            "command's own peak) or 'direct_child' (on Linux it includes the "
            "peak of the process that started the command). Absent when "
            "unknown, as in receipts of the Rust perfgate."
        ),
    ] = None


class BenchMeta(_Record, kw_only=True):
    """The measured command and its iteration settings."""

    name: Annotated[str, Meta(description="Bench name.")]
    cwd: Annotated[
        str | None, Meta(description="Working directory of the command.")
    ] = None
    command: Annotated[
        list[str], Meta(description="argv of the command; no shell parsing.")
    ]
    repeat: Annotated[
        int, Meta(ge=1, le=2**32 - 1, description="Measured iterations, at least 1.")
    ]
    warmup: Annotated[U32, Meta(description="Warmup iterations, excluded from stats.")]
    work_units: Annotated[
        U64 | None,
        Meta(description="Work units per iteration; enables throughput_per_s."),
    ] = None
    timeout_ms: Annotated[
        U64 | None, Meta(description="Per-iteration timeout in milliseconds.")
    ] = None


class Sample(_Record, kw_only=True):
    """One execution of the command."""

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
    """Median, range and spread of integer values."""

    median: Annotated[
        U64,
        Meta(description="Median; for an even count, floor of the middle two's mean."),
    ]
    min: Annotated[U64, Meta(description="Smallest value.")]
    max: Annotated[U64, Meta(description="Largest value.")]
    mean: Annotated[float | None, Meta(description="Arithmetic mean.")] = None
    stddev: Annotated[
        float | None, Meta(description="Sample standard deviation (n - 1).")
    ] = None


class F64Summary(_Record, kw_only=True):
    """Median, range and spread of non-negative float values."""

    # Rates cannot be negative, and a negative baseline would flip the sign
    # of every delta computed from it.
    median: Annotated[
        float,
        Meta(
            ge=0,
            description="Median; for an even count, the mean of the middle two.",
        ),
    ]
    min: Annotated[float, Meta(ge=0, description="Smallest value.")]
    max: Annotated[float, Meta(ge=0, description="Largest value.")]
    mean: Annotated[float | None, Meta(description="Arithmetic mean.")] = None
    stddev: Annotated[
        float | None, Meta(description="Sample standard deviation (n - 1).")
    ] = None


class Stats(_Record, kw_only=True):
    """Summaries over the measured samples; a metric no sample has is absent."""

    wall_ms: Annotated[U64Summary, Meta(description="Wall time in milliseconds.")]
    wall_ns: Annotated[
        U64Summary | None, Meta(description="Wall time in nanoseconds.")
    ] = None
    max_rss_kb: Annotated[
        U64Summary | None, Meta(description="Peak resident set size in KiB.")
    ] = None
    cpu_ms: Annotated[
        U64Summary | None, Meta(description="User plus system CPU time in ms.")
    ] = None
    page_faults: Annotated[
        U64Summary | None, Meta(description="Major page faults.")
    ] = None
    ctx_switches: Annotated[
        U64Summary | None, Meta(description="Context switches.")
    ] = None
    throughput_per_s: Annotated[
        F64Summary | None, Meta(description="Work units per second.")
    ] = None


class RunReceipt(_Record, kw_only=True):
    """A perfgate.run.v1 receipt: the samples of one command and their summaries."""

    schema: Annotated[
        str,
        Meta(
            description="Format id, always 'perfgate.run.v1'.",
            extra_json_schema={"const": RUN_SCHEMA},
        ),
    ]
    tool: Annotated[ToolInfo, Meta(description="The tool that wrote the receipt.")]
    run: Annotated[RunMeta, Meta(description="When and where the run happened.")]
    bench: Annotated[
        BenchMeta, Meta(description="The measured command and its settings.")
    ]
    samples: Annotated[list[Sample], Meta(description="All iterations, warmups first.")]
    stats: Annotated[
        Stats, Meta(description="Summaries over the measured (non-warmup) samples.")
    ]


class CompareRef(_Record, kw_only=True):
    """Origin of a compared run receipt: its path and run id."""

    path: Annotated[
        str | None, Meta(description="Path of the run receipt, as given.")
    ] = None
    run_id: Annotated[str | None, Meta(description="`run.id` of the run receipt.")] = (
        None
    )


class Budget(_Record, kw_only=True):
    """Fail and warn thresholds and the better direction of one metric."""

    threshold: Annotated[
        float, Meta(description="Fail threshold as a fraction (0.20 = 20 %).")
    ]
    warn_threshold: Annotated[float, Meta(description="Warn threshold as a fraction.")]
    direction: Annotated[
        Direction, Meta(description="Which way is better: lower or higher.")
    ]


class Delta(_Record, kw_only=True):
    """One metric's comparison."""

    baseline: Annotated[float, Meta(description="Median of the baseline run.")]
    current: Annotated[float, Meta(description="Median of the current run.")]
    ratio: Annotated[float, Meta(description="current / baseline")]
    pct: Annotated[float, Meta(description="(current - baseline) / baseline")]
    regression: Annotated[
        float, Meta(description="The change in the worse direction, >= 0.")
    ]
    status: Annotated[Status, Meta(description="The metric's result.")]


class VerdictCounts(_Record, kw_only=True):
    """Metrics per status."""

    pass_: Annotated[U32, Meta(description="Metrics that passed.")] = msgspec.field(
        name="pass"
    )
    warn: Annotated[U32, Meta(description="Metrics that warned.")]
    fail: Annotated[U32, Meta(description="Metrics that failed.")]


class Verdict(_Record, kw_only=True):
    """The overall result of a comparison."""

    status: Annotated[
        Status, Meta(description="fail if any metric fails, else warn if any warns.")
    ]
    counts: Annotated[VerdictCounts, Meta(description="Metrics per status.")]
    reasons: Annotated[
        list[str],
        Meta(description="One '<metric>_warn' or '<metric>_fail' per such metric."),
    ]


class CompareReceipt(_Record, kw_only=True):
    """A perfgate.compare.v1 receipt: budgets, deltas and verdict."""

    schema: Annotated[
        str,
        Meta(
            description="Format id, always 'perfgate.compare.v1'.",
            extra_json_schema={"const": COMPARE_SCHEMA},
        ),
    ]
    tool: Annotated[ToolInfo, Meta(description="The tool that wrote the receipt.")]
    bench: Annotated[
        BenchMeta, Meta(description="The bench, copied from the current run.")
    ]
    baseline_ref: Annotated[CompareRef, Meta(description="The baseline run.")]
    current_ref: Annotated[CompareRef, Meta(description="The current run.")]
    budgets: Annotated[
        dict[MetricName, Budget], Meta(description="Budget per gated metric.")
    ]
    deltas: Annotated[
        dict[MetricName, Delta], Meta(description="Result per gated metric.")
    ]
    verdict: Annotated[Verdict, Meta(description="The overall result.")]


class FindingData(_Record, kw_only=True):
    """The numbers behind a budget finding."""

    metric_name: Annotated[MetricName, Meta(description="The metric.")]
    baseline: Annotated[float, Meta(description="Median of the baseline run.")]
    current: Annotated[float, Meta(description="Median of the current run.")]
    regression_pct: Annotated[
        float, Meta(description="Regression in percent (regression * 100).")
    ]
    threshold: Annotated[float, Meta(description="Fail threshold as a fraction.")]
    direction: Annotated[
        Direction, Meta(description="Which way is better: lower or higher.")
    ]


class Finding(_Record, kw_only=True):
    """One problem found by a check."""

    check_id: Annotated[
        str,
        Meta(
            description="The check: 'perf.budget', 'perf.baseline', 'perf.run' "
            "or 'perf.compare'."
        ),
    ]
    code: Annotated[
        str,
        Meta(
            description="The finding: 'metric_warn' or 'metric_fail' (perf.budget), "
            "'missing' (perf.baseline), 'iteration_failed', 'command_failed' or "
            "'command_error' (perf.run), 'compare_error' (perf.compare)."
        ),
    ]
    severity: Annotated[Severity, Meta(description="warn or fail.")]
    message: Annotated[str, Meta(description="One line for people to read.")]
    data: Annotated[
        FindingData | None,
        Meta(description="The numbers behind a metric finding; absent otherwise."),
    ] = None


class ReportSummary(_Record, kw_only=True):
    """Metrics per status, and in total."""

    pass_count: Annotated[U32, Meta(description="Metrics that passed.")]
    warn_count: Annotated[U32, Meta(description="Metrics that warned.")]
    fail_count: Annotated[U32, Meta(description="Metrics that failed.")]
    total_count: Annotated[U32, Meta(description="Metrics compared.")]


class ReportReceipt(_Record, kw_only=True):
    """A perfgate.report.v1 envelope: verdict, comparison and findings."""

    report_type: Annotated[
        str,
        Meta(
            description="Format id, always 'perfgate.report.v1'.",
            extra_json_schema={"const": REPORT_SCHEMA},
        ),
    ]
    verdict: Annotated[
        Verdict,
        Meta(description="The verdict; warn with no_baseline when no baseline."),
    ]
    compare: Annotated[
        CompareReceipt | None,
        Meta(description="The compare receipt; absent when there is no baseline."),
    ] = None
    findings: Annotated[
        list[Finding],
        Meta(
            description="One finding per warn or fail metric, or the single "
            "missing-baseline finding."
        ),
    ]
    summary: Annotated[ReportSummary, Meta(description="Metrics per status.")]
