"""One module per subcommand; each has ``register(subparsers)`` and a handler.

Only the module of the command being run is imported, and handlers import the
app layer lazily, so that a command pays only for the modules it uses.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from perfgate import __version__
from perfgate.cli.args import Parser

# Command name -> its module in this package, in the order of ``perfgate --help``.
COMMAND_MODULES = {
    "run": "run",
    "compare": "compare",
    "check": "check",
    "md": "md",
    "github-annotations": "github_annotations",
    "report": "report",
    "promote": "promote",
    "export": "export",
    "schema": "schema",
}


def build_parser(arguments: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the argument parser for ``arguments``.

    When the first argument names a command, only that command is registered
    (the rest would only cost start-up time). Otherwise, as for ``--help``,
    an unknown command or no arguments at all, every command is registered.
    """
    parser = Parser(
        prog="perfgate",
        description=(
            "Gate merges on explicit performance budgets: measure a command, "
            "compare it with a baseline, and report a verdict."
        ),
        epilog=(
            "Exit codes: 0 pass (or warn), 1 tool error, 2 budget violated, "
            "3 warn with --fail-on-warn."
        ),
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"perfgate {__version__}"
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )
    names: Sequence[str] = list(COMMAND_MODULES)
    if arguments and arguments[0] in COMMAND_MODULES:
        names = [arguments[0]]
    for name in names:
        module = importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}")
        module.register(subparsers)
    return parser
