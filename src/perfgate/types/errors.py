"""The exception tree shared by every layer.

    PerfgateError                 any tool error; the CLI maps it to exit 1
    ├── InputError                a file or value that cannot be used
    │   ├── ReceiptError          a receipt that does not decode or validate
    │   └── ConfigError           a config that does not decode or validate
    ├── UsageError                a bad command-line flag or flag value
    ├── MeasureError              the command could not be started or measured
    ├── ComparisonError           two receipts that cannot be compared
    └── OutputError               an output file that could not be written

Every message names what failed (file, field path or flag), the value when it
helps, and what to do next. The CLI prints ``str(error)`` as one line.
"""

from __future__ import annotations


class PerfgateError(Exception):
    """Any error that perfgate reports as a tool error (exit code 1)."""


class InputError(PerfgateError):
    """A file or value that cannot be used as input."""


class ReceiptError(InputError):
    """A receipt that does not decode or does not satisfy the contract."""


class ConfigError(InputError):
    """A config file that does not decode or does not satisfy the contract."""


class UsageError(PerfgateError):
    """A command-line flag that is missing, malformed or out of range."""


class MeasureError(PerfgateError):
    """The benchmarked command could not be started or measured."""


class ComparisonError(PerfgateError):
    """Two receipts that cannot be compared, such as a zero baseline median.

    ``side`` is ``"baseline"`` or ``"current"`` when one receipt is at fault,
    so that the caller can name that file.
    """

    def __init__(self, message: str, *, side: str | None = None) -> None:
        super().__init__(message)
        self.side = side


class OutputError(PerfgateError):
    """An output file that could not be written."""
