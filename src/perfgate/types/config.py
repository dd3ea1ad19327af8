"""The ``perfgate.config.v1`` file: a ``[defaults]`` table and ``[[bench]]`` tables.

A config is TOML, or JSON when the file name ends in ``.json``. Decoding
checks the syntax, the text encoding and the type of every value; ranges,
metric names, durations and bench names are checked by
``perfgate.domain.config``. Every table forbids unknown keys, so that a typo
such as ``treshold`` is an error instead of a silently dropped budget.

Decode errors are one line that names the file, the bench (by name, or by
its 1-based position when it has no usable name) and the key.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from perfgate.types.errors import ConfigError
from perfgate.types.receipts import Direction

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ConfigFormat = Literal["toml", "json"]

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LONE_CR = re.compile(r"\r(?!\n)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+|\.\.\.)\]")


class _Table(Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Base of every config table: keyword construction, unknown keys rejected."""


class BudgetConfig(_Table, kw_only=True):
    """One [bench.budgets.METRIC] table; an absent key keeps the default."""

    threshold: Annotated[
        float | None,
        Meta(description="Fail threshold as a fraction above 0 (0.20 = 20 %)."),
    ] = None
    warn_factor: Annotated[
        float | None,
        Meta(description="Above 0 and at most 1; warn from threshold * warn_factor."),
    ] = None
    direction: Annotated[
        Direction | None,
        Meta(description="Which way is better: lower or higher."),
    ] = None


class BenchConfig(_Table, kw_only=True):
    """One [[bench]] table; absent values fall back to [defaults]."""

    name: Annotated[
        str,
        Meta(description="Bench name; also names its artifact folder and baseline."),
    ]
    command: Annotated[
        list[str], Meta(description="argv of the command; no shell parsing.")
    ]
    cwd: Annotated[
        str | None,
        Meta(description="Working directory, relative to the config file's folder."),
    ] = None
    work: Annotated[
        int | None,
        Meta(description="Work units per iteration; enables throughput_per_s."),
    ] = None
    timeout: Annotated[
        str | None,
        Meta(description="Per-iteration limit such as 500ms, 2s, 1m or 1h30m."),
    ] = None
    repeat: Annotated[
        int | None, Meta(description="Measured iterations (at least 1).")
    ] = None
    warmup: Annotated[
        int | None, Meta(description="Iterations run first and left out of stats.")
    ] = None
    metrics: Annotated[
        list[str] | None,
        Meta(description="Metric names; when present, exactly these are gated."),
    ] = None
    budgets: Annotated[
        dict[str, BudgetConfig] | None,
        Meta(description="Per-metric overrides; each table also gates its metric."),
    ] = None


class DefaultsConfig(_Table, kw_only=True):
    """The [defaults] table, applied to every bench that lacks the key."""

    repeat: Annotated[
        int | None, Meta(description="Measured iterations (default 5).")
    ] = None
    warmup: Annotated[
        int | None, Meta(description="Warmup iterations (default 0).")
    ] = None
    threshold: Annotated[
        float | None,
        Meta(description="Fail threshold as a fraction (default 0.20 = 20 %)."),
    ] = None
    warn_factor: Annotated[
        float | None,
        Meta(description="Warn from threshold * warn_factor (default 0.90)."),
    ] = None
    out_dir: Annotated[
        str | None,
        Meta(description="Artifact folder (default artifacts/perfgate)."),
    ] = None
    baseline_dir: Annotated[
        str | None,
        Meta(description="Folder of NAME.json baselines (default baselines)."),
    ] = None


class ConfigFile(_Table, kw_only=True):
    """A whole config file as written, before defaults are applied.

    Relative paths in it are relative to the config file's folder.
    """

    defaults: DefaultsConfig = msgspec.field(default_factory=DefaultsConfig)
    bench: list[BenchConfig] = msgspec.field(default_factory=list)


def config_format(source: str) -> ConfigFormat:
    """Return ``json`` for a file name ending in ``.json`` (any case), else ``toml``."""
    return "json" if source.lower().endswith(".json") else "toml"


def quote_text(text: str) -> str:
    """Quote ``text`` in double quotes with control characters escaped.

    Keeps an error message on one line whatever the config contains.
    """
    parts = ['"']
    for character in text:
        code = ord(character)
        if character in '"\\':
            parts.append("\\" + character)
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029):
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(character)
    parts.append('"')
    return "".join(parts)


def describe_bench(name: object, index: int) -> str:
    """Name a bench in a message: ``bench "sort-1m"``, or ``bench #2`` by position.

    ``index`` is 0-based; the message counts from 1, as a reader counts the
    ``[[bench]]`` tables in the file.
    """
    if isinstance(name, str) and name:
        return f"bench {quote_text(name)}"
    return f"bench #{index + 1}"


