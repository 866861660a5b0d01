"""SDF records of poses with the field's standard tags and madlab's provenance tags.

Every pose an engine returns is one SDF record (hydrogens and bond orders of the
input ligand) carrying:

* ``minimizedAffinity``: the estimated binding free energy in kcal/mol (the tag
  smina and gnina use);
* ``madlab_energy_<term>``: each per-term energy in kcal/mol;
* ``madlab_rank``: the pose's 1-based rank;
* ``madlab_engine``, ``madlab_backend``, ``madlab_engine_version``: what
  produced it;
* ``madlab_parameters`` and ``madlab_box``: the settings, as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdkit import Chem

from madlab.domain import Box, Pose

__all__ = ["AFFINITY_TAG", "ENERGY_TAG_PREFIX", "Provenance", "make_pose"]

AFFINITY_TAG = "minimizedAffinity"
ENERGY_TAG_PREFIX = "madlab_energy_"


@dataclass(frozen=True)
class Provenance:
    """What produced a pose: engine, backend, version, settings and box."""

    engine: str
    backend: str
    version: str
    parameters: Mapping[str, Any]
    box: Box | None = None


def make_pose(
    mol: Any,
    *,
    rank: int,
    affinity: float,
    energies: Mapping[str, float],
    provenance: Provenance,
    scores: Mapping[str, float] | None = None,
) -> Pose:
    """A :class:`~madlab.domain.Pose` whose SDF record carries its scores and provenance.

    Parameters
    ----------
    mol
        The pose as an RDKit molecule with one conformer (it is not changed).
    rank
        1-based rank among the ligand's poses.
    affinity
        Estimated binding free energy (kcal/mol), written as ``minimizedAffinity``.
    energies
        Per-term energies (kcal/mol).
    provenance
        The engine, backend, version, parameters and box.
    scores
        Other scores, written under their own tag names.

    Returns
    -------
    madlab.domain.Pose
        The pose, with ``molblock`` a complete SDF record ending in ``$$$$``.
    """
    record = Chem.Mol(mol)
    record.SetProp(AFFINITY_TAG, f"{affinity:.3f}")
    for name, value in energies.items():
        record.SetProp(f"{ENERGY_TAG_PREFIX}{name}", f"{value:.4f}")
    for name, value in (scores or {}).items():
        record.SetProp(name, f"{value:.5f}")
    record.SetIntProp("madlab_rank", rank)
    record.SetProp("madlab_engine", provenance.engine)
    record.SetProp("madlab_backend", provenance.backend)
    record.SetProp("madlab_engine_version", provenance.version)
    record.SetProp("madlab_parameters", json.dumps(dict(provenance.parameters), sort_keys=True))
    if provenance.box is not None:
        record.SetProp("madlab_box", json.dumps(provenance.box.to_dict()))
    block = Chem.MolToMolBlock(record)
    tags = "".join(f">  <{name}>\n{record.GetProp(name)}\n\n" for name in record.GetPropNames())
    return Pose(
        rank=rank,
        affinity=float(affinity),
        molblock=f"{block}{tags}$$$$\n",
        energies={k: float(v) for k, v in energies.items()},
        scores={k: float(v) for k, v in (scores or {}).items()},
    )
