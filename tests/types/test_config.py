"""Decoding a config file: TOML or JSON, encodings, and one-line type errors."""

from __future__ import annotations

import json

import pytest

from perfgate.types.config import (
    BenchConfig,
    BudgetConfig,
    ConfigFile,
    DefaultsConfig,
    config_format,
    decode_config,
    describe_bench,
    quote_text,
)
from perfgate.types.errors import ConfigError

TOML_SOURCE = "ci/perfgate.toml"
JSON_SOURCE = "ci/perfgate.json"

FULL_TOML = """\
[defaults]
repeat = 5
warmup = 0
threshold = 0.20
warn_factor = 0.90
out_dir = "artifacts/perfgate"
baseline_dir = "baselines"

[[bench]]
name = "sort-1m"
command = ["sort", "-n", "data/1m.txt"]
cwd = "."
work = 1000000
timeout = "30s"
repeat = 7
warmup = 1
metrics = ["wall_ms", "max_rss_kb"]

[bench.budgets.wall_ms]
threshold = 0.10
warn_factor = 0.5
direction = "lower"
"""

FULL_CONFIG = ConfigFile(
    defaults=DefaultsConfig(
        repeat=5,
        warmup=0,
        threshold=0.20,
        warn_factor=0.90,
        out_dir="artifacts/perfgate",
        baseline_dir="baselines",
    ),
    bench=[
        BenchConfig(
            name="sort-1m",
            command=["sort", "-n", "data/1m.txt"],
            cwd=".",
            work=1000000,
            timeout="30s",
            repeat=7,
            warmup=1,
            metrics=["wall_ms", "max_rss_kb"],
            budgets={
                "wall_ms": BudgetConfig(
                    threshold=0.10, warn_factor=0.5, direction="lower"
                )
            },
        )
    ],
)

MINIMAL_BENCH = '[[bench]]\nname = "b"\ncommand = ["true"]\n'


def toml_error(text: str | bytes, source: str = TOML_SOURCE) -> str:
    """Decode ``text`` and return the error, checking it is one named line."""
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ConfigError) as caught:
        decode_config(data, source)
    message = str(caught.value)
    assert "\n" not in message
    assert "\r" not in message
    assert message.startswith(f"{source}: ")
    return message


def test_full_toml_decodes() -> None:
    assert decode_config(FULL_TOML.encode(), TOML_SOURCE) == FULL_CONFIG


def test_json_decodes_like_toml() -> None:
    data = {
        "defaults": {
            "repeat": 5,
            "warmup": 0,
            "threshold": 0.20,
            "warn_factor": 0.90,
            "out_dir": "artifacts/perfgate",
            "baseline_dir": "baselines",
        },
        "bench": [
            {
                "name": "sort-1m",
                "command": ["sort", "-n", "data/1m.txt"],
                "cwd": ".",
                "work": 1000000,
                "timeout": "30s",
                "repeat": 7,
                "warmup": 1,
                "metrics": ["wall_ms", "max_rss_kb"],
                "budgets": {
                    "wall_ms": {
                        "threshold": 0.10,
                        "warn_factor": 0.5,
                        "direction": "lower",
                    }
                },
            }
        ],
    }
    decoded = decode_config(json.dumps(data).encode(), JSON_SOURCE)
    assert decoded == FULL_CONFIG


def test_empty_file_has_no_benches() -> None:
    assert decode_config(b"", TOML_SOURCE) == ConfigFile()


def test_absent_keys_are_none() -> None:
    bench = decode_config(MINIMAL_BENCH.encode(), TOML_SOURCE).bench[0]
    assert bench == BenchConfig(name="b", command=["true"])
    assert bench.repeat is None
    assert bench.budgets is None


def test_integer_threshold_reads_as_number() -> None:
    text = MINIMAL_BENCH + "[bench.budgets.wall_ms]\nthreshold = 1\n"
    budgets = decode_config(text.encode(), TOML_SOURCE).bench[0].budgets
    assert budgets == {"wall_ms": BudgetConfig(threshold=1.0)}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("perfgate.toml", "toml"),
        ("perfgate.json", "json"),
        ("CONFIG.JSON", "json"),
        ("perfgate.json.toml", "toml"),
        ("perfgate", "toml"),
    ],
)
def test_format_follows_file_name(source: str, expected: str) -> None:
    assert config_format(source) == expected


# Encodings and line endings


def test_utf8_bom_accepted_in_toml() -> None:
    data = b"\xef\xbb\xbf" + MINIMAL_BENCH.encode()
    assert decode_config(data, TOML_SOURCE).bench[0].name == "b"


