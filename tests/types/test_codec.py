"""Decoding rejects what the contract forbids, with messages naming file and field."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from perfgate.types.codec import decode_compare, decode_report, decode_run, encode
from perfgate.types.errors import ReceiptError
from perfgate.types.receipts import (
    COMPARE_SCHEMA,
    BenchMeta,
    CompareReceipt,
    CompareRef,
    Delta,
    F64Summary,
    RunReceipt,
    ToolInfo,
    Verdict,
    VerdictCounts,
)

MakeRun = Callable[..., dict[str, Any]]
SOURCE = "receipts/base.json"


def encode_json(data: Any) -> bytes:
    return json.dumps(data).encode()


def decode_error(data: bytes) -> str:
    """Decode as a run receipt and return the error message."""
    with pytest.raises(ReceiptError) as caught:
        decode_run(data, SOURCE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{SOURCE}: ")
    return message


def test_valid_receipt_decodes(make_run: MakeRun) -> None:
    receipt = decode_run(encode_json(make_run(wall_ms=[3, 1, 2])), SOURCE)
    assert isinstance(receipt, RunReceipt)
    assert receipt.stats.wall_ms.median == 2


def test_byte_order_mark_is_accepted(make_run: MakeRun) -> None:
    data = b"\xef\xbb\xbf" + encode_json(make_run())
    assert decode_run(data, SOURCE).bench.name == "bench"


def with_throughput_median(make_run: MakeRun, literal: str) -> bytes:
    """Return a receipt whose throughput median is written as ``literal``."""
    data = make_run(work_units=10)
    data["stats"]["throughput_per_s"]["median"] = "MEDIAN-PLACEHOLDER"
    text = json.dumps(data).replace('"MEDIAN-PLACEHOLDER"', literal)
    assert literal in text
    return text.encode()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_literal_names_field(make_run: MakeRun, literal: str) -> None:
    message = decode_error(with_throughput_median(make_run, literal))
    assert "invalid JSON" in message
    assert "`stats.throughput_per_s.median`" in message
    assert f"{literal} is not a valid JSON number" in message


@pytest.mark.parametrize("literal", ["nan", "inf", "NaN0"])
def test_malformed_number_rejected(make_run: MakeRun, literal: str) -> None:
    message = decode_error(with_throughput_median(make_run, literal))
    assert "invalid JSON: invalid character" in message
    assert "jSON" not in message


def test_overflowing_float_rejected(make_run: MakeRun) -> None:
    message = decode_error(with_throughput_median(make_run, "1e400"))
    assert "`stats.throughput_per_s.median`" in message


def test_u64_overflow_names_field_path(make_run: MakeRun) -> None:
    data = make_run(wall_ms=[1, 2, 3, 4], max_rss_kb=[5, 6, 7, 8])
    data["samples"][3]["max_rss_kb"] = 18446744073709551616
    message = decode_error(encode_json(data))
    assert "`samples[3].max_rss_kb`" in message
    assert "18446744073709551615" in message


def test_u64_overflow_in_stats_rejected(make_run: MakeRun) -> None:
    data = make_run()
    data["stats"]["wall_ms"]["max"] = 2**64
    message = decode_error(encode_json(data))
    assert "`stats.wall_ms.max`" in message


def test_huge_integer_in_unknown_field_accepted(make_run: MakeRun) -> None:
    data = make_run()
    data["samples"][0]["future_counter"] = 2**70
    assert decode_run(encode_json(data), SOURCE).samples[0].wall_ms == 100


def test_u64_maximum_accepted(make_run: MakeRun) -> None:
    data = make_run()
    data["samples"][0]["max_rss_kb"] = 2**64 - 1
    receipt = decode_run(encode_json(data), SOURCE)
    assert receipt.samples[0].max_rss_kb == 2**64 - 1


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("samples", 0, "wall_ms"), -1),
        (("samples", 1, "max_rss_kb"), -5),
        (("bench", "warmup"), -1),
        (("stats", "wall_ms", "median"), -100),
    ],
)
def test_negative_count_rejected(
    make_run: MakeRun, path: tuple[Any, ...], value: int
) -> None:
    data = make_run(max_rss_kb=[1, 2, 3])
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    message = decode_error(encode_json(data))
    shown = ".".join(str(part) for part in path).replace(".0.", "[0].")
    shown = shown.replace(".1.", "[1].")
    assert f"`{shown}`" in message
    assert ">= 0" in message


@pytest.mark.parametrize("repeat", [0, -1])
def test_repeat_below_one_rejected(make_run: MakeRun, repeat: int) -> None:
    data = make_run()
    data["bench"]["repeat"] = repeat
    message = decode_error(encode_json(data))
    assert "`bench.repeat`" in message
    assert ">= 1" in message


@pytest.mark.parametrize("exit_code", [2**31, -(2**31) - 1, 2**40])
def test_exit_code_outside_i32_rejected(make_run: MakeRun, exit_code: int) -> None:
    data = make_run()
    data["samples"][2]["exit_code"] = exit_code
    message = decode_error(encode_json(data))
    assert "`samples[2].exit_code`" in message


@pytest.mark.parametrize("exit_code", [2**31 - 1, -(2**31), -1])
def test_exit_code_i32_bounds_accepted(make_run: MakeRun, exit_code: int) -> None:
    data = make_run()
    data["samples"][2]["exit_code"] = exit_code
    assert decode_run(encode_json(data), SOURCE).samples[2].exit_code == exit_code


def test_repeat_above_u32_rejected(make_run: MakeRun) -> None:
    data = make_run()
    data["bench"]["repeat"] = 2**32
    assert "`bench.repeat`" in decode_error(encode_json(data))


def test_wrong_schema_names_found_and_expected(make_run: MakeRun) -> None:
    data = make_run()
    data["schema"] = "perfgate.run.v2"
    message = decode_error(encode_json(data))
    assert "perfgate.run.v2" in message
    assert "perfgate.run.v1" in message
    assert "`schema`" in message


def test_compare_receipt_rejected_as_run(make_run: MakeRun) -> None:
    data = make_run()
    data["schema"] = COMPARE_SCHEMA
    message = decode_error(encode_json(data))
    assert "perfgate.compare.v1" in message
    assert "perfgate.run.v1" in message


def test_missing_schema_rejected(make_run: MakeRun) -> None:
    data = make_run()
    del data["schema"]
    message = decode_error(encode_json(data))
    assert "`schema`" in message
    assert "perfgate.run.v1" in message


def test_non_string_schema_rejected(make_run: MakeRun) -> None:
    data = make_run()
    data["schema"] = 1
    assert "`schema`" in decode_error(encode_json(data))


def test_missing_nested_field_names_path(make_run: MakeRun) -> None:
    data = make_run()
    del data["samples"][1]["wall_ms"]
    message = decode_error(encode_json(data))
    assert "`samples[1]`" in message
    assert "`wall_ms`" in message
    assert "missing required field" in message


def test_missing_top_level_field_named(make_run: MakeRun) -> None:
    data = make_run()
    del data["stats"]
    message = decode_error(encode_json(data))
    assert "missing required field `stats`" in message


def test_null_required_field_rejected(make_run: MakeRun) -> None:
    data = make_run()
    data["bench"]["name"] = None
    assert "`bench.name`" in decode_error(encode_json(data))


def test_wrong_type_names_field(make_run: MakeRun) -> None:
    data = make_run()
    data["samples"][0]["wall_ms"] = 1.5
    message = decode_error(encode_json(data))
    assert "`samples[0].wall_ms`" in message
    assert "expected `int`" in message


def test_bool_for_integer_rejected(make_run: MakeRun) -> None:
    data = make_run()
    data["samples"][0]["wall_ms"] = True
    assert "`samples[0].wall_ms`" in decode_error(encode_json(data))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b"[1, 2]", "an array"),
        (b"42", "a number"),
        (b"4.5", "a number"),
        (b'"perfgate.run.v1"', "a string"),
        (b"null", "null"),
        (b"true", "a boolean"),
    ],
)
def test_non_object_json_rejected(text: bytes, found: str) -> None:
    message = decode_error(text)
    assert "expected a JSON object" in message
    assert f"found {found}" in message


def test_truncated_json_rejected(make_run: MakeRun) -> None:
    data = encode_json(make_run())
    message = decode_error(data[: len(data) // 2])
    assert "invalid JSON" in message
    assert "truncated" in message


def test_trailing_garbage_rejected(make_run: MakeRun) -> None:
    message = decode_error(encode_json(make_run()) + b" {}")
    assert "invalid JSON" in message


@pytest.mark.parametrize("text", [b"", b"   \n\t"])
def test_empty_file_rejected(text: bytes) -> None:
    assert "empty" in decode_error(text)


def test_invalid_utf8_rejected(make_run: MakeRun) -> None:
    data = encode_json(make_run(name="bench")).replace(
        b'"name": "bench"', b'"name": "b\xffnch"', 1
    )
    assert b"\xff" in data
    message = decode_error(data)
    assert "UTF-8" in message


def test_decode_compare_rejects_run(make_run: MakeRun) -> None:
    with pytest.raises(ReceiptError, match=r"expected 'perfgate\.compare\.v1'"):
        decode_compare(encode_json(make_run()), "c.json")


def test_decode_report_requires_report_type() -> None:
    data = {"schema": "perfgate.report.v1", "verdict": {}}
    with pytest.raises(ReceiptError, match="`report_type`") as caught:
        decode_report(encode_json(data), "r.json")
    assert "r.json" in str(caught.value)


def test_invalid_status_names_field() -> None:
    data = {
        "schema": COMPARE_SCHEMA,
        "tool": {"name": "perfgate", "version": "0"},
        "bench": {"name": "b", "command": ["true"], "repeat": 1, "warmup": 0},
        "baseline_ref": {},
        "current_ref": {},
        "budgets": {},
        "deltas": {},
        "verdict": {
            "status": "maybe",
            "counts": {"pass": 0, "warn": 0, "fail": 0},
            "reasons": [],
        },
    }
    with pytest.raises(ReceiptError, match=r"`verdict\.status`"):
        decode_compare(encode_json(data), "c.json")


def compare_with(value: float) -> CompareReceipt:
    return CompareReceipt(
        schema=COMPARE_SCHEMA,
        tool=ToolInfo(name="perfgate", version="0"),
        bench=BenchMeta(name="b", command=["true"], repeat=1, warmup=0),
        baseline_ref=CompareRef(),
        current_ref=CompareRef(),
        budgets={},
        deltas={
            "wall_ms": Delta(
                baseline=1.0,
                current=value,
                ratio=value,
                pct=value,
                regression=value,
                status="fail",
            )
        },
        verdict=Verdict(
            status="fail",
            counts=VerdictCounts(pass_=0, warn=0, fail=1),
            reasons=["wall_ms_fail"],
        ),
    )


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_encoder_refuses_non_finite_delta(value: float) -> None:
    with pytest.raises(ValueError, match=r"deltas\.wall_ms"):
        encode(compare_with(value))


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_encoder_refuses_non_finite_stats(make_run: MakeRun, value: float) -> None:
    receipt = decode_run(encode_json(make_run(work_units=10)), SOURCE)
    broken = msgspec.structs.replace(
        receipt,
        stats=msgspec.structs.replace(
            receipt.stats,
            throughput_per_s=F64Summary(median=value, min=0.0, max=1.0),
        ),
    )
    with pytest.raises(ValueError, match=r"stats\.throughput_per_s\.median"):
        encode(broken)


def test_plain_msgspec_would_write_null() -> None:
    # The reason encode() checks floats itself: msgspec turns NaN into null.
    assert msgspec.json.encode(math.nan) == b"null"


@pytest.mark.parametrize(
    "text", [b"[defaults]\nrepeat = 5\n", b"import os\n", b"name: value\n"]
)
def test_non_json_text_called_invalid(text: bytes) -> None:
    message = decode_error(text)
    assert "invalid JSON" in message
    assert "array" not in message
    assert "string" not in message
