"""Screening result queries, in the manner of Ringtail.

Top N by score or ligand efficiency, filters on property ranges (affinity,
ligand efficiency, heavy atoms, molecular weight, logP, H-bond donors and
acceptors, rotatable bonds) and on a SMARTS substructure (RDKit), per
receptor, over the results of given jobs or of a pipeline run's child jobs;
exported as SDF (best pose, with the properties as tags) or CSV.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from madlab.domain.jobs import Job
from madlab.errors import ValidationError
from madlab.store.database import Store

__all__ = [
    "PROPERTIES",
    "Hit",
    "ResultQuery",
    "consensus",
    "export_csv",
    "export_sdf",
    "hits_csv",
    "hits_sdf",
    "query_results",
]

#: Properties a range filter may name.
PROPERTIES = (
    "affinity",
    "ligand_efficiency",
    "heavy_atoms",
    "mw",
    "logp",
    "hbd",
    "hba",
    "rotatable_bonds",
)


@dataclass(frozen=True)
class Hit:
    """One ligand's result with the properties queries filter and sort on."""

    result_id: int
    job_id: str
    ligand: str
    smiles: str
    receptor: str
    affinity: float
    ligand_efficiency: float
    heavy_atoms: int
    mw: float
    logp: float
    hbd: int
    hba: int
    rotatable_bonds: int
    molblock: str = field(repr=False, default="")
    engine: str = ""

    def to_row(self) -> dict[str, Any]:
        """The CSV/JSON row (without the pose)."""
        row = asdict(self)
        row.pop("molblock")
        return row


@dataclass(frozen=True)
class ResultQuery:
    """What to select.

    Attributes
    ----------
    job_ids
        Jobs whose results are searched.
    run_id
        A pipeline run: its child jobs' results are searched (with ``job_ids``).
    receptor
        Only results docked against this receptor (file name or path).
    ranges
        Property name to ``(low, high)``, either end ``None`` for open.
    smarts
        Keep ligands that contain this substructure.
    order_by
        ``score`` (most negative affinity first) or ``ligand_efficiency``
        (highest first).
    top
        Keep the first N after filtering and sorting.
    """

    job_ids: Sequence[str] = ()
    run_id: str | None = None
    receptor: str | None = None
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    smarts: str | None = None
    order_by: Literal["score", "ligand_efficiency"] = "score"
    top: int | None = None


def _receptor(job: Job) -> str:
    value = job.parameters.get("receptor")
    return Path(str(value)).name if value else ""


def _properties(smiles: str, molblock: str) -> tuple[Any, dict[str, Any]]:
    from rdkit import Chem
    from rdkit.Chem import rdMolDescriptors

    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None and molblock:
        mol = Chem.MolFromMolBlock(molblock, removeHs=True)
    if mol is None:
        return None, {}
    return mol, {
        "heavy_atoms": mol.GetNumHeavyAtoms(),
        "mw": round(rdMolDescriptors.CalcExactMolWt(mol), 3),
        "logp": round(rdMolDescriptors.CalcCrippenDescriptors(mol)[0], 3),
        "hbd": rdMolDescriptors.CalcNumHBD(mol),
        "hba": rdMolDescriptors.CalcNumHBA(mol),
        "rotatable_bonds": rdMolDescriptors.CalcNumRotatableBonds(mol),
    }


def _jobs(store: Store, organization_id: str, query: ResultQuery) -> list[Job]:
    with store.unit_of_work() as uow:
        jobs = [uow.jobs.get(organization_id, j) for j in query.job_ids]
        if query.run_id is not None:
            uow.jobs.get(organization_id, query.run_id)
            after: str | None = None
            while True:
                page = uow.jobs.list(
                    organization_id, parent_id=query.run_id, limit=500, after=after
                )
                jobs.extend(page.items)
                if page.next_cursor is None:
                    break
                after = page.next_cursor
    return jobs


