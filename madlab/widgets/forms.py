"""Forms built from a task's JSON Schema: one widget per property, validated as values change.

Types map to widgets: enums to dropdowns, booleans to checkboxes, integers and
numbers to number boxes (ranges are checked, never silently clamped), strings
with ``format: path`` to file pickers listing the organization's uploaded
files, arrays of numbers to comma-separated text, arrays of strings to one item
a line, anything else to JSON text. Optional properties (``anyOf`` with
``null``) stay out of the value while left empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from madlab.tasks.schema import inline_refs, schema_errors

#: Sentinel for "left empty": the property is not part of the value.
UNSET: Any = object()

#: Label of a dropdown's empty choice for optional enums.
NO_CHOICE = "—"


class FieldParseError(ValueError):
    """Text typed into a field that cannot be read as the field's type."""


def _unwrap(node: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's schema without a ``null`` alternative, and whether it was nullable."""
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        kept = [a for a in alternatives if a.get("type") != "null"]
        nullable = len(kept) < len(alternatives)
        if len(kept) == 1:
            merged = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
            merged.update(kept[0])
            return merged, nullable
    kind = node.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [t for t in kind if t != "null"]
        return {**node, "type": rest[0] if len(rest) == 1 else rest}, True
    return dict(node), False


def _title(name: str, node: Mapping[str, Any]) -> str:
    return str(node.get("title") or name.replace("_", " ").capitalize())


@dataclass
class Field:
    """One property of the form: its widget, how to read it, and where its errors show."""

    name: str
    schema: dict[str, Any]
    widget: widgets.Widget
    read: Callable[[], Any]
    error: widgets.HTML
    required: bool

    def value(self) -> Any:
        """The field's value, or :data:`UNSET` when left empty (raises FieldParseError)."""
        return self.read()

    def show_error(self, message: str | None) -> None:
        """Show ``message`` under the field (``None`` clears it)."""
        self.error.value = f'<span style="color:#b00020">{message}</span>' if message else ""


def _number(text: str, integer: bool) -> float | int:
    try:
        return int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise FieldParseError(f"{text!r} is not {kind}") from None


def _text_reader(box: widgets.Widget, node: Mapping[str, Any]) -> Callable[[], Any]:
    kind = node.get("type")

    def read() -> Any:
        text = str(box.value).strip()
        if not text:
            return UNSET
        if kind in ("integer", "number"):
            return _number(text, kind == "integer")
        if kind == "array":
            items = node.get("prefixItems") or [node.get("items") or {}]
            item_kind = items[0].get("type") if items else None
            if item_kind in ("integer", "number"):
                parts = [p for p in text.replace(",", " ").split() if p]
                return [_number(p, item_kind == "integer") for p in parts]
            return [line.strip() for line in text.splitlines() if line.strip()]
        if kind == "string":
            return text
        try:
            return json.loads(text)
        except ValueError as err:
            raise FieldParseError(f"not valid JSON: {err}") from None

    return read


def _initial_text(node: Mapping[str, Any], default: Any) -> str:
    if default is None or default is UNSET:
        return ""
    if node.get("type") == "array" and isinstance(default, list):
        items = node.get("prefixItems") or [node.get("items") or {}]
        numeric = items and items[0].get("type") in ("integer", "number")
        return ", ".join(map(str, default)) if numeric else "\n".join(map(str, default))
    return default if isinstance(default, str) else json.dumps(default)


def build_field(
    name: str,
    node: Mapping[str, Any],
    *,
    required: bool = False,
    files: Mapping[str, str] | None = None,
) -> Field:
    """The widget of one schema property.

    Parameters
    ----------
    name
        Property name.
    node
        Its JSON Schema (``$ref`` already inlined).
    required
        Whether the object schema requires it.
    files
        File picker choices: label shown to the user → value sent (an artifact key).
    """
    schema, nullable = _unwrap(node)
    default = schema.get("default", UNSET)
    label = _title(name, schema) + (" *" if required else "")
    kind = schema.get("type")
    layout = widgets.Layout(width="95%")
    style = {"description_width": "160px"}
    tooltip = str(schema.get("description") or "")
    read: Callable[[], Any]
    widget: widgets.Widget
    if "enum" in schema:
        options = [str(o) for o in schema["enum"]]
        choices = [NO_CHOICE, *options] if nullable or default is UNSET else options
        start = str(default) if default not in (UNSET, None) else choices[0]
        widget = widgets.Dropdown(
            options=choices, value=start, description=label, style=style, layout=layout
        )
        by_label = {str(o): o for o in schema["enum"]}

        def read() -> Any:
            return UNSET if widget.value == NO_CHOICE else by_label[widget.value]

    elif kind == "boolean":
        widget = widgets.Checkbox(
            value=bool(default) if default is not UNSET else False,
            description=label,
            style=style,
            indent=False,
        )

        def read() -> Any:
            return bool(widget.value)

    elif kind == "string" and schema.get("format") == "path":
        choices_map = dict(files or {})
        widget = widgets.Combobox(
            options=list(choices_map),
            value=_initial_text(schema, default),
            placeholder="pick an uploaded file or type a path",
            ensure_option=False,
            description=label,
            style=style,
            layout=layout,
        )

        def read() -> Any:
            text = str(widget.value).strip()
            return choices_map.get(text, text) if text else UNSET

    else:
        first_item = (schema.get("prefixItems") or [schema.get("items") or {}])[0]
        multiline = kind == "array" and first_item.get("type") not in ("integer", "number")
        multiline = multiline or kind not in ("string", "integer", "number", "array")
        cls = widgets.Textarea if multiline else widgets.Text
        placeholder = _placeholder(schema)
        widget = cls(
            value=_initial_text(schema, default),
            placeholder=placeholder,
            description=label,
            style=style,
            layout=layout,
        )
        read = _text_reader(widget, schema)
    widget.tooltip = tooltip or None
    return Field(name, schema, widget, read, widgets.HTML(""), required)


def _placeholder(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    bounds = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤")):
        if key in schema:
            bounds.append(f"{sign} {schema[key]}")
    if kind == "array":
        items = schema.get("prefixItems")
        return f"{len(items)} numbers: x, y, z" if items else "one item a line"
    if bounds:
        return f"{kind} {' and '.join(bounds)}"
    return str(kind or "JSON")


class SchemaForm(widgets.VBox):
    """A form for one JSON Schema object, validated every time a value changes.

    Parameters
    ----------
    schema
        An object schema (a task's ``interface_spec["inputs"]``).
    files
        Choices of the file pickers: label → value (artifact key or path).
    values
        Initial values overriding the schema's defaults.

    Attributes
    ----------
    fields
        The fields by property name, in schema order.
    errors
        Current problems, ``[{"field", "message"}]`` (empty when the form is valid).
    """

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        files: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        self.schema = inline_refs(schema)
        required = set(self.schema.get("required") or [])
        self.fields: dict[str, Field] = {}
        for name, node in (self.schema.get("properties") or {}).items():
            self.fields[name] = build_field(name, node, required=name in required, files=files)
        self.summary = widgets.HTML("")
        self.errors: list[dict[str, str]] = []
        self._listeners: list[Callable[[SchemaForm], None]] = []
        rows: list[widgets.Widget] = []
        for f in self.fields.values():
            rows.extend([f.widget, f.error])
        super().__init__([*rows, self.summary])
        if values:
            self.set_values(values)
        for f in self.fields.values():
            f.widget.observe(self._changed, names="value")
        self.validate()

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Put ``values`` into their fields (unknown names are ignored)."""
        for name, value in values.items():
            f = self.fields.get(name)
            if f is None:
                continue
            if isinstance(f.widget, widgets.Checkbox):
                f.widget.value = bool(value)
            elif isinstance(f.widget, widgets.Dropdown):
                f.widget.value = NO_CHOICE if value is None else str(value)
            else:
                f.widget.value = _initial_text(f.schema, value)
        self.validate()

    def set_files(self, files: Mapping[str, str]) -> None:
        """Replace the choices of every file picker."""
        for f in self.fields.values():
            if isinstance(f.widget, widgets.Combobox):
                f.read = _combo_reader(f.widget, dict(files))
                f.widget.options = list(files)

    def on_change(self, callback: Callable[[SchemaForm], None]) -> None:
        """Call ``callback(form)`` after each validation caused by a change."""
        self._listeners.append(callback)

    def _changed(self, change: Mapping[str, Any]) -> None:
        self.validate()
        for callback in self._listeners:
            callback(self)

    def _read(self) -> tuple[dict[str, Any], list[dict[str, str]]]:
        value: dict[str, Any] = {}
        problems: list[dict[str, str]] = []
        for name, f in self.fields.items():
            try:
                v = f.value()
            except FieldParseError as err:
                problems.append({"field": name, "message": str(err)})
                continue
            if v is not UNSET:
                value[name] = v
        return value, problems

    @property
    def value(self) -> dict[str, Any]:
        """The parameters as typed (fields that cannot be read are left out)."""
        return self._read()[0]

    @property
    def valid(self) -> bool:
        """True when the last validation found no problem."""
        return not self.errors

    def validate(self) -> list[dict[str, str]]:
        """Check the current values against the schema and show each problem by its field."""
        value, problems = self._read()
        unreadable = {p["field"] for p in problems}
        for entry in schema_errors(self.schema, value):
            top = _top_field(entry["field"])
            if top not in unreadable:
                problems.append(entry)
        self.errors = problems
        by_field: dict[str, list[str]] = {}
        for entry in problems:
            by_field.setdefault(_top_field(entry["field"]), []).append(entry["message"])
        for name, f in self.fields.items():
            messages = by_field.get(name)
            f.show_error("; ".join(messages) if messages else None)
        general = by_field.get("", [])
        if problems:
            count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
            self.summary.value = f'<b style="color:#b00020">{count}</b> ' + "; ".join(general)
        else:
            self.summary.value = '<span style="color:#1b5e20">ready to submit</span>'
        return problems


def _combo_reader(widget: widgets.Combobox, files: dict[str, str]) -> Callable[[], Any]:
    def read() -> Any:
        text = str(widget.value).strip()
        return files.get(text, text) if text else UNSET

    return read


def _top_field(path: str) -> str:
    for sep in (".", "["):
        path = path.split(sep, 1)[0]
    return path


def file_choices(files: Sequence[Any]) -> dict[str, str]:
    """File picker choices from the API's files: ``"name (format, id)"`` → artifact key."""
    return {f"{f.name} ({f.format}, {f.id[:8]})": f.key for f in files}
