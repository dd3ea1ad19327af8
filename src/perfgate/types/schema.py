"""JSON Schema (draft 2020-12) documents generated from the receipt structs.

Every document has the ``$id``
``https://perfgate.dev/schemas/<format>.schema.json``, where ``<format>`` is
the format id such as ``perfgate.run.v1``, and is written to a file of that
base name. The id changes only when the format
version does. Receipts allow unknown properties, because readers accept
fields added by newer writers; the config forbids them, so that a misspelt
key is an error.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from perfgate.types.config import ConfigFile
from perfgate.types.receipts import (
    COMPARE_SCHEMA,
    CONFIG_SCHEMA,
    REPORT_SCHEMA,
    RUN_SCHEMA,
    CompareReceipt,
    ReportReceipt,
    RunReceipt,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "https://perfgate.dev/schemas/"

_REF_TEMPLATE = "#/$defs/{name}"


def schema_file_name(format_id: str) -> str:
    """Return the schema file name of a format, e.g. ``perfgate.run.v1.schema.json``."""
    return f"{format_id}.schema.json"


def build_schema(root: type[msgspec.Struct], format_id: str) -> dict[str, Any]:
    """Build the schema document of one format whose top level is ``root``.

    The root struct's component becomes the document itself, with the
    struct's docstring as its description, and every struct it uses goes
    under ``$defs``.
    """
    (reference,), components = msgspec.json.schema_components(
        [root], ref_template=_REF_TEMPLATE
    )
    root_name = reference["$ref"].rsplit("/", 1)[1]
    document: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": ID_PREFIX + schema_file_name(format_id),
    }
    document.update(components.pop(root_name))
    document["title"] = format_id
    if components:
        document["$defs"] = components
    return document


def schema_documents() -> dict[str, dict[str, Any]]:
    """Return every format's schema document, keyed by its file name."""
    formats: list[tuple[type[msgspec.Struct], str]] = [
        (RunReceipt, RUN_SCHEMA),
        (CompareReceipt, COMPARE_SCHEMA),
        (ReportReceipt, REPORT_SCHEMA),
        # The config is TOML or JSON; its schema describes the parsed tables.
        (ConfigFile, CONFIG_SCHEMA),
    ]
    return {
        schema_file_name(format_id): build_schema(root, format_id)
        for root, format_id in formats
    }


def render_schema(document: dict[str, Any]) -> str:
    """Serialize a schema document deterministically: sorted keys, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
