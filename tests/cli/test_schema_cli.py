"""``perfgate schema`` writes the committed schema files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from perfgate.types.schema import render_schema, schema_documents

Cli = Callable[..., Any]


def test_schema_writes_every_file(run_cli: Cli, tmp_path: Path) -> None:
    out_dir = tmp_path / "nested" / "schemas"
    result = run_cli(["schema", "--out-dir", str(out_dir)])
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    documents = schema_documents()
    assert sorted(path.name for path in out_dir.iterdir()) == sorted(documents)
    for file_name, document in documents.items():
        written = (out_dir / file_name).read_text(encoding="utf-8")
        assert written == render_schema(document)
        assert str(out_dir / file_name) in result.stdout


def test_schema_default_folder(
    cli_in_process: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli_in_process(["schema"])
    assert result.code == 0, result.stderr
    assert (tmp_path / "schemas" / "perfgate.run.v1.schema.json").is_file()


def test_schema_rewrite_is_identical(cli_in_process: Cli, tmp_path: Path) -> None:
    assert cli_in_process(["schema", "--out-dir", str(tmp_path)]).code == 0
    first = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert cli_in_process(["schema", "--out-dir", str(tmp_path)]).code == 0
    second = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert first == second


def test_schema_out_dir_is_file(cli_in_process: Cli, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep")
    result = cli_in_process(["schema", "--out-dir", str(target)])
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "--out-dir" in lines[0]
    assert str(target) in lines[0]
    assert target.read_text() == "keep"
