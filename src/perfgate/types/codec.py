"""Decode and encode receipts with errors that name the file and the field.

Decoding is strict where the contract is strict (types, ranges, the
``schema`` id, finite numbers) and lenient where forward compatibility
requires it: unknown fields are ignored.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Iterator
from typing import Any, TypeVar

import msgspec

from perfgate.types.errors import ReceiptError
from perfgate.types.receipts import (
    COMPARE_SCHEMA,
    REPORT_SCHEMA,
    RUN_SCHEMA,
    U64_MAX,
    CompareReceipt,
    ReportReceipt,
    RunReceipt,
)

T = TypeVar("T")

# A JSON integer of 20 or more digits may exceed u64; only then is the
# (slower) full walk for out-of-range integers needed. To find such a run,
# every digit is mapped to "0" and every other byte to a space, and the result
# is searched for 20 zeros. On a 10 MB receipt this took 28 ms, against 190 ms
# for the regular expression rb"[0-9]{20,}" (2-core Linux VM).
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_INTEGER_ZEROS = b"0" * 20

_ENCODER = msgspec.json.Encoder()

_REGENERATE_HINT = {
    RUN_SCHEMA: "regenerate it with `perfgate run`",
    COMPARE_SCHEMA: "regenerate it with `perfgate compare`",
    REPORT_SCHEMA: "regenerate it with `perfgate report`",
}


class _SchemaProbe(msgspec.Struct):
    schema: Any = None
    report_type: Any = None


def describe_validation_error(error: msgspec.MsgspecError) -> str:
    """Turn a msgspec error into 'field `a.b[0]`: expected ...' wording."""
    text = str(error).replace("Object missing required field", "missing required field")
    what, separator, where = text.rpartition(" - at `")
    if not separator:
        return _lower_first(text)
    path = where.rstrip("`")
    path = path[2:] if path.startswith("$.") else path.lstrip("$")
    if path:
        return f"field `{path}`: {_lower_first(what)}"
    return _lower_first(what)


def _lower_first(text: str) -> str:
    # Keeps acronyms such as "JSON" intact.
    if text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


# msgspec's names for JSON value types, as a reader of the file calls them.
_JSON_TYPE_NAMES = {
    "array": "an array",
    "int": "a number",
    "float": "a number",
    "str": "a string",
    "null": "null",
    "bool": "a boolean",
}
_GOT_TYPE = re.compile(r"got `(\w+)`")


def _describe_found_type(error: msgspec.ValidationError) -> str:
    match = _GOT_TYPE.search(str(error))
    if match is None:
        return describe_validation_error(error)
    return _JSON_TYPE_NAMES.get(match.group(1), match.group(1))


def _iter_out_of_range(value: Any, path: str) -> Iterator[str]:
    """Yield the path of every integer above u64 inside decoded data."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if value > U64_MAX:
            yield path
        return
    if isinstance(value, msgspec.Struct):
        for info in msgspec.structs.fields(value):
            name = info.encode_name
            yield from _iter_out_of_range(
                getattr(value, info.name), f"{path}.{name}" if path else name
            )
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _iter_out_of_range(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _iter_out_of_range(item, f"{path}.{key}" if path else str(key))


class _NonFiniteLiteral:
    """Stands in for a NaN or Infinity literal while its path is searched."""

    def __init__(self, literal: str) -> None:
        self.literal = literal


def _find_non_finite_literal(data: bytes) -> tuple[str, str] | None:
    """Return the field path and text of the first NaN or Infinity literal.

    msgspec rejects these literals as malformed JSON without a field path.
    The standard library parser accepts them, so it finds the path; it runs
    only after msgspec has rejected the input.
    """
    try:
        parsed = json.loads(data, parse_constant=_NonFiniteLiteral)
    except (ValueError, RecursionError):
        return None
    pending: deque[tuple[str, Any]] = deque([("", parsed)])
    while pending:
        path, value = pending.popleft()
        if isinstance(value, _NonFiniteLiteral):
            return path, value.literal
        if isinstance(value, dict):
            pending.extend(
                (f"{path}.{_printable(key)}" if path else _printable(key), item)
                for key, item in value.items()
            )
        elif isinstance(value, list):
            pending.extend(
                (f"{path}[{index}]", item) for index, item in enumerate(value)
            )
    return None


def _printable(key: str) -> str:
    # A key with a line break or a lone surrogate would break the one-line
    # message, so it is shown as a JSON string with escapes.
    return key if key.isprintable() else json.dumps(key)


def _read_schema_id(data: bytes, source: str, expected: str, key: str) -> object:
    """Return the document's ``key`` field (None when absent) with cheap checks.

    Raises ReceiptError for text that is not JSON and for JSON that is not
    an object, before the full typed decode runs.
    """
    hint = _REGENERATE_HINT[expected]
    try:
        probe = msgspec.json.decode(data, type=_SchemaProbe)
    except msgspec.ValidationError as exc:
        # ValidationError subclasses DecodeError, so it must be caught first.
        # The typed decoder stops at the first value that is not an object,
        # so text such as a TOML file would pass for an array. An untyped
        # parse tells invalid JSON from valid JSON of the wrong type.
        try:
            msgspec.json.decode(data)
        except msgspec.DecodeError as syntax_error:
            detail = _lower_first(str(syntax_error).removeprefix("JSON is malformed: "))
            raise ReceiptError(
                f"{source}: invalid JSON: {detail}; {hint}"
            ) from syntax_error
        raise ReceiptError(
            f"{source}: expected a JSON object with {key} {expected!r}, "
            f"found {_describe_found_type(exc)}; pass a {expected} receipt"
        ) from exc
    except msgspec.DecodeError as exc:
        detail = _lower_first(str(exc).removeprefix("JSON is malformed: "))
        non_finite = _find_non_finite_literal(data)
        if non_finite is not None:
            path, literal = non_finite
            detail = f"field `{path}`: {literal} is not a valid JSON number"
        raise ReceiptError(f"{source}: invalid JSON: {detail}; {hint}") from exc
    found: object = getattr(probe, key)
    return found


def _decode(data: bytes, source: str, kind: type[T], expected: str, key: str) -> T:
    hint = _REGENERATE_HINT[expected]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # isspace() stops at the first other byte; strip() would copy the input.
    if not data or data.isspace():
        raise ReceiptError(f"{source}: file is empty; expected a {expected} receipt")

    found = _read_schema_id(data, source, expected, key)
    if found != expected:
        shown = "no field" if found is None else repr(found)
        raise ReceiptError(
            f"{source}: field `{key}`: expected {expected!r}, found {shown}; "
            f"pass a {expected} receipt"
        )

    try:
        decoded = msgspec.json.decode(data, type=kind)
    except msgspec.MsgspecError as exc:
        raise ReceiptError(
            f"{source}: invalid {expected} receipt: "
            f"{describe_validation_error(exc)}; {hint}"
        ) from exc

    # msgspec skips unknown fields without checking their UTF-8, but JSON
    # text is UTF-8 throughout, and promote copies the bytes into a baseline
    # that other readers must load. isascii() settles most files without a copy.
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReceiptError(
                f"{source}: invalid JSON: invalid UTF-8 at byte {exc.start}; {hint}"
            ) from None

    if _LONG_INTEGER_ZEROS in data.translate(_DIGITS_AS_ZEROS):
        for path in _iter_out_of_range(decoded, ""):
            raise ReceiptError(
                f"{source}: invalid {expected} receipt: field `{path}`: "
                f"integer above the u64 maximum {U64_MAX}; {hint}"
            )
    return decoded


def decode_run(data: bytes, source: str) -> RunReceipt:
    """Decode a ``perfgate.run.v1`` receipt read from ``source``."""
    return _decode(data, source, RunReceipt, RUN_SCHEMA, "schema")


def decode_compare(data: bytes, source: str) -> CompareReceipt:
    """Decode a ``perfgate.compare.v1`` receipt read from ``source``."""
    return _decode(data, source, CompareReceipt, COMPARE_SCHEMA, "schema")


def decode_report(data: bytes, source: str) -> ReportReceipt:
    """Decode a ``perfgate.report.v1`` envelope read from ``source``."""
    return _decode(data, source, ReportReceipt, REPORT_SCHEMA, "report_type")


def _check_finite(value: Any, path: str) -> None:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite number {value!r} at `{path}`")
    elif isinstance(value, msgspec.Struct):
        for info in msgspec.structs.fields(value):
            name = info.encode_name
            _check_finite(getattr(value, info.name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value and not isinstance(value[0], str):
        for index, item in enumerate(value):
            _check_finite(item, f"{path}[{index}]")


def encode(receipt: msgspec.Struct, *, pretty: bool = False) -> bytes:
    """Encode a receipt as JSON, ending with a newline.

    Raises ValueError for NaN or an infinity, which JSON cannot carry and
    msgspec would silently write as ``null``.
    """
    if isinstance(receipt, RunReceipt):
        # Samples carry integers only, so the stats are the one place to check.
        _check_finite(receipt.stats, "stats")
    else:
        _check_finite(receipt, "")
    data = _ENCODER.encode(receipt)
    if pretty:
        data = msgspec.json.format(data, indent=2)
    return data + b"\n"
