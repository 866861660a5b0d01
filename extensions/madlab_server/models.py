"""Pydantic models of request bodies, and the one way they are parsed."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from madlab.errors import ValidationError

M = TypeVar("M", bound=BaseModel)


class ExecuteRequest(BaseModel):
    """Body of ``POST /tasks/{task_id}/execute``."""

    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] = Field(default_factory=dict)
    version: str | None = None
    priority: Literal["standard", "high"] = "standard"
    requires: list[str] = Field(default_factory=list)
    name: str | None = Field(default=None, max_length=200)


class PipelineCreate(BaseModel):
    """Body of ``POST /pipelines``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    spec: dict[str, Any]
    version: str = Field(default="1", min_length=1, max_length=50)
    description: str = ""
    tags: list[str] = Field(default_factory=list)


class PipelineExecute(BaseModel):
    """Body of ``POST /pipelines/{id}/execute``."""

    model_config = ConfigDict(extra="forbid")

    parameters: dict[str, Any] = Field(default_factory=dict)
    optimization: dict[str, Any] = Field(default_factory=dict)
    mode: Literal["sequential", "parallel", "optimized"] | None = None
    name: str | None = Field(default=None, max_length=200)


class TemplateCreate(BaseModel):
    """Body of ``POST /pipelines/{id}/template``."""

    model_config = ConfigDict(extra="forbid")

    visibility: Literal["private", "organization", "public"] = "private"


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` into ``model``.

    Raises
    ------
    madlab.errors.ValidationError
        Naming every bad field (first one in ``field``) and what is expected.
    """
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as err:
        problems = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "body"
            problems.append({"field": where, "message": e["msg"]})
        first = problems[0]
        raise ValidationError(
            "; ".join(f"{p['field']}: {p['message']}" for p in problems),
            field=first["field"],
            hint="fix the named fields of the request body",
            errors=problems,
        ) from None
