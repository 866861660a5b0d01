"""The pipeline spec: pydantic models of the YAML/JSON document a scientist writes.

A spec names its inputs, its steps (task, parameters, dependencies, an
optional ``when:`` condition, an optional ``foreach`` batch), an optional
parameter ``sweep`` and how to run (``mode``, ``on_failure``). Parameters may
refer to inputs and to earlier steps' outputs with ``${inputs.name}`` and
``${steps.<id>.outputs.<key>}``. Every error names the path of the bad field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from madlab.errors import InputFileError, ValidationError
from madlab.pipelines.conditions import ConditionError, compile_condition

__all__ = [
    "ForEach",
    "PipelineSpec",
    "StepSpec",
    "Sweep",
    "load_spec",
    "parse_spec",
]

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ForEach(_Model):
    """Fan a step out over a ligand library.

    Attributes
    ----------
    library
        An SDF or SMILES file, or ``${inputs.name}`` naming one.
    chunk_size
        Ligands per job (the step's ``ligands`` parameter gets one chunk file).
    parameter
        The step parameter that receives the chunk's file.
    as_list
        Pass the chunk as a one-file list (for list parameters such as the
        ``dock`` task's ``ligand_files``).
    """

    library: str
    chunk_size: int = Field(default=50, ge=1, le=100_000)
    parameter: str = "ligands"
    as_list: bool = False


class Sweep(_Model):
    """A parameter search over the whole pipeline.

    Attributes
    ----------
    method
        ``grid`` (every point), ``random`` (``trials`` points drawn with
        ``seed``) or ``bayesian`` (``trials`` points proposed one after the
        other by Optuna's TPE sampler, seeded with ``seed``, each from the
        objectives of the trials before it).
    space
        Input name to the list of its values (grid and random) or, for random
        and Bayesian search, ``{"low": a, "high": b}`` (uniform; integers when
        both ends are, in Bayesian search) as well.
    objective
        A dotted path to the number to optimize, e.g. ``steps.dock.outputs.best_affinity``
        (required by Bayesian search).
    direction
        ``minimize`` or ``maximize``.
    """

    method: Literal["grid", "random", "bayesian"] = "grid"
    space: dict[str, list[Any] | dict[str, int | float]]
    trials: int = Field(default=10, ge=1, le=10_000)
    seed: int = 0
    objective: str | None = None
    direction: Literal["minimize", "maximize"] = "minimize"

    @field_validator("space")
    @classmethod
    def _space(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("the sweep needs at least one parameter")
        for name, dim in value.items():
            if isinstance(dim, list) and not dim:
                raise ValueError(f"{name}: give at least one value")
            if isinstance(dim, dict) and (
                set(dim) != {"low", "high"} or not dim["low"] < dim["high"]
            ):
                raise ValueError(f"{name}: a range is {{low, high}} with low < high")
        return value

    @model_validator(mode="after")
    def _learns(self) -> Sweep:
        if self.method == "bayesian" and not self.objective:
            raise ValueError(
                "Bayesian search learns from an objective: name one, "
                "e.g. steps.dock.outputs.best_affinity"
            )
        return self


class StepSpec(_Model):
    """One step: a task with parameters, dependencies, a condition and a batch."""

    id: str
    task: str
    version: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    when: str | None = None
    foreach: ForEach | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("a step id is letters, digits and '_', not starting with a digit")
        return value

    @field_validator("when")
    @classmethod
    def _when(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compile_condition(value)
            except ConditionError as err:
                raise ValueError(err.message) from None
        return value


class PipelineSpec(_Model):
    """A whole pipeline."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    inputs: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)
    sweep: Sweep | None = None
    mode: Literal["sequential", "parallel", "optimized"] = "sequential"
    on_failure: Literal["stop", "continue"] = "stop"
    report: str | None = None

    @model_validator(mode="after")
    def _unique(self) -> PipelineSpec:
        seen: set[str] = set()
        for k, step in enumerate(self.steps):
            if step.id in seen:
                raise ValueError(f"steps[{k}].id: step {step.id!r} is defined twice")
            seen.add(step.id)
        return self

    def step(self, step_id: str) -> StepSpec:
        """The step with this id (``KeyError`` when there is none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_spec(document: Any, *, source: str = "pipeline spec") -> PipelineSpec:
    """Validate a spec given as a mapping (parsed YAML or JSON).

    Raises
    ------
    madlab.errors.ValidationError
        Naming every bad field by its path (``steps[1].when``) and what is wrong.
    """
    if isinstance(document, PipelineSpec):
        return document
    if not isinstance(document, dict):
        raise ValidationError(f"{source}: a pipeline spec is a mapping", field="")
    try:
        return PipelineSpec.model_validate(document)
    except pydantic.ValidationError as err:
        problems = []
        for e in err.errors():
            where = _location(tuple(e["loc"]))
            message = str(e["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        first = err.errors()[0]
        raise ValidationError(
            f"{source}: " + "; ".join(problems),
            field=_location(tuple(first["loc"])),
            hint="fix the named fields and load the spec again",
            problems=problems,
        ) from None


def load_spec(path: str | Path) -> PipelineSpec:
    """Read a spec from a YAML (``.yaml``/``.yml``) or JSON file.

    Raises
    ------
    madlab.errors.InputFileError
        A file that cannot be read or parsed (with the line when known).
    madlab.errors.ValidationError
        A document that is not a valid spec.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputFileError(f"cannot read pipeline spec: {err.strerror}", path=str(path)) from None
    return parse_spec(_parse_text(text, str(path)), source=str(path))


def _parse_text(text: str, source: str) -> Any:
    import yaml

    if source.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise InputFileError(
                f"not valid JSON: {err.msg}", path=source, line=err.lineno
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputFileError(f"not valid YAML: {err}", path=source, line=line) from None
