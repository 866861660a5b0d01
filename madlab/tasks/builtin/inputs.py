"""What the built-in tasks share: input files given as paths or artifact keys.

Task parameters are JSON, so files travel as a path on a file system the
worker sees, or as the key of an artifact in the artifact store (copied into
the job's working folder before use).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from madlab.errors import InputFileError, NotFoundError, ValidationError
from madlab.storage.base import KEY_PATTERN
from madlab.tasks.context import TaskContext
from madlab.tasks.input_paths import check_input_path, input_roots
from madlab.tasks.report import safe_filename

#: Queue of the built-in tasks.
STANDARD_QUEUE = "docking.standard"

#: JSON Schema of a file parameter: a path or an artifact key.
FILE = {
    "type": "string",
    "minLength": 1,
    "description": "a file path the worker can read, or an artifact key (sha256/ab/cd…)",
}

#: JSON Schema of a search box given by centre and edge lengths (Å).
BOX = {
    "type": "object",
    "additionalProperties": False,
    "required": ["center", "size"],
    "properties": {
        "center": {
            "type": "array",
            "prefixItems": [{"type": "number"}] * 3,
            "minItems": 3,
            "maxItems": 3,
        },
        "size": {
            "type": "array",
            "prefixItems": [{"type": "number", "exclusiveMinimum": 0}] * 3,
            "minItems": 3,
            "maxItems": 3,
        },
    },
}


def is_artifact_key(value: str) -> bool:
    """True for strings shaped like an artifact key."""
    return KEY_PATTERN.match(value) is not None


def local_file(ctx: TaskContext, value: str, field: str) -> Path:
    """A local path to the file a parameter names (an artifact is copied to the workdir).

    Raises
    ------
    madlab.errors.InputFileError
        When the path is not a readable file, naming the parameter.
    madlab.errors.ValidationError
        When an artifact key names no stored artifact.
    madlab.errors.PermissionDeniedError
        When ``MADLAB_INPUT_ROOTS`` restricts local paths and the path lies
        outside them (and outside the worker's own scratch space).
    """
    if is_artifact_key(value):
        try:
            info = ctx.artifacts.info(value)
        except NotFoundError:
            raise ValidationError(
                f"{field}: artifact {value} is not in the artifact store",
                field=field,
                hint="upload the file first and pass the key it returns",
            ) from None
        digest = re.sub(r"\W", "", value)[6:18]
        dest = ctx.workdir / "inputs" / digest / safe_filename(info.name)
        if not dest.is_file():
            ctx.artifacts.get_file(value, dest)
        return dest
    path = check_input_path(value, field, input_roots(), also=[ctx.workdir.parent])
    if not path.is_file():
        raise InputFileError(
            f"{'no such file' if not path.exists() else 'not a file'} (parameter {field})",
            path=str(path),
            field=field,
            hint="give a path the worker can read, or upload it and pass its artifact key",
        )
    return path


def resources(cpus: int = 1, memory_mb: int = 2048) -> dict[str, Any]:
    """The ``resources`` entry of a service config."""
    return {"cpus": cpus, "memory_mb": memory_mb}


def pydantic_errors(err: Any) -> list[dict[str, str]]:
    """``{"field", "message"}`` entries of a pydantic ``ValidationError``."""
    from madlab.tasks.schema import field_path

    out = []
    for e in err.errors():
        loc = [p for p in e["loc"] if isinstance(p, (str, int))]
        out.append(
            {"field": field_path(loc), "message": str(e["msg"]).removeprefix("Value error, ")}
        )
    return out


def invalid(subject: str, errors: list[dict[str, str]]) -> ValidationError:
    """A validation error listing every ``{"field", "message"}`` entry."""
    listed = "; ".join(f"{e['field'] or '(the parameters)'}: {e['message']}" for e in errors)
    return ValidationError(
        f"{subject} are not valid: {listed}",
        field=(errors[0]["field"] or None) if errors else None,
        hint="fix each field named and submit again",
        errors=errors,
    )
