"""Bad input gives exit 1 and one stderr line, and leaves the output untouched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MakeRun = Callable[..., dict[str, Any]]
Cli = Callable[..., Any]

OLD_CONTENT = b"previous output, must survive\n"
# Marks a field that ``mutate`` removes instead of setting.
DELETE = object()


def mutate(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted path such as ``samples.3.max_rss_kb``."""
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value


# name: (dotted path, new value, texts the message must contain)
RECEIPT_DEFECTS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "wrong_schema": ("schema", "perfgate.compare.v1", ("perfgate.run.v1",)),
    "negative_integer": ("samples.1.wall_ms", -3, ("samples[1].wall_ms",)),
    "integer_above_u64": (
        "samples.3.max_rss_kb",
        18446744073709551616,
        ("samples[3].max_rss_kb",),
    ),
    "exit_code_above_i32": ("samples.0.exit_code", 2**31, ("samples[0].exit_code",)),
    "missing_field": ("stats.wall_ms.median", DELETE, ("stats.wall_ms", "median")),
    "missing_stats": ("stats", DELETE, ("stats",)),
}


def assert_one_line_error(result: Any, *needles: str) -> str:
    assert result.code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line: str = lines[0]
    assert line.startswith("perfgate: error: ")
    for needle in needles:
        assert needle in line
    return line


