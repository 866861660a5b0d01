"""Symmetry-corrected heavy-atom RMSD without alignment."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdkit import Chem
from rdkit.Geometry import Point3D

from madlab.errors import MoleculeMismatchError, ValidationError
from madlab.molecules import heavy_atom_rmsd, prepare_ligand


def moved(mol: Chem.Mol, dx: float) -> Chem.Mol:
    out = Chem.Mol(mol)
    conf = out.GetConformer()
    for i in range(out.GetNumAtoms()):
        p = conf.GetAtomPosition(i)
        conf.SetAtomPosition(i, Point3D(p.x + dx, p.y, p.z))
    return out


@pytest.fixture()
def crystal(complex_dir: Path) -> Chem.Mol:
    return Chem.MolFromMolFile(str(complex_dir / "184l" / "ligand.sdf"))


def test_identical_is_zero_and_translation_is_its_length(crystal: Chem.Mol) -> None:
    assert heavy_atom_rmsd(crystal, crystal) == 0.0
    assert heavy_atom_rmsd(moved(crystal, 1.0), crystal) == pytest.approx(1.0)


def test_pose_with_hydrogens_against_crystal_without(crystal: Chem.Mol) -> None:
    prepared = prepare_ligand(crystal).mol
    assert prepared.GetNumAtoms() > crystal.GetNumAtoms()
    assert heavy_atom_rmsd(prepared, crystal) == pytest.approx(0.0, abs=1e-6)


def test_ring_flip_is_symmetry_corrected(crystal: Chem.Mol) -> None:
    # Swap the coordinates of the two ortho and the two meta ring carbons (a ring flip).
    flipped = Chem.Mol(crystal)
    conf = flipped.GetConformer()
    pos = [conf.GetAtomPosition(i) for i in range(flipped.GetNumAtoms())]
    ring = [0, 1, 2, 3, 4, 5]  # C1 (ipso) ... C6
    swap = {1: 5, 5: 1, 2: 4, 4: 2}
    for a, b in swap.items():
        conf.SetAtomPosition(ring[a], pos[ring[b]])
    raw = sum((conf.GetAtomPosition(i) - pos[i]).LengthSq() for i in range(10)) ** 0.5
    assert raw > 1.0
    assert heavy_atom_rmsd(flipped, crystal) == pytest.approx(0.0, abs=1e-6)


def test_bond_orders_and_charges_may_differ() -> None:
    acid = Chem.AddHs(Chem.MolFromSmiles("CC(=O)O"))
    from rdkit.Chem import rdDistGeom

    rdDistGeom.EmbedMolecule(acid, randomSeed=1)
    anion = Chem.RWMol(Chem.RemoveHs(acid))
    anion.GetAtomWithIdx(3).SetFormalCharge(-1)
    anion.GetAtomWithIdx(3).SetNoImplicit(True)
    anion.GetBondWithIdx(1).SetBondType(Chem.BondType.SINGLE)
    assert heavy_atom_rmsd(anion.GetMol(), acid) == pytest.approx(0.0, abs=1e-6)


def test_different_compounds_are_refused(crystal: Chem.Mol, complex_dir: Path) -> None:
    other = Chem.MolFromMolFile(str(complex_dir / "1of6" / "ligand.sdf"))
    with pytest.raises(MoleculeMismatchError, match="not the same compound"):
        heavy_atom_rmsd(other, crystal)
    same_size = Chem.Mol(crystal)
    rw = Chem.RWMol(same_size)
    rw.GetAtomWithIdx(9).SetAtomicNum(8)  # a methyl becomes an OH: same graph, other element
    with pytest.raises(MoleculeMismatchError, match="graphs"):
        heavy_atom_rmsd(rw.GetMol(), crystal)


def test_missing_coordinates() -> None:
    with pytest.raises(ValidationError, match="no coordinates"):
        heavy_atom_rmsd(Chem.MolFromSmiles("CCO"), Chem.MolFromSmiles("CCO"))
    with pytest.raises(ValidationError, match="no pose"):
        heavy_atom_rmsd(None, Chem.MolFromSmiles("CCO"))
