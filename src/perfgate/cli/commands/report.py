"""``perfgate report``: wrap a compare receipt in the report envelope."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the perfgate.report.v1 envelope of a compare receipt",
        description=(
            "Write a perfgate.report.v1 report: the verdict, the compare "
            "receipt, one finding per warn or fail metric and the counts. "
            "Exits 0 whatever the verdict, as the Rust perfgate does: gate on "
            "the exit code of `perfgate compare` or `perfgate check`."
        ),
    )
    parser.add_argument("--compare", required=True, help="compare receipt to read")
    parser.add_argument("--out", help="report file to write (default: stdout)")
    parser.add_argument("--md", help="also write the Markdown PR comment to this file")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.app.markdown import render_compare_markdown
    from perfgate.app.report import build_report
    from perfgate.cli.io import (
        check_output_path,
        read_input,
        write_atomic,
        write_output,
    )
    from perfgate.domain.report import require_budgets
    from perfgate.types.codec import decode_compare, encode

    compare = decode_compare(read_input(args.compare, "compare receipt"), args.compare)
    require_budgets(compare, args.compare)
    report = encode(build_report(compare), pretty=args.pretty)
    markdown = render_compare_markdown(compare).encode() if args.md else None
    # Check both paths first, so that an unwritable --md leaves --out as it was.
    check_output_path(args.out)
    check_output_path(args.md)
    write_output(args.out, report)
    if markdown is not None:
        write_atomic(args.md, markdown)
    return 0
