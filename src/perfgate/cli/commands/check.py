"""``perfgate check``: run configured benches, compare each with its baseline,
and write the artifacts a CI job needs.

Paths: every relative path in the config file (a bench's ``cwd``,
``out_dir``, ``baseline_dir``) is relative to the config file's folder, and a
bench without ``cwd`` runs in that folder, so a config gives the same result
from any working directory. Paths given as flags (``--config``,
``--out-dir``, ``--baseline``) are relative to the current directory.

Artifacts of ``--bench NAME`` go into OUT_DIR; those of ``--all`` into
``OUT_DIR/FOLDER`` per bench, plus one combined ``OUT_DIR/comment.md``. There
is no combined ``report.json``, because a ``perfgate.report.v1`` report contains
one comparison; each bench folder has its own. ``report.json`` is written
whenever a bench ran or failed to start, a tool error included.

``FOLDER`` is the bench name with each ``/`` and ``\\`` replaced by ``_``,
as ``perfgate.domain.config`` defines (a name cannot contain control
characters). So it is the name itself for every valid file name. The default
baseline is ``baseline_dir/FOLDER.json``. It may be missing (a warning, or
exit 1 with ``--require-baseline``), but a ``--baseline`` file must exist.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from perfgate.cli.args import add_command_environment_options

if TYPE_CHECKING:
    from perfgate.app.check import CheckResult
    from perfgate.domain.config import ResolvedBench, ResolvedConfig
    from perfgate.types.receipts import RunReceipt

DEFAULT_CONFIG = "perfgate.toml"
SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"

RUN_FILE = "run.json"
COMPARE_FILE = "compare.json"
REPORT_FILE = "report.json"
COMMENT_FILE = "comment.md"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run configured benches and gate them on their baselines",
        description=(
            "Run one bench (--bench NAME) or every bench (--all) of a "
            "perfgate.config.v1 file, compare each with its baseline "
            "(baseline_dir/NAME.json), and write run.json, compare.json, "
            "report.json and comment.md. In file and folder names, each '/' "
            "and '\\' of NAME becomes '_'; everything else, spaces and "
            "non-ASCII letters included, stays. Relative paths in "
            "the config are relative to the config file's folder. Exit 0 "
            "pass, warn or no baseline; 2 fail; 3 warn with --fail-on-warn; 1 "
            "tool error (with --all: the worst over all benches)."
        ),
    )
    selection = parser.add_mutually_exclusive_group(required=True)
    selection.add_argument(
        "--bench", metavar="NAME", help="check the bench called NAME"
    )
    selection.add_argument(
        "--all", action="store_true", help="check every bench, in config order"
    )
    parser.add_argument(
        "--config",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help=f"config file, TOML or (name ending in .json) JSON "
        f"(default {DEFAULT_CONFIG})",
    )
    parser.add_argument(
        "--out-dir",
        metavar="DIR",
        help="folder for the artifacts, created if missing "
        "(default: out_dir of the config, else artifacts/perfgate)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="baseline run receipt, which must exist (only with --bench; "
        "default baseline_dir/NAME.json, which may be missing)",
    )
    parser.add_argument(
        "--require-baseline",
        action="store_true",
        help="exit 1 when a baseline is missing instead of warning",
    )
    parser.add_argument(
        "--fail-on-warn", action="store_true", help="exit 3 on a warn verdict"
    )
    add_command_environment_options(parser)
    parser.add_argument(
        "--allow-nonzero",
        action="store_true",
        help="compare even when a command fails or times out; the failed "
        "iterations are listed in comment.md and report.json",
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.cli.logs import configure_logging

    configure_logging()
    import os

    from perfgate.adapters.host import SystemClock, SystemHostProbe
    from perfgate.adapters.ports import DEFAULT_OUTPUT_CAP_BYTES
    from perfgate.adapters.process import PosixProcessRunner
    from perfgate.app.check import CheckRequest, check_bench, worst_exit_code
    from perfgate.app.check_summary import render_check_summary
    from perfgate.cli.io import write_atomic
    from perfgate.types.errors import UsageError

    if args.baseline is not None and args.bench is None:
        raise UsageError(
            "perfgate check: --baseline works only with --bench; with --all "
            "each bench's baseline is baseline_dir/NAME.json"
        )
    config = _load_config(args.config)
    benches = _select_benches(config, args)
    config_dir = os.path.dirname(args.config)
    out_dir = args.out_dir or _from_config(config_dir, config.out_dir)
    baseline_dir = _from_config(config_dir, config.baseline_dir)

    # Read every baseline before anything runs: an invalid one is an error
    # that should not cost a whole benchmark run first.
    requests: list[tuple[str, CheckRequest]] = []
    for bench in benches:
        folder = (
            out_dir
            if args.bench is not None
            else os.path.join(out_dir, bench.folder_name)
        )
        if args.baseline is not None:
            baseline_path = args.baseline
            baseline = _read_baseline(baseline_path, bench.name, required=True)
        else:
            baseline_path = os.path.join(baseline_dir, f"{bench.folder_name}.json")
            baseline = _read_baseline(baseline_path, bench.name, required=False)
        request = CheckRequest(
            bench=_with_cwd(bench, config_dir),
            baseline=baseline,
            baseline_path=baseline_path,
            current_path=os.path.join(folder, RUN_FILE),
            env=dict(args.env),
            output_cap_bytes=(
                DEFAULT_OUTPUT_CAP_BYTES
                if args.output_cap_bytes is None
                else args.output_cap_bytes
            ),
            require_baseline=args.require_baseline,
            fail_on_warn=args.fail_on_warn,
            allow_nonzero=args.allow_nonzero,
        )
        requests.append((folder, request))

    runner = PosixProcessRunner()
    host_probe = SystemHostProbe()
    clock = SystemClock()
    results: list[CheckResult] = []
    for folder, request in requests:
        _make_folder(folder)
        result = check_bench(request, runner, host_probe, clock)
        _write_artifacts(folder, result, pretty=args.pretty)
        _print_result(result)
        results.append(result)

    if args.all:
        summary = render_check_summary(results)
        write_atomic(os.path.join(out_dir, COMMENT_FILE), summary.encode("utf-8"))
    else:
        summary = results[0].comment
    _append_step_summary(summary)
    return worst_exit_code(result.exit_code for result in results)


def _load_config(path: str) -> ResolvedConfig:
    from perfgate.cli.io import read_input
    from perfgate.domain.config import resolve_config
    from perfgate.types.config import decode_config

    return resolve_config(decode_config(read_input(path, "config file"), path), path)


def _select_benches(
    config: ResolvedConfig, args: argparse.Namespace
) -> tuple[ResolvedBench, ...]:
    from perfgate.types.config import quote_text
    from perfgate.types.errors import ConfigError

    if args.all:
        if not config.benches:
            raise ConfigError(
                f"{args.config}: no [[bench]] tables, so there is nothing to "
                "check; add a bench"
            )
        return config.benches
    bench = config.bench_named(args.bench)
    if bench is None:
        names = ", ".join(quote_text(entry.name) for entry in config.benches)
        known = f"the config defines {names}" if names else "it defines no bench"
        raise ConfigError(
            f"{args.config}: no bench named {quote_text(args.bench)}; {known}"
        )
    return (bench,)


def _from_config(config_dir: str, path: str) -> str:
    """Resolve a path written in the config against the config file's folder."""
    import os

    if not config_dir or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(config_dir, path))


