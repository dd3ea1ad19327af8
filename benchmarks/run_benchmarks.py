"""Measure how well perfgate measures, against the tools people use instead.

Every figure compares perfgate with an anchor (hyperfine, GNU time or the bare
interpreter) on this machine in this run, so the figure is a ratio or a
difference, not an absolute time. Each figure is measured in several rounds;
the page shows the median over the rounds and the lowest and highest round.
The anchor and perfgate alternate within a round, and their order flips from
one round to the next, so a load change on a shared machine hits both sides.

Usage, from the repository root, in a virtual environment where perfgate is
installed (so that its ``perfgate`` console script exists)::

    python3 -m venv .venv && .venv/bin/pip install -e '.[test]'
    .venv/bin/python benchmarks/run_benchmarks.py

The script installs nothing. It needs hyperfine and GNU time (/usr/bin/time)
and stops with an install hint when either is missing. It writes
docs/benchmarks.md (``--out`` to change). ``--rounds`` and ``--quick`` make
it faster for a smoke test; the page records the options used.

Child processes run without PYTHONDONTWRITEBYTECODE, so that Python start-up
reads cached bytecode as it does on a user's machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "docs" / "benchmarks.md"
GNU_TIME = "/usr/bin/time"
INSTALL_HINT = "apt-get install hyperfine time"
NS_PER_MS = 1_000_000

# Code that imports what every receipt-reading perfgate command must import:
# msgspec (without typing_extensions, as perfgate's command line does) and
# argparse. Its start-up is the floor under `perfgate compare` and `md`.
FLOOR_CODE = (
    "import sys; sys.modules['typing_extensions'] = None; import msgspec, argparse"
)


class BenchmarkError(Exception):
    """A tool failed or its output could not be read; the message names it."""


@dataclass
class Settings:
    """Sizes of the measurements; ``--quick`` shrinks them for a smoke test."""

    rounds: int = 5
    overhead_runs: int = 200
    overhead_warmup: int = 20
    sleep_runs: int = 15
    rss_runs: int = 20
    latency_runs: int = 30
    scale_rounds: int = 3
    scale_sizes: tuple[int, int] = (10_000, 100_000)
    verdict_trials: int = 30
    verdict_target_ms: float = 20.0


@dataclass
class Figure:
    """One section of the page: a title, a method note and a table."""

    title: str
    method: str
    headers: list[str]
    rows: list[list[str]]
    # (what, measured, target, met) lines for the summary table.
    summary: list[tuple[str, str, str, bool | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Tools:
    """The programs the benchmarks run."""

    python: str
    perfgate: str
    hyperfine: str
    env: dict[str, str]
    workdir: Path

    def perfgate_module(self) -> list[str]:
        return [self.python, "-m", "perfgate"]


# --- running programs ----------------------------------------------------------


def run_checked(argv: Sequence[str], env: dict[str, str]) -> str:
    """Run ``argv`` and return its stdout; raise BenchmarkError when it fails."""
    completed = subprocess.run(
        list(argv), env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchmarkError(
            f"{shlex.join(argv)} failed with exit code {completed.returncode}: "
            f"{completed.stderr.strip()[-500:]}"
        )
    return completed.stdout


def hyperfine(
    tools: Tools, commands: Sequence[Sequence[str]], *, runs: int, warmup: int
) -> list[dict[str, float]]:
    """Run hyperfine without a shell and return mean and median (s) per command."""
    export = tools.workdir / "hyperfine.json"
    argv = [
        tools.hyperfine,
        "-N",
        "--style",
        "none",
        "--runs",
        str(runs),
        "--warmup",
        str(warmup),
        "--export-json",
        str(export),
        *(shlex.join(command) for command in commands),
    ]
    run_checked(argv, tools.env)
    results = json.loads(export.read_text())["results"]
    return [{"mean": r["mean"], "median": r["median"]} for r in results]


def gnu_time_rss_kb(tools: Tools, argv: Sequence[str]) -> int:
    """Return the peak RSS in KB that GNU time reports for one run of ``argv``."""
    report = tools.workdir / "gnu-time.txt"
    run_checked([GNU_TIME, "-f", "%M", "-o", str(report), *argv], tools.env)
    return int(report.read_text().split()[-1])


def perfgate_run(
    tools: Tools,
    command: Sequence[str],
    *,
    repeat: int,
    warmup: int,
    out: Path,
    env: dict[str, str] | None = None,
) -> dict[str, object]:
    """Run ``perfgate run`` on ``command`` and return the receipt."""
    argv = [
        tools.perfgate,
        "run",
        "--name",
        "bench",
        "--repeat",
        str(repeat),
        "--warmup",
        str(warmup),
        "--out",
        str(out),
        "--",
        *command,
    ]
    run_checked(argv, env or tools.env)
    receipt: dict[str, object] = json.loads(out.read_text())
    return receipt


def stat_median(receipt: dict[str, object], metric: str) -> int:
    stats = receipt["stats"]
    assert isinstance(stats, dict)
    value = stats[metric]["median"]
    assert isinstance(value, int)
    return value


# --- formatting ------------------------------------------------------------------


def spread(values: Sequence[float], fmt: Callable[[float], str]) -> str:
    """Format the median of ``values`` with the range over the rounds."""
    if len(values) == 1:
        return fmt(values[0])
    low, high = min(values), max(values)
    return f"{fmt(statistics.median(values))} [{fmt(low)}–{fmt(high)}]"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def met_text(met: bool | None) -> str:
    if met is None:
        return "—"
    return "met" if met else "**not met**"


def code(argv: Sequence[str], *, tools: Tools) -> str:
    """Show a command as a code span, with long paths shortened."""
    text = shlex.join(argv)
    text = text.replace(tools.python, "python").replace(tools.perfgate, "perfgate")
    text = text.replace(str(tools.workdir) + "/", "")
    return "`" + text.replace("|", "\\|") + "`"


def alternate(
    round_index: int, first: Callable[[], None], second: Callable[[], None]
) -> None:
    """Run two measurements, in the opposite order on odd rounds."""
    if round_index % 2 == 0:
        first()
        second()
    else:
        second()
        first()


# --- figure 1 and 2: per-sample overhead and accuracy -----------------------------


def resolved(program: str) -> str:
    """Return the absolute path of ``program`` found on PATH.

    perfgate searches PATH before its clock starts, hyperfine inside its timed
    interval (about 0.1 ms here), so both get the path already resolved.
    """
    found = shutil.which(program)
    if found is None:
        raise BenchmarkError(f"{program} not found on PATH")
    return found


def figure_overhead(tools: Tools, settings: Settings) -> Figure:
    command = [resolved("true")]
    anchor_means: list[float] = []
    anchor_medians: list[float] = []
    ours: list[float] = []

    def measure_anchor() -> None:
        result = hyperfine(
            tools,
            [command],
            runs=settings.overhead_runs,
            warmup=settings.overhead_warmup,
        )[0]
        anchor_means.append(result["mean"])
        anchor_medians.append(result["median"])

    def measure_ours() -> None:
        receipt = perfgate_run(
            tools,
            command,
            repeat=settings.overhead_runs,
            warmup=settings.overhead_warmup,
            out=tools.workdir / "overhead.json",
        )
        ours.append(stat_median(receipt, "wall_ns") / 1e9)

    for index in range(settings.rounds):
        alternate(index, measure_anchor, measure_ours)
    ratios = [o / a for o, a in zip(ours, anchor_means, strict=True)]
    by_median = [o / a for o, a in zip(ours, anchor_medians, strict=True)]
    target = 1.10
    met = statistics.median(ratios) <= target
    runs = f"{settings.overhead_runs} runs after {settings.overhead_warmup} warmups"
    return Figure(
        title="1. Per-sample overhead",
        method=(
            f"The median `wall_ns` that `perfgate run` records for `{command[0]}` "
            f"({runs}) against the mean that `hyperfine -N` reports for the "
            "same runs. Both get the absolute path: perfgate searches PATH "
            "before its clock starts, hyperfine inside its timed interval. The "
            "last column compares with hyperfine's median instead, for "
            "reference."
        ),
        headers=[
            "command",
            "hyperfine mean",
            "perfgate median",
            "ratio",
            "target",
            "met",
            "ratio to hyperfine median",
        ],
        rows=[
            [
                "`true`",
                spread(anchor_means, ms),
                spread(ours, ms),
                spread(ratios, ratio),
                f"≤ {target:.2f}×",
                met_text(met),
                spread(by_median, ratio),
            ]
        ],
        summary=[
            (
                "1. per-sample overhead (`true`)",
                spread(ratios, ratio),
                f"≤ {target:.2f}×",
                met,
            )
        ],
    )


def figure_accuracy(tools: Tools, settings: Settings) -> Figure:
    command = [resolved("sleep"), "0.05"]
    # Short blocks in many rounds: a load change on a shared machine shifts
    # a 50 ms sleep by milliseconds, and alternating often spreads it evenly.
    rounds = settings.rounds * 2
    anchor: list[float] = []
    ours: list[float] = []

    def measure_anchor() -> None:
        result = hyperfine(tools, [command], runs=settings.sleep_runs, warmup=3)[0]
        anchor.append(result["median"])

    def measure_ours() -> None:
        receipt = perfgate_run(
            tools,
            command,
            repeat=settings.sleep_runs,
            warmup=3,
            out=tools.workdir / "sleep.json",
        )
        ours.append(stat_median(receipt, "wall_ns") / 1e9)

    for index in range(rounds):
        alternate(index, measure_anchor, measure_ours)
    differences = [(o - a) * 1000 for o, a in zip(ours, anchor, strict=True)]
    target_ms = 0.3
    worst = max(abs(value) for value in differences)
    met = abs(statistics.median(differences)) <= target_ms

    def signed_ms(value: float) -> str:
        return f"{value:+.3f} ms"

    return Figure(
        title="2. Accuracy",
        method=(
            f"The median wall time of `{shlex.join(command)}` "
            f"({settings.sleep_runs} runs after 3 warmups, in {rounds} rounds) "
            "as `perfgate run` records it and as `hyperfine -N` reports it. "
            "The figure is perfgate's median minus hyperfine's."
        ),
        headers=[
            "command",
            "hyperfine median",
            "perfgate median",
            "difference",
            "target",
            "met",
        ],
        rows=[
            [
                "`sleep 0.05`",
                spread(anchor, ms),
                spread(ours, ms),
                spread(differences, signed_ms),
                f"within ±{target_ms} ms",
                met_text(met),
            ]
        ],
        summary=[
            (
                "2. accuracy (`sleep 0.05`)",
                spread(differences, signed_ms),
                f"within ±{target_ms} ms",
                met,
            )
        ],
        notes=[f"Largest difference in a single round: {worst:.3f} ms."],
    )


# --- figure 3: memory floor ---------------------------------------------------------


def figure_memory(tools: Tools, settings: Settings, helper: str | None) -> Figure:
    command = ["true"]
    direct_env = dict(tools.env, PERFGATE_SPAWN_HELPER="off")
    anchor: list[float] = []
    ours: list[float] = []
    direct: list[float] = []

    def measure_anchor() -> None:
        values = [gnu_time_rss_kb(tools, command) for _ in range(settings.rss_runs)]
        anchor.append(statistics.median(values))

    def measure_ours() -> None:
        for env, into in ((tools.env, ours), (direct_env, direct)):
            receipt = perfgate_run(
                tools,
                command,
                repeat=settings.rss_runs,
                warmup=2,
                out=tools.workdir / "rss.json",
                env=env,
            )
            into.append(stat_median(receipt, "max_rss_kb"))

    for index in range(settings.rounds):
        alternate(index, measure_anchor, measure_ours)
    ratios = [o / a for o, a in zip(ours, anchor, strict=True)]
    direct_ratios = [d / a for d, a in zip(direct, anchor, strict=True)]
    target = 1.5
    met = statistics.median(ratios) <= target

    def kb(value: float) -> str:
        return f"{value:,.0f} KB"

    path_label = "spawn helper" if helper else "direct (no helper found)"
    return Figure(
        title="3. Memory floor",
        method=(
            f"The median `max_rss_kb` that `perfgate run` records for `true` "
            f"({settings.rss_runs} runs) against the median of "
            f"{settings.rss_runs} runs of `/usr/bin/time -f %M true`. The second "
            "row forces the direct path (`PERFGATE_SPAWN_HELPER=off`), where "
            "Python starts the command itself: on Linux the command's "
            "`ru_maxrss` then starts from the peak RSS of the perfgate process, "
            "because `exec` keeps the old image's high-water mark."
        ),
        headers=["command", "GNU time", "perfgate", "ratio", "target", "met"],
        rows=[
            [
                f"`true`, {path_label}",
                spread(anchor, kb),
                spread(ours, kb),
                spread(ratios, ratio),
                f"≤ {target}×",
                met_text(met),
            ],
            [
                "`true`, direct path",
                spread(anchor, kb),
                spread(direct, kb),
                spread(direct_ratios, ratio),
                "—",
                "—",
            ],
        ],
        summary=[
            ("3. memory floor (`true`)", spread(ratios, ratio), f"≤ {target}×", met)
        ],
    )


# --- figure 4: gate latency -----------------------------------------------------------


def figure_latency(tools: Tools, settings: Settings) -> Figure:
    receipts = write_small_receipts(tools)
    compare_args = ["compare", "--baseline", receipts[0], "--current", receipts[1]]
    md_args = ["md", "--compare", receipts[2]]
    anchor = [tools.python, "-c", "pass"]
    cases: list[tuple[list[str], float | None]] = []
    for front in ([tools.perfgate], tools.perfgate_module()):
        cases.append(([*front, *compare_args], 3.0))
        cases.append(([*front, *md_args], 3.0))
        cases.append(([*front, "--version"], 2.0))
    cases.append(([tools.python, "-c", "import typing"], None))
    cases.append(([tools.python, "-c", FLOOR_CODE], None))

    rows: list[list[str]] = []
    summary: list[tuple[str, str, str, bool | None]] = []
    median_ratios: list[float] = []
    for command, target in cases:
        anchor_times: list[float] = []
        our_times: list[float] = []
        ratios: list[float] = []
        for index in range(settings.rounds):
            pair = [anchor, command] if index % 2 == 0 else [command, anchor]
            results = hyperfine(tools, pair, runs=settings.latency_runs, warmup=5)
            ours_result, anchor_result = (
                (results[1], results[0]) if index % 2 == 0 else results
            )
            anchor_times.append(anchor_result["mean"])
            our_times.append(ours_result["mean"])
            ratios.append(ours_result["mean"] / anchor_result["mean"])
        met = None if target is None else statistics.median(ratios) <= target
        median_ratios.append(statistics.median(ratios))
        target_text = "—" if target is None else f"≤ {target:.1f}×"
        rows.append(
            [
                code(command, tools=tools),
                spread(anchor_times, ms),
                spread(our_times, ms),
                spread(ratios, ratio),
                target_text,
                met_text(met),
            ]
        )
        if target is not None:
            summary.append(
                (
                    f"4. gate latency: {code(command, tools=tools)}",
                    spread(ratios, ratio),
                    target_text,
                    met,
                )
            )
    breakdown = import_breakdown(tools, [tools.perfgate, *compare_args])
    floor = median_ratios[-1]
    position = "above" if floor > 3.0 else "below"
    notes = [
        f"Importing msgspec and argparse alone takes {floor:.2f}× as long as "
        f"`python -c pass` here, {position} the 3.0× target for `compare` "
        f"and `md`. `perfgate compare` through the console script takes "
        f"{median_ratios[0] - floor:.2f}× and `perfgate md` "
        f"{median_ratios[1] - floor:.2f}× of `python -c pass` more than that "
        "floor.",
        "The console script that pip wrote imports: "
        + console_script_imports(tools.perfgate)
        + ".",
        "Where `perfgate compare` spends its imports: the cumulative time of "
        "each import made at top level, from `PYTHONPROFILEIMPORTTIME=1`, "
        "lowest of 5 runs. Imports of 0.5 ms or less are summed as other. "
        "`encodings`, `site` and `_frozen_importlib_external` load in every "
        "interpreter, `python -c pass` included.",
        "\n".join(render_table(["import", "ms"], breakdown)),
    ]
    return Figure(
        title="4. Gate latency",
        method=(
            "Whole-process time of perfgate commands on small receipts (5 "
            "samples each), through the installed console script and through "
            f"`python -m perfgate`, against `python -c pass` with the same "
            f"interpreter. Each round runs `hyperfine -N --warmup 5 --runs "
            f"{settings.latency_runs}` on the pair, with the order flipped "
            "every round; the ratio is of hyperfine's means. The last two rows "
            "are not perfgate: they show what importing `typing` alone, and "
            "msgspec plus argparse (which every command that reads a receipt "
            "needs), cost on this machine."
        ),
        headers=["command", "`python -c pass`", "command", "ratio", "target", "met"],
        rows=rows,
        summary=summary,
        notes=notes,
    )


def console_script_imports(path: str) -> str:
    """Return the import lines of a console script, as code spans."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    return ", ".join(f"`{line}`" for line in imports) or "nothing"


