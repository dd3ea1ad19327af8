"""Argument parsing helpers: a parser that raises instead of exiting, and
value parsers whose errors name the accepted forms."""

from __future__ import annotations

import argparse
import difflib
import math
import re
from collections.abc import Sequence
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
        # The CLI prints "perfgate: error: " before every message, so the
        # top-level parser adds no prefix of its own.
        prefix = "" if self.prog == "perfgate" else f"{self.prog}: "
        raise UsageError(f"{prefix}{message} (see `{self.prog} --help`)")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        """Parse ``args``; an unknown option is blamed on its subcommand.

        Plain argparse reports unknown options from the top-level parser,
        which points the user at ``perfgate --help`` instead of the
        subcommand's help, and suggests nothing for a typo.
        """
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            target = self._subcommand_parser(parsed) or self
            message = f"unrecognized arguments: {' '.join(extras)}"
            options = [
                option
                for option in target._option_string_actions
                if option.startswith("--")
            ]
            for extra in extras:
                close = difflib.get_close_matches(extra.split("=")[0], options, n=1)
                if extra.startswith("--") and close:
                    message += f"; did you mean {close[0]}?"
                    break
            target.error(message)
        return parsed

    def _subcommand_parser(self, parsed: argparse.Namespace) -> Parser | None:
        name = getattr(parsed, "command", None)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name:
                chosen = action.choices.get(name)
                if isinstance(chosen, Parser):
                    return chosen
        return None


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
    """Parse a finite number above 0, such as 0.20 for a 20 % threshold."""
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


def threshold_fraction(text: str) -> float:
    """Parse a budget threshold, a fraction above 0 and at most 1 (0.20 = 20 %)."""
    from perfgate.domain.compare import MAX_THRESHOLD

    value = positive_fraction(text)
    if value > MAX_THRESHOLD:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}; thresholds are fractions at most 1, "
            f"so write {value / 100:g} for {value:g} %"
        )
    return value


def warn_factor(text: str) -> float:
    """Parse a warn factor above 0 and at most 1.

    The warn threshold is threshold * factor.
    """
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


def add_command_environment_options(parser: argparse.ArgumentParser) -> None:
    """Add --env and --output-cap-bytes, which run and check share."""
    parser.add_argument(
        "--env",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set an environment variable for the command (repeatable)",
    )
    parser.add_argument(
        "--output-cap-bytes",
        type=non_negative_u64,
        default=None,
        metavar="BYTES",
        help="bytes of stdout and of stderr kept per sample (default 8192)",
    )
