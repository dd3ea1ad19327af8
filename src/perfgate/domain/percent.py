"""How many decimals a percentage needs so that its text does not mislead.

Deltas, regressions and thresholds print as percent with two decimals, as
the Rust perfgate 0.2 prints them. Two cases need more, up to six:

- a threshold such as 0.0125 (1.25 %) or 0.0004 (0.04 %), which fewer
  decimals would round to another value;
- a regression whose two-decimal text equals that of a threshold it differs
  from: 20.0001 % against a fail threshold of 20 % would read "+20.00%
  (fail > 20.00%)", which contradicts its own status.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

DEFAULT_PCT_DECIMALS: Final = 2
MAX_PCT_DECIMALS: Final = 6


def threshold_decimals(
    fraction: float, min_decimals: int = DEFAULT_PCT_DECIMALS
) -> int:
    """Return the decimals that show ``fraction`` in percent without rounding.

    The result is at least ``min_decimals`` and at most 6 (for a
    ``min_decimals`` up to 6): 0.2 needs 1 (``20.0``), 0.0125 needs 2
    (``1.25``), 1/3 is cut at 6 (``33.333333``).
    Float noise below the sixth decimal, as in 0.2 * 0.9 =
    0.18000000000000002, does not count.
    """
    text = f"{fraction * 100:.{MAX_PCT_DECIMALS}f}"
    if fraction != 0 and float(text) == 0:
        # Too small for six decimals: all six zeros at least show that the
        # value is below the display's precision rather than zero.
        return MAX_PCT_DECIMALS
    needed = len(text.rstrip("0").partition(".")[2])
    return max(min_decimals, needed)


def regression_decimals(regression: float, limits: Iterable[float]) -> int:
    """Return the decimals (2 to 6) for ``regression`` next to its ``limits``.

    ``regression`` and ``limits`` (the fail and warn thresholds it was
    compared with) are fractions. The result is the fewest decimals at which
    the percent text of ``regression`` differs from that of every limit whose
    value differs from it, or 6 when none up to 6 does. It is 2 whenever the
    two-decimal texts already differ, so ordinary output keeps two decimals.
    """
    percent = regression * 100
    others = [limit * 100 for limit in limits if limit != regression]
    for decimals in range(DEFAULT_PCT_DECIMALS, MAX_PCT_DECIMALS + 1):
        text = f"{percent:.{decimals}f}"
        if all(text != f"{other:.{decimals}f}" for other in others):
            return decimals
    return MAX_PCT_DECIMALS
