"""Durations written as text: ``500ms``, ``2s``, ``1m``, ``1h30m``."""

from __future__ import annotations

import re

_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
# ASCII digits only, and at most 30 per part: far above any u64 duration,
# yet short enough that int() never meets its digit limit.
_PART = re.compile(r"([0-9]{1,30})(ns|us|ms|s|m|h)")
_WHOLE = re.compile(r"(?:[0-9]{1,30}(?:ns|us|ms|s|m|h))+")

DURATION_FORMS = "a positive whole number with a unit: 500ms, 2s, 1m, 1h30m"
# Receipts store durations as u64 counts, so longer ones cannot be recorded.
MAX_DURATION_NS = 2**64 - 1


def parse_duration_ns(text: str) -> int:
    """Parse a duration into nanoseconds.

    Each part is a whole number followed by ``ns``, ``us``, ``ms``, ``s``,
    ``m`` or ``h``; parts add up (``1h30m``). Raises ValueError for anything
    else, including a total of zero or one above the u64 maximum.
    """
    compact = text.strip()
    if not _WHOLE.fullmatch(compact):
        raise ValueError(f"invalid duration {text!r}; expected {DURATION_FORMS}")
    total = sum(int(number) * _UNIT_NS[unit] for number, unit in _PART.findall(compact))
    if total == 0:
        raise ValueError(f"invalid duration {text!r}; it must be greater than 0")
    if total > MAX_DURATION_NS:
        raise ValueError(
            f"invalid duration {text!r}; it must be at most {MAX_DURATION_NS} ns "
            "(about 584 years)"
        )
    return total
