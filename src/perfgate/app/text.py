"""Number formats and escaping shared by the Markdown, annotation and export text.

Values print the way the Rust perfgate 0.2 prints them, so the two tools'
comments read alike. Whole numbers have no decimals and throughput has
three. Fractional milliseconds, which come from the nanosecond precision
extension, have two decimals below 100 and none from 100 up.
"""

from __future__ import annotations

import re

from perfgate.domain.metrics import UNITS
from perfgate.domain.percent import (
    DEFAULT_PCT_DECIMALS,
    regression_decimals,
    threshold_decimals,
)
from perfgate.types.receipts import Budget, Delta, MetricName

# Shown in place of a line break inside a Markdown code span: a real line
# break would end the table row or, followed by a blank line, the paragraph.
NEWLINE_SYMBOL = "\u2424"  # ␤ SYMBOL FOR NEWLINE

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BACKTICK_RUN = re.compile(r"`+")
# Characters that can start emphasis, code, links, HTML, entities, strike-
# through, a table cell boundary, a GitHub mention or an issue reference
# inside a line.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|~!&#@")


def format_value(metric: MetricName, value: float) -> str:
    """Format a median without its unit: ``100``, ``2.35``, ``1000.000``.

    The two-decimal rule applies to any fractional value other than
    throughput. Only milliseconds from the nanosecond summary have a fraction
    in receipts that perfgate writes.
    """
    if metric == "throughput_per_s":
        return f"{value:.3f}"
    if value.is_integer():
        return f"{value:.0f}"
    # Decide on the rounded value, so that 99.996 prints "100", not "100.00".
    if round(value, 2) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}"


def format_with_unit(metric: MetricName, value: float, *, spaced: bool) -> str:
    """Format a median with its unit: ``100 ms`` when spaced, else ``100ms``.

    Counts (page faults, context switches) have no unit and print the bare
    number either way.
    """
    number = format_value(metric, value)
    unit = UNITS[metric]
    if not unit:
        return number
    return f"{number} {unit}" if spaced else f"{number}{unit}"


def format_pct(fraction: float, decimals: int = DEFAULT_PCT_DECIMALS) -> str:
    """Format a signed change as percent: ``+19.00%`` with two decimals.

    The sign follows the rounded text, so a change too small to show prints
    ``0.00%`` rather than ``+0.00%`` or ``-0.00%``.
    """
    text = f"{fraction * 100:.{decimals}f}"
    if float(text) == 0:
        return f"{0:.{decimals}f}%"
    if fraction > 0:
        return f"+{text}%"
    return f"{text}%"


def format_delta_pct(delta: Delta, budget: Budget | None) -> str:
    """Format ``delta.pct`` with the decimals its budget's thresholds call for.

    Two decimals, unless the regression would then read the same as the
    fail or warn threshold it differs from; see ``perfgate.domain.percent``.
    Without a budget there is nothing to tell apart, so two decimals.
    """
    if budget is None:
        return format_pct(delta.pct)
    limits = (budget.threshold, budget.warn_threshold)
    return format_pct(delta.pct, regression_decimals(delta.regression, limits))


def format_threshold_pct(
    fraction: float, min_decimals: int = DEFAULT_PCT_DECIMALS
) -> str:
    """Format an unsigned threshold as percent: ``20.00%``, ``1.25%``, ``0.04%``.

    It has ``min_decimals`` decimals, or more (up to 6) when the threshold
    needs them: 0.0125 with one decimal is ``1.25%``, not ``1.2%``.
    """
    decimals = threshold_decimals(fraction, min_decimals)
    return f"{fraction * 100:.{decimals}f}%"


def _code_span(text: str) -> str:
    # A CommonMark code span ends at the first backtick run as long as its
    # opening one, so the fence is one backtick longer than any run inside.
    # A space pads each side when the content starts or ends with a backtick
    # (which would otherwise merge with the fence) or starts and ends with a
    # space (the renderer strips exactly one space from each side).
    if not text:
        return "` `"
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padded = (
        text.startswith("`")
        or text.endswith("`")
        or (text.startswith(" ") and text.endswith(" ") and text.strip(" ") != "")
    )
    if padded:
        text = f" {text} "
    return f"{fence}{text}{fence}"


def markdown_code_span(text: str) -> str:
    """Render ``text`` as an inline code span for a line outside a table.

    Each line break (CR LF, CR or LF) becomes the visible symbol ``␤``. Every
    other character shows literally, because a code span does not interpret
    Markdown, HTML or entities. Inside a table use ``escape_markdown_code``.
    """
    return _code_span(_LINE_BREAK.sub(NEWLINE_SYMBOL, text))


def escape_markdown_code(text: str) -> str:
    """Render ``text`` as an inline code span that is safe in a GFM table cell.

    As ``markdown_code_span``, and each ``|`` is written ``\\|``. GFM splits a
    row into cells before it parses code spans, and a ``|`` directly after a
    backslash stays in the cell. GFM then drops that one backslash, even
    inside a code span, so the cell shows the original text.
    """
    return markdown_code_span(text).replace("|", "\\|")


def escape_markdown_text(text: str) -> str:
    """Escape ``text`` so that Markdown shows it literally, on one line.

    Meant for text inside a line, such as after ``- error: ``; the
    characters that matter there get a backslash, which CommonMark allows
    before any ASCII punctuation. Line breaks become spaces.
    """
    parts = []
    for character in text:
        if character in "\r\n":
            parts.append(" ")
        elif character in _MARKDOWN_SPECIAL:
            parts.append("\\" + character)
        else:
            parts.append(character)
    return "".join(parts)


def escape_annotation(text: str) -> str:
    """Escape the message of a GitHub workflow command.

    The runner reads one command per line and decodes ``%25``, ``%0D`` and
    ``%0A`` in the message, so escaping ``%`` first and then CR and LF keeps
    any text on one line and shows it unchanged.
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
