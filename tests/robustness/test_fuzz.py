"""Fuzzing of every reader: arbitrary JSON, mutated receipts and configs.

Inputs start from receipts and a config that perfgate's own code produced
(see ``conftest``) and are mutated structurally (keys deleted, values
replaced by other types, huge, negative or non-finite numbers) or as bytes
(truncated, flipped, inserted). Each reader may succeed or raise perfgate's
own error, which the CLI maps to exit 1 with one stderr line. Any other
exception, a traceback or an "internal error" is a bug.

The default run is short. The ``fuzz_long`` marker selects a run of at
least 10,000 examples per reader: ``pytest -m fuzz_long -s tests/robustness``.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate.adapters import process as process_adapter
from perfgate.adapters.fakes import ScriptedRunner
from perfgate.adapters.ports import CommandSpec, RunResult
from perfgate.domain.config import resolve_config
from perfgate.types.codec import decode_compare, decode_report, decode_run
from perfgate.types.config import decode_config
from perfgate.types.errors import PerfgateError

SHORT_EXAMPLES = 60
LONG_EXAMPLES = 10_000

# Field names of the formats, so that generated objects often hit real keys.
FIELD_NAMES = (
    "schema",
    "report_type",
    "tool",
    "name",
    "version",
    "run",
    "id",
    "started_at",
    "ended_at",
    "host",
    "os",
    "arch",
    "bench",
    "command",
    "repeat",
    "warmup",
    "work_units",
    "timeout_ms",
    "samples",
    "wall_ms",
    "wall_ns",
    "exit_code",
    "max_rss_kb",
    "stats",
    "median",
    "min",
    "max",
    "throughput_per_s",
    "budgets",
    "deltas",
    "threshold",
    "warn_threshold",
    "direction",
    "baseline",
    "current",
    "ratio",
    "pct",
    "regression",
    "status",
    "verdict",
    "counts",
    "pass",
    "warn",
    "fail",
    "reasons",
    "compare",
    "findings",
    "summary",
    "defaults",
    "work",
    "timeout",
    "metrics",
    "warn_factor",
    "out_dir",
    "baseline_dir",
    "cwd",
)
# Immutable values only: a shared list or dict would carry one example's
# mutations into the next, and Hypothesis needs examples to replay exactly.
EXTREME_VALUES: tuple[Any, ...] = (
    0,
    -1,
    1,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**32 - 1,
    2**32,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
    10**30,
    10**400,
    1e308,
    -1e308,
    5e-324,
    -0.0,
    0.5,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "perfgate.run.v1",
    "perfgate.compare.v1",
    "perfgate.report.v1",
    "lower",
    "higher",
    "pass",
    "warn",
    "fail",
    "wall_ms",
    "throughput_per_s",
    "\u0000",
    "\ud800",
    "%0A::error::x\r\n",
    "`|`\n\n# injected",
    "é" * 300,
    True,
    False,
    None,
)

keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=6))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(EXTREME_VALUES),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=5),
    ),
    max_leaves=20,
)


def dump_json(value: Any, ascii_only: bool) -> bytes:
    """Serialize with NaN and Infinity literals, which JSON forbids."""
    text = json.dumps(value, allow_nan=True, ensure_ascii=ascii_only)
    # A lone surrogate cannot be UTF-8: it becomes invalid bytes on purpose.
    return text.encode("utf-8", "surrogatepass")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    target = document
    for part in path[:-1]:
        target = target[part]
    return target


@st.composite
def mutated_documents(draw: st.DrawFn, seed: Any) -> Any:
    """Apply one to four structural mutations to a copy of ``seed``."""
    document = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(document))
        path = paths[draw(st.integers(0, len(paths) - 1))]
        operation = draw(
            st.sampled_from(["delete", "replace", "extreme", "wrap", "add"])
        )
        if not path:
            if operation in ("replace", "extreme"):
                document = draw(json_values)
            continue
        parent = _parent(document, path)
        last = path[-1]
        if operation == "delete":
            del parent[last]
        elif operation == "replace":
            parent[last] = draw(json_values)
        elif operation == "extreme":
            parent[last] = draw(st.sampled_from(EXTREME_VALUES))
        elif operation == "wrap":
            parent[last] = [parent[last]]
        elif isinstance(parent[last], dict):
            parent[last][draw(keys)] = draw(json_values)
        elif isinstance(parent[last], list):
            parent[last].append(draw(json_values))
    return document


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    """Apply one to three byte-level mutations to ``seed``."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(
            st.sampled_from(["truncate", "flip", "insert", "delete", "repeat"])
        )
        position = draw(st.integers(0, len(data)))
        if operation == "truncate":
            del data[position:]
        elif operation == "flip" and position < len(data):
            data[position] ^= draw(st.integers(1, 255))
        elif operation == "insert":
            data[position:position] = draw(
                st.one_of(
                    st.binary(max_size=8),
                    st.sampled_from(
                        [b"NaN", b"-Infinity", b"1e999", b"18446744073709551616"]
                    ),
                )
            )
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 16))]
        elif operation == "repeat":
            data[position:position] = data[position : position + 32]
    return bytes(data)


