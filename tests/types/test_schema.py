"""The generated JSON Schema documents and the committed copies in schemas/."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from perfgate.types.codec import decode_run
from perfgate.types.schema import render_schema, schema_documents

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMITTED_DIR = REPO_ROOT / "schemas"
U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
# The receipt formats, whose schemas are held to the stricter checks below.
EXPECTED_FILES = {
    "perfgate.run.v1.schema.json": "perfgate.run.v1",
    "perfgate.compare.v1.schema.json": "perfgate.compare.v1",
    "perfgate.report.v1.schema.json": "perfgate.report.v1",
}
CONFIG_FILE = "perfgate.config.v1.schema.json"
# The config example of the user documentation, as TOML parses it.
CONFIG_EXAMPLE: dict[str, Any] = {
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
                "wall_ms": {"threshold": 0.10, "warn_factor": 0.5, "direction": "lower"}
            },
        }
    ],
}

MakeRun = Callable[..., dict[str, Any]]


def walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every sub-schema (a dict) with its JSON pointer-like path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return schema_documents()


def validator(document: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(document)


def test_all_formats_present(documents: dict[str, dict[str, Any]]) -> None:
    assert set(documents) == {*EXPECTED_FILES, CONFIG_FILE}


def test_documents_are_valid_2020_12(documents: dict[str, dict[str, Any]]) -> None:
    for document in documents.values():
        jsonschema.Draft202012Validator.check_schema(document)
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_ids_follow_file_names(documents: dict[str, dict[str, Any]]) -> None:
    for file_name, document in documents.items():
        assert document["$id"] == f"https://perfgate.dev/schemas/{file_name}"
        assert file_name == f"{document['title']}.schema.json"


def test_format_id_is_const(documents: dict[str, dict[str, Any]]) -> None:
    for file_name, format_id in EXPECTED_FILES.items():
        document = documents[file_name]
        key = "report_type" if format_id == "perfgate.report.v1" else "schema"
        assert document["properties"][key]["const"] == format_id
        assert key in document["required"]


def test_nested_compare_id_is_const(documents: dict[str, dict[str, Any]]) -> None:
    report = documents["perfgate.report.v1.schema.json"]
    nested = report["$defs"]["CompareReceipt"]["properties"]["schema"]
    assert nested["const"] == "perfgate.compare.v1"


def test_u64_fields_carry_maximum(documents: dict[str, dict[str, Any]]) -> None:
    run = documents["perfgate.run.v1.schema.json"]
    sample = run["$defs"]["Sample"]["properties"]
    assert sample["wall_ms"]["maximum"] == U64_MAX
    integer_branch = next(
        branch
        for branch in sample["max_rss_kb"]["anyOf"]
        if branch.get("type") == "integer"
    )
    assert integer_branch["maximum"] == U64_MAX
    assert integer_branch["minimum"] == 0


def test_every_integer_is_bounded(documents: dict[str, dict[str, Any]]) -> None:
    for file_name in EXPECTED_FILES:
        document = documents[file_name]
        for path, node in walk(document):
            if node.get("type") != "integer":
                continue
            where = f"{file_name}{path}"
            assert "minimum" in node, where
            assert node["maximum"] in (U32_MAX, U64_MAX, 2**31 - 1), where


def test_u64_maximum_written_exactly() -> None:
    text = render_schema(schema_documents()["perfgate.run.v1.schema.json"])
    assert '"maximum": 18446744073709551615' in text
    assert "1.8446744073709552e+19" not in text


def test_every_property_described(documents: dict[str, dict[str, Any]]) -> None:
    for file_name in EXPECTED_FILES:
        document = documents[file_name]
        for path, node in walk(document):
            properties = node.get("properties")
            if not isinstance(properties, dict) or path.endswith("/properties"):
                continue
            for name, schema in properties.items():
                assert schema.get("description"), f"{file_name}{path}/{name}"


def test_unknown_properties_allowed(documents: dict[str, dict[str, Any]]) -> None:
    for file_name in EXPECTED_FILES:
        document = documents[file_name]
        for path, node in walk(document):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties", True) is not False, (
                    f"{file_name}{path}"
                )


def test_rendering_is_deterministic(documents: dict[str, dict[str, Any]]) -> None:
    for document in documents.values():
        first = render_schema(document)
        assert first == render_schema(
            schema_documents()[f"{document['title']}.schema.json"]
        )
        assert first.endswith("}\n")
        assert not first.endswith("\n\n")
        assert list(json.loads(first)) == sorted(json.loads(first))


def test_committed_files_match_models(documents: dict[str, dict[str, Any]]) -> None:
    assert COMMITTED_DIR.is_dir(), "run `perfgate schema` to create schemas/"
    committed = {path.name for path in COMMITTED_DIR.glob("*.schema.json")}
    assert committed == set(documents), "run `perfgate schema` to regenerate"
    for file_name, document in documents.items():
        on_disk = (COMMITTED_DIR / file_name).read_text(encoding="utf-8")
        assert on_disk == render_schema(document), (
            f"schemas/{file_name} is stale; run `perfgate schema` to regenerate it"
        )


def test_valid_receipt_validates(
    documents: dict[str, dict[str, Any]], make_run: MakeRun
) -> None:
    data = make_run(wall_ms=[1, 2], wall_ns=[1_000_000, 2_500_000], work_units=5)
    data["samples"][0]["max_rss_kb"] = U64_MAX
    decode_run(json.dumps(data).encode(), "run.json")
    validator(documents["perfgate.run.v1.schema.json"]).validate(data)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema",), "perfgate.run.v2"),
        (("samples", 0, "wall_ms"), -1),
        (("samples", 0, "max_rss_kb"), U64_MAX + 1),
        (("samples", 0, "exit_code"), 2**31),
        (("bench", "repeat"), U32_MAX + 1),
        (("stats", "wall_ms", "median"), "100"),
    ],
)
def test_invalid_receipt_fails_schema(
    documents: dict[str, dict[str, Any]],
    make_run: MakeRun,
    path: tuple[Any, ...],
    value: Any,
) -> None:
    data = make_run()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = list(validator(documents["perfgate.run.v1.schema.json"]).iter_errors(data))
    assert errors, f"{path} = {value!r} should not validate"


def test_missing_required_fails_schema(
    documents: dict[str, dict[str, Any]], make_run: MakeRun
) -> None:
    data = make_run()
    del data["stats"]
    assert not validator(documents["perfgate.run.v1.schema.json"]).is_valid(data)


def test_config_rejects_unknown_keys(documents: dict[str, dict[str, Any]]) -> None:
    config = documents[CONFIG_FILE]
    for name in ("BenchConfig", "BudgetConfig", "DefaultsConfig"):
        assert config["$defs"][name]["additionalProperties"] is False, name
    assert config["additionalProperties"] is False


def test_config_example_validates(documents: dict[str, dict[str, Any]]) -> None:
    validator(documents[CONFIG_FILE]).validate(CONFIG_EXAMPLE)


def test_config_typo_fails_schema(documents: dict[str, dict[str, Any]]) -> None:
    bench = dict(CONFIG_EXAMPLE["bench"][0])
    bench["treshold"] = 0.1
    assert not validator(documents[CONFIG_FILE]).is_valid({"bench": [bench]})
