"""``perfgate github-annotations``: print workflow commands for GitHub Actions."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "github-annotations",
        help="print GitHub Actions annotations for the metrics that warn or fail",
        description=(
            "Print one ::error:: line per failing metric and one ::warning:: "
            "line per warning metric of a perfgate.compare.v1 receipt; print "
            "nothing when every metric passes. Always exits 0 after printing."
        ),
    )
    parser.add_argument("--compare", required=True, help="compare receipt to read")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.app.annotations import render_annotations
    from perfgate.cli.io import read_input, write_output
    from perfgate.types.codec import decode_compare

    compare = decode_compare(read_input(args.compare, "compare receipt"), args.compare)
    write_output(None, render_annotations(compare).encode())
    return 0