def test_utf8_bom_accepted_in_json() -> None:
    data = b'\xef\xbb\xbf{"bench": [{"name": "b", "command": ["true"]}]}'
    assert decode_config(data, JSON_SOURCE).bench[0].name == "b"


def test_crlf_line_endings_accepted() -> None:
    data = MINIMAL_BENCH.replace("\n", "\r\n").encode()
    assert decode_config(data, TOML_SOURCE).bench[0].command == ["true"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_rejected(encoding: str) -> None:
    message = toml_error(MINIMAL_BENCH.encode(encoding))
    assert "UTF-16" in message
    assert "save it as UTF-8" in message


def test_invalid_utf8_names_line() -> None:
    data = b'[[bench]]\nname = "caf\xe9"\n'
    offset = data.index(b"\xe9")
    message = toml_error(data)
    assert message == (
        f"{TOML_SOURCE}: line 2: invalid UTF-8 at byte offset {offset}; "
        "save the file as UTF-8"
    )


def test_lone_cr_rejected_with_line() -> None:
    message = toml_error('[[bench]]\nname = "b"\rcommand = ["true"]\n')
    assert message == (
        f"{TOML_SOURCE}: line 2: carriage return (CR) without a line feed; "
        "save the file with LF or CRLF line endings"
    )


def test_invalid_toml_rejected() -> None:
    message = toml_error(MINIMAL_BENCH + "repeat = = 3\n")
    assert message.startswith(f"{TOML_SOURCE}: invalid TOML: ")
    assert "line 4" in message


def test_duplicate_toml_key_rejected() -> None:
    message = toml_error(MINIMAL_BENCH + 'name = "c"\n')
    assert message.startswith(f"{TOML_SOURCE}: invalid TOML: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "invalid JSON: expecting property name"),
        ('{"bench": [}', "invalid JSON: expecting value"),
        ('{"defaults": {"repeat": 1, "repeat": 2}}', 'duplicate key "repeat"'),
        ('{"defaults": {"threshold": NaN}}', "NaN is not a valid JSON number"),
        ('{"defaults": {"threshold": Infinity}}', "Infinity is not a valid"),
        ("[1, 2]", "expected a JSON object at the top level, found an array"),
        ('"text"', "expected a JSON object at the top level, found a string"),
    ],
)
def test_invalid_json_rejected(text: str, expected: str) -> None:
    message = toml_error(text, JSON_SOURCE)
    assert expected in message


# Unknown keys: every table forbids them.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "benches = []\n",
            'unknown key "benches" at the top level; expected defaults or bench',
        ),
        (
            "[defaults]\nrepet = 5\n",
            'unknown key "repet" in [defaults]; expected repeat, warmup, '
            "threshold, warn_factor, out_dir or baseline_dir",
        ),
        (
            '[[bench]]\nname = "sort-1m"\ncommand = ["true"]\ncomand = ["x"]\n',
            'bench "sort-1m": unknown key "comand" in [[bench]]; expected name, '
            "command, cwd, work, timeout, repeat, warmup, metrics or budgets",
        ),
        (
            '[[bench]]\nname = "sort-1m"\ncommand = ["true"]\n'
            "[bench.budgets.wall_ms]\ntreshold = 0.1\n",
            'bench "sort-1m": unknown key "treshold" in [bench.budgets.wall_ms]; '
            "expected threshold, warn_factor or direction",
        ),
    ],
    ids=["top-level", "defaults", "bench", "budgets"],
)
def test_unknown_key_rejected(text: str, expected: str) -> None:
    assert toml_error(text) == f"{TOML_SOURCE}: {expected}"


def test_unknown_budget_key_in_second_table() -> None:
    text = (
        MINIMAL_BENCH
        + "[bench.budgets.max_rss_kb]\nthreshold = 0.1\n"
        + '[bench.budgets."odd key"]\nwarn = 0.1\n'
    )
    assert toml_error(text) == (
        f'{TOML_SOURCE}: bench "b": unknown key "warn" in '
        '[bench.budgets."odd key"]; expected threshold, warn_factor or direction'
    )


def test_unknown_key_in_json_names_object() -> None:
    text = (
        '{"bench": [{"name": "b", "command": ["x"], "budgets": {"wall_ms": {"t": 1}}}]}'
    )
    assert toml_error(text, JSON_SOURCE) == (
        f'{JSON_SOURCE}: bench "b": unknown key "t" in object "wall_ms" in '
        '"budgets"; expected threshold, warn_factor or direction'
    )


