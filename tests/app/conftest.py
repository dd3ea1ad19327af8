"""Fixtures of the app tests: compare receipts built from run receipts, goldens."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from perfgate.app.compare import compare_runs
from perfgate.domain.compare import BudgetPolicy
from perfgate.types.codec import decode_run
from perfgate.types.receipts import CompareReceipt, RunReceipt

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
# Set to 1 to rewrite the golden files from the current output; review the
# diff by eye before committing it.
UPDATE_GOLDEN_VARIABLE = "PERFGATE_UPDATE_GOLDEN"


@pytest.fixture
def make_run_receipt(
    make_run: Callable[..., dict[str, Any]],
) -> Callable[..., RunReceipt]:
    """Return a function that decodes a run receipt built by ``make_run``."""

    def build(**keywords: Any) -> RunReceipt:
        data = json.dumps(make_run(**keywords)).encode()
        return decode_run(data, "run.json")

    return build


@pytest.fixture
def make_compare(
    make_run_receipt: Callable[..., RunReceipt],
) -> Callable[..., CompareReceipt]:
    """Return a function that compares two runs built from ``make_run`` keywords.

    ``baseline`` and ``current`` are keyword mappings for ``make_run``; the
    bench name applies to both. ``policy`` defaults to the contract defaults.
    """

    def build(
        *,
        baseline: Mapping[str, Any],
        current: Mapping[str, Any],
        name: str = "bench",
        policy: BudgetPolicy | None = None,
    ) -> CompareReceipt:
        return compare_runs(
            make_run_receipt(name=name, run_id="base", **baseline),
            make_run_receipt(name=name, run_id="cur", **current),
            policy or BudgetPolicy(),
            baseline_path="baseline.json",
            current_path="current.json",
        )

    return build


@pytest.fixture
def assert_golden() -> Callable[[str, str], None]:
    """Return a function that checks text against ``golden/NAME``.

    With PERFGATE_UPDATE_GOLDEN=1 it writes the file instead of comparing.
    """

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if os.environ.get(UPDATE_GOLDEN_VARIABLE) == "1":
            path.write_bytes(actual.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(
                f"golden file {path} is missing; create it with "
                f"{UPDATE_GOLDEN_VARIABLE}=1 and review it"
            )
        expected = path.read_bytes().decode("utf-8")
        assert actual == expected, f"output differs from golden file {path}"

    return check


def read_code_span(text: str) -> str:
    """Return what CommonMark shows for ``text``, which must be one code span.

    Fails the test when ``text`` is not exactly one code span: the opening
    backtick run must close at the end and nowhere before it.
    """
    fence_length = len(text) - len(text.lstrip("`"))
    assert fence_length > 0, f"{text!r} does not start with a backtick"
    fence = "`" * fence_length
    assert text.endswith(fence), f"{text!r} does not end with its fence"
    content = text[fence_length : len(text) - fence_length]
    assert not content.endswith("`"), f"{text!r} closes with a longer run"
    inner_runs = [len(run) for run in re.findall("`+", content)]
    assert fence_length not in inner_runs, f"{text!r} closes its code span early"
    assert "\n" not in content
    assert "\r" not in content
    if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
        content = content[1:-1]
    return content


def split_table_row(line: str) -> list[str]:
    """Split a GFM table row into cell texts, as cmark-gfm does.

    A ``|`` directly after a backslash belongs to the cell, and that one
    backslash is dropped from the cell text; the outer pipes are removed.
    """
    assert line.startswith("| ")
    assert line.endswith(" |")
    cells = re.split(r"(?<!\\)\|", line[1:-1])
    return [cell.strip().replace("\\|", "|") for cell in cells]


@pytest.fixture
def code_span() -> Callable[[str], str]:
    """Return ``read_code_span``; conftest modules are not importable."""
    return read_code_span


@pytest.fixture
def table_cells() -> Callable[[str], list[str]]:
    """Return ``split_table_row``; conftest modules are not importable."""
    return split_table_row
