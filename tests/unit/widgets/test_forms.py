"""Forms built from task schemas: the widgets chosen, defaults, and validation as values change."""

from __future__ import annotations

import ipywidgets as widgets

from madlab.tasks.builtin.dock import TASK as DOCK
from madlab.widgets.forms import NO_CHOICE, SchemaForm, file_choices

SCHEMA = {
    "type": "object",
    "required": ["receptor", "exhaustiveness"],
    "properties": {
        "receptor": {"type": "string", "format": "path", "title": "Receptor"},
        "exhaustiveness": {"type": "integer", "minimum": 1, "maximum": 64, "default": 8},
        "energy_range": {"type": "number", "exclusiveMinimum": 0, "default": 3.0},
        "scoring": {"type": "string", "enum": ["vina", "vinardo"], "default": "vina"},
        "sort": {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]},
        "whole_receptor": {"type": "boolean", "default": False},
        "center": {
            "anyOf": [
                {"type": "array", "prefixItems": [{"type": "number"}] * 3, "minItems": 3},
                {"type": "null"},
            ]
        },
        "smiles": {"type": "array", "items": {"type": "string"}},
        "box": {"type": "object", "properties": {"size": {"type": "number"}}},
        "label": {"type": ["string", "null"], "description": "free text"},
    },
}


def test_each_type_gets_its_widget_and_the_defaults() -> None:
    form = SchemaForm(SCHEMA)
    kinds = {name: type(f.widget) for name, f in form.fields.items()}
    assert kinds["receptor"] is widgets.Combobox
    assert kinds["scoring"] is widgets.Dropdown and kinds["sort"] is widgets.Dropdown
    assert kinds["whole_receptor"] is widgets.Checkbox
    assert kinds["smiles"] is widgets.Textarea and kinds["box"] is widgets.Textarea
    assert kinds["center"] is widgets.Text and kinds["label"] is widgets.Text
    assert form.fields["sort"].widget.options == (NO_CHOICE, "a", "b")
    assert form.fields["receptor"].widget.description.endswith("*")
    assert "≥ 1" in form.fields["exhaustiveness"].widget.placeholder
    assert form.value == {
        "exhaustiveness": 8,
        "energy_range": 3.0,
        "scoring": "vina",
        "whole_receptor": False,
    }


def test_validation_follows_each_change_and_names_the_field() -> None:
    form = SchemaForm(SCHEMA)
    assert not form.valid and form.errors == [{"field": "receptor", "message": "is required"}]
    assert "is required" in form.fields["receptor"].error.value
    seen: list[int] = []
    form.on_change(lambda f: seen.append(len(f.errors)))
    form.fields["receptor"].widget.value = "/data/receptor.pdb"
    assert form.valid and "ready" in form.summary.value
    form.fields["exhaustiveness"].widget.value = "0"
    assert [e["field"] for e in form.errors] == ["exhaustiveness"]
    assert "minimum of 1" in form.fields["exhaustiveness"].error.value
    form.fields["exhaustiveness"].widget.value = "eight"
    assert form.errors == [{"field": "exhaustiveness", "message": "'eight' is not a whole number"}]
    form.fields["exhaustiveness"].widget.value = "16"
    form.fields["center"].widget.value = "1.5, 2"
    assert [e["field"] for e in form.errors] == ["center"]
    form.fields["center"].widget.value = "1.5, 2, -3"
    form.fields["box"].widget.value = "{not json"
    assert "not valid JSON" in form.fields["box"].error.value
    form.fields["box"].widget.value = '{"size": 20}'
    form.fields["smiles"].widget.value = "CCO\n\nc1ccccc1\n"
    form.fields["sort"].widget.value = "b"
    assert form.valid, form.errors
    assert seen[:2] == [0, 1]
    value = form.value
    assert value["center"] == [1.5, 2.0, -3.0] and value["box"] == {"size": 20}
    assert value["smiles"] == ["CCO", "c1ccccc1"] and value["sort"] == "b"
    assert value["exhaustiveness"] == 16


def test_file_pickers_offer_uploaded_files_and_send_their_keys() -> None:
    class Upload:
        def __init__(self, id: str, name: str, fmt: str, key: str) -> None:
            self.id, self.name, self.format, self.key = id, name, fmt, key

    files = file_choices([Upload("0123456789", "lysozyme.pdb", "pdb", "sha256/ab/cd/ef")])
    (label,) = files
    assert label.startswith("lysozyme.pdb (pdb, 01234567")
    form = SchemaForm(SCHEMA, files=files, values={"exhaustiveness": 4, "sort": None})
    picker = form.fields["receptor"].widget
    assert list(picker.options) == [label]
    picker.value = label
    assert form.value["receptor"] == "sha256/ab/cd/ef"
    form.set_files({"other.pdb": "sha256/00/11/22"})
    picker.value = "other.pdb"
    assert form.value["receptor"] == "sha256/00/11/22"
    picker.value = "/a/path/typed.pdb"
    assert form.value["receptor"] == "/a/path/typed.pdb"
    assert form.value["exhaustiveness"] == 4 and "sort" not in form.value


def test_the_dock_task_form_accepts_a_complete_request() -> None:
    form = SchemaForm(DOCK.definition.interface_spec["inputs"])
    assert form.errors[0]["field"] == "receptor"
    form.set_values(
        {
            "receptor": "r.pdb",
            "ligand_files": ["l.sdf"],
            "autobox_ligand": "l.sdf",
            "exhaustiveness": 2,
            "backend": "builtin",
            "whole_receptor": False,
            "unknown": 1,
        }
    )
    assert form.valid, form.errors
    assert form.value["ligand_files"] == ["l.sdf"] and form.value["backend"] == "builtin"
    form.fields["mode"].widget.value = "score_only"
    form.fields["num_poses"].widget.value = "101"
    assert [e["field"] for e in form.errors] == ["num_poses"]