def test_unnamed_bench_named_by_position() -> None:
    text = MINIMAL_BENCH + '[[bench]]\ncommand = ["true"]\nrepeats = 3\n'
    message = toml_error(text)
    assert message.startswith(f'{TOML_SOURCE}: bench #2: unknown key "repeats"')


# Wrong value types


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[bench.budgets.wall_ms]\nthreshold = "0.1"\n',
            'key "threshold" in [bench.budgets.wall_ms]: expected a number, '
            "found a string",
        ),
        (
            "[bench.budgets.wall_ms]\nthreshold = true\n",
            'key "threshold" in [bench.budgets.wall_ms]: expected a number, '
            "found a boolean",
        ),
        (
            '[bench.budgets.wall_ms]\ndirection = "up"\n',
            'key "direction" in [bench.budgets.wall_ms]: invalid value "up"; '
            "expected lower or higher",
        ),
        (
            "budgets = { wall_ms = 0.1 }\n",
            'key "wall_ms" in [bench.budgets]: expected a table, found a float',
        ),
        (
            "repeat = 2.5\n",
            'key "repeat" in [[bench]]: expected a whole number, found a float',
        ),
        (
            "timeout = 30\n",
            'key "timeout" in [[bench]]: expected a string, found an integer',
        ),
        (
            "metrics = [1]\n",
            'item 1 of key "metrics" in [[bench]]: expected a string, found an integer',
        ),
    ],
)
def test_wrong_type_rejected(body: str, expected: str) -> None:
    text = MINIMAL_BENCH + body
    assert toml_error(text) == f'{TOML_SOURCE}: bench "b": {expected}'


def test_command_string_rejected() -> None:
    message = toml_error('[[bench]]\nname = "b"\ncommand = "sort -n"\n')
    assert message == (
        f'{TOML_SOURCE}: bench "b": key "command" in [[bench]]: '
        "expected an array, found a string"
    )


def test_command_item_type_rejected() -> None:
    message = toml_error('[[bench]]\nname = "b"\ncommand = ["sleep", 1]\n')
    assert message == (
        f'{TOML_SOURCE}: bench "b": item 2 of key "command" in [[bench]]: '
        "expected a string, found an integer"
    )


def test_missing_name_rejected() -> None:
    message = toml_error('[[bench]]\ncommand = ["true"]\n')
    assert message == (
        f'{TOML_SOURCE}: bench #1: missing required key "name" in [[bench]]'
    )


def test_missing_command_rejected() -> None:
    message = toml_error('[[bench]]\nname = "b"\n')
    assert message == (
        f'{TOML_SOURCE}: bench "b": missing required key "command" in [[bench]]'
    )


def test_single_bench_table_rejected() -> None:
    message = toml_error('[bench]\nname = "b"\ncommand = ["true"]\n')
    assert message == (
        f'{TOML_SOURCE}: key "bench": expected an array, found a table; '
        "write each bench as a [[bench]] table"
    )


def test_defaults_of_wrong_type_rejected() -> None:
    message = toml_error("defaults = 5\n")
    assert message == (
        f'{TOML_SOURCE}: key "defaults": expected a table, found an integer'
    )


def test_bench_entry_of_wrong_type_in_json() -> None:
    message = toml_error('{"bench": [3]}', JSON_SOURCE)
    assert message == f"{JSON_SOURCE}: bench #1: expected an object, found a number"


def test_name_with_line_break_stays_one_line() -> None:
    text = '[[bench]]\nname = "a\\nb\\u2028c"\ncommand = ["true"]\nx = 1\n'
    message = toml_error(text)
    assert message.startswith(f'{TOML_SOURCE}: bench "a\\u000ab\\u2028c": ')


# Message helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("tab\there", '"tab\\u0009here"'),
        ("nul\x00", '"nul\\u0000"'),
        ("del\x7f", '"del\\u007f"'),
        ("next\x85line", '"next\\u0085line"'),
        ("é ü 日本", '"é ü 日本"'),
    ],
)
def test_quote_text_escapes_controls(text: str, expected: str) -> None:
    assert quote_text(text) == expected


@pytest.mark.parametrize(
    ("name", "index", "expected"),
    [
        ("sort-1m", 0, 'bench "sort-1m"'),
        ("", 2, "bench #3"),
        (None, 0, "bench #1"),
        (42, 1, "bench #2"),
    ],
)
def test_describe_bench_by_name_or_position(
    name: object, index: int, expected: str
) -> None:
    assert describe_bench(name, index) == expected
