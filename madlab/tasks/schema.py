"""JSON Schema handling of task interfaces (Draft 2020-12).

A task's parameters are JSON, described by the ``inputs`` schema of its
definition. This module checks that a schema is itself valid, validates
parameters against it collecting *every* violation (each named by its field
path, ``ligands[2].smiles``), fills in the schema's defaults, and makes
schemas self-contained (local ``$ref`` inlined) so that they can be embedded
in an OpenAPI document.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from madlab.errors import ValidationError

__all__ = [
    "DIALECT",
    "apply_defaults",
    "check_schema",
    "field_path",
    "inline_refs",
    "schema_errors",
    "validate",
]

#: The JSON Schema dialect of task interfaces.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_SHOWN = 200  # characters of a value quoted in a message


def field_path(path: Iterable[str | int]) -> str:
    """The dotted/bracket form of a path: ``("ligands", 2, "smiles")`` → ``ligands[2].smiles``.

    Keys that are not identifiers are quoted (``params["a b"]``); the root is ``""``.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


def _join(parent: str, key: str) -> str:
    """``parent`` (already a field path) followed by the property ``key``."""
    child = field_path([key])
    if not parent:
        return child
    return parent + child if child.startswith("[") else f"{parent}.{child}"


def check_schema(schema: Any, *, field: str = "interface_spec.inputs") -> dict[str, Any]:
    """Make sure ``schema`` is a valid Draft 2020-12 JSON Schema object.

    Parameters
    ----------
    schema
        The candidate schema.
    field
        Where the schema sits in its definition (named in the error).

    Returns
    -------
    dict
        The schema itself.

    Raises
    ------
    madlab.errors.ValidationError
        When it is not an object or breaks the meta-schema; the message names
        the offending keyword by its path inside the schema.
    """
    if not isinstance(schema, Mapping):
        raise ValidationError(
            f"{field} must be a JSON Schema object, not {type(schema).__name__}",
            field=field,
            hint='for example {"type": "object", "properties": {...}}',
        )
    declared = schema.get("$schema")
    if declared is not None and declared.rstrip("#") != DIALECT:
        raise ValidationError(
            f"{field}: $schema {declared!r} is not supported",
            field=f"{field}.$schema",
            hint=f"task interfaces use JSON Schema draft 2020-12 ({DIALECT})",
        )
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as err:
        where = field
        for part in err.absolute_path:
            where = f"{where}[{part}]" if isinstance(part, int) else _join(where, part)
        raise ValidationError(
            f"{where} is not a valid JSON Schema: {_short(err.message)}",
            field=where,
            hint="see https://json-schema.org/draft/2020-12 for the keywords",
        ) from None
    for ref in _refs(schema):
        if _pointer(schema, ref) is None:
            raise ValidationError(
                f"{field} has a $ref that cannot be resolved: {ref!r}",
                field=field,
                hint="references must point inside the schema, e.g. #/$defs/Name",
            )
    return dict(schema)