def import_breakdown(
    tools: Tools, command: Sequence[str], runs: int = 5
) -> list[list[str]]:
    """Return [module, ms] rows of the top-level imports of ``command``."""
    env = dict(tools.env, PYTHONPROFILEIMPORTTIME="1")
    lowest: dict[str, int] = {}
    for _ in range(runs):
        completed = subprocess.run(
            list(command), env=env, capture_output=True, text=True, check=False
        )
        for line in completed.stderr.splitlines():
            fields = line.removeprefix("import time:").split("|")
            if len(fields) != 3 or not fields[1].strip().isdigit():
                continue
            # One space follows the bar; nested imports are indented further.
            name = fields[2][1:]
            if name.startswith(" "):
                continue
            cumulative_us = int(fields[1])
            lowest[name] = min(lowest.get(name, cumulative_us), cumulative_us)
    shown = sorted(
        ((name, us) for name, us in lowest.items() if us > 500),
        key=lambda item: -item[1],
    )
    other_us = sum(us for us in lowest.values() if us <= 500)
    rows = [[f"`{name}`", f"{us / 1000:.1f}"] for name, us in shown]
    rows.append(["other", f"{other_us / 1000:.1f}"])
    rows.append(["total", f"{sum(lowest.values()) / 1000:.1f}"])
    return rows


