"""The Meeko boundary: ligands to PDBQT and poses back with the ligand's own chemistry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from madlab.domain import PreparedLigand
from madlab.errors import InputFileError, PreparationError, ValidationError
from madlab.molecules.pdbqt import ligand_to_pdbqt, pdbqt_poses_to_mols, write_ligand_pdbqt
from tests.unit.engines import helpers


def _embedded(smiles: str, *, hydrogens: bool = True) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    if hydrogens:
        mol = Chem.AddHs(mol)
    AllChem.EmbedMolecule(mol, randomSeed=7)
    return mol


def _heavy_positions(mol: Chem.Mol) -> np.ndarray:
    pos = mol.GetConformer().GetPositions()
    return pos[[a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() > 1]]


def _as_models(pdbqt: str, shifts: list[float]) -> str:
    """The same pose several times as MODEL records, moved along x (like engine output)."""
    out = []
    for k, dx in enumerate(shifts, start=1):
        lines = []
        for line in pdbqt.splitlines():
            if line.startswith(("ATOM", "HETATM")):
                x = float(line[30:38]) + dx
                line = f"{line[:30]}{x:8.3f}{line[38:]}"
            lines.append(line)
        out.append(f"MODEL {k}\n" + "\n".join(lines) + "\nENDMDL\n")
    return "".join(out)


def test_ligand_pdbqt_has_torsion_tree_types_and_chemistry_remarks() -> None:
    ligand = helpers.crystal_pose_ligand()
    text = ligand_to_pdbqt(ligand)
    assert text.startswith("REMARK SMILES")
    assert "ROOT" in text and "TORSDOF 2" in text  # isobutylbenzene: two rotatable bonds
    atoms = [ln for ln in text.splitlines() if ln.startswith(("ATOM", "HETATM"))]
    assert len(atoms) == 10  # heavy atoms only: no polar hydrogen, non-polar ones merged
    assert {ln[77:].strip() for ln in atoms} == {"C", "A"}


def test_poses_come_back_with_input_bond_orders_hydrogens_and_atom_order() -> None:
    ligand = helpers.smiles_ligand("Nc1ccc(cc1)C(=O)[O-]", "aminobenzoate")
    text = ligand_to_pdbqt(ligand)
    (pose,) = pdbqt_poses_to_mols(text, ligand.mol, name="aminobenzoate")
    assert Chem.MolToSmiles(Chem.RemoveHs(pose)) == ligand.smiles
    assert pose.GetNumAtoms() == ligand.mol.GetNumAtoms()
    assert [a.GetSymbol() for a in pose.GetAtoms()] == [
        a.GetSymbol() for a in ligand.mol.GetAtoms()
    ]
    assert sum(a.GetFormalCharge() for a in pose.GetAtoms()) == -1
    assert pose.GetProp("_Name") == "aminobenzoate"
    # heavy atoms where the PDBQT put them (3 decimals)
    assert np.allclose(_heavy_positions(pose), _heavy_positions(ligand.mol), atol=2e-3)


def test_template_matching_survives_a_different_aromaticity_perception() -> None:
    # prepared ligands can carry MMFF aromaticity flags (caffeine's pyrimidinedione ring
    # not aromatic) while Meeko's SMILES reads back with RDKit's: same chemistry
    ligand = helpers.smiles_ligand("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "caffeine")
    (pose,) = pdbqt_poses_to_mols(ligand_to_pdbqt(ligand), ligand.mol, name="caffeine")
    assert Chem.MolToSmiles(Chem.RemoveHs(pose)) == ligand.smiles
    assert [b.GetBondType() for b in pose.GetBonds()] == [
        b.GetBondType() for b in ligand.mol.GetBonds()
    ]
    assert np.allclose(_heavy_positions(pose), _heavy_positions(ligand.mol), atol=2e-3)


def test_each_model_becomes_one_molecule() -> None:
    ligand = helpers.crystal_pose_ligand()
    models = _as_models(ligand_to_pdbqt(ligand), [0.0, 1.0, 2.5])
    poses = pdbqt_poses_to_mols(models, ligand.mol)
    assert len(poses) == 3
    shifts = [_heavy_positions(p)[:, 0] - _heavy_positions(ligand.mol)[:, 0] for p in poses]
    assert [round(float(s.mean()), 2) for s in shifts] == [0.0, 1.0, 2.5]
    assert all(p.GetNumConformers() == 1 for p in poses)


def test_without_template_poses_keep_meeko_chemistry() -> None:
    ligand = helpers.smiles_ligand("CC(=O)Nc1ccc(O)cc1", "paracetamol")
    (pose,) = pdbqt_poses_to_mols(ligand_to_pdbqt(ligand))
    assert Chem.MolToSmiles(Chem.RemoveHs(pose)) == ligand.smiles
    assert pose.GetNumAtoms() == ligand.mol.GetNumAtoms()


def test_macrocycle_round_trip_keeps_the_ring() -> None:
    mol = Chem.MolFromMolFile(str(helpers.COMPLEXES / "bace1" / "ligand.sdf"), removeHs=False)
    ligand = PreparedLigand("bace1", Chem.AddHs(mol, addCoords=True), Chem.MolToSmiles(mol))
    text = ligand_to_pdbqt(ligand)
    assert "G0" in text and "CG0" in text  # Meeko opened the macrocycle (its default)
    (pose,) = pdbqt_poses_to_mols(text, ligand.mol)
    assert Chem.MolToSmiles(Chem.RemoveHs(pose)) == Chem.MolToSmiles(Chem.RemoveHs(ligand.mol))


def test_write_ligand_pdbqt(tmp_path: Path) -> None:
    out = write_ligand_pdbqt(helpers.crystal_pose_ligand(), tmp_path / "lig.pdbqt")
    assert out.read_text().count("ATOM") == 10


@pytest.mark.parametrize(
    ("mol", "reason"),
    [
        (_embedded("CC(C)CCO", hydrogens=False), "implicit Hs"),
        (Chem.AddHs(Chem.MolFromSmiles("CCO")), "no coordinates"),
        (_embedded("CC(=O)[O-].[Na+]"), "2 fragments"),
        (_embedded("C[Sn](C)(C)C"), "could not write it as PDBQT"),
        (None, "no molecule"),
    ],
    ids=["no-hydrogens", "no-coordinates", "salt", "tin", "none"],
)
def test_ligands_meeko_cannot_prepare_name_the_ligand_and_reason(
    mol: Chem.Mol, reason: str
) -> None:
    with pytest.raises(PreparationError) as info:
        ligand_to_pdbqt(PreparedLigand("bad-one", mol, ""))
    assert "ligand 'bad-one'" in str(info.value)
    assert reason in str(info.value)
    assert info.value.details["ligand"] == "bad-one"


def test_flat_coordinates_are_refused() -> None:
    flat = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    AllChem.Compute2DCoords(flat)
    with pytest.raises(PreparationError, match="flat"):
        ligand_to_pdbqt(PreparedLigand("flat", flat, "CCO"))


def test_pdbqt_without_meeko_remarks_is_refused() -> None:
    text = "\n".join(
        ln
        for ln in ligand_to_pdbqt(helpers.crystal_pose_ligand()).splitlines()
        if not ln.startswith("REMARK")
    )
    with pytest.raises(InputFileError, match="REMARK SMILES"):
        pdbqt_poses_to_mols(text)


def test_unreadable_pdbqt_is_refused() -> None:
    with pytest.raises(InputFileError, match="cannot read poses"):
        pdbqt_poses_to_mols("not a pdbqt\n")


def test_poses_of_another_molecule_are_refused() -> None:
    text = ligand_to_pdbqt(helpers.crystal_pose_ligand())
    other = helpers.smiles_ligand("CCCCc1ccccc1", "butylbenzene")
    with pytest.raises(ValidationError, match="not of this molecule"):
        pdbqt_poses_to_mols(text, other.mol, name="butylbenzene")
