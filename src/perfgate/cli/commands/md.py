"""``perfgate md``: render a compare receipt as a Markdown PR comment."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "md",
        help="render a compare receipt as a Markdown PR comment",
        description=(
            "Render a perfgate.compare.v1 receipt as a Markdown comment: the "
            "verdict, one table row per metric and a note per warn or fail."
        ),
    )
    parser.add_argument("--compare", required=True, help="compare receipt to render")
    parser.add_argument("--out", help="Markdown file to write (default: stdout)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.app.markdown import render_compare_markdown
    from perfgate.cli.io import read_input, write_output
    from perfgate.domain.report import require_budgets
    from perfgate.types.codec import decode_compare

    compare = decode_compare(read_input(args.compare, "compare receipt"), args.compare)
    require_budgets(compare, args.compare)
    write_output(args.out, render_compare_markdown(compare).encode())
    return 0
