"""Config validation, defaults and bench folder names."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.domain.compare import BudgetOverride, BudgetPolicy
from perfgate.domain.config import (
    MAX_NAME_BYTES,
    ResolvedBench,
    ResolvedConfig,
    check_bench_name,
    folder_name,
    resolve_config,
)
from perfgate.types.config import decode_config
from perfgate.types.errors import ConfigError

SOURCE = "perfgate.toml"
BENCH = '[[bench]]\nname = "b"\ncommand = ["true"]\n'


def resolve(text: str, source: str = SOURCE) -> ResolvedConfig:
    return resolve_config(decode_config(text.encode(), source), source)


def config_error(text: str, source: str = SOURCE) -> str:
    """Resolve ``text`` and return the error, checking it is one named line."""
    with pytest.raises(ConfigError) as caught:
        resolve(text, source)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{source}: ")
    return message


# Defaults and resolution


def test_builtin_defaults_apply() -> None:
    config = resolve(BENCH)
    assert config.out_dir == "artifacts/perfgate"
    assert config.baseline_dir == "baselines"
    assert config.benches == (
        ResolvedBench(
            name="b",
            folder_name="b",
            command=("true",),
            repeat=5,
            warmup=0,
            policy=BudgetPolicy(threshold=0.20, warn_factor=0.90),
        ),
    )


def test_defaults_table_applies() -> None:
    text = (
        "[defaults]\nrepeat = 9\nwarmup = 2\nthreshold = 0.5\nwarn_factor = 0.25\n"
        'out_dir = "out"\nbaseline_dir = "base"\n' + BENCH
    )
    config = resolve(text)
    bench = config.benches[0]
    assert (bench.repeat, bench.warmup) == (9, 2)
    assert bench.policy.threshold == 0.5
    assert bench.policy.warn_factor == 0.25
    assert (config.out_dir, config.baseline_dir) == ("out", "base")


def test_bench_values_override_defaults() -> None:
    text = "[defaults]\nrepeat = 9\nwarmup = 2\n" + BENCH + "repeat = 3\nwarmup = 0\n"
    bench = resolve(text).benches[0]
    assert bench.repeat == 3
    assert bench.warmup == 0


def test_bench_fields_resolved() -> None:
    text = BENCH + 'cwd = "sub"\nwork = 1000\ntimeout = "1m30s"\n'
    bench = resolve(text).benches[0]
    assert bench.cwd == "sub"
    assert bench.work_units == 1000
    assert bench.timeout_ns == 90 * 10**9


def test_metrics_list_is_exact_gated_set() -> None:
    bench = resolve(BENCH + 'metrics = ["cpu_ms", "wall_ms"]\n').benches[0]
    assert bench.policy.metrics == frozenset({"cpu_ms", "wall_ms"})
    assert bench.policy.gated_metrics() == ("cpu_ms", "wall_ms")


def test_budget_table_gates_its_metric() -> None:
    text = BENCH + "[bench.budgets.page_faults]\nthreshold = 0.5\n"
    policy = resolve(text).benches[0].policy
    assert policy.metrics is None
    assert policy.overrides == {"page_faults": BudgetOverride(threshold=0.5)}
    assert policy.gated_metrics() == (
        "max_rss_kb",
        "page_faults",
        "throughput_per_s",
        "wall_ms",
    )


def test_budget_override_values_apply() -> None:
    text = (
        BENCH + 'metrics = ["wall_ms"]\n[bench.budgets.wall_ms]\n'
        'threshold = 0.10\nwarn_factor = 0.5\ndirection = "higher"\n'
    )
    policy = resolve(text).benches[0].policy
    budget = policy.budget_for("wall_ms")
    assert budget.threshold == 0.10
    assert budget.warn_threshold == 0.10 * 0.5
    assert budget.direction == "higher"


def test_warn_factor_of_one_accepted() -> None:
    policy = resolve("[defaults]\nwarn_factor = 1\n" + BENCH).benches[0].policy
    assert policy.warn_factor == 1.0


def test_benches_keep_file_order() -> None:
    text = "".join(
        f'[[bench]]\nname = "{name}"\ncommand = ["true"]\n'
        for name in ("zeta", "alpha", "mid")
    )
    config = resolve(text)
    assert [bench.name for bench in config.benches] == ["zeta", "alpha", "mid"]


def test_bench_named_finds_exact_name() -> None:
    config = resolve(BENCH + '[[bench]]\nname = "b2"\ncommand = ["x"]\n')
    assert config.bench_named("b2") is config.benches[1]
    assert config.bench_named("b") is config.benches[0]
    assert config.bench_named("B") is None


def test_no_benches_is_valid() -> None:
    assert resolve("").benches == ()


# Errors: each names the file, the bench and the key.


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "repeat = 0\n",
            'key "repeat" in [[bench]]: invalid value 0; expected a whole number '
            "from 1 to 4294967295",
        ),
        (
            "repeat = 4294967296\n",
            'key "repeat" in [[bench]]: invalid value 4294967296; expected a whole '
            "number from 1 to 4294967295",
        ),
        (
            "warmup = -1\n",
            'key "warmup" in [[bench]]: invalid value -1; expected a whole number '
            "from 0 to 4294967295",
        ),
        (
            "work = 0\n",
            'key "work" in [[bench]]: invalid value 0; expected a whole number '
            "from 1 to 18446744073709551615",
        ),
        (
            'timeout = "30 seconds"\n',
            "key \"timeout\" in [[bench]]: invalid duration '30 seconds'; expected "
            "a positive whole number with a unit: 500ms, 2s, 1m, 1h30m",
        ),
        (
            'timeout = "0s"\n',
            "key \"timeout\" in [[bench]]: invalid duration '0s'; it must be "
            "greater than 0",
        ),
        (
            'cwd = ""\n',
            'key "cwd" in [[bench]]: the path is empty; give a folder or remove '
            "the key",
        ),
        (
            "metrics = []\n",
            'key "metrics" in [[bench]]: the list is empty, so nothing would be '
            "gated; list metrics or remove the key",
        ),
        (
            'metrics = ["wall_ms", "wall_time"]\n',
            'item 2 of key "metrics" in [[bench]]: unknown metric "wall_time"; '
            "expected one of cpu_ms, ctx_switches, max_rss_kb, page_faults, "
            "throughput_per_s, wall_ms",
        ),
        (
            "[bench.budgets.wall]\nthreshold = 0.1\n",
            'unknown metric "wall" in [bench.budgets.wall]; expected one of '
            "cpu_ms, ctx_switches, max_rss_kb, page_faults, throughput_per_s, "
            "wall_ms",
        ),
        (
            'metrics = ["wall_ms"]\n[bench.budgets.max_rss_kb]\nthreshold = 0.1\n',
            "[bench.budgets.max_rss_kb] sets a budget for max_rss_kb, which the "
            'key "metrics" does not list, so it would be ignored; add max_rss_kb '
            "to metrics or remove the table",
        ),
    ],
)
def test_invalid_bench_value_rejected(body: str, expected: str) -> None:
    assert config_error(BENCH + body) == f'{SOURCE}: bench "b": {expected}'


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0", "0.0"), ("-0.2", "-0.2"), ("nan", "nan"), ("inf", "inf")],
)
def test_invalid_budget_threshold_rejected(value: str, shown: str) -> None:
    text = BENCH + f"[bench.budgets.wall_ms]\nthreshold = {value}\n"
    assert config_error(text) == (
        f'{SOURCE}: bench "b": key "threshold" in [bench.budgets.wall_ms]: '
        f"invalid value {shown}; expected a finite number above 0, such as "
        "0.20 for 20 %"
    )


@pytest.mark.parametrize(("value", "suggested"), [("20", "0.2"), ("1.5", "0.015")])
def test_percentage_threshold_rejected(value: str, suggested: str) -> None:
    text = BENCH + f"[bench.budgets.wall_ms]\nthreshold = {value}\n"
    message = config_error(text)
    assert 'key "threshold" in [bench.budgets.wall_ms]' in message
    assert "fractions at most 1" in message
    assert f"write {suggested} for" in message


def test_threshold_of_one_accepted() -> None:
    config = resolve(BENCH + "[bench.budgets.wall_ms]\nthreshold = 1\n", SOURCE)
    assert config.benches[0].policy.budget_for("wall_ms").threshold == 1.0


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "nan"])
def test_invalid_budget_warn_factor_rejected(value: str) -> None:
    text = BENCH + f"[bench.budgets.wall_ms]\nwarn_factor = {value}\n"
    message = config_error(text)
    assert message.startswith(
        f'{SOURCE}: bench "b": key "warn_factor" in [bench.budgets.wall_ms]: '
        "invalid value "
    )
    assert "expected a number above 0 and at most 1" in message


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("repeat = 0\n", "repeat"),
        ("warmup = -3\n", "warmup"),
        ("threshold = 0\n", "threshold"),
        ("threshold = -0.5\n", "threshold"),
        ("threshold = nan\n", "threshold"),
        ("warn_factor = 2.0\n", "warn_factor"),
        ('out_dir = ""\n', "out_dir"),
        ('baseline_dir = ""\n', "baseline_dir"),
    ],
)
def test_invalid_default_rejected(body: str, key: str) -> None:
    message = config_error("[defaults]\n" + body + BENCH)
    assert message.startswith(f'{SOURCE}: key "{key}" in [defaults]: ')


def test_empty_command_rejected() -> None:
    message = config_error('[[bench]]\nname = "b"\ncommand = []\n')
    assert message == (
        f'{SOURCE}: bench "b": key "command" in [[bench]]: the command is '
        'empty; give the program and its arguments, e.g. ["sort", "-n", '
        '"data.txt"]'
    )


def test_empty_program_rejected() -> None:
    message = config_error('[[bench]]\nname = "b"\ncommand = ["", "x"]\n')
    assert message == (
        f'{SOURCE}: bench "b": key "command" in [[bench]]: the program '
        "(item 1) is empty; give the program to run"
    )


def test_nul_in_argument_rejected() -> None:
    message = config_error('[[bench]]\nname = "b"\ncommand = ["echo", "a\\u0000"]\n')
    assert 'key "command" in [[bench]]: item 2 contains a NUL character' in message


def test_duplicate_name_rejected() -> None:
    text = BENCH + '[[bench]]\nname = "c"\ncommand = ["x"]\n' + BENCH
    assert config_error(text) == (
        f'{SOURCE}: bench "b": key "name" in [[bench]]: duplicate name; '
        "bench #1 has the same name; give every bench a different name"
    )


@pytest.mark.parametrize(
    ("first", "second", "folder"),
    [
        ("a/b", "a_b", "a_b"),
        ("a\\\\b", "a/b", "a_b"),
        ("Sort", "sort", "sort"),
        ("../x", ".._x", ".._x"),
        ("Straße", "STRASSE", "STRASSE"),
        # The same letter composed (U+00E9) and decomposed (e, U+0301).
        ("caf\u00e9", "cafe\u0301", "cafe\u0301"),
    ],
)
def test_same_folder_name_rejected(first: str, second: str, folder: str) -> None:
    text = (
        f'[[bench]]\nname = "{first}"\ncommand = ["x"]\n'
        f'[[bench]]\nname = "{second}"\ncommand = ["x"]\n'
    )
    message = config_error(text)
    assert message.startswith(f'{SOURCE}: bench "{second}": key "name" in [[bench]]: ')
    assert f'the folder name "{folder}" is the same as that of bench "{first}"' in (
        message
    )
    assert message.endswith("rename one of them")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", 'bench #1: key "name" in [[bench]]: the name is empty'),
        (".", 'bench ".": key "name" in [[bench]]: invalid name "."'),
        ("..", 'bench "..": key "name" in [[bench]]: invalid name ".."'),
        (
            "a\\u0000b",
            'bench "a\\u0000b": key "name" in [[bench]]: invalid name "a\\u0000b": '
            "it contains the control character U+0000",
        ),
        (
            "tab\\there",
            'bench "tab\\u0009here": key "name" in [[bench]]: invalid name '
            '"tab\\u0009here": it contains the control character U+0009',
        ),
        (
            "comment.md",
            'bench "comment.md": key "name" in [[bench]]: invalid name '
            '"comment.md": check --all writes a file of that name into out_dir',
        ),
        ("REPORT.JSON", 'bench "REPORT.JSON": key "name" in [[bench]]: invalid'),
    ],
)
def test_unsafe_name_rejected(name: str, expected: str) -> None:
    message = config_error(f'[[bench]]\nname = "{name}"\ncommand = ["x"]\n')
    assert message.startswith(f"{SOURCE}: {expected}")


def test_overlong_name_rejected() -> None:
    name = "n" * (MAX_NAME_BYTES + 1)
    message = config_error(f'[[bench]]\nname = "{name}"\ncommand = ["x"]\n')
    assert message.endswith(
        f"the name is {MAX_NAME_BYTES + 1} bytes long in UTF-8; use at most "
        f"{MAX_NAME_BYTES} (a non-ASCII character takes 2 to 4 bytes)"
    )


def test_overlong_name_counts_bytes() -> None:
    # 101 characters, but 202 bytes in UTF-8: too long for NAME.json.
    name = "é" * 101
    message = config_error(f'[[bench]]\nname = "{name}"\ncommand = ["x"]\n')
    assert "the name is 202 bytes long in UTF-8" in message


def test_longest_name_accepted() -> None:
    name = "n" * MAX_NAME_BYTES
    config = resolve(f'[[bench]]\nname = "{name}"\ncommand = ["x"]\n')
    assert config.benches[0].folder_name == name


def test_longest_unicode_name_accepted() -> None:
    name = "é" * (MAX_NAME_BYTES // 2)
    config = resolve(f'[[bench]]\nname = "{name}"\ncommand = ["x"]\n')
    assert config.benches[0].folder_name == name


def test_json_errors_name_json_objects() -> None:
    text = (
        '{"bench": [{"name": "b", "command": ["x"], '
        '"budgets": {"wall_ms": {"threshold": 0}}}]}'
    )
    message = config_error(text, "perfgate.json")
    assert message.startswith(
        'perfgate.json: bench "b": key "threshold" in object "wall_ms" in '
        '"budgets": invalid value 0'
    )


def test_first_error_in_file_order_reported() -> None:
    text = (
        '[[bench]]\nname = "first"\ncommand = ["x"]\nrepeat = 0\n'
        '[[bench]]\nname = "second"\ncommand = []\n'
    )
    assert config_error(text).startswith(f'{SOURCE}: bench "first": key "repeat"')


# Folder names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sort-1m", "sort-1m"),
        ("A.b_c-9", "A.b_c-9"),
        ("sort 1m", "sort 1m"),
        ("ünï cødé", "ünï cødé"),
        ("日本 🚀", "日本 🚀"),
        ("bench.py::test_fib[10]", "bench.py::test_fib[10]"),
        ("a:b*c?\"<>|'", "a:b*c?\"<>|'"),
        (" padded ", " padded "),
        ("...", "..."),
        ("a/b", "a_b"),
        ("../x", ".._x"),
        ("/etc/passwd", "_etc_passwd"),
        ("back\\slash", "back_slash"),
        ("nul\x00here", "nul_here"),
        ("tab\there", "tab_here"),
        ("new\nline", "new_line"),
        ("del\x7f", "del_"),
        ("c1\x85", "c1_"),
    ],
)
def test_folder_name_maps_only_unsafe(name: str, expected: str) -> None:
    assert folder_name(name) == expected


def test_valid_file_name_kept() -> None:
    config = resolve('[[bench]]\nname = "sort 1m"\ncommand = ["x"]\n')
    assert config.benches[0].folder_name == "sort 1m"


@given(st.text(min_size=1, max_size=MAX_NAME_BYTES))
def test_accepted_names_give_safe_folders(name: str) -> None:
    if check_bench_name(name) is not None:
        return
    folder = folder_name(name)
    assert "/" not in folder
    assert "\\" not in folder
    assert all(unicodedata.category(character) != "Cc" for character in folder)
    assert folder not in ("", ".", "..")
    assert len(folder.encode("utf-8")) <= MAX_NAME_BYTES
    if "/" not in name and "\\" not in name:
        assert folder == name