def table_label(
    form: ConfigFormat,
    table: Literal["top", "defaults", "bench", "budget"],
    budget_key: str = "",
) -> str:
    """Name a table as the user wrote it, e.g. ``[bench.budgets.wall_ms]``."""
    if table == "top":
        return "the top level"
    if form == "json":
        if table == "budget":
            return f'object {quote_text(budget_key)} in "budgets"'
        return f'object "{table}"'
    if table == "defaults":
        return "[defaults]"
    if table == "bench":
        return "[[bench]]"
    key = budget_key if _BARE_KEY.fullmatch(budget_key) else quote_text(budget_key)
    return f"[bench.budgets.{key}]"


def table_keys(kind: type[Struct]) -> str:
    """List a table's keys for a message: ``threshold, warn_factor or direction``."""
    names = [info.encode_name for info in msgspec.structs.fields(kind)]
    return ", ".join(names[:-1]) + " or " + names[-1]


def decode_config(data: bytes, source: str) -> ConfigFile:
    """Decode a config file read from ``source`` (its name picks TOML or JSON).

    Raises ConfigError with one line naming ``source``, the bench and the
    key. A UTF-8 byte order mark and CRLF line endings are accepted.
    """
    form = config_format(source)
    text = _decode_text(data, source, form)
    raw = _parse_json(text, source) if form == "json" else _parse_toml(text, source)
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{source}: expected a JSON object at the top level, found "
            f"{_json_type_name(raw)}"
        )
    try:
        return msgspec.convert(raw, ConfigFile)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{source}: {_describe_error(str(exc), raw, form)}") from exc


def _decode_text(data: bytes, source: str, form: ConfigFormat) -> str:
    if data.startswith(_UTF16_BOMS):
        raise ConfigError(
            f"{source}: file is UTF-16 (or UTF-32) encoded; save it as UTF-8"
        )
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ConfigError(
            f"{source}: line {line}: NUL byte, so the "
            "file is binary or UTF-16 encoded; save it as UTF-8"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{source}: line {line}: invalid UTF-8 at byte offset {exc.start}; "
            "save the file as UTF-8"
        ) from None
    if form == "toml":
        lone_cr = _LONE_CR.search(text)
        if lone_cr is not None:
            line = text.count("\n", 0, lone_cr.start()) + 1
            raise ConfigError(
                f"{source}: line {line}: carriage return (CR) without a line feed; "
                "save the file with LF or CRLF line endings"
            )
    return text


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {_lower_first(str(exc))}") from None
    return parsed


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for key, value in pairs:
        if key in table:
            raise ValueError(f"duplicate key {quote_text(key)}")
        table[key] = value
    return table