def write_small_receipts(tools: Tools) -> tuple[str, str, str]:
    """Write a baseline, a current and a compare receipt of 5 samples each."""
    baseline = tools.workdir / "small-baseline.json"
    current = tools.workdir / "small-current.json"
    compared = tools.workdir / "small-compare.json"
    rng = random.Random(1)
    baseline.write_bytes(synthetic_run_receipt(5, rng))
    current.write_bytes(synthetic_run_receipt(5, rng))
    run_checked(
        [
            tools.perfgate,
            "compare",
            "--baseline",
            str(baseline),
            "--current",
            str(current),
            "--out",
            str(compared),
        ],
        tools.env,
    )
    return str(baseline), str(current), str(compared)


def synthetic_run_receipt(samples: int, rng: random.Random) -> bytes:
    """Return a run receipt as perfgate writes it, with plausible random samples."""
    from perfgate.domain.stats import compute_stats
    from perfgate.types.codec import encode
    from perfgate.types.receipts import (
        RUN_SCHEMA,
        BenchMeta,
        HostInfo,
        RunMeta,
        RunReceipt,
        Sample,
        ToolInfo,
    )

    measured = []
    for _ in range(samples):
        wall_ns = rng.randint(19_000_000, 21_000_000)
        measured.append(
            Sample(
                wall_ms=wall_ns // NS_PER_MS,
                exit_code=0,
                wall_ns=wall_ns,
                max_rss_kb=rng.randint(1_100, 1_300),
                cpu_ms=wall_ns // NS_PER_MS,
                page_faults=0,
                ctx_switches=rng.randint(1, 4),
            )
        )
    receipt = RunReceipt(
        schema=RUN_SCHEMA,
        tool=ToolInfo(name="perfgate", version="0.1.0"),
        run=RunMeta(
            id="benchmark",
            started_at="2026-01-01T00:00:00Z",
            ended_at="2026-01-01T00:00:01Z",
            host=HostInfo(os="linux", arch="x86_64"),
        ),
        bench=BenchMeta(name="synthetic", command=["true"], repeat=samples, warmup=0),
        samples=measured,
        stats=compute_stats(measured, None),
    )
    return encode(receipt)


