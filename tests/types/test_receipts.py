"""The v1 receipt structs: round trips, omitted optionals, forward compatibility."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from perfgate.types.codec import decode_compare, decode_report, decode_run, encode
from perfgate.types.receipts import (
    COMPARE_SCHEMA,
    REPORT_SCHEMA,
    RUN_SCHEMA,
    U64_MAX,
    BenchMeta,
    Budget,
    CompareReceipt,
    CompareRef,
    Delta,
    F64Summary,
    Finding,
    FindingData,
    HostInfo,
    ReportReceipt,
    ReportSummary,
    RunMeta,
    RunReceipt,
    Sample,
    Stats,
    ToolInfo,
    U64Summary,
    Verdict,
    VerdictCounts,
)

TOOL = ToolInfo(name="perfgate", version="0.1.0")
BENCH = BenchMeta(name="sort", command=["sort", "-n", "in.txt"], repeat=2, warmup=1)


def full_run() -> RunReceipt:
    """A run receipt with every optional field present."""
    return RunReceipt(
        schema=RUN_SCHEMA,
        tool=TOOL,
        run=RunMeta(
            id="0f8fad5b-d9cb-469f-a165-70867728950e",
            started_at="2026-01-15T10:00:00Z",
            ended_at="2026-01-15T10:00:05Z",
            host=HostInfo(
                os="linux",
                arch="x86_64",
                cpu_count=8,
                memory_bytes=U64_MAX,
                hostname_hash="ab" * 32,
            ),
        ),
        bench=BenchMeta(
            name="sort",
            cwd="/src",
            command=["sort", "-n", "in.txt"],
            repeat=2,
            warmup=1,
            work_units=1000,
            timeout_ms=30_000,
        ),
        samples=[
            Sample(wall_ms=9, exit_code=0, warmup=True, wall_ns=9_500_000),
            Sample(
                wall_ms=10,
                exit_code=0,
                wall_ns=10_250_000,
                max_rss_kb=2048,
                cpu_ms=9,
                page_faults=0,
                ctx_switches=3,
                stdout="ok\n",
                stderr="é\ufffd",
            ),
            Sample(
                wall_ms=12,
                exit_code=-1,
                timed_out=True,
                wall_ns=12_000_000,
                max_rss_kb=U64_MAX,
            ),
        ],
        stats=Stats(
            wall_ms=U64Summary(median=11, min=10, max=12, mean=11.0, stddev=1.4),
            wall_ns=U64Summary(median=11_125_000, min=10_250_000, max=12_000_000),
            max_rss_kb=U64Summary(median=2048, min=2048, max=U64_MAX),
            cpu_ms=U64Summary(median=9, min=9, max=9),
            page_faults=U64Summary(median=0, min=0, max=0),
            ctx_switches=U64Summary(median=3, min=3, max=3),
            throughput_per_s=F64Summary(
                median=90_000.5, min=83_333.3, max=97_561.0, mean=1.0, stddev=0.5
            ),
        ),
    )


def full_compare() -> CompareReceipt:
    return CompareReceipt(
        schema=COMPARE_SCHEMA,
        tool=TOOL,
        bench=BENCH,
        baseline_ref=CompareRef(path="base.json", run_id="b"),
        current_ref=CompareRef(run_id="c"),
        budgets={
            "max_rss_kb": Budget(threshold=0.2, warn_threshold=0.18, direction="lower"),
            "wall_ms": Budget(threshold=0.1, warn_threshold=0.05, direction="lower"),
        },
        deltas={
            "max_rss_kb": Delta(
                baseline=1000.0,
                current=1000.0,
                ratio=1.0,
                pct=0.0,
                regression=0.0,
                status="pass",
            ),
            "wall_ms": Delta(
                baseline=100.0,
                current=125.0,
                ratio=1.25,
                pct=0.25,
                regression=0.25,
                status="fail",
            ),
        },
        verdict=Verdict(
            status="fail",
            counts=VerdictCounts(pass_=1, warn=0, fail=1),
            reasons=["wall_ms_fail"],
        ),
    )


def full_report() -> ReportReceipt:
    compare = full_compare()
    return ReportReceipt(
        report_type=REPORT_SCHEMA,
        verdict=compare.verdict,
        compare=compare,
        findings=[
            Finding(
                check_id="perf.budget",
                code="metric_fail",
                severity="fail",
                message="wall_ms regressed by 25.00%",
                data=FindingData(
                    metric_name="wall_ms",
                    baseline=100.0,
                    current=125.0,
                    regression_pct=25.0,
                    threshold=0.1,
                    direction="lower",
                ),
            )
        ],
        summary=ReportSummary(pass_count=1, warn_count=0, fail_count=1, total_count=2),
    )


def test_run_receipt_round_trips() -> None:
    receipt = full_run()
    assert decode_run(encode(receipt), "run.json") == receipt


def test_compare_receipt_round_trips() -> None:
    receipt = full_compare()
    assert decode_compare(encode(receipt), "compare.json") == receipt


def test_report_receipt_round_trips() -> None:
    receipt = full_report()
    assert decode_report(encode(receipt), "report.json") == receipt


def test_report_without_compare_round_trips() -> None:
    receipt = ReportReceipt(
        report_type=REPORT_SCHEMA,
        verdict=Verdict(
            status="warn",
            counts=VerdictCounts(pass_=0, warn=0, fail=0),
            reasons=["no_baseline"],
        ),
        findings=[
            Finding(
                check_id="perf.baseline",
                code="missing",
                severity="warn",
                message="no baseline",
            )
        ],
        summary=ReportSummary(pass_count=0, warn_count=0, fail_count=0, total_count=0),
    )
    data = json.loads(encode(receipt))
    assert "compare" not in data
    assert "data" not in data["findings"][0]
    assert decode_report(encode(receipt), "report.json") == receipt


def test_pretty_encoding_decodes_equal() -> None:
    receipt = full_run()
    pretty = encode(receipt, pretty=True)
    assert b"\n  " in pretty
    assert decode_run(pretty, "run.json") == receipt


def test_encoding_ends_with_newline() -> None:
    assert encode(full_run()).endswith(b"}\n")
    assert encode(full_run(), pretty=True).endswith(b"}\n")


def test_verdict_counts_key_is_pass() -> None:
    data = json.loads(encode(full_compare()))
    assert data["verdict"]["counts"] == {"pass": 1, "warn": 0, "fail": 1}


def test_absent_optionals_are_omitted() -> None:
    receipt = RunReceipt(
        schema=RUN_SCHEMA,
        tool=TOOL,
        run=RunMeta(
            id="r",
            started_at="2026-01-15T10:00:00Z",
            ended_at="2026-01-15T10:00:00Z",
            host=HostInfo(os="linux", arch="x86_64"),
        ),
        bench=BenchMeta(name="t", command=["true"], repeat=1, warmup=0),
        samples=[Sample(wall_ms=1, exit_code=0)],
        stats=Stats(wall_ms=U64Summary(median=1, min=1, max=1)),
    )
    text = encode(receipt).decode()
    data = json.loads(text)
    assert "null" not in text
    assert data["run"]["host"] == {"os": "linux", "arch": "x86_64"}
    assert data["bench"] == {
        "name": "t",
        "command": ["true"],
        "repeat": 1,
        "warmup": 0,
    }
    assert data["stats"] == {"wall_ms": {"median": 1, "min": 1, "max": 1}}
    assert data["samples"] == [{"wall_ms": 1, "exit_code": 0}]


def test_full_receipt_has_no_null() -> None:
    for receipt in (full_run(), full_compare(), full_report()):
        assert b"null" not in encode(receipt)


def test_compare_ref_without_path_omits_it() -> None:
    data = json.loads(encode(full_compare()))
    assert data["current_ref"] == {"run_id": "c"}


def test_null_optionals_read_as_absent(
    make_run: Callable[..., dict[str, Any]],
) -> None:
    data = make_run()
    data["bench"]["cwd"] = None
    data["bench"]["work_units"] = None
    data["run"]["host"]["cpu_count"] = None
    data["samples"][0]["max_rss_kb"] = None
    data["samples"][0]["stdout"] = None
    data["stats"]["max_rss_kb"] = None
    receipt = decode_run(json.dumps(data).encode(), "run.json")
    assert receipt.bench.cwd is None
    assert receipt.bench.work_units is None
    assert receipt.run.host.cpu_count is None
    assert receipt.samples[0].max_rss_kb is None
    assert receipt.stats.max_rss_kb is None
    assert b"null" not in encode(receipt)


def test_missing_flags_default_false(make_run: Callable[..., dict[str, Any]]) -> None:
    receipt = decode_run(json.dumps(make_run()).encode(), "run.json")
    assert receipt.samples[0].warmup is False
    assert receipt.samples[0].timed_out is False


def test_unknown_fields_are_accepted(
    make_run: Callable[..., dict[str, Any]],
) -> None:
    data = make_run()
    data["future_field"] = {"nested": [1, 2, 3]}
    data["run"]["host"]["kernel"] = "6.1"
    data["samples"][0]["energy_uj"] = 12
    data["stats"]["wall_ms"]["p95"] = 101
    receipt = decode_run(json.dumps(data).encode(), "run.json")
    assert receipt.stats.wall_ms.median == 100
    assert receipt.run.host.os == "linux"


def test_unknown_fields_dropped_on_encode(
    make_run: Callable[..., dict[str, Any]],
) -> None:
    data = make_run()
    data["future_field"] = 1
    receipt = decode_run(json.dumps(data).encode(), "run.json")
    assert "future_field" not in json.loads(encode(receipt))


def test_u64_maximum_round_trips() -> None:
    receipt = full_run()
    data = json.loads(encode(receipt))
    assert data["samples"][2]["max_rss_kb"] == 2**64 - 1
    assert data["run"]["host"]["memory_bytes"] == 2**64 - 1


def test_struct_equality_is_by_value() -> None:
    assert full_run() == full_run()
    assert full_run() != msgspec.structs.replace(full_run(), samples=[])


@pytest.mark.parametrize("field", ["median", "min", "max"])
def test_f64_summary_rejects_negative(
    field: str, make_run: Callable[..., dict[str, Any]]
) -> None:
    from perfgate.types.errors import ReceiptError

    data = make_run(work_units=100)
    data["stats"]["throughput_per_s"][field] = -1.0
    with pytest.raises(ReceiptError, match=f"stats.throughput_per_s.{field}"):
        decode_run(json.dumps(data).encode(), "run.json")


def test_config_round_trips() -> None:
    from perfgate.types.config import (
        BenchConfig,
        BudgetConfig,
        ConfigFile,
        DefaultsConfig,
        decode_config,
    )

    config = ConfigFile(
        defaults=DefaultsConfig(repeat=5, threshold=0.2, baseline_dir="baselines"),
        bench=[
            BenchConfig(
                name="sort-1m",
                command=["sort", "-n", "data/1m.txt"],
                timeout="1h30m",
                metrics=["wall_ms"],
                budgets={"wall_ms": BudgetConfig(threshold=0.1, direction="lower")},
            )
        ],
    )
    data = msgspec.json.encode(config)
    assert b"null" not in data
    assert decode_config(data, "perfgate.json") == config
