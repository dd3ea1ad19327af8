"""``perfgate promote``: copy a run receipt to a baseline path."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "promote",
        help="turn a run receipt into a baseline",
        description=(
            "Validate a perfgate.run.v1 receipt and write it to the baseline "
            "path. With --normalize the run id becomes 'baseline' and both "
            "timestamps 1970-01-01T00:00:00Z, so that promoting an unchanged "
            "run leaves no diff."
        ),
    )
    parser.add_argument("--current", required=True, help="run receipt to promote")
    parser.add_argument(
        "--to",
        required=True,
        help="baseline file to write; its folder is created when missing",
    )
    parser.add_argument(
        "--normalize",
        action="store_true",
        help="replace the run id and timestamps with fixed values",
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.app.promote import promote_document
    from perfgate.cli.io import make_parent_directory, read_input, write_atomic
    from perfgate.types.codec import decode_run

    data = read_input(args.current, "run receipt")
    # Validate first: a corrupt receipt must never become a baseline.
    decode_run(data, args.current)
    baseline = promote_document(data, normalize=args.normalize, pretty=args.pretty)
    # Baselines usually live in a folder of their own, such as baselines/.
    make_parent_directory(args.to)
    write_atomic(args.to, baseline)
    return 0
