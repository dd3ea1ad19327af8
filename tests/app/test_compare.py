"""The compare use case: two run receipts in, one compare receipt out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from perfgate.app.compare import compare_runs, max_rss_warning
from perfgate.domain.compare import BudgetOverride, BudgetPolicy
from perfgate.types.codec import decode_compare, decode_run, encode
from perfgate.types.errors import ComparisonError
from perfgate.types.receipts import COMPARE_SCHEMA, RunReceipt

MakeRun = Callable[..., dict[str, Any]]


@pytest.fixture
def receipt(make_run: MakeRun) -> Callable[..., RunReceipt]:
    def build(**keywords: Any) -> RunReceipt:
        return decode_run(json.dumps(make_run(**keywords)).encode(), "run.json")

    return build


def test_receipt_carries_refs_and_bench(receipt: Callable[..., RunReceipt]) -> None:
    baseline = receipt(name="old-name", run_id="base", wall_ms=[100])
    current = receipt(name="new-name", run_id="cur", wall_ms=[110])
    result = compare_runs(
        baseline,
        current,
        BudgetPolicy(),
        baseline_path="b.json",
        current_path="c.json",
    )
    assert result.schema == COMPARE_SCHEMA
    assert result.tool.name == "perfgate"
    assert result.bench == current.bench
    assert result.baseline_ref.path == "b.json"
    assert result.baseline_ref.run_id == "base"
    assert result.current_ref.path == "c.json"
    assert result.current_ref.run_id == "cur"


def test_pass_warn_fail_verdicts(receipt: Callable[..., RunReceipt]) -> None:
    baseline = receipt(wall_ms=[100], max_rss_kb=[1000])
    cases = {110: "pass", 119: "warn", 125: "fail"}
    for current_ms, expected in cases.items():
        current = receipt(wall_ms=[current_ms], max_rss_kb=[1000])
        result = compare_runs(baseline, current, BudgetPolicy())
        assert result.verdict.status == expected, current_ms
        assert result.deltas["wall_ms"].status == expected
        assert result.deltas["max_rss_kb"].status == "pass"


def test_policy_budgets_recorded(receipt: Callable[..., RunReceipt]) -> None:
    policy = BudgetPolicy(
        threshold=0.3,
        warn_factor=0.5,
        overrides={"wall_ms": BudgetOverride(threshold=0.05)},
    )
    run = receipt(wall_ms=[100], max_rss_kb=[10])
    result = compare_runs(run, run, policy)
    assert result.budgets["wall_ms"].threshold == 0.05
    assert result.budgets["wall_ms"].warn_threshold == 0.05 * 0.5
    assert result.budgets["max_rss_kb"].threshold == 0.3


def test_zero_baseline_names_file_and_metric(
    receipt: Callable[..., RunReceipt],
) -> None:
    baseline = receipt(wall_ms=[0, 0, 0])
    current = receipt(wall_ms=[4, 5, 6])
    with pytest.raises(ComparisonError) as caught:
        compare_runs(baseline, current, BudgetPolicy(), baseline_path="base.json")
    message = str(caught.value)
    assert message.startswith("base.json: ")
    assert "wall_ms" in message
    assert "\n" not in message


def test_zero_baseline_without_path(receipt: Callable[..., RunReceipt]) -> None:
    with pytest.raises(ComparisonError, match=r"^baseline receipt: .*wall_ms"):
        compare_runs(receipt(wall_ms=[0]), receipt(wall_ms=[1]), BudgetPolicy())


def test_zero_wall_ms_uses_wall_ns(receipt: Callable[..., RunReceipt]) -> None:
    baseline = receipt(wall_ms=[0, 0, 0], wall_ns=[400_000, 500_000, 600_000])
    current = receipt(wall_ms=[0, 0, 0], wall_ns=[450_000, 500_000, 550_000])
    result = compare_runs(baseline, current, BudgetPolicy())
    wall = result.deltas["wall_ms"]
    assert wall.baseline == 0.5
    assert wall.current == 0.5
    assert result.verdict.status == "pass"


def test_compare_receipt_round_trips(receipt: Callable[..., RunReceipt]) -> None:
    result = compare_runs(
        receipt(wall_ms=[100], work_units=10),
        receipt(wall_ms=[150], work_units=10),
        BudgetPolicy(),
        baseline_path="b.json",
    )
    data = encode(result)
    assert decode_compare(data, "compare.json") == result
    assert json.loads(data)["verdict"]["reasons"] == [
        "throughput_per_s_fail",
        "wall_ms_fail",
    ]


def test_same_input_same_bytes(receipt: Callable[..., RunReceipt]) -> None:
    baseline = receipt(wall_ms=[100, 101, 99], max_rss_kb=[5, 6, 7], work_units=3)
    current = receipt(wall_ms=[120, 90, 100], max_rss_kb=[7, 6, 5], work_units=3)
    first = encode(compare_runs(baseline, current, BudgetPolicy()))
    second = encode(compare_runs(baseline, current, BudgetPolicy()))
    assert first == second


def test_requested_metric_missing_names_baseline(
    receipt: Callable[..., RunReceipt],
) -> None:
    baseline = receipt(wall_ms=[100])
    current = receipt(wall_ms=[100], max_rss_kb=[1000])
    policy = BudgetPolicy(overrides={"max_rss_kb": BudgetOverride(threshold=0.1)})
    with pytest.raises(ComparisonError) as caught:
        compare_runs(
            baseline, current, policy, baseline_path="b.json", current_path="c.json"
        )
    message = str(caught.value)
    assert message.startswith("b.json: ")
    assert "the baseline receipt has no max_rss_kb" in message


def test_requested_metric_missing_names_current(
    receipt: Callable[..., RunReceipt],
) -> None:
    baseline = receipt(wall_ms=[100], work_units=10)
    current = receipt(wall_ms=[100])
    policy = BudgetPolicy(metrics=frozenset({"wall_ms", "throughput_per_s"}))
    with pytest.raises(ComparisonError) as caught:
        compare_runs(
            baseline, current, policy, baseline_path="b.json", current_path="c.json"
        )
    message = str(caught.value)
    assert message.startswith("c.json: ")
    assert "has no throughput_per_s" in message
    assert "--work" in message


def test_default_metric_missing_skipped(receipt: Callable[..., RunReceipt]) -> None:
    result = compare_runs(
        receipt(wall_ms=[100]), receipt(wall_ms=[100], max_rss_kb=[5]), BudgetPolicy()
    )
    assert list(result.deltas) == ["wall_ms"]


def test_throughput_precision_aligned(make_run: MakeRun) -> None:
    # The baseline has whole milliseconds only (as the Rust perfgate writes);
    # the current run took exactly as many whole milliseconds per sample.
    baseline_data = make_run(wall_ms=[2, 2, 2], work_units=1000)
    current_data = make_run(wall_ms=[2, 2, 2], wall_ns=[2_900_000] * 3, work_units=1000)
    precise_rate = 1000 / 0.0029
    current_data["stats"]["throughput_per_s"] = {
        "median": precise_rate,
        "min": precise_rate,
        "max": precise_rate,
    }
    baseline = decode_run(json.dumps(baseline_data).encode(), "b.json")
    current = decode_run(json.dumps(current_data).encode(), "c.json")
    result = compare_runs(baseline, current, BudgetPolicy())
    assert result.deltas["throughput_per_s"].current == 500_000.0
    assert result.deltas["throughput_per_s"].status == "pass"
    assert result.verdict.status == "pass"


def test_wall_ns_divided_as_double(receipt: Callable[..., RunReceipt]) -> None:
    huge = 9_007_199_254_740_993
    run = receipt(wall_ms=[huge // 1_000_000], wall_ns=[huge])
    result = compare_runs(run, run, BudgetPolicy())
    assert result.deltas["wall_ms"].baseline == float(huge) / 1e6
    assert result.deltas["wall_ms"].baseline == 9007199254.740992


def test_zero_count_baseline_hint(make_run: MakeRun) -> None:
    baseline_data = make_run(wall_ms=[100])
    current_data = make_run(wall_ms=[100])
    baseline_data["stats"]["page_faults"] = {"median": 0, "min": 0, "max": 0}
    current_data["stats"]["page_faults"] = {"median": 1, "min": 1, "max": 1}
    baseline = decode_run(json.dumps(baseline_data).encode(), "b.json")
    current = decode_run(json.dumps(current_data).encode(), "c.json")
    policy = BudgetPolicy(overrides={"page_faults": BudgetOverride(threshold=0.5)})
    with pytest.raises(ComparisonError) as caught:
        compare_runs(baseline, current, policy, baseline_path="b.json")
    message = str(caught.value)
    assert message.startswith("b.json: cannot compare page_faults")
    assert "measurable time" not in message
    assert "above 0" in message


def _with_source(run: RunReceipt, source: Any) -> RunReceipt:
    return msgspec.structs.replace(
        run, run=msgspec.structs.replace(run.run, max_rss_source=source)
    )


def test_mixed_rss_sources_skip_max_rss(receipt: Callable[..., RunReceipt]) -> None:
    baseline = _with_source(receipt(wall_ms=[100], max_rss_kb=[1200]), "spawn_helper")
    current = _with_source(receipt(wall_ms=[100], max_rss_kb=[22000]), "direct_child")
    result = compare_runs(baseline, current, BudgetPolicy())
    assert "max_rss_kb" not in result.deltas
    assert result.verdict.status == "pass"
    warning = max_rss_warning(baseline, current)
    assert warning is not None
    assert "spawn_helper" in warning
    assert "direct_child" in warning


def test_mixed_rss_sources_requested_error(
    receipt: Callable[..., RunReceipt],
) -> None:
    baseline = _with_source(receipt(wall_ms=[100], max_rss_kb=[1200]), "spawn_helper")
    current = _with_source(receipt(wall_ms=[100], max_rss_kb=[22000]), "direct_child")
    policy = BudgetPolicy(overrides={"max_rss_kb": BudgetOverride(threshold=0.1)})
    with pytest.raises(ComparisonError, match="cannot compare max_rss_kb"):
        compare_runs(baseline, current, policy, current_path="c.json")


def test_unknown_rss_source_compared(receipt: Callable[..., RunReceipt]) -> None:
    baseline = receipt(wall_ms=[100], max_rss_kb=[1000])
    current = _with_source(receipt(wall_ms=[100], max_rss_kb=[1300]), "spawn_helper")
    result = compare_runs(baseline, current, BudgetPolicy())
    assert result.deltas["max_rss_kb"].status == "fail"
    assert max_rss_warning(baseline, current) is None