# --- figure 5: scale ------------------------------------------------------------------


def figure_scale(tools: Tools, settings: Settings) -> Figure:
    rng = random.Random(2)
    commands: dict[tuple[str, int], list[str]] = {}
    for size in settings.scale_sizes:
        baseline = tools.workdir / f"baseline-{size}.json"
        current = tools.workdir / f"current-{size}.json"
        baseline.write_bytes(synthetic_run_receipt(size, rng))
        current.write_bytes(synthetic_run_receipt(size, rng))
        commands["compare", size] = [
            tools.perfgate,
            "compare",
            "--baseline",
            str(baseline),
            "--current",
            str(current),
            "--out",
            str(tools.workdir / f"compare-{size}.json"),
        ]
        commands["export", size] = [
            tools.perfgate,
            "export",
            "--run",
            str(current),
            "--out",
            str(tools.workdir / f"export-{size}.csv"),
        ]
    keys = list(commands)
    times: dict[tuple[str, int], list[float]] = {key: [] for key in keys}
    peaks: dict[tuple[str, int], list[float]] = {key: [] for key in keys}
    for index in range(settings.scale_rounds):
        order = keys if index % 2 == 0 else keys[::-1]
        results = hyperfine(tools, [commands[k] for k in order], runs=5, warmup=1)
        for key, result in zip(order, results, strict=True):
            times[key].append(result["mean"])
            peaks[key].append(gnu_time_rss_kb(tools, commands[key]))
    return scale_figure(tools, settings, commands, times, peaks)


