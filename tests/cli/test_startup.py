"""What the command line imports before it does its work.

Start-up time is part of every CI job that calls perfgate, so these tests
pin the choices that keep it short: only the chosen command's module is
imported, ``--version`` imports neither argparse nor msgspec, and msgspec
is loaded without typing_extensions. Modules are checked in a fresh
interpreter, because this test process has imported everything already.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.cli.commands import COMMAND_MODULES, build_parser

SRC = Path(__file__).resolve().parents[2] / "src"

# Prints the perfgate command modules and a few heavy modules that are
# loaded after main() ran with the arguments given on the command line.
PROBE = """
import json, sys
from perfgate.cli.main import main
code = main(sys.argv[1:])
loaded = sorted(
    name for name in sys.modules
    if name.startswith("perfgate.cli.commands.")
    or name in ("argparse", "msgspec", "typing_extensions")
)
sys.stdout.write("\\n" + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def probe(arguments: list[str], cwd: Path) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout.splitlines()[-1])
    return result


def subcommand_choices(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    raise AssertionError("the parser has no subcommands")


@pytest.mark.parametrize("name", sorted(COMMAND_MODULES))
def test_command_registers_only_itself(name: str) -> None:
    assert subcommand_choices(build_parser([name, "--help"])) == [name]


@pytest.mark.parametrize("arguments", [[], ["--help"], ["frobnicate"], ["-V"]])
def test_other_arguments_register_all(arguments: list[str]) -> None:
    assert subcommand_choices(build_parser(arguments)) == sorted(COMMAND_MODULES)


def test_md_loads_one_command_module(tmp_path: Path) -> None:
    compare = tmp_path / "compare.json"
    receipt = {
        "schema": "perfgate.compare.v1",
        "tool": {"name": "perfgate", "version": "0.1.0"},
        "bench": {"name": "b", "command": ["true"], "repeat": 1, "warmup": 0},
        "baseline_ref": {},
        "current_ref": {},
        "budgets": {
            "wall_ms": {"threshold": 0.2, "warn_threshold": 0.18, "direction": "lower"}
        },
        "deltas": {
            "wall_ms": {
                "baseline": 10.0,
                "current": 10.0,
                "ratio": 1.0,
                "pct": 0.0,
                "regression": 0.0,
                "status": "pass",
            }
        },
        "verdict": {
            "status": "pass",
            "counts": {"pass": 1, "warn": 0, "fail": 0},
            "reasons": [],
        },
    }
    compare.write_text(json.dumps(receipt))
    result = probe(["md", "--compare", str(compare)], tmp_path)
    assert result["code"] == 0
    assert result["loaded"] == ["argparse", "msgspec", "perfgate.cli.commands.md"]


def test_version_imports_no_parser(tmp_path: Path) -> None:
    result = probe(["--version"], tmp_path)
    assert result["code"] == 0
    assert result["loaded"] == []


# A msgspec stand-in that cannot work without typing_extensions.
STRICT_MSGSPEC = "import typing_extensions\nVERSION = 'stand-in'\n"


def test_msgspec_needing_typing_extensions_loads(tmp_path: Path) -> None:
    (tmp_path / "msgspec.py").write_text(STRICT_MSGSPEC)
    (tmp_path / "typing_extensions.py").write_text("")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from perfgate.cli.main import _import_msgspec\n"
        "_import_msgspec()\n"
        "print(sys.modules['msgspec'].VERSION, 'typing_extensions' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PYTHONPATH=str(SRC)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["stand-in", "True"]


def test_typing_extensions_importable_after(tmp_path: Path) -> None:
    (tmp_path / "typing_extensions.py").write_text("MARK = 'importable'\n")
    code = (
        "import sys\n"
        "from perfgate.cli.main import _import_msgspec\n"
        "_import_msgspec()\n"
        "hidden = 'typing_extensions' not in sys.modules\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import typing_extensions\n"
        "print(hidden, typing_extensions.MARK)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PYTHONPATH=str(SRC)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["True", "importable"]
