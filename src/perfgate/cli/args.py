"""Argument parsing helpers: a parser that raises instead of exiting, and
value parsers whose errors name the accepted forms."""

from __future__ import annotations

import argparse
import math
import re
from typing import NoReturn

from perfgate.types.errors import UsageError

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
_DECIMAL_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 40


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError instead of printing and exiting 2.

    Exit code 2 means a budget failure in perfgate, so a usage error must not
    use it.
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def _integer(text: str, minimum: int, maximum: int) -> int:
    digits = text.strip()
    # int() alone would also take "1_000" and non-ASCII digits such as "５".
    if not _DECIMAL_INTEGER.fullmatch(digits):
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}; expected a whole number"
        )
    # Every limit has at most 20 digits, and int() rejects strings of
    # thousands of digits, so a longer string is out of range unparsed.
    value = int(digits, 10) if len(digits) <= _MAX_DIGITS else None
    if value is None or value < minimum or value > maximum:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}; expected a whole number from {minimum} "
            f"to {maximum}"
        )
    return value


def positive_u32(text: str) -> int:
    return _integer(text, 1, U32_MAX)


def non_negative_u32(text: str) -> int:
    return _integer(text, 0, U32_MAX)


def positive_u64(text: str) -> int:
    return _integer(text, 1, U64_MAX)


def non_negative_u64(text: str) -> int:
    return _integer(text, 0, U64_MAX)


def positive_fraction(text: str) -> float:
    """A finite number above 0, such as 0.20 for a 20 % threshold."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}; expected a number such as 0.20"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}; expected a finite number above 0, "
            "such as 0.20 for 20 %"
        )
    return value


def warn_factor(text: str) -> float:
    """A number above 0 and at most 1: warn_threshold = threshold * factor."""
    value = positive_fraction(text)
    if value > 1:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}; expected a number above 0 and at most 1"
        )
    return value


def key_value(text: str) -> tuple[str, str]:
    """Split ``KEY=VALUE`` at the first ``=``; the key must not be empty."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; expected KEY=VALUE")
    return key, value


def duration_ns(text: str) -> int:
    from perfgate.domain.duration import parse_duration_ns

    try:
        return parse_duration_ns(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