def query_results(store: Store, organization_id: str, query: ResultQuery) -> list[Hit]:
    """Select, filter and rank results.

    Raises
    ------
    madlab.errors.ValidationError
        An unknown property, an empty range, a SMARTS RDKit cannot read, or
        a ``top`` below 1.
    madlab.errors.NotFoundError
        A job or run the organization does not have.
    """
    from rdkit import Chem

    for name, (low, high) in query.ranges.items():
        if name not in PROPERTIES:
            raise ValidationError(
                f"unknown property {name!r}",
                field=f"ranges.{name}",
                hint=f"filter on one of: {', '.join(PROPERTIES)}",
            )
        if low is not None and high is not None and low > high:
            raise ValidationError(f"{name}: the range {low}..{high} is empty", field=name)
    pattern = None
    if query.smarts:
        pattern = Chem.MolFromSmarts(query.smarts)
        if pattern is None:
            raise ValidationError(
                f"{query.smarts!r} is not a SMARTS pattern RDKit can read", field="smarts"
            )
    if query.top is not None and query.top < 1:
        raise ValidationError("top must be at least 1", field="top")
    hits: list[Hit] = []
    seen: set[int] = set()
    for job in _jobs(store, organization_id, query):
        receptor = _receptor(job)
        if query.receptor and Path(query.receptor).name != receptor:
            continue
        with store.unit_of_work() as uow:
            results = uow.results.for_job(organization_id, job.id)
        for result in results:
            if result.id in seen or result.binding_affinity is None:
                continue
            seen.add(result.id)
            molblock = result.poses[0].molblock if result.poses else ""
            mol, props = _properties(result.smiles, molblock)
            if mol is None:
                continue
            if pattern is not None and not mol.HasSubstructMatch(pattern):
                continue
            affinity = float(result.binding_affinity)
            heavy = int(props["heavy_atoms"])
            hit = Hit(
                result_id=result.id,
                job_id=job.id,
                ligand=result.ligand,
                smiles=result.smiles,
                receptor=receptor,
                affinity=affinity,
                ligand_efficiency=round(-affinity / heavy, 4) if heavy else 0.0,
                molblock=molblock,
                engine=result.engine,
                **props,
            )
            if _in_ranges(hit, query.ranges):
                hits.append(hit)
    if query.order_by == "ligand_efficiency":
        hits.sort(key=lambda h: (-h.ligand_efficiency, h.affinity, h.ligand))
    else:
        hits.sort(key=lambda h: (h.affinity, h.ligand))
    return hits[: query.top] if query.top is not None else hits


def _in_ranges(hit: Hit, ranges: dict[str, tuple[float | None, float | None]]) -> bool:
    for name, (low, high) in ranges.items():
        value = float(getattr(hit, name))
        if math.isnan(value):
            return False
        if low is not None and value < low:
            return False
        if high is not None and value > high:
            return False
    return True


def hits_csv(hits: Iterable[Hit]) -> str:
    """The hits as CSV text (one row per ligand, the properties as columns)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=[f for f in Hit.__dataclass_fields__ if f != "molblock"]
    )
    writer.writeheader()
    for hit in hits:
        writer.writerow(hit.to_row())
    return buffer.getvalue()


def hits_sdf(hits: Iterable[Hit]) -> str:
    """Each hit's best pose as SDF text, with its properties as data tags."""
    records = []
    for hit in hits:
        block = hit.molblock.split("$$$$")[0].rstrip("\n")
        if not block.strip():
            continue
        head, sep, _ = block.partition("M  END")
        text = head + sep + "\n" if sep else block + "\n"
        for key, value in hit.to_row().items():
            text += f">  <{key}>\n{value}\n\n"
        records.append(text + "$$$$\n")
    return "".join(records)


def export_csv(hits: Iterable[Hit], path: str | Path) -> Path:
    """Write the hits as CSV (one row per ligand, the properties as columns)."""
    path = Path(path)
    path.write_text(hits_csv(hits), encoding="utf-8", newline="")
    return path


def export_sdf(hits: Iterable[Hit], path: str | Path) -> Path:
    """Write each hit's best pose as SDF, with its properties as data tags."""
    path = Path(path)
    path.write_text(hits_sdf(hits), encoding="utf-8")
    return path


def consensus(hits: Iterable[Hit]) -> list[dict[str, Any]]:
    """Rank ligands by several engines at once: each engine's rank and their mean.

    Returns one row per ligand docked by every engine present, best mean
    rank first: ``ligand``, ``<engine>_affinity``, ``<engine>_rank`` and
    ``mean_rank``.
    """
    by_engine: dict[str, dict[str, Hit]] = {}
    for hit in hits:
        best = by_engine.setdefault(hit.engine or "engine", {})
        if hit.ligand not in best or hit.affinity < best[hit.ligand].affinity:
            best[hit.ligand] = hit
    if not by_engine:
        return []
    common = set.intersection(*(set(v) for v in by_engine.values()))
    rows: dict[str, dict[str, Any]] = {name: {"ligand": name} for name in sorted(common)}
    for engine, best in sorted(by_engine.items()):
        ranked = sorted(common, key=lambda n: (best[n].affinity, n))
        for rank, name in enumerate(ranked, start=1):
            rows[name][f"{engine}_affinity"] = best[name].affinity
            rows[name][f"{engine}_rank"] = rank
    for row in rows.values():
        ranks = [v for k, v in row.items() if k.endswith("_rank")]
        row["mean_rank"] = sum(ranks) / len(ranks)
    return sorted(rows.values(), key=lambda r: (r["mean_rank"], r["ligand"]))