def _with_cwd(bench: ResolvedBench, config_dir: str) -> ResolvedBench:
    import dataclasses

    if bench.cwd is not None:
        cwd: str | None = _from_config(config_dir, bench.cwd)
    else:
        cwd = config_dir or None
    return dataclasses.replace(bench, cwd=cwd)


def _read_baseline(path: str, name: str, *, required: bool) -> RunReceipt | None:
    """Read the baseline at ``path``; None when it does not exist and not ``required``.

    A file that exists but cannot be read or decoded raises, so that a
    broken baseline is never mistaken for a missing one. A ``required`` one
    (given with --baseline) that does not exist raises InputError too.
    """
    import os
    import sys

    from perfgate.cli.io import read_input
    from perfgate.types.codec import decode_run
    from perfgate.types.config import quote_text

    if not required and not os.path.lexists(path):
        return None
    baseline = decode_run(read_input(path, "run receipt"), path)
    if baseline.bench.name != name:
        sys.stderr.write(
            f"perfgate: warning: {path}: the baseline is of bench "
            f"{quote_text(baseline.bench.name)}, not {quote_text(name)}; "
            "check that it is the right file\n"
        )
    return baseline


def _make_folder(folder: str) -> None:
    import os

    from perfgate.types.errors import OutputError

    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(
            f"{folder}: cannot create the output folder: a file of that name "
            "exists; remove it or pass another --out-dir"
        ) from exc
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot create the output folder: {exc.strerror or exc}"
        ) from exc


