"""CSV and JSONL exports of run and compare receipts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from perfgate.app.export import (
    COMPARE_COLUMNS,
    RUN_COLUMNS,
    export_compare_csv,
    export_compare_jsonl,
    export_run_csv,
    export_run_jsonl,
    neutralize_formula,
)
from perfgate.types.codec import decode_run
from perfgate.types.receipts import CompareReceipt, RunReceipt

MakeCompare = Callable[..., CompareReceipt]

HOSTILE_NAMES = [
    "a|b",
    "x`y",
    "x\n::error::injected",
    "100%",
    "тест 🚀",
    "bench.py::test_fib[10]",
    "carriage\rreturn",
    "crlf\r\nname",
    'quote " and, comma',
    '=HYPERLINK("http://example.invalid")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "line\u2028separator",
    "next\x85line",
    "",
]


def _mixed_case(make_compare: MakeCompare, name: str = "bench") -> CompareReceipt:
    """wall_ms fails (+25 %), max_rss_kb warns (+19 %), throughput passes."""
    return make_compare(
        name=name,
        baseline={"wall_ms": (100,), "max_rss_kb": (1000,), "work_units": 100},
        current={"wall_ms": (125,), "max_rss_kb": (1190,), "work_units": 125},
    )


def _run_with_warmup(make_run: Callable[..., dict[str, Any]], name: str) -> RunReceipt:
    """A run of three measured samples after one warmup sample."""
    data = make_run(
        name=name,
        wall_ms=(90, 100, 110),
        max_rss_kb=(2000, 2048, 4096),
        work_units=100,
    )
    data["samples"].insert(0, {"wall_ms": 500, "exit_code": 0, "warmup": True})
    data["bench"]["warmup"] = 1
    return decode_run(json.dumps(data).encode(), "run.json")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("bench", "bench"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralize_formula_prefixes(text: str, expected: str) -> None:
    assert neutralize_formula(text) == expected


def test_run_csv_exact(make_run: Callable[..., dict[str, Any]]) -> None:
    run = _run_with_warmup(make_run, "sort-1m")
    # Throughput per sample: 100 units / 0.1 s = 1000/s is the median.
    assert export_run_csv(run) == (
        "bench_name,wall_ms_median,wall_ms_min,wall_ms_max,max_rss_kb_median,"
        "throughput_median,sample_count,timestamp\n"
        "sort-1m,100,90,110,2048,1000.000000,3,2026-01-15T10:00:00Z\n"
    )


def test_run_csv_empty_when_absent(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    run = make_run_receipt(name="b", wall_ms=(3, 3, 3))
    rows = _csv_rows(export_run_csv(run))
    assert rows[1] == ["b", "3", "3", "3", "", "", "3", "2026-01-15T10:00:00Z"]


def test_run_jsonl_types(make_run: Callable[..., dict[str, Any]]) -> None:
    run = _run_with_warmup(make_run, "sort-1m")
    lines = export_run_jsonl(run).splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert list(record) == list(RUN_COLUMNS)
    assert record == {
        "bench_name": "sort-1m",
        "wall_ms_median": 100,
        "wall_ms_min": 90,
        "wall_ms_max": 110,
        "max_rss_kb_median": 2048,
        "throughput_median": 1000.0,
        "sample_count": 3,
        "timestamp": "2026-01-15T10:00:00Z",
    }
    assert isinstance(record["wall_ms_median"], int)
    assert isinstance(record["throughput_median"], float)


def test_run_jsonl_null_when_absent(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    record = json.loads(export_run_jsonl(make_run_receipt(wall_ms=(3,))))
    assert record["max_rss_kb_median"] is None
    assert record["throughput_median"] is None


def test_compare_csv_exact(make_compare: MakeCompare) -> None:
    assert export_compare_csv(_mixed_case(make_compare)) == (
        "bench_name,metric,baseline_value,current_value,regression_pct,status,"
        "threshold\n"
        "bench,max_rss_kb,1000.000000,1190.000000,19.000000,warn,20.000000\n"
        "bench,throughput_per_s,1000.000000,1000.000000,0.000000,pass,20.000000\n"
        "bench,wall_ms,100.000000,125.000000,25.000000,fail,20.000000\n"
    )


def test_compare_csv_signed_drop(make_compare: MakeCompare) -> None:
    compare = make_compare(
        baseline={"wall_ms": (100,), "work_units": 100},
        current={"wall_ms": (100,), "work_units": 70},
    )
    rows = _csv_rows(export_compare_csv(compare))
    throughput = rows[1]
    assert throughput[1] == "throughput_per_s"
    # A number cell starting with "-" is not a formula and stays as is.
    assert throughput[4] == "-30.000000"
    assert throughput[5] == "fail"


def test_compare_jsonl_objects(make_compare: MakeCompare) -> None:
    lines = export_compare_jsonl(_mixed_case(make_compare)).splitlines()
    records = [json.loads(line) for line in lines]
    assert [list(record) for record in records] == [list(COMPARE_COLUMNS)] * 3
    assert [record["metric"] for record in records] == [
        "max_rss_kb",
        "throughput_per_s",
        "wall_ms",
    ]
    wall = records[2]
    assert wall["bench_name"] == "bench"
    assert wall["baseline_value"] == 100.0
    assert wall["current_value"] == 125.0
    assert wall["regression_pct"] == pytest.approx(25.0, abs=1e-12)
    assert wall["status"] == "fail"
    assert wall["threshold"] == pytest.approx(20.0, abs=1e-12)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_compare_csv_hostile_name(name: str, make_compare: MakeCompare) -> None:
    rows = _csv_rows(export_compare_csv(_mixed_case(make_compare, name=name)))
    assert len(rows) == 4
    assert all(len(row) == len(COMPARE_COLUMNS) for row in rows)
    for row in rows[1:]:
        assert row[0] == neutralize_formula(name)
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_run_csv_hostile_name(
    name: str, make_run_receipt: Callable[..., RunReceipt]
) -> None:
    rows = _csv_rows(export_run_csv(make_run_receipt(name=name)))
    assert len(rows) == 2
    assert len(rows[1]) == len(RUN_COLUMNS)
    assert rows[1][0] == neutralize_formula(name)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_jsonl_hostile_name(
    name: str,
    make_compare: MakeCompare,
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    compare_text = export_compare_jsonl(_mixed_case(make_compare, name=name))
    run_text = export_run_jsonl(make_run_receipt(name=name))
    for text, count in ((compare_text, 3), (run_text, 1)):
        # splitlines() also splits on U+2028 and U+0085, which must be escaped.
        lines = text.splitlines()
        assert len(lines) == count
        for line in lines:
            # JSONL is read by programs: the name is kept exactly.
            assert json.loads(line)["bench_name"] == name


def test_timestamp_formula_neutralized(
    make_run: Callable[..., dict[str, Any]],
) -> None:
    data = make_run()
    data["run"]["started_at"] = "=NOW()"
    run = decode_run(json.dumps(data).encode(), "run.json")
    rows = _csv_rows(export_run_csv(run))
    assert rows[1][-1] == "'=NOW()"
    assert json.loads(export_run_jsonl(run))["timestamp"] == "=NOW()"


def test_csv_quotes_bare_cr(make_run_receipt: Callable[..., RunReceipt]) -> None:
    text = export_run_csv(make_run_receipt(name="a\rb"))
    assert text.split("\n")[1].startswith('"a\rb",')