def _parse_json(text: str, source: str) -> Any:
    # The standard library parser reads the syntax because it reports line
    # and column and lets duplicate keys be rejected. msgspec then converts
    # the parsed values into the structs, as for TOML.
    try:
        parsed = json.loads(
            text,
            parse_constant=_reject_constant,
            object_pairs_hook=_reject_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: invalid JSON: {_lower_first(str(exc))}") from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"{source}: invalid JSON: {exc}") from None
    if _has_lone_surrogate(parsed):
        # json.loads turns an escape such as \ud800 without its pair into a
        # string that no UTF-8 output (receipts, messages) can carry.
        raise ConfigError(
            f"{source}: invalid JSON: a \\u escape in a string is half of a "
            "UTF-16 surrogate pair; write the character itself or both halves"
        )
    return parsed


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return not value.isascii() and _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(
            _has_lone_surrogate(key) or _has_lone_surrogate(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _json_type_name(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null"


# msgspec's names for value types, in the TOML vocabulary (a JSON object is
# a TOML table).
_TYPE_NAMES = {
    "str": "a string",
    "int": "an integer",
    "float": "a float",
    "bool": "a boolean",
    "array": "an array",
    "object": "a table",
    "null": "null",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}
# The same, for what a key expects: a float key takes integers too.
_EXPECTED_NAMES = {**_TYPE_NAMES, "float": "a number", "int": "a whole number"}

_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `(.*)`", re.DOTALL)
_MISSING_FIELD = re.compile(r"Object missing required field `(.*)`", re.DOTALL)
_WRONG_TYPE = re.compile(r"Expected `([^`]*)`, got `([^`]*)`")
_BAD_ENUM = re.compile(r"Invalid enum value (.*)", re.DOTALL)


def _split_path(path: str) -> list[str | int]:
    """Split ``$.bench[0].budgets[...]`` into ``["bench", 0, "budgets", "..."]``."""
    parts: list[str | int] = []
    for match in _PATH_PART.finditer(path.removeprefix("$")):
        name, index = match.groups()
        if name is not None:
            parts.append(name)
        elif index == "...":
            parts.append("...")
        else:
            parts.append(int(index))
    return parts


def _describe_error(message: str, raw: dict[str, Any], form: ConfigFormat) -> str:
    """Rewrite a msgspec error on ``raw`` as 'bench "x": key "y" in [...]: ...'."""
    problem, separator, where = message.rpartition(" - at `")
    if not separator:
        problem, where = message, "$`"
    parts = _split_path(where.rstrip("`"))

    if not parts:
        return _describe_problem(problem, "top", form, "", None)
    if parts[0] == "defaults":
        field = parts[1] if len(parts) > 1 else None
        if field is None and _WRONG_TYPE.match(problem):
            return _wrong_type(problem, 'key "defaults"', form)
        return _describe_problem(problem, "defaults", form, "", field)
    if parts[0] != "bench" or len(parts) < 2 or not isinstance(parts[1], int):
        # Only `bench` itself can be of the wrong type here.
        hint = "write each bench as a [[bench]] table" if form == "toml" else None
        return _wrong_type(problem, 'key "bench"', form, hint)

    index = parts[1]
    raw_bench = raw["bench"][index]
    name = raw_bench.get("name") if isinstance(raw_bench, dict) else None
    bench_text = describe_bench(name, index)
    rest = parts[2:]
    if len(rest) >= 2 and rest[0] == "budgets" and rest[1] == "...":
        return f"{bench_text}: {_describe_budget_error(raw_bench['budgets'], form)}"
    if len(rest) == 2 and isinstance(rest[1], int):
        item = f'item {rest[1] + 1} of key "{rest[0]}" in {table_label(form, "bench")}'
        return f"{bench_text}: {_wrong_type(problem, item, form)}"
    field = rest[0] if rest else None
    return f"{bench_text}: {_describe_problem(problem, 'bench', form, '', field)}"


def _describe_budget_error(budgets: dict[str, Any], form: ConfigFormat) -> str:
    # msgspec writes every dict key as `[...]`, so find the failing table by
    # converting each one on its own.
    for key, value in budgets.items():
        try:
            msgspec.convert(value, BudgetConfig)
        except msgspec.ValidationError as exc:
            problem, _, where = str(exc).rpartition(" - at `")
            if not problem:
                problem = str(exc)
            parts = _split_path(where.rstrip("`"))
            field = parts[0] if parts else None
            if field is None and _WRONG_TYPE.match(problem):
                table = 'object "budgets"' if form == "json" else "[bench.budgets]"
                return _wrong_type(problem, f"key {quote_text(key)} in {table}", form)
            return _describe_problem(problem, "budget", form, key, field)
    return "invalid budgets table"


_TABLE_TYPES: dict[str, type[Struct]] = {
    "top": ConfigFile,
    "defaults": DefaultsConfig,
    "bench": BenchConfig,
    "budget": BudgetConfig,
}


def _describe_problem(
    problem: str,
    table: Literal["top", "defaults", "bench", "budget"],
    form: ConfigFormat,
    budget_key: str,
    field: str | int | None,
) -> str:
    label = table_label(form, table, budget_key)
    preposition = "at" if table == "top" else "in"
    kind = _TABLE_TYPES[table]
    unknown = _UNKNOWN_FIELD.match(problem)
    if unknown:
        return (
            f"unknown key {quote_text(unknown.group(1))} {preposition} {label}; "
            f"expected {table_keys(kind)}"
        )
    missing = _MISSING_FIELD.match(problem)
    if missing:
        return f"missing required key {quote_text(missing.group(1))} in {label}"
    # A whole table of the wrong type is named by the caller (the bench).
    key = f'key "{field}" {preposition} {label}' if field is not None else ""
    enum = _BAD_ENUM.match(problem)
    if enum:
        value = enum.group(1)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = quote_text(value[1:-1])
        return f"{key}: invalid value {value}; expected lower or higher"
    return _wrong_type(problem, key, form)


def _wrong_type(
    problem: str, key: str, form: ConfigFormat, hint: str | None = None
) -> str:
    match = _WRONG_TYPE.match(problem)
    if match is None:
        text = _lower_first(problem)
    else:
        expected_types = [
            name for name in match.group(1).split(" | ") if name != "null"
        ]
        expected = " or ".join(_expected_name(name, form) for name in expected_types)
        text = f"expected {expected}, found {_type_name(match.group(2), form)}"
    if key:
        text = f"{key}: {text}"
    return f"{text}; {hint}" if hint else text


def _type_name(name: str, form: ConfigFormat) -> str:
    if form == "json" and name in ("object", "int", "float"):
        return "an object" if name == "object" else "a number"
    return _TYPE_NAMES.get(name, name)


def _expected_name(name: str, form: ConfigFormat) -> str:
    if form == "json" and name == "object":
        return "an object"
    return _EXPECTED_NAMES.get(name, name)
