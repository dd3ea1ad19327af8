"""The run use case with scripted process results, a fixed clock and host."""

from __future__ import annotations

import json
import signal
import uuid
from typing import Any

import pytest

from perfgate.adapters.fakes import FixedClock, FixedHostProbe, ScriptedRunner
from perfgate.adapters.ports import DEFAULT_OUTPUT_CAP_BYTES, RunResult
from perfgate.app.run import RunOutcome, RunRequest, run_bench
from perfgate.types.codec import decode_run, encode
from perfgate.types.receipts import RUN_SCHEMA

MS = 1_000_000


def ok(wall_ms: int, **extra: Any) -> RunResult:
    return RunResult(wall_ns=wall_ms * MS, exit_code=0, **extra)


def run(
    results: list[RunResult], *, clock: FixedClock | None = None, **request: Any
) -> tuple[RunOutcome, ScriptedRunner]:
    runner = ScriptedRunner(results)
    fields: dict[str, Any] = {"name": "bench", "command": ("prog", "arg")}
    fields.update(request)
    outcome = run_bench(
        RunRequest(**fields),
        runner,
        FixedHostProbe(),
        clock or FixedClock("2026-01-15T10:00:00Z", "2026-01-15T10:00:09Z"),
        new_run_id=lambda: "run-id-1",
    )
    return outcome, runner


def test_warmups_run_first_and_flagged() -> None:
    results = [ok(900), ok(800), ok(10), ok(30), ok(20)]
    outcome, runner = run(results, repeat=3, warmup=2)
    samples = outcome.receipt.samples
    assert [sample.warmup for sample in samples] == [True, True, False, False, False]
    assert [sample.wall_ms for sample in samples] == [900, 800, 10, 30, 20]
    assert runner.remaining == 0


def test_stats_exclude_warmups() -> None:
    outcome, _ = run([ok(900), ok(10), ok(30), ok(20)], repeat=3, warmup=1)
    wall = outcome.receipt.stats.wall_ms
    assert (wall.median, wall.min, wall.max) == (20, 10, 30)


def test_bench_records_request() -> None:
    outcome, _ = run(
        [ok(1), ok(1)],
        repeat=1,
        warmup=1,
        work_units=500,
        cwd="/srv",
        timeout_ns=1_500 * MS,
    )
    bench = outcome.receipt.bench
    assert bench.name == "bench"
    assert bench.command == ["prog", "arg"]
    assert bench.repeat == 1
    assert bench.warmup == 1
    assert bench.work_units == 500
    assert bench.cwd == "/srv"
    assert bench.timeout_ms == 1500


def test_no_timeout_omits_timeout_ms() -> None:
    outcome, _ = run([ok(1)], repeat=1)
    assert outcome.receipt.bench.timeout_ms is None
    assert "timeout_ms" not in json.loads(encode(outcome.receipt))["bench"]


def test_spec_passed_to_runner() -> None:
    outcome, runner = run(
        [ok(1), ok(1)],
        repeat=2,
        cwd="/srv",
        env={"A": "1"},
        timeout_ns=2 * 1000 * MS,
        output_cap_bytes=16,
    )
    assert len(runner.specs) == 2
    spec = runner.specs[0]
    assert spec.argv == ("prog", "arg")
    assert spec.cwd == "/srv"
    assert dict(spec.env) == {"A": "1"}
    assert spec.timeout_ns == 2000 * MS
    assert spec.output_cap_bytes == 16
    assert outcome.failures == ()


def test_default_output_cap() -> None:
    _, runner = run([ok(1)], repeat=1)
    assert runner.specs[0].output_cap_bytes == DEFAULT_OUTPUT_CAP_BYTES


def test_failures_labelled_per_iteration() -> None:
    results = [
        RunResult(wall_ns=MS, exit_code=1),
        ok(1),
        RunResult(wall_ns=1000 * MS, exit_code=-1, timed_out=True, signal=9),
        RunResult(wall_ns=MS, exit_code=-1, signal=signal.SIGSEGV),
        RunResult(wall_ns=MS, exit_code=3),
    ]
    outcome, _ = run(results, repeat=4, warmup=1, timeout_ns=1000 * MS)
    failures = outcome.failures
    assert len(failures) == 4
    assert failures[0].startswith("warmup 1 of 1: ")
    assert "exit code 1" in failures[0]
    assert failures[1].startswith("iteration 2 of 4: ")
    assert "timed out" in failures[1]
    assert "1s" in failures[1]
    assert failures[2].startswith("iteration 3 of 4: ")
    assert "SIGSEGV" in failures[2]
    assert failures[3].startswith("iteration 4 of 4: ")
    assert "exit code 3" in failures[3]


def test_failed_iterations_still_recorded() -> None:
    results = [RunResult(wall_ns=5 * MS, exit_code=2), ok(7)]
    outcome, _ = run(results, repeat=2)
    samples = outcome.receipt.samples
    assert [sample.exit_code for sample in samples] == [2, 0]
    assert outcome.receipt.stats.wall_ms.max == 7