def growth(small: Sequence[float], large: Sequence[float]) -> list[float]:
    """Return the per-round ratios of the large case to the small one."""
    return [b / a for a, b in zip(small, large, strict=True)]


def scale_figure(
    tools: Tools,
    settings: Settings,
    commands: dict[tuple[str, int], list[str]],
    times: dict[tuple[str, int], list[float]],
    peaks: dict[tuple[str, int], list[float]],
) -> Figure:
    small, large = settings.scale_sizes
    time_limit_s, rss_limit_mb, growth_limit = 0.5, 100, 12.0

    def mb(kb: float) -> str:
        return f"{kb / 1024:.1f} MB"

    rows: list[list[str]] = []
    summary: list[tuple[str, str, str, bool | None]] = []
    for verb in ("compare", "export"):
        for size in settings.scale_sizes:
            key = (verb, size)
            limits = size == large
            time_met = statistics.median(times[key]) < time_limit_s
            rss_met = statistics.median(peaks[key]) / 1024 < rss_limit_mb
            rows.append(
                [
                    code(commands[key], tools=tools),
                    f"{size:,}",
                    spread(times[key], ms),
                    spread(peaks[key], mb),
                    f"< {time_limit_s} s, < {rss_limit_mb} MB" if limits else "—",
                    met_text(time_met and rss_met) if limits else "—",
                ]
            )
            if limits:
                summary.append(
                    (
                        f"5. scale: `{verb}`, {size:,} samples, time",
                        spread(times[key], ms),
                        f"< {time_limit_s} s",
                        time_met,
                    )
                )
                summary.append(
                    (
                        f"5. scale: `{verb}`, {size:,} samples, peak RSS",
                        spread(peaks[key], mb),
                        f"< {rss_limit_mb} MB",
                        rss_met,
                    )
                )
        time_growth = growth(times[verb, small], times[verb, large])
        rss_growth = growth(peaks[verb, small], peaks[verb, large])
        growth_met = (
            statistics.median(time_growth) <= growth_limit
            and statistics.median(rss_growth) <= growth_limit
        )
        rows.append(
            [
                f"`{verb}`: {large:,} samples ÷ {small:,}",
                "",
                spread(time_growth, ratio),
                spread(rss_growth, ratio),
                f"≤ {growth_limit:.0f}×",
                met_text(growth_met),
            ]
        )
        summary.append(
            (
                f"5. scale: `{verb}` growth {small:,} → {large:,} (time, RSS)",
                f"{spread(time_growth, ratio)}, {spread(rss_growth, ratio)}",
                f"≤ {growth_limit:.0f}×",
                growth_met,
            )
        )
    return Figure(
        title="5. Scale",
        method=(
            f"`perfgate compare` and `perfgate export` on synthetic run receipts "
            f"of {small:,} and {large:,} samples (written by perfgate's own "
            "encoder). Time is hyperfine's mean of 5 runs after 1 warmup, peak "
            f"RSS is GNU time's `%M`, both per round ({settings.scale_rounds} "
            "rounds). Both include the interpreter's start-up."
        ),
        headers=["command", "samples", "time", "peak RSS", "target", "met"],
        rows=rows,
        summary=summary,
    )


# --- figure 6: verdict quality --------------------------------------------------------

THRESHOLD = 0.10


def awk_loop(iterations: int) -> list[str]:
    return ["awk", f"BEGIN {{ for (i = 0; i < {iterations}; i++) s += i }}"]


def tune_awk_iterations(tools: Tools, target_ms: float) -> tuple[int, float]:
    """Find the loop count for which the awk loop takes about ``target_ms``."""
    iterations = 200_000
    for _ in range(4):
        result = hyperfine(tools, [awk_loop(iterations)], runs=10, warmup=2)[0]
        measured_ms = result["median"] * 1000
        if abs(measured_ms - target_ms) / target_ms < 0.05:
            break
        iterations = max(1_000, int(iterations * target_ms / measured_ms))
    result = hyperfine(tools, [awk_loop(iterations)], runs=10, warmup=2)[0]
    return iterations, result["median"] * 1000


@dataclass
class Trial:
    """One baseline-then-current comparison by perfgate and by the anchor."""

    # perfgate compare's exit code was 2.
    failed: bool
    wall_pct: float
    reasons: list[str]
    # Deltas under the same rule for the cpu_ms medians and hyperfine's medians.
    cpu_pct: float
    anchor_pct: float


