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
    parser.add_argument("--to", required=True, help="baseline file to write")
    parser.add_argument(
        "--normalize",
        action="store_true",
        help="replace the run id and timestamps with fixed values",
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.app.promote import promote
    from perfgate.cli.io import read_input, write_atomic
    from perfgate.types.codec import decode_run, encode

    run = decode_run(read_input(args.current, "run receipt"), args.current)
    # NOTE: fields this version does not know are dropped on the way through,
    # because the receipt is decoded into typed structs and encoded again.
    baseline = promote(run, normalize=args.normalize)
    write_atomic(args.to, encode(baseline, pretty=args.pretty))
    return 0
