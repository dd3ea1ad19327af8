"""Validation of a decoded config and resolution of each bench's settings.

A bench's value wins over ``[defaults]``, which wins over the built-in
defaults: repeat 5, warmup 0, threshold 0.20, warn_factor 0.90, out_dir
``artifacts/perfgate`` and baseline_dir ``baselines``. Paths are returned as
written; the caller resolves relative ones (the CLI resolves them against
the config file's folder).

Bench names: a name may be any text except the empty string, ``.``, ``..``,
text with a control character, or more than 200 bytes in UTF-8. Its folder
name is the artifact folder of ``check --all`` and, with ``.json``, the
default baseline file ``baseline_dir/FOLDER.json``. It is the name with each
path separator (``/``, ``\\``) replaced by ``_``, and so is each control
character for a caller that skipped the name check. Spaces, punctuation and
non-ASCII letters stay, so for every name that is a valid file name the
folder name is the name itself: bench ``sort 1m`` uses
``baselines/sort 1m.json``. Two benches whose folder names are equal
ignoring case and Unicode normalisation (as on the file systems of macOS and
Windows) are rejected, as is a folder name equal to one of the combined
``check --all`` outputs (``comment.md``, ``report.json``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from perfgate.domain.compare import (
    DEFAULT_THRESHOLD,
    DEFAULT_WARN_FACTOR,
    MAX_THRESHOLD,
    BudgetOverride,
    BudgetPolicy,
)
from perfgate.domain.duration import parse_duration_ns
from perfgate.domain.metrics import ALL_METRICS, parse_metric
from perfgate.types.config import (
    BenchConfig,
    ConfigFile,
    ConfigFormat,
    DefaultsConfig,
    config_format,
    describe_bench,
    quote_text,
    table_label,
)
from perfgate.types.errors import ConfigError
from perfgate.types.receipts import MetricName

DEFAULT_REPEAT: Final = 5
DEFAULT_WARMUP: Final = 0
DEFAULT_OUT_DIR: Final = "artifacts/perfgate"
DEFAULT_BASELINE_DIR: Final = "baselines"

# "NAME.json" must fit the 255-byte file name limit of ext4 and APFS. NTFS
# counts UTF-16 units instead, never more than the UTF-8 bytes, so a limit in
# UTF-8 bytes fits all three.
MAX_NAME_BYTES: Final = 200
# Files that `check --all` writes into out_dir beside the bench folders.
COMBINED_OUTPUT_NAMES: Final = frozenset({"comment.md", "report.json"})

U32_MAX: Final = 2**32 - 1
U64_MAX: Final = 2**64 - 1

# Path separators of POSIX and Windows; control characters are found by
# their Unicode category (Cc: C0, DEL and C1).
_PATH_SEPARATORS: Final = frozenset("/\\")
_METRIC_LIST = ", ".join(ALL_METRICS)

_T = TypeVar("_T")


@dataclass(frozen=True)
class ResolvedBench:
    """One bench with every default applied, ready to run and compare."""

    name: str
    # The bench's folder and baseline file name; see the module docstring.
    folder_name: str
    command: tuple[str, ...]
    repeat: int
    warmup: int
    policy: BudgetPolicy
    work_units: int | None = None
    # As written in the config; None leaves the working directory to the caller.
    cwd: str | None = None
    timeout_ns: int | None = None


@dataclass(frozen=True)
class ResolvedConfig:
    """The benches in file order and the folders for artifacts and baselines."""

    out_dir: str
    baseline_dir: str
    benches: tuple[ResolvedBench, ...]

    def bench_named(self, name: str) -> ResolvedBench | None:
        """Return the bench called exactly ``name``, or None."""
        for bench in self.benches:
            if bench.name == name:
                return bench
        return None


def folder_name(name: str) -> str:
    """Map a bench name to its folder name: ``sort 1m/v2`` -> ``sort 1m_v2``.

    Only path separators and control characters become ``_``. The caller
    must have checked the name with ``check_bench_name``, so the result is
    never empty, ``.`` or ``..``.
    """
    return "".join(
        "_"
        if character in _PATH_SEPARATORS or unicodedata.category(character) == "Cc"
        else character
        for character in name
    )


def folder_key(folder: str) -> str:
    """Return the form of ``folder`` under which two folder names collide.

    The default file systems of macOS and Windows ignore case, and APFS also
    ignores the difference between composed and decomposed accents, so the
    key folds case after NFC normalisation. Case folding can merge a few names that a
    file system keeps apart (such as ``ß`` and ``ss``), which only rejects a
    config that would have worked.
    """
    return unicodedata.normalize("NFC", folder).casefold()


def check_bench_name(name: str) -> str | None:
    """Return why ``name`` cannot be a bench name, or None when it can."""
    if not name:
        return "the name is empty; give the bench a name"
    if name in (".", ".."):
        return (
            f"invalid name {quote_text(name)}; a name must not be . or .., "
            "which are folder references"
        )
    for character in name:
        if unicodedata.category(character) == "Cc":
            return (
                f"invalid name {quote_text(name)}: it contains the control "
                f"character U+{ord(character):04X}; use printable characters"
            )
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        return (
            f"the name is {size} bytes long in UTF-8; use at most "
            f"{MAX_NAME_BYTES} (a non-ASCII character takes 2 to 4 bytes)"
        )
    if folder_key(folder_name(name)) in COMBINED_OUTPUT_NAMES:
        return (
            f"invalid name {quote_text(name)}: check --all writes a file of that "
            "name into out_dir; rename the bench"
        )
    return None


def resolve_config(config: ConfigFile, source: str) -> ResolvedConfig:
    """Validate ``config`` read from ``source`` and apply the defaults.

    Raises ConfigError with one line naming ``source``, the bench and the
    key, for the first problem in file order.
    """
    form = config_format(source)
    defaults = _resolve_defaults(config.defaults, source, form)
    benches: list[ResolvedBench] = []
    by_name: dict[str, int] = {}
    by_folder: dict[str, int] = {}
    for index, entry in enumerate(config.bench):
        prefix = f"{source}: {describe_bench(entry.name, index)}"
        bench = _resolve_bench(entry, defaults, prefix, form)
        name_key = f'{prefix}: key "name" in {table_label(form, "bench")}'
        if bench.name in by_name:
            first = by_name[bench.name] + 1
            raise ConfigError(
                f"{name_key}: duplicate name; bench #{first} has the same name; "
                "give every bench a different name"
            )
        folder = folder_key(bench.folder_name)
        if folder in by_folder:
            other = benches[by_folder[folder]]
            raise ConfigError(
                f"{name_key}: the folder name {quote_text(bench.folder_name)} is "
                f"the same as that of bench {quote_text(other.name)} ('/' and "
                "'\\' become '_', and case and Unicode normalisation are ignored); "
                "rename one of them"
            )
        by_name[bench.name] = index
        by_folder[folder] = index
        benches.append(bench)
    return ResolvedConfig(
        out_dir=defaults.out_dir,
        baseline_dir=defaults.baseline_dir,
        benches=tuple(benches),
    )


@dataclass(frozen=True)
class _Defaults:
    repeat: int
    warmup: int
    threshold: float
    warn_factor: float
    out_dir: str
    baseline_dir: str


def _resolve_defaults(
    defaults: DefaultsConfig, source: str, form: ConfigFormat
) -> _Defaults:
    label = table_label(form, "defaults")

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f'{source}: key "{key}" in {label}: {problem}')

    for key, low in (("repeat", 1), ("warmup", 0)):
        problem = _check_integer(getattr(defaults, key), low, U32_MAX)
        if problem:
            raise fail(key, problem)
    for key in ("threshold", "warn_factor"):
        problem = _check_fraction(key, getattr(defaults, key))
        if problem:
            raise fail(key, problem)
    for key in ("out_dir", "baseline_dir"):
        problem = _check_path(getattr(defaults, key))
        if problem:
            raise fail(key, problem)
    return _Defaults(
        repeat=_pick(defaults.repeat, DEFAULT_REPEAT),
        warmup=_pick(defaults.warmup, DEFAULT_WARMUP),
        threshold=_pick(defaults.threshold, DEFAULT_THRESHOLD),
        warn_factor=_pick(defaults.warn_factor, DEFAULT_WARN_FACTOR),
        out_dir=_pick(defaults.out_dir, DEFAULT_OUT_DIR),
        baseline_dir=_pick(defaults.baseline_dir, DEFAULT_BASELINE_DIR),
    )


def _resolve_bench(
    entry: BenchConfig, defaults: _Defaults, prefix: str, form: ConfigFormat
) -> ResolvedBench:
    label = table_label(form, "bench")

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f'{prefix}: key "{key}" in {label}: {problem}')

    name_problem = check_bench_name(entry.name)
    if name_problem:
        raise fail("name", name_problem)

    command_problem = _check_command(entry.command)
    if command_problem:
        raise fail("command", command_problem)

    for key, low, high in (
        ("repeat", 1, U32_MAX),
        ("warmup", 0, U32_MAX),
        ("work", 1, U64_MAX),
    ):
        problem = _check_integer(getattr(entry, key), low, high)
        if problem:
            raise fail(key, problem)

    cwd_problem = _check_path(entry.cwd)
    if cwd_problem:
        raise fail("cwd", cwd_problem)

    timeout_ns = None
    if entry.timeout is not None:
        try:
            timeout_ns = parse_duration_ns(entry.timeout)
        except ValueError as exc:
            raise fail("timeout", str(exc)) from None
        if timeout_ns > U64_MAX:
            raise fail(
                "timeout",
                f"{quote_text(entry.timeout)} is longer than the maximum of "
                f"{U64_MAX} ns (about 584 years)",
            )

    return ResolvedBench(
        name=entry.name,
        folder_name=folder_name(entry.name),
        command=tuple(entry.command),
        repeat=_pick(entry.repeat, defaults.repeat),
        warmup=_pick(entry.warmup, defaults.warmup),
        policy=_resolve_policy(entry, defaults, prefix, form),
        work_units=entry.work,
        cwd=entry.cwd,
        timeout_ns=timeout_ns,
    )


def _resolve_policy(
    entry: BenchConfig, defaults: _Defaults, prefix: str, form: ConfigFormat
) -> BudgetPolicy:
    bench_label = table_label(form, "bench")
    gated: set[MetricName] | None = None
    if entry.metrics is not None:
        if not entry.metrics:
            raise ConfigError(
                f'{prefix}: key "metrics" in {bench_label}: the list is empty, so '
                "nothing would be gated; list metrics or remove the key"
            )
        gated = set()
        for position, text in enumerate(entry.metrics, start=1):
            metric = parse_metric(text)
            if metric is None:
                raise ConfigError(
                    f'{prefix}: item {position} of key "metrics" in {bench_label}: '
                    f"unknown metric {quote_text(text)}; expected one of "
                    f"{_METRIC_LIST}"
                )
            gated.add(metric)

    overrides: dict[MetricName, BudgetOverride] = {}
    for key, budget in (entry.budgets or {}).items():
        label = table_label(form, "budget", key)
        metric = parse_metric(key)
        if metric is None:
            raise ConfigError(
                f"{prefix}: unknown metric {quote_text(key)} in {label}; expected "
                f"one of {_METRIC_LIST}"
            )
        if gated is not None and metric not in gated:
            raise ConfigError(
                f"{prefix}: {label} sets a budget for {metric}, which the key "
                f'"metrics" does not list, so it would be ignored; add {metric} '
                "to metrics or remove the table"
            )
        for field in ("threshold", "warn_factor"):
            problem = _check_fraction(field, getattr(budget, field))
            if problem:
                raise ConfigError(f'{prefix}: key "{field}" in {label}: {problem}')
        overrides[metric] = BudgetOverride(
            threshold=budget.threshold,
            warn_factor=budget.warn_factor,
            direction=budget.direction,
        )
    return BudgetPolicy(
        threshold=defaults.threshold,
        warn_factor=defaults.warn_factor,
        overrides=_sorted(overrides),
        metrics=None if gated is None else frozenset(gated),
    )


def _sorted(
    overrides: Mapping[MetricName, BudgetOverride],
) -> dict[MetricName, BudgetOverride]:
    return {metric: overrides[metric] for metric in sorted(overrides)}


def _pick(value: _T | None, fallback: _T) -> _T:
    return fallback if value is None else value


def _check_integer(value: int | None, low: int, high: int) -> str | None:
    if value is None or low <= value <= high:
        return None
    return f"invalid value {value}; expected a whole number from {low} to {high}"


def _check_fraction(key: str, value: float | None) -> str | None:
    if value is None:
        return None
    if not math.isfinite(value) or value <= 0:
        if key == "threshold":
            return (
                f"invalid value {value!r}; expected a finite number above 0, "
                "such as 0.20 for 20 %"
            )
        return f"invalid value {value!r}; expected a number above 0 and at most 1"
    if key == "threshold" and value > MAX_THRESHOLD:
        return (
            f"invalid value {value!r}; thresholds are fractions at most 1, "
            f"so write {value / 100:g} for {value:g} %"
        )
    if key == "warn_factor" and value > 1:
        return (
            f"invalid value {value!r}; expected a number above 0 and at most 1 "
            "(warn_threshold = threshold * warn_factor)"
        )
    return None


def _check_command(command: list[str]) -> str | None:
    if not command:
        return (
            "the command is empty; give the program and its arguments, "
            'e.g. ["sort", "-n", "data.txt"]'
        )
    if not command[0]:
        return "the program (item 1) is empty; give the program to run"
    for position, argument in enumerate(command, start=1):
        if "\x00" in argument:
            return (
                f"item {position} contains a NUL character, which no program "
                "argument can carry"
            )
    return None


def _check_path(path: str | None) -> str | None:
    if path is None:
        return None
    if not path:
        return "the path is empty; give a folder or remove the key"
    if "\x00" in path:
        return f"invalid path {quote_text(path)}: it contains a NUL character"
    return None
