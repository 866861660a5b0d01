"""Task parameters against their JSON Schema: every violation named by its path."""

from __future__ import annotations

from typing import Any

import pytest

from madlab.errors import ValidationError
from madlab.tasks import schema

LIGANDS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["receptor", "ligands"],
    "properties": {
        "receptor": {"type": "string"},
        "ligands": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["smiles"],
                "properties": {
                    "smiles": {"type": "string", "minLength": 1},
                    "charge": {"type": "integer", "default": 0},
                },
            },
        },
        "box": {
            "type": "object",
            "properties": {
                "size": {
                    "type": "array",
                    "items": {"type": "number", "exclusiveMinimum": 0},
                    "default": [20, 20, 20],
                },
                "padding": {"type": "number", "default": 4.0},
            },
            "default": {},
        },
        "mode": {"$ref": "#/$defs/Mode", "default": "dock"},
        "engine": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "$defs": {"Mode": {"type": "string", "enum": ["dock", "score_only"]}},
}


def errors_of(params: Any, spec: dict[str, Any] = LIGANDS) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as info:
        schema.validate(spec, params, subject="parameters of task t version 1")
    return list(info.value.details["errors"])


def test_every_violation_is_listed_with_its_path() -> None:
    params = {
        "receptor": 5,
        "ligands": [{"smiles": "C"}, {"smiles": "CC"}, {"smiles": ""}, {"charge": 1}],
        "box": {"size": [20, -1, 20]},
        "mode": "fly",
        "colour": "red",
    }
    with pytest.raises(ValidationError) as info:
        schema.validate(LIGANDS, params, subject="parameters of task t version 1")
    err = info.value
    fields = [e["field"] for e in err.details["errors"]]
    assert fields == sorted(
        ["box.size[1]", "colour", "ligands[2].smiles", "ligands[3].smiles", "mode", "receptor"]
    )
    for field in fields:
        assert field in err.message
    assert "6 problems" in err.message and "task t version 1" in err.message
    assert err.field == "box.size[1]"
    assert err.to_dict()["errors"] == err.details["errors"]


def test_messages_say_what_is_wrong() -> None:
    by_field = {
        e["field"]: e["message"]
        for e in errors_of({"receptor": "r.pdb", "ligands": [{}], "extra": 1, "mode": "x"})
    }
    assert by_field["ligands[0].smiles"] == "is required"
    assert "not a known field" in by_field["extra"] and "receptor" in by_field["extra"]
    assert "dock" in by_field["mode"] and "score_only" in by_field["mode"]


def test_defaults_are_filled_in_nested_and_through_refs() -> None:
    out = schema.validate(LIGANDS, {"receptor": "r.pdb", "ligands": [{"smiles": "C"}]})
    assert out["mode"] == "dock"
    assert out["engine"] is None
    assert out["box"] == {"size": [20, 20, 20], "padding": 4.0}
    assert out["ligands"] == [{"smiles": "C", "charge": 0}]


def test_given_values_are_kept_and_the_input_is_not_changed() -> None:
    params = {"receptor": "r", "ligands": [{"smiles": "C", "charge": 1}], "box": {"padding": 2}}
    out = schema.validate(LIGANDS, params)
    assert out["ligands"][0]["charge"] == 1 and out["box"]["padding"] == 2
    assert "size" not in params["box"]  # a copy was filled


def test_alternatives_are_explained_by_the_one_meant() -> None:
    spec = {
        "type": "object",
        "properties": {
            "center": {
                "anyOf": [
                    {"type": "array", "prefixItems": [{"type": "number"}] * 3, "minItems": 3},
                    {"type": "null"},
                ]
            },
            "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
    }
    by_field = {e["field"]: e["message"] for e in errors_of({"center": [1, 2], "name": 3}, spec)}
    assert "too short" in by_field["center"]
    assert by_field["name"] == "3 is not one of: string, null"
    assert by_field[""] == "give at least one of a, b"


def test_parameters_must_be_an_object() -> None:
    errors = errors_of(["not", "an", "object"])
    assert errors[0]["field"] == ""
    with pytest.raises(ValidationError, match="JSON object"):
        schema.validate({}, [1, 2])


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), ""),
        (("box", "size", 0), "box.size[0]"),
        ((0, "smiles"), "[0].smiles"),
        (("odd key", 2), '["odd key"][2]'),
    ],
)
def test_field_paths_read_like_code(path: tuple[str | int, ...], expected: str) -> None:
    assert schema.field_path(path) == expected


def test_a_valid_schema_passes() -> None:
    assert schema.check_schema(LIGANDS) == LIGANDS
    assert schema.check_schema({"$schema": schema.DIALECT, "type": "object"})


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ([], "must be a JSON Schema object"),
        ({"type": "objekt"}, "interface_spec.inputs.type"),
        ({"properties": {"a": {"minimum": "zero"}}}, "properties.a.minimum"),
        ({"$schema": "http://json-schema.org/draft-04/schema#"}, "draft 2020-12"),
        ({"properties": {"a": {"$ref": "#/$defs/Missing"}}}, "#/$defs/Missing"),
        ({"properties": {"a": {"$ref": "http://example.com/s.json"}}}, "cannot be resolved"),
    ],
)
def test_an_invalid_schema_is_refused_naming_the_keyword(bad: Any, named: str) -> None:
    with pytest.raises(ValidationError) as info:
        schema.check_schema(bad)
    assert named in str(info.value)


def test_inlined_schemas_are_self_contained() -> None:
    out = schema.inline_refs(LIGANDS)
    assert "$defs" not in out
    assert out["properties"]["mode"] == {
        "type": "string",
        "enum": ["dock", "score_only"],
        "default": "dock",
    }
    schema.check_schema(out)
    recursive = {
        "$defs": {"node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}}},
        "$ref": "#/$defs/node",
    }
    kept = schema.inline_refs(recursive)
    assert "$defs" in kept  # a recursive reference still needs its target
    schema.check_schema(kept)


def test_dock_request_schema_errors_name_fields() -> None:
    from madlab.tasks.builtin.dock import DEFINITION

    inputs = DEFINITION.interface_spec["inputs"]
    errors = errors_of({"receptor": "r.pdb", "size": [1, 2, "x"], "exhaustiveness": 0}, inputs)
    fields = {e["field"] for e in errors}
    assert fields == {"size[2]", "exhaustiveness"}
