"""Durations written as text, such as the --timeout flag and config values."""

from __future__ import annotations

import pytest

from perfgate.domain.duration import parse_duration_ns

MS = 1_000_000
S = 1_000 * MS


@pytest.mark.parametrize(
    ("text", "expected_ns"),
    [
        ("500ms", 500 * MS),
        ("2s", 2 * S),
        ("1m", 60 * S),
        ("1h", 3600 * S),
        ("1h30m", 5400 * S),
        ("1m30s", 90 * S),
        ("250us", 250_000),
        ("10ns", 10),
        ("1s500ms", 1500 * MS),
        ("0s1ms", MS),
    ],
)
def test_duration_parses(text: str, expected_ns: int) -> None:
    assert parse_duration_ns(text) == expected_ns


@pytest.mark.parametrize(
    "text",
    ["", " ", "0s", "0ms", "1.5s", "-1s", "s", "10", "1d", "5x", "1 s", "ms500", "+1s"],
)
def test_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration") as caught:
        parse_duration_ns(text)
    assert repr(text) in str(caught.value)


def test_rejection_lists_accepted_forms() -> None:
    with pytest.raises(ValueError, match="500ms") as caught:
        parse_duration_ns("1d")
    assert "1h30m" in str(caught.value)


def test_zero_total_rejected() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        parse_duration_ns("0h0m")


def test_u64_nanoseconds_maximum_accepted() -> None:
    assert parse_duration_ns(f"{2**64 - 1}ns") == 2**64 - 1


@pytest.mark.parametrize("text", [f"{2**64}ns", "99999999999999999999h"])
def test_duration_above_u64_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="at most"):
        parse_duration_ns(text)


@pytest.mark.parametrize("text", ["1" * 5000 + "s", "\u0661s"])
def test_long_or_non_ascii_digits_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration_ns(text)
