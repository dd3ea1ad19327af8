"""Numeric flags with 0, negative, NaN and text values.

0 is an error where it makes no sense (repeat, work, timeout, threshold,
warn-factor) and accepted where it does (warmup 0 runs no warmup,
output-cap-bytes 0 keeps no output). Every error exits 1 with one stderr line
naming the flag, runs nothing and leaves the --out file untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

BAD_COMMON = ("-1", "nan", "inf", "ten", "", "1.5", "1e3", "0x10", "1_000", "５")

# flag: values that must be rejected
RUN_FLAGS: dict[str, tuple[str, ...]] = {
    "--repeat": ("0", *BAD_COMMON, "4294967296"),
    "--warmup": (*BAD_COMMON, "4294967296"),
    "--work": ("0", *BAD_COMMON, "18446744073709551616"),
    "--timeout": ("0", "0s", "-1s", "nan", "ten", "", "1.5s", "5 parsecs", "10"),
    "--output-cap-bytes": (*BAD_COMMON, "18446744073709551616"),
}
COMPARE_FLAGS: dict[str, tuple[str, ...]] = {
    "--threshold": ("0", "-0.1", "-1", "nan", "inf", "-inf", "ten", ""),
    "--warn-factor": ("0", "-0.5", "nan", "inf", "ten", "", "1.5"),
}
METRIC_THRESHOLD_VALUES = ("0", "-0.2", "nan", "inf", "ten", "")

RUN_CASES = [(flag, value) for flag, values in RUN_FLAGS.items() for value in values]
COMPARE_CASES = [
    (flag, value) for flag, values in COMPARE_FLAGS.items() for value in values
]


@pytest.fixture
def files(tmp_path: Path, support: ModuleType) -> dict[str, Path]:
    run = tmp_path / "run.json"
    run.write_bytes(support.seed_bytes()["run"])
    return {
        "run": run,
        "out": support.make_old_output(tmp_path / "out", "result.json"),
        "marker": tmp_path / "command-ran",
    }


def _check_rejected(
    outcome: object, flag: str, files: dict[str, Path], support: ModuleType
) -> None:
    support.assert_one_error_line(outcome, flag)
    assert not files["marker"].exists(), "the command ran despite the bad flag"
    support.assert_untouched(files["out"])


@pytest.mark.parametrize(("flag", "value"), RUN_CASES)
def test_run_flag_rejected(
    flag: str, value: str, files: dict[str, Path], support: ModuleType
) -> None:
    # The `--flag=value` form passes values that start with "-" as values.
    outcome = support.call_cli(
        [
            "run",
            "--name",
            "bench",
            f"{flag}={value}",
            "--out",
            str(files["out"]),
            "--",
            "touch",
            str(files["marker"]),
        ]
    )

    _check_rejected(outcome, flag, files, support)


@pytest.mark.parametrize("flag", sorted(RUN_FLAGS))
def test_run_flag_separate_negative(
    flag: str, files: dict[str, Path], support: ModuleType
) -> None:
    value = "-1s" if flag == "--timeout" else "-1"
    outcome = support.call_cli(
        [
            "run",
            "--name",
            "bench",
            flag,
            value,
            "--out",
            str(files["out"]),
            "--",
            "touch",
            str(files["marker"]),
        ]
    )

    _check_rejected(outcome, flag, files, support)


@pytest.mark.parametrize(("flag", "value"), COMPARE_CASES)
def test_compare_flag_rejected(
    flag: str, value: str, files: dict[str, Path], support: ModuleType
) -> None:
    run = str(files["run"])
    outcome = support.call_cli(
        [
            "compare",
            "--baseline",
            run,
            "--current",
            run,
            f"{flag}={value}",
            "--out",
            str(files["out"]),
        ]
    )

    _check_rejected(outcome, flag, files, support)


@pytest.mark.parametrize("value", METRIC_THRESHOLD_VALUES)
def test_metric_threshold_rejected(
    value: str, files: dict[str, Path], support: ModuleType
) -> None:
    run = str(files["run"])
    outcome = support.call_cli(
        [
            "compare",
            "--baseline",
            run,
            "--current",
            run,
            f"--metric-threshold=wall_ms={value}",
            "--out",
            str(files["out"]),
        ]
    )

    line = support.assert_one_error_line(outcome, "--metric-threshold", "wall_ms")
    assert repr(value) in line
    support.assert_untouched(files["out"])


@pytest.mark.parametrize("text", ["latency=0.1", "=0.1", "wall_ms", "X="])
def test_metric_threshold_key_rejected(
    text: str, files: dict[str, Path], support: ModuleType
) -> None:
    run = str(files["run"])
    outcome = support.call_cli(
        [
            "compare",
            "--baseline",
            run,
            "--current",
            run,
            f"--metric-threshold={text}",
            "--out",
            str(files["out"]),
        ]
    )

    support.assert_one_error_line(outcome, "--metric-threshold")
    support.assert_untouched(files["out"])


@pytest.mark.parametrize("value", ["-1", "nan", "ten", "", "５"])
def test_check_output_cap_rejected(
    value: str, files: dict[str, Path], support: ModuleType
) -> None:
    config = files["run"].parent / "perfgate.toml"
    config.write_text(
        '[[bench]]\nname = "b"\n'
        f'command = ["touch", {json.dumps(str(files["marker"]))}]\n',
        encoding="utf-8",
    )
    outcome = support.call_cli(
        [
            "check",
            "--config",
            str(config),
            "--all",
            f"--output-cap-bytes={value}",
            "--out-dir",
            str(files["out"].parent),
        ]
    )

    _check_rejected(outcome, "--output-cap-bytes", files, support)


def test_warmup_zero_runs_no_warmup(tmp_path: Path, support: ModuleType) -> None:
    out = tmp_path / "run.json"
    outcome = support.call_cli(
        [
            "run",
            "--name",
            "b",
            "--repeat",
            "2",
            "--warmup",
            "0",
            "--out",
            str(out),
            "--",
            "true",
        ]
    )

    assert outcome.code == 0, outcome.stderr
    receipt = json.loads(out.read_bytes())
    assert receipt["bench"]["warmup"] == 0
    assert len(receipt["samples"]) == 2
    assert not any(sample.get("warmup", False) for sample in receipt["samples"])


def test_output_cap_zero_keeps_nothing(tmp_path: Path, support: ModuleType) -> None:
    out = tmp_path / "run.json"
    outcome = support.call_cli(
        [
            "run",
            "--name",
            "b",
            "--repeat",
            "2",
            "--output-cap-bytes",
            "0",
            "--out",
            str(out),
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2",
        ]
    )

    assert outcome.code == 0, outcome.stderr
    samples = json.loads(out.read_bytes())["samples"]
    assert len(samples) == 2
    for sample in samples:
        assert "stdout" not in sample
        assert "stderr" not in sample


def test_check_output_cap_zero_accepted(tmp_path: Path, support: ModuleType) -> None:
    config = tmp_path / "perfgate.toml"
    config.write_text(
        '[defaults]\nrepeat = 1\n[[bench]]\nname = "b"\n'
        'command = ["sh", "-c", "echo out"]\n',
        encoding="utf-8",
    )
    outcome = support.call_cli(
        [
            "check",
            "--config",
            str(config),
            "--bench",
            "b",
            "--output-cap-bytes",
            "0",
            "--out-dir",
            str(tmp_path / "out"),
        ]
    )

    assert outcome.code == 0, outcome.stderr
    run = json.loads((tmp_path / "out" / "run.json").read_bytes())
    assert "stdout" not in run["samples"][0]


@pytest.mark.parametrize("value", ["+3", " 3 ", "03"])
def test_repeat_plain_forms_accepted(
    value: str, tmp_path: Path, support: ModuleType
) -> None:
    out = tmp_path / "run.json"
    outcome = support.call_cli(
        ["run", "--name", "b", f"--repeat={value}", "--out", str(out), "--", "true"]
    )

    assert outcome.code == 0, outcome.stderr
    assert json.loads(out.read_bytes())["bench"]["repeat"] == 3
