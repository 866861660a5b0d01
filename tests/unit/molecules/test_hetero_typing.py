"""Typing of hetero groups from heavy-atom geometry, checked against known chemistry."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import rdDistGeom, rdForceFieldHelpers

from madlab.molecules.hetero_typing import type_group
from madlab.molecules.hydrogens import place_hydrogens


def heavy_atom_geometry(
    smiles: str,
) -> tuple[Chem.Mol, list[int], list[str], np.ndarray, list[list[int]]]:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    rdDistGeom.EmbedMolecule(mol, randomSeed=7)
    rdForceFieldHelpers.MMFFOptimizeMolecule(mol)
    heavy = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() > 1]
    index = {old: new for new, old in enumerate(heavy)}
    elements = [mol.GetAtomWithIdx(i).GetSymbol().upper() for i in heavy]
    xyz = mol.GetConformer().GetPositions()[heavy]
    neigh = [
        [index[n.GetIdx()] for n in mol.GetAtomWithIdx(i).GetNeighbors() if n.GetAtomicNum() > 1]
        for i in heavy
    ]
    return mol, heavy, elements, xyz, neigh


@pytest.mark.parametrize(
    "smiles",
    [
        "CCO",  # alcohol
        "CC(=O)[O-]",  # carboxylate
        "CC(N)=O",  # primary amide
        "CNC(C)=O",  # secondary amide N-H
        "Oc1ccccc1",  # phenol
        "N#Cc1ccccc1",  # nitrile
        "Cc1c[nH]cn1",  # imidazole: one ring N-H
        "Cn1cnc2c(N)ncnc21",  # 9-methyladenine: no ring N-H
        "Cn1ccc(=O)[nH]c1=O",  # 1-methyluracil: N3-H
        "C[NH3+]",  # ammonium
        "COP(=O)([O-])[O-]",  # phosphate
        "CC(C)=O",  # ketone
        "CC=NC",  # imine
        "CS",  # thiol
        "C=CC#C",  # sp2 and sp carbons
        "c1ccc2ccccc2c1",  # fused aromatic rings
    ],
)
def test_hydrogen_counts_match_the_chemistry(smiles: str) -> None:
    mol, heavy, elements, xyz, neigh = heavy_atom_geometry(smiles)
    chem = type_group(elements, xyz, neigh)
    got = [c.n_h for c in chem if c is not None]
    want = [mol.GetAtomWithIdx(i).GetTotalNumHs(includeNeighbors=True) for i in heavy]
    assert got == want


def test_acceptor_and_aromatic_types() -> None:
    _, _, elements, xyz, neigh = heavy_atom_geometry("Cn1cnc2c(N)ncnc21")
    types = [c.ad_type for c in type_group(elements, xyz, neigh) if c is not None]
    # methyl C, N9 (three neighbours), ring carbons aromatic, ring N: acceptors, NH2: N.
    assert types[0] == "C" and types[1] == "N"
    assert types.count("NA") == 3 and types.count("A") == 5
    assert sorted(types).count("N") == 2


def test_metals_and_unknown_elements() -> None:
    chem = type_group(["ZN", "MG", "AU"], np.eye(3) * 5, [[], [], []])
    assert chem[0] is not None and chem[0].ad_type == "Zn"
    assert chem[1] is not None and chem[1].ad_type == "Mg"
    assert chem[2] is None


def test_tetrahedral_and_trigonal_hydrogens() -> None:
    c = np.zeros(3)
    methyl = place_hydrogens(
        c, np.array([[1.53, 0, 0]]), 3, 3, "C", reference=np.array([2.0, 1.4, 0])
    )
    assert np.allclose(np.linalg.norm(methyl, axis=1), 1.09)
    for h in methyl:
        cos = np.dot(h, [1, 0, 0]) / 1.09
        assert np.degrees(np.arccos(cos)) == pytest.approx(109.47, abs=0.1)
    amide = place_hydrogens(
        c, np.array([[1.33, 0, 0]]), 2, 2, "N", reference=np.array([2.0, 1.1, 0])
    )
    assert np.allclose(amide[:, 2], 0.0)  # in the plane of the reference
    assert amide[0][1] < 0 < amide[1][1]  # first one anti to it
    nitrile_h = place_hydrogens(c, np.array([[1.06, 0, 0]]), 1, 1, "C")
    assert np.allclose(nitrile_h, [[-1.09, 0, 0]])
    lone = place_hydrogens(c, np.zeros((0, 3)), 2, 3, "O")
    assert np.allclose(np.linalg.norm(lone, axis=1), 0.96)
    assert place_hydrogens(c, np.zeros((0, 3)), 0, 3).shape == (0, 3)
    ch = place_hydrogens(c, np.array([[1.5, 0, 0], [-0.5, 1.4, 0], [-0.5, -0.7, 1.2]]), 1, 3)
    assert np.dot(ch[0], [1.5, 0, 0]) < 0
    planar_nh = place_hydrogens(c, np.array([[1.4, 0, 0], [-0.7, 1.2, 0]]), 1, 2, "N")
    assert abs(planar_nh[0][2]) < 1e-6
