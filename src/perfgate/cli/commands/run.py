"""``perfgate run``: measure a command and write a run receipt."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from perfgate.cli.args import (
    add_command_environment_options,
    duration_ns,
    non_negative_u32,
    positive_u32,
    positive_u64,
)
from perfgate.types.errors import UsageError

DEFAULT_REPEAT = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="measure a command and write a run receipt",
        description=(
            "Run COMMAND (no shell) WARMUP + REPEAT times and write a "
            "perfgate.run.v1 receipt with wall time, CPU time and peak memory."
        ),
        usage="perfgate run --name NAME [options] -- COMMAND [ARG...]",
    )
    parser.add_argument("--name", required=True, help="bench name in the receipt")
    parser.add_argument(
        "--repeat",
        type=positive_u32,
        default=DEFAULT_REPEAT,
        help=f"measured iterations (default {DEFAULT_REPEAT})",
    )
    parser.add_argument(
        "--warmup",
        type=non_negative_u32,
        default=0,
        help="iterations run first and left out of the stats (default 0)",
    )
    parser.add_argument(
        "--work",
        type=positive_u64,
        help="work units per iteration; adds throughput_per_s",
    )
    parser.add_argument("--cwd", help="working directory of the command")
    parser.add_argument(
        "--timeout",
        type=duration_ns,
        help="per-iteration limit such as 500ms, 2s, 1m or 1h30m; "
        "the whole process group is killed when it passes",
    )
    add_command_environment_options(parser)
    parser.add_argument(
        "--allow-nonzero",
        action="store_true",
        help="exit 0 even when the command fails or times out",
    )
    parser.add_argument(
        "--include-hostname-hash",
        action="store_true",
        help="record a SHA-256 hash of the hostname",
    )
    parser.add_argument("--out", help="receipt path (default: stdout)")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, help="the command and its arguments"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.cli.logs import configure_logging

    configure_logging()
    from perfgate.adapters.host import SystemClock, SystemHostProbe
    from perfgate.adapters.ports import DEFAULT_OUTPUT_CAP_BYTES
    from perfgate.adapters.process import PosixProcessRunner
    from perfgate.app.run import RunRequest, run_bench
    from perfgate.cli.io import check_output_path, write_output
    from perfgate.types.codec import encode

    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError(
            "perfgate run: missing COMMAND; put it after `--`, e.g. "
            "`perfgate run --name t -- sleep 0.1`"
        )
    request = RunRequest(
        name=args.name,
        command=tuple(command),
        repeat=args.repeat,
        warmup=args.warmup,
        work_units=args.work,
        cwd=args.cwd,
        env=dict(args.env),
        timeout_ns=args.timeout,
        output_cap_bytes=(
            DEFAULT_OUTPUT_CAP_BYTES
            if args.output_cap_bytes is None
            else args.output_cap_bytes
        ),
        include_hostname_hash=args.include_hostname_hash,
    )
    # Fail before measuring, not after, when the receipt cannot be saved.
    check_output_path(args.out)
    outcome = run_bench(request, PosixProcessRunner(), SystemHostProbe(), SystemClock())
    write_output(args.out, encode(outcome.receipt, pretty=args.pretty))

    if outcome.failures and not args.allow_nonzero:
        # One line: the count, the first failure with the command's own
        # message, and where the receipt with every sample's output went.
        total = args.warmup + args.repeat
        written = args.out if args.out not in (None, "-") else "stdout"
        sys.stderr.write(
            f"perfgate: error: {len(outcome.failures)} of {total} iterations of "
            f"{args.name!r} failed or timed out, first {outcome.failures[0]}; "
            f"receipt written to {written}; pass --allow-nonzero to accept "
            "failures\n"
        )
        return 1
    return 0
