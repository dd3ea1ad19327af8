"""``perfgate compare`` end to end: verdicts, exit codes, flags and outputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from perfgate.types.codec import decode_compare

MakeRun = Callable[..., dict[str, Any]]
WriteJson = Callable[[str, Any], Path]
Cli = Callable[..., Any]


@pytest.fixture
def pair(make_run: MakeRun, write_json: WriteJson) -> Callable[..., list[str]]:
    """Return a function writing a baseline and a current receipt; it returns
    the ``--baseline`` and ``--current`` arguments."""

    def write(
        baseline: dict[str, Any], current: dict[str, Any], **common: Any
    ) -> list[str]:
        base_path = write_json("base.json", make_run(run_id="b", **common, **baseline))
        current_path = write_json("cur.json", make_run(run_id="c", **common, **current))
        return ["--baseline", str(base_path), "--current", str(current_path)]

    return write


@pytest.mark.parametrize(
    ("current_ms", "status", "code"),
    [(100, "pass", 0), (110, "pass", 0), (119, "warn", 0), (125, "fail", 2)],
)
def test_verdict_exit_codes(
    cli_in_process: Cli,
    pair: Callable[..., list[str]],
    current_ms: int,
    status: str,
    code: int,
) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [current_ms]})
    result = cli_in_process(["compare", *args])
    assert result.code == code
    assert result.stderr == ""
    assert json.loads(result.stdout)["verdict"]["status"] == status


def test_fail_on_warn_exits_three(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [119]})
    assert cli_in_process(["compare", *args, "--fail-on-warn"]).code == 3


def test_fail_on_warn_keeps_fail_two(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [150]})
    assert cli_in_process(["compare", *args, "--fail-on-warn"]).code == 2


def test_fail_on_warn_pass_exits_zero(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [100]})
    assert cli_in_process(["compare", *args, "--fail-on-warn"]).code == 0


def test_out_writes_file_only(
    cli_in_process: Cli, pair: Callable[..., list[str]], tmp_path: Path
) -> None:
    out = tmp_path / "compare.json"
    args = pair({"wall_ms": [100]}, {"wall_ms": [125]})
    result = cli_in_process(["compare", *args, "--out", str(out)])
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr == ""
    receipt = decode_compare(out.read_bytes(), str(out))
    assert receipt.verdict.reasons == ["wall_ms_fail"]
    assert receipt.baseline_ref.path == args[1]
    assert receipt.baseline_ref.run_id == "b"
    assert receipt.current_ref.run_id == "c"


def test_out_dash_writes_stdout(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [100]})
    result = cli_in_process(["compare", *args, "--out", "-"])
    assert json.loads(result.stdout)["schema"] == "perfgate.compare.v1"


def test_pretty_output_indented(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [100]})
    result = cli_in_process(["compare", *args, "--pretty"])
    assert result.stdout.startswith('{\n  "schema": "perfgate.compare.v1"')
    assert result.stdout.endswith("}\n")


def test_threshold_flag_changes_verdict(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [125]})
    result = cli_in_process(["compare", *args, "--threshold", "0.5"])
    assert result.code == 0
    budget = json.loads(result.stdout)["budgets"]["wall_ms"]
    assert budget["threshold"] == 0.5
    assert budget["warn_threshold"] == 0.5 * 0.9


def test_warn_factor_flag(cli_in_process: Cli, pair: Callable[..., list[str]]) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [111]})
    result = cli_in_process(["compare", *args, "--warn-factor", "0.5"])
    assert json.loads(result.stdout)["verdict"]["status"] == "warn"
    assert result.code == 0


def test_metric_threshold_overrides_one(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair(
        {"wall_ms": [100], "max_rss_kb": [1000]},
        {"wall_ms": [110], "max_rss_kb": [1100]},
    )
    result = cli_in_process(["compare", *args, "--metric-threshold", "wall_ms=0.05"])
    data = json.loads(result.stdout)
    assert data["deltas"]["wall_ms"]["status"] == "fail"
    assert data["deltas"]["max_rss_kb"]["status"] == "pass"
    assert data["budgets"]["max_rss_kb"]["threshold"] == 0.2
    assert result.code == 2


def test_direction_flag_flips_metric(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair(
        {"wall_ms": [100], "max_rss_kb": [1000]},
        {"wall_ms": [100], "max_rss_kb": [700]},
    )
    result = cli_in_process(["compare", *args, "--direction", "max_rss_kb=higher"])
    data = json.loads(result.stdout)
    assert data["budgets"]["max_rss_kb"]["direction"] == "higher"
    assert data["deltas"]["max_rss_kb"]["status"] == "fail"
    assert result.code == 2


def test_extra_metric_gated_by_flag(
    cli_in_process: Cli,
    make_run: MakeRun,
    write_json: WriteJson,
) -> None:
    baseline = make_run(wall_ms=[100])
    current = make_run(wall_ms=[100])
    for data, value in ((baseline, 10), (current, 20)):
        data["samples"][0]["cpu_ms"] = value
        data["stats"]["cpu_ms"] = {"median": value, "min": value, "max": value}
    base_path = write_json("b.json", baseline)
    current_path = write_json("c.json", current)
    plain = cli_in_process(
        ["compare", "--baseline", str(base_path), "--current", str(current_path)]
    )
    assert "cpu_ms" not in json.loads(plain.stdout)["deltas"]
    gated = cli_in_process(
        [
            "compare",
            "--baseline",
            str(base_path),
            "--current",
            str(current_path),
            "--metric-threshold",
            "cpu_ms=0.5",
        ]
    )
    assert json.loads(gated.stdout)["deltas"]["cpu_ms"]["status"] == "fail"
    assert gated.code == 2


def test_zero_baseline_is_tool_error(
    cli_in_process: Cli, pair: Callable[..., list[str]], tmp_path: Path
) -> None:
    out = tmp_path / "compare.json"
    args = pair({"wall_ms": [0, 0, 0]}, {"wall_ms": [3, 4, 5]})
    result = cli_in_process(["compare", *args, "--out", str(out)])
    assert result.code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "wall_ms" in lines[0]
    assert args[1] in lines[0]
    assert not out.exists()


def test_zero_baseline_with_wall_ns_compares(
    cli_in_process: Cli, pair: Callable[..., list[str]]
) -> None:
    args = pair(
        {"wall_ms": [0, 0, 0], "wall_ns": [300_000, 310_000, 320_000]},
        {"wall_ms": [0, 0, 0], "wall_ns": [305_000, 310_000, 315_000]},
    )
    result = cli_in_process(["compare", *args])
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["deltas"]["wall_ms"]["baseline"] == 0.31


def test_compare_as_subprocess(run_cli: Cli, pair: Callable[..., list[str]]) -> None:
    args = pair({"wall_ms": [100]}, {"wall_ms": [130]}, work_units=50)
    result = run_cli(["compare", *args])
    assert result.code == 2
    assert result.stderr == ""
    verdict = json.loads(result.stdout)["verdict"]
    assert verdict["reasons"] == ["throughput_per_s_fail", "wall_ms_fail"]
    assert verdict["counts"] == {"pass": 0, "warn": 0, "fail": 2}


def test_different_benches_warn(
    make_run: Callable[..., dict[str, Any]],
    write_json: Callable[[str, Any], Path],
    cli_in_process: Callable[[Sequence[str]], Any],
    tmp_path: Path,
) -> None:
    baseline = write_json("b.json", make_run(name="sort"))
    current = write_json("c.json", make_run(name="hash"))
    out = tmp_path / "compare.json"
    result = cli_in_process(
        [
            "compare",
            "--baseline",
            str(baseline),
            "--current",
            str(current),
            "--out",
            str(out),
        ]
    )
    assert result.code == 0
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"perfgate: warning: {baseline}:")
    assert '"sort"' in result.stderr
    assert '"hash"' in result.stderr
    assert out.exists()
