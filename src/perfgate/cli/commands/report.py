"""Placeholder for `perfgate report`, replaced by its implementation."""

from __future__ import annotations

from typing import Any


def register(subparsers: Any) -> None:
    """Register nothing until the command exists."""