def test_timed_out_sample_flagged() -> None:
    results = [RunResult(wall_ns=50 * MS, exit_code=-1, timed_out=True, signal=9)]
    outcome, _ = run(results, repeat=1, timeout_ns=50 * MS)
    sample = outcome.receipt.samples[0]
    assert sample.timed_out is True
    assert sample.exit_code == -1


def test_wall_ms_truncates_wall_ns() -> None:
    outcome, _ = run([RunResult(wall_ns=2 * MS - 1, exit_code=0)], repeat=1)
    sample = outcome.receipt.samples[0]
    assert sample.wall_ms == 1
    assert sample.wall_ns == 2 * MS - 1


def test_rusage_values_copied() -> None:
    result = ok(3, max_rss_kb=2048, cpu_ms=2, page_faults=1, ctx_switches=7)
    outcome, _ = run([result], repeat=1)
    sample = outcome.receipt.samples[0]
    assert sample.max_rss_kb == 2048
    assert sample.cpu_ms == 2
    assert sample.page_faults == 1
    assert sample.ctx_switches == 7
    stats = outcome.receipt.stats
    assert stats.max_rss_kb is not None
    assert stats.max_rss_kb.median == 2048


def test_cut_multibyte_char_replaced() -> None:
    # "é" is two bytes in UTF-8; a cap after the first byte leaves half of it.
    cut = b"caf" + "é".encode()[:1]
    outcome, _ = run([ok(1, stdout=cut, stderr=b"\xff oops")], repeat=1)
    sample = outcome.receipt.samples[0]
    assert sample.stdout == "caf\ufffd"
    assert sample.stderr == "\ufffd oops"


def test_empty_output_is_absent() -> None:
    outcome, _ = run([ok(1)], repeat=1)
    sample = outcome.receipt.samples[0]
    assert sample.stdout is None
    assert sample.stderr is None


def test_throughput_from_work_units() -> None:
    outcome, _ = run([ok(100), ok(200), ok(400)], repeat=3, work_units=100)
    throughput = outcome.receipt.stats.throughput_per_s
    assert throughput is not None
    assert throughput.median == 500.0
    assert throughput.min == 250.0
    assert throughput.max == 1000.0


def test_receipt_identity_and_times() -> None:
    outcome, _ = run([ok(1)], repeat=1)
    receipt = outcome.receipt
    assert receipt.schema == RUN_SCHEMA
    assert receipt.tool.name == "perfgate"
    assert receipt.run.id == "run-id-1"
    assert receipt.run.started_at == "2026-01-15T10:00:00Z"
    assert receipt.run.ended_at == "2026-01-15T10:00:09Z"
    assert receipt.run.host.os == "linux"


def test_hostname_hash_only_on_request() -> None:
    without, _ = run([ok(1)], repeat=1)
    assert without.receipt.run.host.hostname_hash is None
    with_hash, _ = run([ok(1)], repeat=1, include_hostname_hash=True)
    assert with_hash.receipt.run.host.hostname_hash == "0" * 64


def test_receipt_round_trips() -> None:
    outcome, _ = run([ok(1, stdout=b"x"), ok(2)], repeat=1, warmup=1, work_units=3)
    data = encode(outcome.receipt)
    assert decode_run(data, "run.json") == outcome.receipt


def test_default_run_id_is_uuid4() -> None:
    outcome = run_bench(
        RunRequest(name="b", command=("true",), repeat=1),
        ScriptedRunner([ok(1)]),
        FixedHostProbe(),
        FixedClock(),
    )
    assert uuid.UUID(outcome.receipt.run.id).version == 4


def test_zero_repeat_rejected() -> None:
    with pytest.raises(ValueError, match="repeat"):
        run([], repeat=0)


def test_stderr_summary_both_ends() -> None:
    from perfgate.app.run import stderr_summary

    assert stderr_summary(b"") is None
    assert stderr_summary(b"\n  \n") is None
    assert stderr_summary(b"only line\n") == "'only line'"
    assert stderr_summary(b"first\nmiddle\n\nlast\n") == "'first' … 'last'"
    long_line = stderr_summary(b"x" * 500)
    assert long_line is not None
    assert len(long_line) < 110
    assert long_line.endswith("…'")


def test_receipt_records_rss_source() -> None:
    results = [ok(5, max_rss_source="spawn_helper") for _ in range(3)]
    outcome, _ = run(results, repeat=3)
    assert outcome.receipt.run.max_rss_source == "spawn_helper"


def test_mixed_or_unknown_rss_source_absent() -> None:
    mixed = [ok(5, max_rss_source="spawn_helper"), ok(5, max_rss_source="direct_child")]
    outcome, _ = run(mixed, repeat=2)
    assert outcome.receipt.run.max_rss_source is None
    unknown, _ = run([ok(5)], repeat=1)
    assert unknown.receipt.run.max_rss_source is None