def _write_artifacts(folder: str, result: CheckResult, *, pretty: bool) -> None:
    """Write what ``result`` has and remove stale files of what it lacks.

    Only ``compare.json`` and, when the command could not start, ``run.json``
    can be missing; ``report.json`` and ``comment.md`` are always written.
    """
    import os

    from perfgate.cli.io import write_atomic
    from perfgate.types.codec import encode

    receipts = (
        (RUN_FILE, result.run),
        (COMPARE_FILE, result.compare),
        (REPORT_FILE, result.report),
    )
    for file_name, receipt in receipts:
        path = os.path.join(folder, file_name)
        if receipt is None:
            _remove_stale(path)
        else:
            write_atomic(path, encode(receipt, pretty=pretty))
    write_atomic(os.path.join(folder, COMMENT_FILE), result.comment.encode("utf-8"))


def _remove_stale(path: str) -> None:
    import os

    from perfgate.types.errors import OutputError

    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot remove the file of an earlier run: "
            f"{exc.strerror or exc}; remove it by hand"
        ) from exc


def _print_result(result: CheckResult) -> None:
    import sys

    from perfgate.types.config import quote_text

    bench_text = f"bench {quote_text(result.name)}"
    lines: list[str] = []
    failure_kind = "error" if result.outcome == "error" else "warning"
    for failure in result.failures:
        lines.append(f"perfgate: {failure_kind}: {bench_text}: {failure}")
    if result.outcome == "no_baseline":
        hint = ""
        if result.promote_command is not None:
            hint = f"; create it with `{result.promote_command}`"
        if result.error is not None:
            lines.append(f"perfgate: error: {bench_text}: {result.error}{hint}")
        else:
            lines.append(
                f"perfgate: warning: {bench_text}: no baseline at "
                f"{result.baseline_path}, so no budget was checked{hint}"
            )
    elif result.error is not None:
        hint = ""
        if result.failures and result.run is not None:
            hint = " (run.json written; pass --allow-nonzero to compare anyway)"
        lines.append(f"perfgate: error: {bench_text}: {result.error}{hint}")
    lines.append(result.summary)
    sys.stderr.write("".join(f"{line}\n" for line in lines))
    sys.stderr.flush()


def _append_step_summary(markdown: str) -> None:
    """Append ``markdown`` to the file named by GITHUB_STEP_SUMMARY, if set.

    GitHub shows that file on the job's summary page; other steps may have
    written to it, so it is appended to. A failure only warns: the verdict
    is already decided and written.
    """
    import os
    import sys

    path = os.environ.get(SUMMARY_VARIABLE)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
            handle.write("\n")
    except OSError as exc:
        sys.stderr.write(
            f"perfgate: warning: {path}: cannot append the summary named by "
            f"{SUMMARY_VARIABLE}: {exc.strerror or exc}\n"
        )
