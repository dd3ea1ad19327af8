"""``perfgate export``: write a run or compare receipt as CSV or JSONL."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a run or compare receipt as CSV or JSONL",
        description=(
            "Export a perfgate.run.v1 receipt (one row) or a "
            "perfgate.compare.v1 receipt (one row per metric) as CSV or JSONL. "
            "CSV text cells that a spreadsheet would run as a formula get a "
            "leading apostrophe."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="run receipt to export")
    source.add_argument("--compare", help="compare receipt to export")
    parser.add_argument("--out", required=True, help="file to write, or - for stdout")
    parser.add_argument(
        "--format",
        choices=("csv", "jsonl"),
        default="csv",
        help="output format (default csv)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.app import export
    from perfgate.cli.io import read_input, write_output
    from perfgate.domain.report import require_budgets
    from perfgate.types.codec import decode_compare, decode_run

    if args.run is not None:
        run = decode_run(read_input(args.run, "run receipt"), args.run)
        if args.format == "csv":
            text = export.export_run_csv(run)
        else:
            text = export.export_run_jsonl(run)
    else:
        compare = decode_compare(
            read_input(args.compare, "compare receipt"), args.compare
        )
        require_budgets(compare, args.compare)
        if args.format == "csv":
            text = export.export_compare_csv(compare)
        else:
            text = export.export_compare_jsonl(compare)
    write_output(args.out, text.encode())
    return 0