def receipt_inputs(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """Arbitrary JSON, mutated seed documents and mutated seed bytes."""
    documents = [json.loads(seed) for seed in seeds]
    return st.one_of(
        st.builds(dump_json, json_values, st.booleans()),
        st.sampled_from(documents)
        .flatmap(mutated_documents)
        .flatmap(
            lambda document: st.builds(dump_json, st.just(document), st.booleans())
        ),
        st.sampled_from(seeds).flatmap(mutated_bytes),
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{json.dumps(key, ensure_ascii=False)} = {_toml_value(item)}"
            for key, item in value.items()
            if item is not None
        )
        return "{" + ", ".join(items) + "}"
    # TOML has no null; an empty string keeps the key present.
    return '""'


def dump_toml(document: Any) -> bytes:
    """Write ``document`` as TOML with inline tables (nulls become "")."""
    if not isinstance(document, dict):
        document = {"bench": document}
    lines = [
        f"{json.dumps(key, ensure_ascii=False)} = {_toml_value(value)}"
        for key, value in document.items()
        if value is not None
    ]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def config_inputs(
    toml_seed: bytes, json_seed: dict[str, Any]
) -> st.SearchStrategy[tuple[str, bytes]]:
    """(file name, bytes) pairs of TOML and JSON configs, mostly mutated."""
    mutated = mutated_documents(json_seed)
    return st.one_of(
        st.tuples(st.just("perfgate.toml"), mutated_bytes(toml_seed)),
        st.tuples(st.just("perfgate.toml"), mutated.map(dump_toml)),
        st.tuples(
            st.just("perfgate.json"),
            st.builds(dump_json, mutated, st.booleans()),
        ),
        st.tuples(
            st.just("perfgate.json"),
            mutated_bytes(json.dumps(json_seed).encode()),
        ),
        st.tuples(
            st.sampled_from(["perfgate.toml", "perfgate.json"]),
            st.builds(dump_json, json_values, st.booleans()),
        ),
    )


# Readers


def _only_perfgate_errors(call: Callable[[], object]) -> None:
    try:
        call()
    except PerfgateError as error:
        message = str(error)
        assert message
        assert "\n" not in message, message


# A fuzzed config may ask for up to 2^32 - 1 iterations, which the scripted
# runner would return at once and the receipt would hold in memory.
MAX_FAKE_RUNS = 1000


class RunLimitReached(BaseException):
    """Raised by the scripted runner after MAX_FAKE_RUNS runs in one call.

    A BaseException, so that the CLI cannot report it as its own error.
    """


def _fake_runner() -> ScriptedRunner:
    """A runner that measures nothing: fuzzed configs name arbitrary commands."""
    runs = 0

    def respond(spec: CommandSpec) -> RunResult:
        nonlocal runs
        runs += 1
        if runs > MAX_FAKE_RUNS:
            raise RunLimitReached
        return RunResult(
            wall_ns=12_345_678,
            exit_code=0,
            max_rss_kb=2048,
            cpu_ms=10,
            page_faults=0,
            ctx_switches=3,
            stdout=b"ok\n",
        )

    return ScriptedRunner(respond)


@contextmanager
def _no_real_commands() -> Iterator[None]:
    with mock.patch.object(process_adapter, "PosixProcessRunner", _fake_runner):
        yield


def _check_cli(support: ModuleType, argv: list[str], *, multi_line_ok: bool) -> None:
    try:
        with _no_real_commands():
            outcome = support.call_cli(argv)
    except RunLimitReached:
        # A valid config that requests that many iterations. The scripted
        # runner stops it, and the config was read without an error.
        return
    assert outcome.code in (0, 1, 2, 3), outcome
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert "internal error" not in outcome.stderr, outcome.stderr
    if outcome.code == 1:
        errors = [
            line
            for line in outcome.stderr.splitlines()
            if line.startswith("perfgate: error: ")
        ]
        assert len(errors) == 1, outcome.stderr
        if not multi_line_ok:
            assert outcome.stderr.splitlines() == errors, outcome.stderr
    elif not multi_line_ok:
        assert outcome.stderr == "", outcome.stderr


class Workspace:
    """Files shared by the examples of one test: inputs and output paths."""

    def __init__(self, root: Path, support: ModuleType) -> None:
        self.root = root
        self.fuzzed = root / "fuzzed.json"
        self.good_run = root / "good-run.json"
        self.good_run.write_bytes(support.seed_bytes()["run"])
        self.config = root / "perfgate.toml"
        self.config.write_text(support.SEED_CONFIG_TOML, encoding="utf-8")
        self.out = root / "out"
        self.out.mkdir()

    def write(self, data: bytes, name: str = "fuzzed.json") -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path


def _cli_readers(
    workspace: Workspace,
) -> dict[str, tuple[str, Callable[[Path], list[str]]]]:
    """Name: (seed kind, argv for a fuzzed file) of every reading command."""
    out = workspace.out
    good = str(workspace.good_run)
    return {
        "compare_baseline": (
            "run",
            lambda bad: [
                "compare",
                "--baseline",
                str(bad),
                "--current",
                good,
                "--out",
                str(out / "compare.json"),
            ],
        ),
        "compare_current": (
            "run",
            lambda bad: [
                "compare",
                "--baseline",
                good,
                "--current",
                str(bad),
                "--metric-threshold",
                "cpu_ms=0.5",
                "--out",
                str(out / "c.json"),
            ],
        ),
        "md": ("compare", lambda bad: ["md", "--compare", str(bad)]),
        "github_annotations": (
            "compare",
            lambda bad: ["github-annotations", "--compare", str(bad)],
        ),
        "report": (
            "compare",
            lambda bad: ["report", "--compare", str(bad), "--md", str(out / "c.md")],
        ),
        "promote": (
            "run",
            lambda bad: [
                "promote",
                "--current",
                str(bad),
                "--normalize",
                "--pretty",
                "--to",
                str(out / "baseline.json"),
            ],
        ),
        "export_run": (
            "run",
            lambda bad: ["export", "--run", str(bad), "--out", "-"],
        ),
        "export_compare": (
            "compare",
            lambda bad: [
                "export",
                "--compare",
                str(bad),
                "--format",
                "jsonl",
                "--out",
                "-",
            ],
        ),
        "check_baseline": (
            "run",
            lambda bad: [
                "check",
                "--config",
                str(workspace.config),
                "--bench",
                "sort-1m",
                "--baseline",
                str(bad),
                "--out-dir",
                str(out / "check"),
            ],
        ),
    }


DECODERS: dict[str, tuple[Callable[[bytes, str], object], tuple[str, ...]]] = {
    "decode_run": (decode_run, ("run",)),
    "decode_compare": (decode_compare, ("compare",)),
    "decode_report": (decode_report, ("report", "report_no_baseline")),
}
CLI_READERS = (
    "compare_baseline",
    "compare_current",
    "md",
    "github_annotations",
    "report",
    "promote",
    "export_run",
    "export_compare",
    "check_baseline",
)
FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def _fuzz_decoder(name: str, examples: int, support: ModuleType) -> int:
    decoder, kinds = DECODERS[name]
    seeds = [support.seed_bytes()[kind] for kind in kinds]
    count = 0

    @settings(max_examples=examples, **FUZZ_SETTINGS)
    @given(receipt_inputs(seeds))
    def fuzz(data: bytes) -> None:
        nonlocal count
        count += 1
        _only_perfgate_errors(lambda: decoder(data, "fuzzed.json"))

    fuzz()
    return count


def _fuzz_config(examples: int, support: ModuleType) -> int:
    count = 0

    @settings(max_examples=examples, **FUZZ_SETTINGS)
    @given(
        config_inputs(
            support.SEED_CONFIG_TOML.encode("utf-8"), support.SEED_CONFIG_DATA
        )
    )
    def fuzz(case: tuple[str, bytes]) -> None:
        nonlocal count
        count += 1
        name, data = case
        _only_perfgate_errors(lambda: resolve_config(decode_config(data, name), name))

    fuzz()
    return count


def _fuzz_cli(name: str, examples: int, support: ModuleType) -> int:
    count = 0
    with tempfile.TemporaryDirectory(prefix="perfgate-fuzz-") as folder:
        workspace = Workspace(Path(folder), support)
        kind, make_argv = _cli_readers(workspace)[name]
        seeds = [support.seed_bytes()[kind]]

        @settings(max_examples=examples, **FUZZ_SETTINGS)
        @given(receipt_inputs(seeds))
        def fuzz(data: bytes) -> None:
            nonlocal count
            count += 1
            bad = workspace.write(data)
            _check_cli(support, make_argv(bad), multi_line_ok=name == "check_baseline")

        fuzz()
    return count


def _fuzz_check_config(examples: int, support: ModuleType) -> int:
    count = 0
    with tempfile.TemporaryDirectory(prefix="perfgate-fuzz-") as folder:
        workspace = Workspace(Path(folder), support)

        @settings(max_examples=examples, **FUZZ_SETTINGS)
        @given(
            config_inputs(
                support.SEED_CONFIG_TOML.encode("utf-8"), support.SEED_CONFIG_DATA
            )
        )
        def fuzz(case: tuple[str, bytes]) -> None:
            nonlocal count
            count += 1
            name, data = case
            config = workspace.write(data, name)
            # --out-dir overrides the config's out_dir, which a mutation may
            # have pointed anywhere on the machine.
            argv = ["check", "--config", str(config), "--all"]
            argv += ["--out-dir", str(workspace.out / "check")]
            _check_cli(support, argv, multi_line_ok=True)

        fuzz()
    return count


READER_NAMES = (
    *sorted(DECODERS),
    "decode_config",
    *(f"cli_{name}" for name in CLI_READERS),
    "cli_check_config",
)


def _fuzz_reader(name: str, examples: int, support: ModuleType) -> int:
    if name in DECODERS:
        return _fuzz_decoder(name, examples, support)
    if name == "decode_config":
        return _fuzz_config(examples, support)
    if name == "cli_check_config":
        return _fuzz_check_config(examples, support)
    return _fuzz_cli(name.removeprefix("cli_"), examples, support)


@pytest.mark.parametrize("reader", READER_NAMES)
def test_fuzz_reader_short(reader: str, support: ModuleType) -> None:
    count = _fuzz_reader(reader, SHORT_EXAMPLES, support)

    assert count >= SHORT_EXAMPLES


@pytest.mark.fuzz_long
@pytest.mark.parametrize("reader", READER_NAMES)
def test_fuzz_reader_long(reader: str, support: ModuleType) -> None:
    import time

    started = time.monotonic()
    count = _fuzz_reader(reader, LONG_EXAMPLES, support)
    elapsed = time.monotonic() - started

    print(f"\nfuzz_long {reader}: {count} examples in {elapsed:.1f} s")
    assert count >= LONG_EXAMPLES


# Bench names cannot inject workflow commands or break the Markdown.

bench_names = st.text(min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(name=bench_names)
def test_bench_name_cannot_inject(name: str) -> None:
    from perfgate.app.annotations import render_annotations
    from perfgate.app.markdown import render_compare_markdown

    compare = _named_compare(name)
    failing = [
        metric for metric, delta in compare.deltas.items() if delta.status != "pass"
    ]

    annotations = render_annotations(compare)

    lines = annotations.split("\n")
    assert lines[-1] == ""
    assert len(lines) - 1 == len(failing)
    for line in lines[:-1]:
        assert line.startswith(("::error::perfgate ", "::warning::perfgate "))
        assert "\r" not in line
        # The runner decodes %0A and %0D back to line breaks only inside the
        # message, so a literal "::" later in the line cannot start a command.
    markdown = render_compare_markdown(compare)
    bench_lines = [line for line in markdown.splitlines() if "**Bench:**" in line]
    assert len(bench_lines) == 1
    assert bench_lines[0].startswith("**Bench:** `")


def _named_compare(name: str) -> Any:
    from perfgate.app.compare import compare_runs
    from perfgate.domain.compare import BudgetPolicy

    return compare_runs(
        _named_run(name, 100),
        _named_run(name, 125),
        BudgetPolicy(),
        baseline_path="b.json",
        current_path="c.json",
    )


def _named_run(name: str, wall_ms: int) -> Any:
    from perfgate.adapters.fakes import FixedClock, FixedHostProbe
    from perfgate.app.run import RunRequest, run_bench

    results = [
        RunResult(wall_ns=wall_ms * 1_000_000, exit_code=0, max_rss_kb=1000)
        for _ in range(3)
    ]
    return run_bench(
        RunRequest(name=name, command=("true",), repeat=3),
        ScriptedRunner(results),
        FixedHostProbe(),
        FixedClock(),
        new_run_id=lambda: "run",
    ).receipt