def figure_verdicts(tools: Tools, settings: Settings) -> Figure:
    iterations, tuned_ms = tune_awk_iterations(tools, settings.verdict_target_ms)
    slower = int(iterations * 1.25)
    outcomes = {
        "same": run_verdict_trials(tools, settings, iterations, iterations),
        "slower": run_verdict_trials(tools, settings, iterations, slower),
    }
    trials = settings.verdict_trials
    max_false = 1
    min_detected = trials - 1

    same_fails = sum(trial.failed for trial in outcomes["same"])
    slower_fails = sum(trial.failed for trial in outcomes["slower"])
    same_met = same_fails <= max_false
    slower_met = slower_fails >= min_detected
    rows: list[list[str]] = []
    for case, name, target, met in (
        ("same command on both sides", "same", f"≤ {max_false}", same_met),
        ("current side does 25 % more work", "slower", f"≥ {min_detected}", slower_met),
    ):
        rows += verdict_rows(case, outcomes[name], target, met)

    notes = [
        "Metrics that failed in perfgate's verdicts: "
        + "; ".join(
            f"{name}: {describe_reasons(outcomes[name])}" for name in ("same", "slower")
        )
        + ".",
        machine_noise_note(outcomes["same"], max_false),
        missed_detection_note(outcomes["slower"]),
    ]
    return Figure(
        title="6. Verdict quality",
        method=(
            f"A CPU-bound command, `{shlex.join(awk_loop(iterations))}`, with the "
            f"loop count tuned at start-up so that one run takes about "
            f"{settings.verdict_target_ms:.0f} ms (hyperfine median after "
            f"tuning: {tuned_ms:.1f} ms). The slower variant runs {slower:,} "
            f"iterations, 1.25 times as many. Each of {trials} trials writes a "
            "baseline and then a current receipt with `perfgate run --repeat 10 "
            f"--warmup 1` and runs `perfgate compare --threshold {THRESHOLD}`; "
            "exit code 2 counts as a fail. Right after, the trial measures "
            "both sides the same way with `hyperfine -N --runs 10 --warmup 1` "
            "and applies the same rule (fail above +10 %) to its medians: that "
            "row shows how much of the spread is the machine's. The `cpu_ms` "
            "row applies the rule to the `cpu_ms` medians of perfgate's "
            "receipts, which a gate can use with `--metric-threshold "
            "cpu_ms=0.10`. Deltas are `pct` in percent: min / Q1 / median / "
            "Q3 / max over the trials."
        ),
        headers=["case", "fail verdicts", "target", "met", "delta"],
        rows=rows,
        summary=[
            (
                "6. verdicts: same command, false fails",
                f"{same_fails} of {trials}",
                f"≤ {max_false}",
                same_met,
            ),
            (
                "6. verdicts: 25 % slower, detected",
                f"{slower_fails} of {trials}",
                f"≥ {min_detected}",
                slower_met,
            ),
        ],
        notes=notes,
    )


def machine_noise_note(same: Sequence[Trial], max_false: int) -> str:
    """Say whether the anchor and cpu_ms also exceed the false-fail limit."""
    limit = THRESHOLD * 100
    anchor_fails = sum(trial.anchor_pct > limit for trial in same)
    cpu_fails = sum(trial.cpu_pct > limit for trial in same)
    cpu_spread = max(trial.cpu_pct for trial in same) - min(
        trial.cpu_pct for trial in same
    )
    text = (
        f"With the same command on both sides, hyperfine's current median "
        f"exceeds its baseline median by more than {limit:.0f} % in "
        f"{anchor_fails} of {len(same)} trials, and perfgate's `cpu_ms` "
        f"medians do in {cpu_fails}. For this identical work the `cpu_ms` "
        f"deltas span {cpu_spread:.0f} percentage points."
    )
    if anchor_fails > max_false:
        text += (
            " The anchor misses the false-fail target too, so the spread comes "
            "from the machine, not from how perfgate measures."
        )
    return text


def missed_detection_note(slower: Sequence[Trial]) -> str:
    """List the deltas of the slower-side trials that perfgate did not fail."""
    missed = [trial for trial in slower if not trial.failed]
    if not missed:
        return "perfgate failed every trial whose current side does more work."
    deltas = "; ".join(
        f"`wall_ms` {trial.wall_pct:+.1f} %, `cpu_ms` {trial.cpu_pct:+.1f} %, "
        f"hyperfine {trial.anchor_pct:+.1f} %"
        for trial in missed
    )
    return (
        f"Trials with 25 % more work that perfgate did not fail ({len(missed)}): "
        f"{deltas}. A `cpu_ms` delta far from +25 % means that the CPU time "
        "per loop iteration changed between the two receipts."
    )


def verdict_rows(
    case: str, trials: Sequence[Trial], target: str, met: bool
) -> list[list[str]]:
    """Return the table rows of one case: perfgate's verdicts, then the others."""
    count = len(trials)
    limit = THRESHOLD * 100
    return [
        [
            f"{case}: perfgate `wall_ms`",
            f"{sum(trial.failed for trial in trials)} of {count}",
            target,
            met_text(met),
            quartiles([trial.wall_pct for trial in trials]),
        ],
        [
            f"{case}: hyperfine medians, same rule",
            f"{sum(trial.anchor_pct > limit for trial in trials)} of {count}",
            "—",
            "—",
            quartiles([trial.anchor_pct for trial in trials]),
        ],
        [
            f"{case}: perfgate `cpu_ms`, same rule",
            f"{sum(trial.cpu_pct > limit for trial in trials)} of {count}",
            "—",
            "—",
            quartiles([trial.cpu_pct for trial in trials]),
        ],
    ]


