"""One module per subcommand; each has ``register(subparsers)`` and a handler.

Handlers import the app layer lazily, so that a command pays only for the
modules it uses.
"""

from __future__ import annotations

import argparse

from perfgate import __version__
from perfgate.cli.args import Parser
from perfgate.cli.commands import (
    check,
    compare,
    export,
    github_annotations,
    md,
    promote,
    report,
    run,
    schema,
)

# Order of the commands in ``perfgate --help``.
COMMAND_MODULES = (
    run,
    compare,
    check,
    md,
    github_annotations,
    report,
    promote,
    export,
    schema,
)


def build_parser() -> argparse.ArgumentParser:
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
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser
