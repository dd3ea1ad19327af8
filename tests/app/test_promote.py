"""Promoting a run receipt's bytes to a baseline."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from perfgate.app.promote import promote_document
from perfgate.types.codec import decode_run, encode
from perfgate.types.receipts import RunReceipt


def _document(data: bytes) -> Any:
    return json.loads(data)


def test_plain_promote_returns_same_bytes(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    data = encode(make_run_receipt(run_id="0b7c", max_rss_kb=(1, 2, 3)))
    assert promote_document(data, normalize=False, pretty=False) == data


def test_normalize_replaces_id_and_times(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    data = encode(make_run_receipt(run_id="0b7c", max_rss_kb=(1, 2, 3)))
    promoted = decode_run(promote_document(data, normalize=True, pretty=False), "x")
    assert promoted.run.id == "baseline"
    assert promoted.run.started_at == "1970-01-01T00:00:00Z"
    assert promoted.run.ended_at == "1970-01-01T00:00:00Z"


def test_normalize_keeps_everything_else(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    run = make_run_receipt(
        run_id="0b7c", max_rss_kb=(1, 2, 3), wall_ns=(1, 2, 3), work_units=5
    )
    data = encode(run)
    original = _document(data)
    result = _document(promote_document(data, normalize=True, pretty=False))
    for document in (original, result):
        del document["run"]["id"], document["run"]["started_at"]
        del document["run"]["ended_at"]
    assert result == original


def test_normalize_keeps_unknown_fields(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    document = _document(encode(make_run_receipt(run_id="0b7c")))
    document["future_field"] = {"kept": [1, 2]}
    document["samples"][0]["energy_uj"] = 1234
    document["run"]["host"]["kernel"] = "6.1"
    data = json.dumps(document).encode()
    result = _document(promote_document(data, normalize=True, pretty=False))
    assert result["future_field"] == {"kept": [1, 2]}
    assert result["samples"][0]["energy_uj"] == 1234
    assert result["run"]["host"]["kernel"] == "6.1"


def test_pretty_indents_same_content(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    data = encode(make_run_receipt(run_id="0b7c"))
    pretty = promote_document(data, normalize=False, pretty=True)
    assert b'\n  "schema"' in pretty
    assert pretty.endswith(b"}\n")
    assert _document(pretty) == _document(data)


def test_normalize_is_idempotent(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    data = encode(make_run_receipt())
    once = promote_document(data, normalize=True, pretty=False)
    assert promote_document(once, normalize=True, pretty=False) == once
