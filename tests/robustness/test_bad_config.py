"""Bad config files: `perfgate check` exits 1 with one stderr line naming the
file, the bench and the key, runs nothing and leaves old artifacts untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

ARTIFACTS = ("run.json", "compare.json", "report.json", "comment.md")
BENCH = '[[bench]]\nname = "sort-1m"\ncommand = ["touch", MARKER]\n'

# name: (config text, texts the error line must contain). MARKER becomes the
# quoted path of a file that the bench command would create if it ran.
TOML_CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "unknown_key_defaults": (
        "[defaults]\ntreshold = 0.1\n" + BENCH,
        ('unknown key "treshold"', "[defaults]"),
    ),
    "unknown_key_bench": (
        BENCH + "colour = 1\n",
        ('bench "sort-1m"', 'unknown key "colour"', "[[bench]]"),
    ),
    "unknown_key_budget": (
        BENCH + "[bench.budgets.wall_ms]\nthresold = 0.1\n",
        ('unknown key "thresold"', "[bench.budgets.wall_ms]"),
    ),
    "duplicate_bench_name": (
        BENCH + BENCH,
        ('bench "sort-1m"', 'key "name"', "duplicate name"),
    ),
    "empty_command": (
        '[[bench]]\nname = "sort-1m"\ncommand = []\n',
        ('key "command"', "empty"),
    ),
    "empty_program": (
        '[[bench]]\nname = "sort-1m"\ncommand = [""]\n',
        ('key "command"', "empty"),
    ),
    "command_not_a_list": (
        '[[bench]]\nname = "sort-1m"\ncommand = "touch x"\n',
        ('key "command"', "expected an array"),
    ),
    "bad_duration_text": (
        BENCH + 'timeout = "5 parsecs"\n',
        ('key "timeout"', "invalid duration"),
    ),
    "bad_duration_zero": (
        BENCH + 'timeout = "0s"\n',
        ('key "timeout"', "greater than 0"),
    ),
    "bad_duration_number": (
        BENCH + "timeout = 5\n",
        ('key "timeout"', "expected a string"),
    ),
    "bad_duration_huge": (
        BENCH + 'timeout = "99999999999999999999h"\n',
        ('key "timeout"', "at most"),
    ),
    "zero_threshold": (
        "[defaults]\nthreshold = 0\n" + BENCH,
        ('key "threshold"', "[defaults]", "above 0"),
    ),
    "negative_threshold": (
        "[defaults]\nthreshold = -0.5\n" + BENCH,
        ('key "threshold"', "above 0"),
    ),
    "nan_threshold": (
        "[defaults]\nthreshold = nan\n" + BENCH,
        ('key "threshold"', "nan"),
    ),
    "infinite_warn_factor": (
        "[defaults]\nwarn_factor = inf\n" + BENCH,
        ('key "warn_factor"', "inf"),
    ),
    "zero_budget_threshold": (
        BENCH + "[bench.budgets.wall_ms]\nthreshold = 0\n",
        ('key "threshold"', "[bench.budgets.wall_ms]"),
    ),
    "warn_factor_above_one": (
        BENCH + "[bench.budgets.wall_ms]\nwarn_factor = 1.5\n",
        ('key "warn_factor"', "at most 1"),
    ),
    "unknown_metric_list": (
        BENCH + 'metrics = ["wall_ms", "latency"]\n',
        ('key "metrics"', 'unknown metric "latency"'),
    ),
    "unknown_metric_budget": (
        BENCH + "[bench.budgets.latency]\nthreshold = 0.1\n",
        ('unknown metric "latency"', "[bench.budgets.latency]"),
    ),
    "bad_direction": (
        BENCH + '[bench.budgets.wall_ms]\ndirection = "up"\n',
        ('key "direction"', '"up"'),
    ),
    "zero_repeat": (BENCH + "repeat = 0\n", ('key "repeat"', "from 1")),
    "negative_warmup": (BENCH + "warmup = -1\n", ('key "warmup"', "from 0")),
    "repeat_above_u32": (
        BENCH + "repeat = 99999999999999999999999\n",
        ('key "repeat"', "4294967295"),
    ),
    "work_above_u64": (
        BENCH + "work = 18446744073709551616\n",
        ('key "work"', "18446744073709551615"),
    ),
    "float_repeat": (BENCH + "repeat = 2.5\n", ('key "repeat"', "a float")),
    "control_character_name": (
        '[[bench]]\nname = "a\\nb"\ncommand = ["true"]\n',
        ('key "name"', "control character"),
    ),
    "bench_not_a_table": ("bench = 5\n", ('key "bench"',)),
    "invalid_toml": ('[[bench]\nname = "x"\n', ("invalid TOML", "line 1")),
    "no_bench": ("[defaults]\nrepeat = 3\n", ("no [[bench]] tables",)),
    "lone_cr": (
        '[[bench]]\rname = "sort-1m"\rcommand = ["touch", MARKER]\r',
        ("line 1", "carriage return"),
    ),
}

JSON_CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "nan_literal": ('{"defaults": {"threshold": NaN}, "bench": []}', ("NaN",)),
    "duplicate_key": (
        '{"bench": [{"name": "a", "name": "b", "command": ["true"]}]}',
        ('duplicate key "name"',),
    ),
    "top_level_array": ("[1, 2]", ("top level", "an array")),
    "null_argument": (
        '{"bench": [{"name": "a", "command": ["true", null]}]}',
        ('key "command"', "null"),
    ),
    "huge_float_repeat": (
        '{"bench": [{"name": "a", "command": ["true"], "repeat": 1e400}]}',
        ('key "repeat"',),
    ),
    "boolean_repeat": (
        '{"bench": [{"name": "a", "command": ["true"], "repeat": true}]}',
        ('key "repeat"', "a boolean"),
    ),
    "bench_of_number": ('{"bench": [5]}', ("bench #1",)),
    "truncated": ('{"bench": [{"name": "a", "comm', ("invalid JSON",)),
}


@pytest.fixture
def project(tmp_path: Path, support: ModuleType) -> dict[str, Path]:
    """A folder with old artifacts in ``out/`` and a marker path for the bench."""
    out = tmp_path / "out"
    for name in ARTIFACTS:
        support.make_old_output(out, name)
    return {"root": tmp_path, "out": out, "marker": tmp_path / "command-ran"}


def _check_config(
    project: dict[str, Path], config: Path, support: ModuleType, *needles: str
) -> None:
    outcome = support.call_cli(
        ["check", "--config", str(config), "--all", "--out-dir", str(project["out"])]
    )

    support.assert_one_error_line(outcome, str(config), *needles)
    assert outcome.stdout == b""
    assert not project["marker"].exists(), "the bench ran despite the bad config"
    support.assert_untouched(*(project["out"] / name for name in ARTIFACTS))


@pytest.mark.parametrize("case", sorted(TOML_CASES))
def test_bad_toml_config_one_line(
    case: str, project: dict[str, Path], support: ModuleType
) -> None:
    text, needles = TOML_CASES[case]
    config = project["root"] / "perfgate.toml"
    marker = json.dumps(str(project["marker"]))
    config.write_bytes(text.replace("MARKER", marker).encode("utf-8"))

    _check_config(project, config, support, *needles)


@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_bad_json_config_one_line(
    case: str, project: dict[str, Path], support: ModuleType
) -> None:
    text, needles = JSON_CASES[case]
    config = project["root"] / "perfgate.json"
    config.write_bytes(text.encode("utf-8"))

    _check_config(project, config, support, *needles)


@pytest.mark.parametrize(
    ("encoding", "needle"),
    [
        ("utf-16", "UTF-16"),
        ("utf-16-le", "NUL byte"),
        ("utf-16-be", "NUL byte"),
        ("utf-32", "UTF-16 (or UTF-32)"),
    ],
)
def test_utf16_config_one_line(
    encoding: str, needle: str, project: dict[str, Path], support: ModuleType
) -> None:
    config = project["root"] / "perfgate.toml"
    marker = json.dumps(str(project["marker"]))
    config.write_bytes(BENCH.replace("MARKER", marker).encode(encoding))

    _check_config(project, config, support, needle, "UTF-8")


def test_invalid_utf8_config_one_line(
    project: dict[str, Path], support: ModuleType
) -> None:
    config = project["root"] / "perfgate.toml"
    marker = json.dumps(str(project["marker"]))
    text = BENCH.replace("MARKER", marker).replace("sort-1m", "sort-\udcff")
    config.write_bytes(text.encode("utf-8", "surrogateescape"))

    _check_config(project, config, support, "line 2", "invalid UTF-8")


def test_missing_config_one_line(project: dict[str, Path], support: ModuleType) -> None:
    _check_config(project, project["root"] / "absent.toml", support, "not found")


def test_config_directory_one_line(
    project: dict[str, Path], support: ModuleType
) -> None:
    folder = project["root"] / "config.toml"
    folder.mkdir()

    _check_config(project, folder, support, "is a directory")


def test_unknown_bench_one_line(project: dict[str, Path], support: ModuleType) -> None:
    config = project["root"] / "perfgate.toml"
    marker = json.dumps(str(project["marker"]))
    config.write_text(BENCH.replace("MARKER", marker), encoding="utf-8")

    outcome = support.call_cli(
        [
            "check",
            "--config",
            str(config),
            "--bench",
            "nope",
            "--out-dir",
            str(project["out"]),
        ]
    )

    support.assert_one_error_line(outcome, str(config), 'no bench named "nope"')
    assert not project["marker"].exists()
    support.assert_untouched(*(project["out"] / name for name in ARTIFACTS))


@pytest.mark.parametrize(
    "text",
    [
        '{"defaults": "\\ud800"}',
        '{"bench": [{"name": "a\\udc00", "command": ["true"]}]}',
        '{"bench": [{"name": "a", "command": ["true", "\\ud83d"]}]}',
    ],
)
def test_lone_surrogate_json_config(
    text: str, project: dict[str, Path], support: ModuleType
) -> None:
    # Found by fuzzing: json.loads accepts a lone \u surrogate escape, which
    # then crashed msgspec or any UTF-8 output.
    config = project["root"] / "perfgate.json"
    config.write_bytes(text.encode("ascii"))

    _check_config(project, config, support, "surrogate")
