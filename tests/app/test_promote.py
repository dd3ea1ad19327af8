"""Promoting a run receipt to a baseline."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from perfgate.app.promote import promote
from perfgate.types.receipts import RunReceipt


def test_promote_without_normalize_unchanged(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    run = make_run_receipt(run_id="0b7c", max_rss_kb=(1, 2, 3))
    assert promote(run, normalize=False) == run


def test_normalize_replaces_id_and_times(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    run = make_run_receipt(run_id="0b7c", max_rss_kb=(1, 2, 3))
    promoted = promote(run, normalize=True)
    assert promoted.run.id == "baseline"
    assert promoted.run.started_at == "1970-01-01T00:00:00Z"
    assert promoted.run.ended_at == "1970-01-01T00:00:00Z"


def test_normalize_keeps_everything_else(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    run = make_run_receipt(
        run_id="0b7c", max_rss_kb=(1, 2, 3), wall_ns=(1, 2, 3), work_units=5
    )
    promoted = promote(run, normalize=True)
    original = msgspec.to_builtins(run)
    result = msgspec.to_builtins(promoted)
    del original["run"]["id"], original["run"]["started_at"]
    del original["run"]["ended_at"]
    del result["run"]["id"], result["run"]["started_at"], result["run"]["ended_at"]
    assert result == original


def test_normalize_leaves_input_untouched(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    run = make_run_receipt(run_id="0b7c")
    promote(run, normalize=True)
    assert run.run.id == "0b7c"
    assert run.run.started_at == "2026-01-15T10:00:00Z"


def test_normalize_is_idempotent(
    make_run_receipt: Callable[..., RunReceipt],
) -> None:
    once = promote(make_run_receipt(), normalize=True)
    assert promote(once, normalize=True) == once