def run_verdict_trials(
    tools: Tools, settings: Settings, baseline_iterations: int, current_iterations: int
) -> list[Trial]:
    trials: list[Trial] = []
    baseline = tools.workdir / "verdict-baseline.json"
    current = tools.workdir / "verdict-current.json"
    compared = tools.workdir / "verdict-compare.json"
    sides = ((baseline_iterations, baseline), (current_iterations, current))
    for _ in range(settings.verdict_trials):
        for iterations, out in sides:
            perfgate_run(tools, awk_loop(iterations), repeat=10, warmup=1, out=out)
        exit_code, receipt = perfgate_compare(tools, baseline, current, compared)
        anchor = [
            hyperfine(tools, [awk_loop(iterations)], runs=10, warmup=1)[0]["median"]
            for iterations, _ in sides
        ]
        cpu = [stat_median(json.loads(out.read_text()), "cpu_ms") for _, out in sides]
        trials.append(
            Trial(
                failed=exit_code == 2,
                wall_pct=receipt["deltas"]["wall_ms"]["pct"] * 100,
                reasons=list(receipt["verdict"]["reasons"]),
                cpu_pct=percent_change(cpu[0], cpu[1]),
                anchor_pct=percent_change(anchor[0], anchor[1]),
            )
        )
    return trials


def perfgate_compare(
    tools: Tools, baseline: Path, current: Path, out: Path
) -> tuple[int, dict[str, Any]]:
    """Run ``perfgate compare`` at the trial threshold; return exit code, receipt."""
    completed = subprocess.run(
        [
            tools.perfgate,
            "compare",
            "--baseline",
            str(baseline),
            "--current",
            str(current),
            "--threshold",
            str(THRESHOLD),
            "--out",
            str(out),
        ],
        env=tools.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 2):
        raise BenchmarkError(f"perfgate compare failed: {completed.stderr.strip()}")
    receipt: dict[str, Any] = json.loads(out.read_text())
    return completed.returncode, receipt


def percent_change(baseline: float, current: float) -> float:
    if baseline == 0:
        return 0.0 if current == 0 else math.inf
    return (current - baseline) / baseline * 100


def quartiles(values: Sequence[float]) -> str:
    ordered = sorted(values)
    if len(ordered) < 2:
        return " / ".join(f"{value:+.1f} %" for value in ordered)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    parts = (ordered[0], q1, median, q3, ordered[-1])
    return " / ".join(f"{value:+.1f} %" for value in parts)


def describe_reasons(trials: Sequence[Trial]) -> str:
    counts: dict[str, int] = {}
    for trial in trials:
        for reason in trial.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    if not counts:
        return "none"
    return ", ".join(f"`{name}` × {count}" for name, count in sorted(counts.items()))


