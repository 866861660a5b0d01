"""Pose records: SDF with minimizedAffinity, energies and provenance tags a reader can use."""

from __future__ import annotations

import json

from rdkit import Chem

from madlab.domain import Box
from madlab.engines.sdf_tags import Provenance, make_pose
from tests.unit.engines import helpers


def test_pose_record_reads_back_with_its_tags_and_bond_orders() -> None:
    ligand = helpers.smiles_ligand("Nc1ccc(cc1)C(=O)[O-]", "aminobenzoate")
    box = Box((1.0, 2.0, 3.0), (20.0, 20.0, 20.0))
    provenance = Provenance("vina", "vina-python", "1.2.7", {"seed": 42, "mode": "dock"}, box)
    pose = make_pose(
        ligand.mol,
        rank=2,
        affinity=-6.5432,
        energies={"total": -6.5432, "inter": -7.1},
        provenance=provenance,
        scores={"CNNscore": 0.75},
    )
    assert pose.rank == 2 and pose.affinity == -6.5432
    assert pose.energies == {"total": -6.5432, "inter": -7.1}
    assert pose.scores == {"CNNscore": 0.75}
    assert pose.molblock.endswith("$$$$\n")
    (mol,) = _read(pose.molblock)
    assert Chem.MolToSmiles(Chem.RemoveHs(mol)) == ligand.smiles
    assert mol.GetNumAtoms() == ligand.mol.GetNumAtoms()  # hydrogens kept
    assert mol.GetProp("minimizedAffinity") == "-6.543"
    assert float(mol.GetProp("madlab_energy_inter")) == -7.1
    assert float(mol.GetProp("CNNscore")) == 0.75
    assert mol.GetIntProp("madlab_rank") == 2
    assert mol.GetProp("madlab_engine") == "vina"
    assert mol.GetProp("madlab_backend") == "vina-python"
    assert mol.GetProp("madlab_engine_version") == "1.2.7"
    assert json.loads(mol.GetProp("madlab_parameters")) == {"seed": 42, "mode": "dock"}
    assert json.loads(mol.GetProp("madlab_box")) == box.to_dict()
    assert not ligand.mol.HasProp("minimizedAffinity")  # the input is not changed


def _read(block: str) -> list[Chem.Mol]:
    supplier = Chem.SDMolSupplier()
    supplier.SetData(block, removeHs=False)
    return [m for m in supplier if m is not None]
