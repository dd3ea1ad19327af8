"""``perfgate schema``: write the JSON Schema files of the v1 formats."""

from __future__ import annotations

import argparse
import os
from typing import Any

DEFAULT_OUT_DIR = "schemas"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="write JSON Schema files for the receipt formats",
        description=(
            "Write one JSON Schema (draft 2020-12) file per v1 format, named "
            "<format>.schema.json, into a folder, creating it if needed."
        ),
    )
    parser.add_argument(
        "--out-dir",
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help=f"folder for the schema files (default {DEFAULT_OUT_DIR})",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from perfgate.cli.io import write_atomic
    from perfgate.types.errors import OutputError
    from perfgate.types.schema import render_schema, schema_documents

    out_dir: str = args.out_dir
    try:
        os.makedirs(out_dir, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(
            f"--out-dir {out_dir}: exists but is not a folder; pass a folder path"
        ) from exc
    except OSError as exc:
        raise OutputError(
            f"--out-dir {out_dir}: cannot create the folder: {exc.strerror or exc}"
        ) from exc
    for file_name, document in schema_documents().items():
        path = os.path.join(out_dir, file_name)
        write_atomic(path, render_schema(document).encode("utf-8"))
        print(path)
    return 0
