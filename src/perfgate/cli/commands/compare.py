"""``perfgate compare``: compare two run receipts under budgets."""

from __future__ import annotations

import argparse
from typing import Any

from perfgate.cli.args import key_value, threshold_fraction, warn_factor

METRIC_CHOICES = (
    "cpu_ms, ctx_switches, max_rss_kb, page_faults, throughput_per_s, wall_ms"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare a run with a baseline and write a compare receipt",
        description=(
            "Compare the medians of a current run receipt with a baseline and "
            "write a perfgate.compare.v1 receipt. Exit 0 pass or warn, "
            "2 fail, 3 warn with --fail-on-warn, 1 tool error."
        ),
    )
    parser.add_argument("--baseline", required=True, help="baseline run receipt")
    parser.add_argument("--current", required=True, help="current run receipt")
    parser.add_argument(
        "--threshold",
        type=threshold_fraction,
        default=None,
        help="fail when a metric regresses by more than this fraction "
        "(default 0.20 = 20 %%)",
    )
    parser.add_argument(
        "--warn-factor",
        type=warn_factor,
        default=None,
        help="warn from threshold * factor on (default 0.90)",
    )
    parser.add_argument(
        "--metric-threshold",
        type=key_value,
        action="append",
        default=[],
        metavar="METRIC=FRACTION",
        help="threshold for one metric; also gates it (repeatable)",
    )
    parser.add_argument(
        "--direction",
        type=key_value,
        action="append",
        default=[],
        metavar="METRIC=lower|higher",
        help="which way is better for one metric; also gates it (repeatable)",
    )
    parser.add_argument(
        "--fail-on-warn", action="store_true", help="exit 3 on a warn verdict"
    )
    parser.add_argument("--out", help="compare receipt path (default: stdout)")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.set_defaults(handler=handle)


def build_policy(args: argparse.Namespace) -> Any:
    """Turn the budget flags into a BudgetPolicy; UsageError names a bad flag."""
    from perfgate.domain.compare import (
        DEFAULT_THRESHOLD,
        DEFAULT_WARN_FACTOR,
        BudgetOverride,
        BudgetPolicy,
    )
    from perfgate.domain.metrics import parse_metric
    from perfgate.types.errors import UsageError

    thresholds: dict[Any, float] = {}
    for key, text in args.metric_threshold:
        metric = parse_metric(key)
        if metric is None:
            raise UsageError(
                f"--metric-threshold {key}={text}: unknown metric {key!r}; "
                f"expected one of {METRIC_CHOICES}"
            )
        try:
            thresholds[metric] = threshold_fraction(text)
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"--metric-threshold {key}={text}: {exc}") from None
    directions: dict[Any, Any] = {}
    for key, text in args.direction:
        metric = parse_metric(key)
        if metric is None:
            raise UsageError(
                f"--direction {key}={text}: unknown metric {key!r}; "
                f"expected one of {METRIC_CHOICES}"
            )
        if text not in ("lower", "higher"):
            raise UsageError(
                f"--direction {key}={text}: invalid direction {text!r}; "
                "expected lower or higher"
            )
        directions[metric] = text
    overrides = {
        metric: BudgetOverride(
            threshold=thresholds.get(metric), direction=directions.get(metric)
        )
        for metric in sorted(set(thresholds) | set(directions))
    }
    return BudgetPolicy(
        threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold,
        warn_factor=(
            DEFAULT_WARN_FACTOR if args.warn_factor is None else args.warn_factor
        ),
        overrides=overrides,
    )


def handle(args: argparse.Namespace) -> int:
    from perfgate.app.compare import compare_runs, max_rss_warning
    from perfgate.cli.io import read_input, write_output
    from perfgate.domain.compare import exit_code_for
    from perfgate.types.codec import decode_run, encode

    policy = build_policy(args)
    baseline = decode_run(read_input(args.baseline, "run receipt"), args.baseline)
    current = decode_run(read_input(args.current, "run receipt"), args.current)
    if baseline.bench.name != current.bench.name:
        import sys

        from perfgate.types.config import quote_text

        # Allowed, since a bench may be renamed, but usually a wrong file.
        sys.stderr.write(
            f"perfgate: warning: {args.baseline}: the baseline is of bench "
            f"{quote_text(baseline.bench.name)}, but {args.current} is of bench "
            f"{quote_text(current.bench.name)}; check that these are the right "
            "files\n"
        )
    receipt = compare_runs(
        baseline,
        current,
        policy,
        baseline_path=args.baseline,
        current_path=args.current,
    )
    warning = max_rss_warning(baseline, current)
    if warning is not None:
        import sys

        sys.stderr.write(f"perfgate: warning: {warning}\n")
    write_output(args.out, encode(receipt, pretty=args.pretty))
    return exit_code_for(receipt.verdict.status, fail_on_warn=args.fail_on_warn)
