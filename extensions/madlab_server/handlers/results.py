"""Screening results of a pipeline run, queried like Ringtail: rank, filter, export."""

from __future__ import annotations

import math
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from madlab.errors import ValidationError
from madlab.pipelines.results import PROPERTIES, Hit, hits_csv, hits_sdf
from madlab_server.handlers.base import MadlabHandler


class ResultsQuery(BaseModel):
    """Query of ``GET /pipelines/{id}/runs/{run}/results`` (``min_<p>``/``max_<p>`` apart)."""

    model_config = ConfigDict(extra="forbid")

    top: int | None = Field(default=None, ge=1, le=100_000)
    order_by: Literal["score", "ligand_efficiency"] = "score"
    receptor: str | None = Field(default=None, max_length=500)
    smarts: str | None = Field(default=None, max_length=2000)
    format: Literal["json", "csv", "sdf"] = "json"


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be a number, not {raw!r}", field=name)
    return value


def _ranges(arguments: dict[str, str]) -> dict[str, tuple[float | None, float | None]]:
    """``min_<property>`` and ``max_<property>`` arguments as ranges by property."""
    ranges: dict[str, tuple[float | None, float | None]] = {}
    for name in PROPERTIES:
        low, high = arguments.pop(f"min_{name}", None), arguments.pop(f"max_{name}", None)
        if low is None and high is None:
            continue
        lo = None if low is None else _number(f"min_{name}", low)
        hi = None if high is None else _number(f"max_{name}", high)
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError(
                f"min_{name} {lo:g} is above max_{name} {hi:g}: no result can match",
                field=f"min_{name}",
            )
        ranges[name] = (lo, hi)
    return ranges


def parse_query(arguments: dict[str, str]) -> ResultsQuery:
    """Validate the query arguments, naming every bad one."""
    try:
        return ResultsQuery.model_validate(arguments)
    except pydantic.ValidationError as err:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]) or "query", "message": e["msg"]}
            for e in err.errors()
        ]
        raise ValidationError(
            "; ".join(f"{p['field']}: {p['message']}" for p in problems),
            field=problems[0]["field"],
            hint="fix the named query arguments; ranges are min_<property> and max_<property> "
            f"for {', '.join(PROPERTIES)}",
            errors=problems,
        ) from None


def hit_view(hit: Hit) -> dict[str, Any]:
    """JSON form of one ranked ligand (its pose is in the SDF export)."""
    return hit.to_row()


class RunResultsHandler(MadlabHandler):
    """``GET /pipelines/{id}/runs/{run}/results``: the run's docked ligands, ranked and filtered."""

    def get(self, pipeline_id: str, run_id: str) -> None:
        """Top N by score or ligand efficiency, property ranges, SMARTS, one receptor."""
        arguments = {name: self.get_query_argument(name) for name in self.request.query_arguments}
        ranges = _ranges(arguments)
        query = parse_query(arguments)
        hits = self.madlab.pipelines.results(
            self.caller.organization_id,
            pipeline_id,
            run_id,
            top=query.top,
            order_by=query.order_by,
            receptor=query.receptor,
            smarts=query.smarts,
            ranges=ranges,
        )
        if query.format == "csv":
            self.send_file(hits_csv(hits), "text/csv", f"{run_id}.csv")
        elif query.format == "sdf":
            self.send_file(hits_sdf(hits), "chemical/x-mdl-sdfile", f"{run_id}.sdf")
        else:
            self.send_json(
                {
                    "pipeline_id": pipeline_id,
                    "run_id": run_id,
                    "count": len(hits),
                    "results": [hit_view(h) for h in hits],
                }
            )