def _pointer(root: Mapping[str, Any], ref: str) -> Mapping[str, Any] | None:
    """The schema a local ``$ref`` (``#`` or ``#/a/b``) points to, or ``None``."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    target: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        elif isinstance(target, Mapping) and part in target:
            target = target[part]
        else:
            return None
    return target if isinstance(target, Mapping) else None


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _known(schema: Mapping[str, Any]) -> list[str]:
    props = schema.get("properties")
    return sorted(props) if isinstance(props, Mapping) else []


def _describe(error: jsonschema.ValidationError) -> list[dict[str, str]]:
    """One or more ``{"field", "message"}`` entries for one jsonschema error."""
    where = field_path(error.absolute_path)
    instance, schema = error.instance, error.schema
    if error.validator == "required" and isinstance(instance, Mapping):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        return [
            {"field": _join(where, name), "message": "is required"}
            for name in required
            if name not in instance
        ]
    if error.validator in {"additionalProperties", "unevaluatedProperties"} and isinstance(
        instance, Mapping
    ):
        known = _known(schema) if isinstance(schema, Mapping) else []
        patterns = schema.get("patternProperties", {}) if isinstance(schema, Mapping) else {}
        extra = [
            key
            for key in instance
            if key not in known and not any(re.search(p, key) for p in patterns)
        ]
        hint = f" (known fields: {', '.join(known)})" if known else ""
        return [
            {"field": _join(where, key), "message": f"is not a known field{hint}"} for key in extra
        ] or [{"field": where, "message": _short(error.message)}]
    if error.validator in {"anyOf", "oneOf"} and error.context:
        return _describe_alternatives(error, where)
    return [{"field": where, "message": _short(error.message)}]


def _describe_alternatives(error: jsonschema.ValidationError, where: str) -> list[dict[str, str]]:
    """Explain an ``anyOf``/``oneOf`` failure by the alternative the value was meant for."""
    branches: dict[int, list[jsonschema.ValidationError]] = {}
    for sub in error.context or []:
        index = sub.relative_schema_path[0] if sub.relative_schema_path else 0
        branches.setdefault(int(index), []).append(sub)
    if all(e.validator == "required" for errs in branches.values() for e in errs):
        names = [
            name
            for errs in branches.values()
            for e in errs
            for name in (e.validator_value if isinstance(e.validator_value, list) else [])
        ]
        unique = list(dict.fromkeys(names))
        return [{"field": where, "message": "give at least one of " + ", ".join(unique)}]
    same_place = list(error.absolute_path)
    meant = [
        errs
        for errs in branches.values()
        if not any(e.validator == "type" and list(e.absolute_path) == same_place for e in errs)
    ]
    if len(meant) == 1:
        out: list[dict[str, str]] = []
        for sub in meant[0]:
            out.extend(_describe(sub))
        return out
    options = error.validator_value if isinstance(error.validator_value, list) else []
    types = [str(o.get("type")) for o in options if isinstance(o, Mapping) and "type" in o]
    if types and len(types) == len(options):
        shown = _short(repr(error.instance))
        return [{"field": where, "message": f"{shown} is not one of: {', '.join(types)}"}]
    inner = best_match(error.context or [])
    if inner is not None:
        return [{"field": field_path(inner.absolute_path), "message": _short(inner.message)}]
    return [{"field": where, "message": _short(error.message)}]  # pragma: no cover


def schema_errors(schema: Mapping[str, Any], instance: Any) -> list[dict[str, str]]:
    """Every violation of ``schema`` by ``instance``, sorted by field path.

    Each is ``{"field": "box.size[0]", "message": "-1 is less than the minimum of 0"}``;
    the root's field is ``""``.
    """
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, str]] = []
    for error in validator.iter_errors(instance):
        for entry in _describe(error):
            key = (entry["field"], entry["message"])
            if key not in seen:
                seen.add(key)
                out.append(entry)
    out.sort(key=lambda e: e["field"])
    return out


def validate(
    schema: Mapping[str, Any], params: Any, *, subject: str = "parameters"
) -> dict[str, Any]:
    """Check ``params`` against ``schema`` and return them with the defaults filled in.

    Parameters
    ----------
    schema
        A JSON Schema (checked beforehand with :func:`check_schema`).
    params
        The parameters (JSON: an object).
    subject
        What the parameters are, for the message (``parameters of task dock 1``).

    Returns
    -------
    dict
        A copy of ``params`` with every missing property that has a ``default``
        set to it (recursively, in objects that are present).

    Raises
    ------
    madlab.errors.ValidationError
        Listing every violation in its message; ``details["errors"]`` holds
        ``[{"field": ..., "message": ...}, ...]`` and ``field`` the first bad
        field.
    """
    errors = schema_errors(schema, params)
    if errors:
        listed = "; ".join(f"{e['field'] or '(the parameters)'}: {e['message']}" for e in errors)
        count = f"{len(errors)} problem" + ("s" if len(errors) > 1 else "")
        raise ValidationError(
            f"{subject} are not valid ({count}): {listed}",
            field=errors[0]["field"] or None,
            hint="fix each field named and submit again",
            errors=errors,
        )
    filled = apply_defaults(schema, params)
    if not isinstance(filled, dict):
        raise ValidationError(
            f"{subject} must be a JSON object, not {type(params).__name__}",
            hint='give the parameters as {"name": value, ...}',
        )
    return filled


def apply_defaults(schema: Mapping[str, Any], value: Any) -> Any:
    """A copy of ``value`` with the schema's property defaults filled in.

    Follows ``properties``, ``items``, ``prefixItems``, ``allOf`` and local
    ``$ref``; a property that is present is never replaced.
    """
    return _fill(schema, copy.deepcopy(value), schema, depth=0)


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    target = _pointer(root, ref) if isinstance(ref, str) else None
    if target is None:
        return node
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _fill(node: Any, value: Any, root: Mapping[str, Any], *, depth: int) -> Any:
    if not isinstance(node, Mapping) or depth > 32:
        return value
    node = _resolve(node, root)
    for sub in node.get("allOf", []) or []:
        value = _fill(sub, value, root, depth=depth + 1)
    if isinstance(value, dict):
        props = node.get("properties")
        if isinstance(props, Mapping):
            for key, sub in props.items():
                if not isinstance(sub, Mapping):
                    continue
                sub = _resolve(sub, root)
                if key not in value and "default" in sub:
                    value[key] = copy.deepcopy(sub["default"])
                if key in value:
                    value[key] = _fill(sub, value[key], root, depth=depth + 1)
    elif isinstance(value, list):
        prefix = node.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = node.get("items")
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else items
            value[i] = _fill(sub, item, root, depth=depth + 1)
    return value


def inline_refs(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A self-contained copy of ``schema``: local ``$ref`` replaced by their targets.

    ``$defs`` is dropped once nothing refers to it, so the schema can be
    embedded anywhere (an OpenAPI document). Recursive references are kept.
    """
    root = copy.deepcopy(dict(schema))

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(v, seen) for v in node]
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            resolved = _resolve(node, root)
            if resolved is not node:
                return walk(resolved, (*seen, ref))
        return {k: walk(v, seen) for k, v in node.items() if k != "$defs"}

    out: dict[str, Any] = walk(root, ())
    if "$defs" in root and any(r.startswith("#/$defs/") for r in _refs(out)):
        out["$defs"] = root["$defs"]
    return out