# --- the machine's other load ----------------------------------------------------


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU time counters: the whole machine's, and this script's with children."""

    wall_s: float
    # Seconds that all CPUs together spent running any process, and stolen
    # by the hypervisor for other virtual machines (/proc/stat).
    busy_s: float
    steal_s: float
    ours_s: float

    @classmethod
    def take(cls) -> CpuSnapshot:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(value) for value in handle.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
        ticks = os.sysconf("SC_CLK_TCK")
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(
            wall_s=time.monotonic(),
            busy_s=(user + nice + system + irq + softirq) / ticks,
            steal_s=steal / ticks,
            ours_s=own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        )

    def since(self, earlier: CpuSnapshot) -> CpuUsage:
        return CpuUsage(
            wall_s=self.wall_s - earlier.wall_s,
            others_s=max(
                0.0, (self.busy_s - earlier.busy_s) - (self.ours_s - earlier.ours_s)
            ),
            steal_s=self.steal_s - earlier.steal_s,
        )


@dataclass(frozen=True)
class CpuUsage:
    """The CPU time that other work took during one figure."""

    wall_s: float
    others_s: float
    steal_s: float

    def describe(self) -> str:
        capacity = self.wall_s * (os.cpu_count() or 1)
        return (
            f"During this figure ({self.wall_s:.0f} s), processes other than "
            f"the benchmark used {self.others_s:.0f} s of CPU, "
            f"{self.others_s / capacity:.0%} of the {os.cpu_count()} cores, and "
            f"the hypervisor took {self.steal_s:.1f} s (steal time)."
        )


# --- the page -------------------------------------------------------------------------


def machine_facts(tools: Tools, helper: str | None) -> list[tuple[str, str]]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.is_file():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))}, {os_name}"
    from perfgate import __version__

    measured_by = f"spawn helper `{Path(helper).name}`" if helper else "direct path"
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("OS", os_name),
        ("hyperfine", first_line([tools.hyperfine, "--version"], tools.env)),
        ("GNU time", first_line([GNU_TIME, "--version"], tools.env)),
        ("awk", first_line(["awk", "-W", "version"], tools.env)),
        ("perfgate", f"{__version__}; `max_rss_kb` measured by the {measured_by}"),
    ]


def first_line(argv: Sequence[str], env: dict[str, str]) -> str:
    completed = subprocess.run(
        list(argv), env=env, capture_output=True, text=True, check=False
    )
    lines = (completed.stdout or completed.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def verdict_sentence(summary: Sequence[tuple[str, str, str, bool | None]]) -> str:
    """Say how many targets were met and name the figures that missed one."""
    judged = [(what, met) for what, _, _, met in summary if met is not None]
    missed = sorted({what.split(".", 1)[0] for what, met in judged if not met})
    met_count = sum(1 for _, met in judged if met)
    if not missed:
        return f"All {len(judged)} targets met."
    if len(missed) == 1:
        which = f"Figure {missed[0]} misses at least one, and its section shows"
    else:
        figures = ", ".join(missed)
        which = f"Figures {figures} miss at least one, and their sections show"
    return f"{met_count} of {len(judged)} targets met. {which} why."


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("|" + "---|" * len(headers))
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render_page(
    figures: Sequence[Figure],
    facts: Sequence[tuple[str, str]],
    *,
    command: str,
    started: datetime.datetime,
    elapsed_s: float,
    load: tuple[str, str],
) -> str:
    summary = [row for figure in figures for row in figure.summary]
    lines = [
        "# Benchmarks",
        "",
        "How well perfgate measures, against the tools people use instead, on "
        "the same machine in the same run. Every figure is a ratio or a "
        "difference between perfgate and an anchor measured side by side; each "
        "cell shows the median over the rounds, then the lowest and highest "
        "round in brackets.",
        "",
        f"Produced by `{command}` in {elapsed_s / 60:.1f} minutes, started "
        f"{started:%Y-%m-%d %H:%M} UTC. The load average (1 minute) was "
        f"{load[0]} at the start and {load[1]} at the end; the machine is shared, "
        "so absolute times vary from run to run more than the ratios do.",
        "",
        "## Machine",
        "",
        *render_table(["", ""], [[name, value] for name, value in facts]),
        "",
        "## Summary",
        "",
        verdict_sentence(summary),
        "",
        *render_table(
            ["figure", "measured", "target", "met"],
            [[what, value, goal, met_text(met)] for what, value, goal, met in summary],
        ),
    ]
    for figure in figures:
        lines += ["", f"## {figure.title}", "", figure.method, ""]
        lines += render_table(figure.headers, figure.rows)
        for note in figure.notes:
            lines += ["", note]
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# --- set-up ---------------------------------------------------------------------------


def find_tools(workdir: Path) -> Tools:
    """Locate the anchors and perfgate, or exit with what to install."""
    hyperfine_path = shutil.which("hyperfine")
    if hyperfine_path is None or not is_gnu_time(GNU_TIME):
        missing = [
            name
            for name, absent in (
                ("hyperfine", hyperfine_path is None),
                ("GNU time (/usr/bin/time)", not is_gnu_time(GNU_TIME)),
            )
            if absent
        ]
        sys.exit(
            f"run_benchmarks: {' and '.join(missing)} not found; install the "
            f"anchors with `{INSTALL_HINT}` (Debian, Ubuntu) and run again"
        )
    console_script = Path(sys.executable).with_name("perfgate")
    try:
        import perfgate  # noqa: F401
    except ImportError:
        console_script = Path("/nonexistent")
    if not console_script.is_file():
        sys.exit(
            "run_benchmarks: perfgate is not installed for this interpreter; run "
            "`python3 -m venv .venv && .venv/bin/pip install -e '.[test]'` and "
            "start this script with .venv/bin/python"
        )
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return Tools(
        python=sys.executable,
        perfgate=str(console_script),
        hyperfine=hyperfine_path,
        env=env,
        workdir=workdir,
    )


def display_path(path: str) -> str:
    """Return ``path`` relative to the current directory when it is inside it."""
    absolute = Path(path).absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return path


def is_gnu_time(path: str) -> bool:
    if not os.access(path, os.X_OK):
        return False
    completed = subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=False
    )
    return "GNU" in completed.stdout + completed.stderr


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure perfgate against hyperfine, GNU time and the "
        "interpreter, and write the results as a Markdown page."
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"page to write ({DEFAULT_OUT})"
    )
    parser.add_argument(
        "--rounds", type=int, default=Settings.rounds, help="rounds per figure"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few runs and trials: a smoke test, not a measurement",
    )
    return parser.parse_args(argv)


def settings_for(arguments: argparse.Namespace) -> Settings:
    settings = Settings(rounds=max(1, arguments.rounds))
    if arguments.quick:
        settings = Settings(
            rounds=min(settings.rounds, 2),
            overhead_runs=30,
            overhead_warmup=3,
            sleep_runs=5,
            rss_runs=3,
            latency_runs=5,
            scale_rounds=1,
            scale_sizes=(1_000, 10_000),
            verdict_trials=3,
        )
    return settings


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    settings = settings_for(arguments)
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    load_start = load_average()
    with tempfile.TemporaryDirectory(prefix="perfgate-bench-") as scratch:
        tools = find_tools(Path(scratch))
        from perfgate.adapters.spawn_helper import find_spawn_helper

        helper = find_spawn_helper()
        steps: list[tuple[str, Callable[[], Figure]]] = [
            ("per-sample overhead", lambda: figure_overhead(tools, settings)),
            ("accuracy", lambda: figure_accuracy(tools, settings)),
            ("memory floor", lambda: figure_memory(tools, settings, helper)),
            ("gate latency", lambda: figure_latency(tools, settings)),
            ("scale", lambda: figure_scale(tools, settings)),
            ("verdict quality", lambda: figure_verdicts(tools, settings)),
        ]
        figures: list[Figure] = []
        try:
            for name, measure in steps:
                print(f"run_benchmarks: measuring {name} ...", file=sys.stderr)
                before = CpuSnapshot.take()
                figure = measure()
                usage = CpuSnapshot.take().since(before)
                figure.notes.append(usage.describe())
                figures.append(figure)
                print(f"run_benchmarks: {usage.describe()}", file=sys.stderr)
        except BenchmarkError as exc:
            print(f"run_benchmarks: error: {exc}", file=sys.stderr)
            return 1
        facts = machine_facts(tools, helper)
    elapsed = time.monotonic() - clock
    program = [display_path(sys.executable), display_path(sys.argv[0])]
    command = shlex.join([*program, *(sys.argv[1:] if argv is None else argv)])
    page = render_page(
        figures,
        facts,
        command=command,
        started=started,
        elapsed_s=elapsed,
        load=(load_start, load_average()),
    )
    write_atomically(arguments.out, page)
    print(f"run_benchmarks: wrote {arguments.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
