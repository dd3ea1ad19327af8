"""Route the library's ``perfgate`` logger to stderr as CLI warning lines."""

from __future__ import annotations

import logging
import sys


class _CliFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = "error" if record.levelno >= logging.ERROR else "warning"
        return f"perfgate: {level}: {record.getMessage()}"


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs, distinct from any other handler."""


def configure_logging() -> None:
    """Print warnings of the ``perfgate`` logger as ``perfgate: warning: ...``.

    Only commands that measure call this, because importing logging costs
    start-up time that compare and md do not need to pay. Without a
    handler, Python would print the bare message with no prefix.
    """
    logger = logging.getLogger("perfgate")
    if any(isinstance(handler, _CliHandler) for handler in logger.handlers):
        return
    handler = _CliHandler(sys.stderr)
    handler.setFormatter(_CliFormatter())
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