@pytest.fixture
def out_file(tmp_path: Path) -> Path:
    """An existing output file with known content, alone in its folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "result.json"
    path.write_bytes(OLD_CONTENT)
    return path


def assert_untouched(out_file: Path) -> None:
    assert out_file.read_bytes() == OLD_CONTENT
    assert [entry.name for entry in out_file.parent.iterdir()] == [out_file.name]


@pytest.fixture
def good_receipt(make_run: MakeRun, tmp_path: Path) -> Path:
    path = tmp_path / "good.json"
    path.write_text(json.dumps(make_run()))
    return path


def run_compare(
    run_cli: Cli, baseline: Path, current: Path, out_file: Path, *extra: str
) -> Any:
    return run_cli(
        [
            "compare",
            "--baseline",
            str(baseline),
            "--current",
            str(current),
            "--out",
            str(out_file),
            *extra,
        ]
    )


@pytest.mark.parametrize("defect", sorted(RECEIPT_DEFECTS))
def test_bad_receipt_field_rejected(
    defect: str,
    run_cli: Cli,
    make_run: MakeRun,
    tmp_path: Path,
    good_receipt: Path,
    out_file: Path,
) -> None:
    path, value, needles = RECEIPT_DEFECTS[defect]
    data = make_run(wall_ms=[1, 2, 3, 4], max_rss_kb=[5, 6, 7, 8])
    mutate(data, path, value)
    bad = tmp_path / "bad-baseline.json"
    bad.write_text(json.dumps(data))
    result = run_compare(run_cli, bad, good_receipt, out_file)
    assert_one_line_error(result, str(bad), *needles)
    assert_untouched(out_file)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'{"schema": "perfgate.run.v1", "tool": ', "invalid JSON"),
        (b"{not json}", "invalid JSON"),
        (b"", "empty"),
        (b"[1, 2, 3]", "array"),
        (b"12", "number"),
    ],
)
def test_malformed_json_rejected(
    run_cli: Cli,
    tmp_path: Path,
    good_receipt: Path,
    out_file: Path,
    content: bytes,
    needle: str,
) -> None:
    bad = tmp_path / "bad-current.json"
    bad.write_bytes(content)
    result = run_compare(run_cli, good_receipt, bad, out_file)
    assert_one_line_error(result, str(bad), needle)
    assert_untouched(out_file)


def test_nan_in_receipt_rejected(
    run_cli: Cli, make_run: MakeRun, tmp_path: Path, out_file: Path
) -> None:
    data = make_run(work_units=100)
    data["stats"]["throughput_per_s"]["median"] = "MEDIAN-PLACEHOLDER"
    text = json.dumps(data).replace('"MEDIAN-PLACEHOLDER"', "NaN")
    bad = tmp_path / "nan.json"
    bad.write_text(text)
    result = run_compare(run_cli, bad, bad, out_file)
    assert_one_line_error(
        result, str(bad), "invalid JSON", "stats.throughput_per_s.median", "NaN"
    )
    assert_untouched(out_file)


def test_missing_baseline_file(
    run_cli: Cli, tmp_path: Path, good_receipt: Path, out_file: Path
) -> None:
    missing = tmp_path / "no-such-baseline.json"
    result = run_compare(run_cli, missing, good_receipt, out_file)
    assert_one_line_error(result, str(missing), "not found")
    assert_untouched(out_file)


def test_directory_as_input(
    run_cli: Cli, tmp_path: Path, good_receipt: Path, out_file: Path
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = run_compare(run_cli, good_receipt, folder, out_file)
    assert_one_line_error(result, str(folder), "directory")
    assert_untouched(out_file)


def test_zero_baseline_leaves_out_untouched(
    run_cli: Cli, make_run: MakeRun, tmp_path: Path, out_file: Path
) -> None:
    baseline = tmp_path / "zero.json"
    baseline.write_text(json.dumps(make_run(wall_ms=[0, 0, 0])))
    current = tmp_path / "slow.json"
    current.write_text(json.dumps(make_run(wall_ms=[5, 5, 5])))
    result = run_compare(run_cli, baseline, current, out_file)
    assert_one_line_error(result, str(baseline), "wall_ms")
    assert_untouched(out_file)


@pytest.mark.parametrize(
    ("flags", "needles"),
    [
        (["--metric-threshold", "latency=0.1"], ("--metric-threshold", "latency")),
        (["--metric-threshold", "wall_ms=abc"], ("--metric-threshold", "abc")),
        (["--metric-threshold", "wall_ms"], ("--metric-threshold",)),
        (["--direction", "bogus=lower"], ("--direction", "bogus")),
        (["--direction", "wall_ms=up"], ("--direction", "up")),
        (["--threshold", "nan"], ("--threshold", "nan")),
        (["--threshold", "inf"], ("--threshold", "inf")),
        (["--threshold", "0"], ("--threshold", "'0'")),
        (["--threshold", "-0.1"], ("--threshold",)),
        (["--threshold", "20"], ("--threshold", "write 0.2 for 20 %")),
        (["--metric-threshold", "wall_ms=5"], ("--metric-threshold", "0.05")),
        (["--warn-factor", "2"], ("--warn-factor", "'2'")),
        (["--warn-factor", "0"], ("--warn-factor",)),
    ],
)
def test_bad_compare_flag_rejected(
    run_cli: Cli,
    good_receipt: Path,
    out_file: Path,
    flags: list[str],
    needles: tuple[str, ...],
) -> None:
    result = run_compare(run_cli, good_receipt, good_receipt, out_file, *flags)
    assert_one_line_error(result, *needles)
    assert_untouched(out_file)


def test_missing_current_flag(run_cli: Cli, good_receipt: Path) -> None:
    result = run_cli(["compare", "--baseline", str(good_receipt)])
    assert_one_line_error(result, "--current")


@pytest.mark.parametrize(
    ("flags", "needles"),
    [
        (["--repeat", "0"], ("--repeat", "'0'")),
        (["--repeat", "-1"], ("--repeat", "'-1'")),
        (["--repeat", "abc"], ("--repeat", "'abc'")),
        (["--repeat", "4294967296"], ("--repeat",)),
        (["--warmup", "-2"], ("--warmup",)),
        (["--work", "0"], ("--work",)),
        (["--timeout", "5x"], ("--timeout", "5x")),
        (["--timeout", "0s"], ("--timeout",)),
        (["--timeout", "1.5s"], ("--timeout",)),
        (["--output-cap-bytes", "-1"], ("--output-cap-bytes",)),
        (["--env", "NOEQUALS"], ("--env",)),
    ],
)
def test_bad_run_flag_rejected(
    run_cli: Cli, out_file: Path, flags: list[str], needles: tuple[str, ...]
) -> None:
    result = run_cli(
        ["run", "--name", "t", *flags, "--out", str(out_file), "--", "true"]
    )
    assert_one_line_error(result, *needles)
    assert_untouched(out_file)


@pytest.mark.parametrize("tail", [[], ["--"]])
def test_missing_command_rejected(
    run_cli: Cli, out_file: Path, tail: list[str]
) -> None:
    result = run_cli(["run", "--name", "t", "--out", str(out_file), *tail])
    assert_one_line_error(result, "COMMAND")
    assert_untouched(out_file)


def test_missing_name_rejected(run_cli: Cli, out_file: Path) -> None:
    result = run_cli(["run", "--out", str(out_file), "--", "true"])
    assert_one_line_error(result, "--name")
    assert_untouched(out_file)


def test_command_not_found(run_cli: Cli, tmp_path: Path, out_file: Path) -> None:
    missing = tmp_path / "no-such-program"
    result = run_cli(["run", "--name", "t", "--out", str(out_file), "--", str(missing)])
    assert_one_line_error(result, str(missing))
    assert_untouched(out_file)


def test_missing_cwd_rejected(run_cli: Cli, tmp_path: Path, out_file: Path) -> None:
    missing = tmp_path / "no-such-dir"
    result = run_cli(
        [
            "run",
            "--name",
            "t",
            "--cwd",
            str(missing),
            "--out",
            str(out_file),
            "--",
            "true",
        ]
    )
    assert_one_line_error(result, str(missing))
    assert_untouched(out_file)


def test_out_into_missing_folder(
    run_cli: Cli, good_receipt: Path, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "compare.json"
    result = run_compare(run_cli, good_receipt, good_receipt, target)
    assert_one_line_error(result, str(target))


def test_out_is_directory(run_cli: Cli, good_receipt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    result = run_compare(run_cli, good_receipt, good_receipt, folder)
    assert_one_line_error(result, str(folder), "directory")
    assert list(folder.iterdir()) == []


def test_unknown_subcommand(run_cli: Cli) -> None:
    assert_one_line_error(run_cli(["frobnicate"]), "frobnicate")


def test_no_subcommand(run_cli: Cli) -> None:
    result = run_cli([])
    assert_one_line_error(result, "COMMAND")
    assert "error: perfgate:" not in result.stderr


def test_unknown_option_names_subcommand(run_cli: Cli, good_receipt: Path) -> None:
    receipt = str(good_receipt)
    result = run_cli(
        ["compare", "--treshold", "0.1", "--baseline", receipt, "--current", receipt]
    )
    assert_one_line_error(result, "perfgate compare: unrecognized arguments")
    assert "did you mean --threshold?" in result.stderr
    assert "perfgate compare --help" in result.stderr


def subcommand_names() -> list[str]:
    import argparse

    from perfgate.cli.commands import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    raise AssertionError("the parser has no subcommands")


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_exits_zero(run_cli: Cli, flag: str) -> None:
    from perfgate import __version__

    result = run_cli([flag])
    assert result.code == 0
    assert result.stdout == f"perfgate {__version__}\n"
    assert result.stderr == ""


def test_top_level_help_exits_zero(run_cli: Cli) -> None:
    result = run_cli(["--help"])
    assert result.code == 0
    assert result.stderr == ""
    for name in subcommand_names():
        assert name in result.stdout


@pytest.mark.parametrize("name", subcommand_names())
def test_subcommand_help_exits_zero(run_cli: Cli, name: str) -> None:
    result = run_cli([name, "--help"])
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert f"perfgate {name}" in result.stdout


def test_core_subcommands_registered() -> None:
    assert {"compare", "run", "schema"} <= set(subcommand_names())
