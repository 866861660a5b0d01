"""OpenBabel-compatible perception: sort order, SMARTS, rings, aromaticity, bond orders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem

from madlab.engines.cnn.perception import stdsort
from madlab.engines.cnn.perception.aromaticity import electron_range
from madlab.engines.cnn.perception.bondorders import connect_the_dots, perceive_bond_orders
from madlab.engines.cnn.perception.elements import symbol_to_number, typical_valence
from madlab.engines.cnn.perception.hybridization import assign_hybridization
from madlab.engines.cnn.perception.kekulize import kekulize
from madlab.engines.cnn.perception.molecule import Molecule
from madlab.engines.cnn.perception.smarts import Smarts
from madlab.engines.cnn.perception.stdsort import std_sort

DATA = json.loads((Path(__file__).with_name("data") / "perception.json").read_text())

# Keys with many ties, and the orders GNU libstdc++ (g++ 12) gave for them.
KEYS = [
    1.0,
    2.0,
    2.0,
    2.0,
    2.0,
    0.0,
    3.0,
    2.0,
    2.0,
    1.0,
    0.0,
    0.0,
    2.0,
    3.0,
    0.0,
    1.0,
    0.0,
    3.0,
    3.0,
    3.0,
    3.0,
    3.0,
    3.0,
    1.0,
    2.0,
    3.0,
    0.0,
    2.0,
    0.0,
    3.0,
    2.0,
    3.0,
    2.0,
    1.0,
    1.0,
    3.0,
    3.0,
    2.0,
    1.0,
    3.0,
]
STD_SORT = [
    28,
    16,
    26,
    5,
    14,
    11,
    10,
    34,
    15,
    38,
    33,
    9,
    23,
    0,
    32,
    24,
    27,
    30,
    37,
    12,
    8,
    7,
    4,
    3,
    2,
    1,
    36,
    35,
    31,
    39,
    29,
    25,
    22,
    21,
    20,
    19,
    18,
    17,
    13,
    6,
]
HEAP_SORT = [
    10,
    16,
    28,
    14,
    11,
    5,
    26,
    34,
    15,
    38,
    9,
    33,
    0,
    23,
    32,
    37,
    7,
    1,
    4,
    24,
    8,
    12,
    27,
    3,
    2,
    30,
    31,
    17,
    36,
    18,
    35,
    39,
    20,
    21,
    22,
    25,
    19,
    13,
    6,
    29,
]


def from_smiles(smiles: str) -> Molecule:
    """Molecule with explicit hydrogens and Kekulé bonds, atoms in RDKit order."""
    rd = Chem.AddHs(Chem.MolFromSmiles(smiles))
    Chem.Kekulize(rd, clearAromaticFlags=True)
    mol = Molecule(
        [a.GetAtomicNum() for a in rd.GetAtoms()],
        np.zeros((rd.GetNumAtoms(), 3)),
        [a.GetFormalCharge() for a in rd.GetAtoms()],
    )
    for b in rd.GetBonds():
        mol.add_bond(b.GetBeginAtomIdx(), b.GetEndAtomIdx(), int(b.GetBondTypeAsDouble()))
    return mol


def test_std_sort_reproduces_libstdcxx_order_on_ties() -> None:
    assert std_sort(range(len(KEYS)), key=lambda i: KEYS[i]) == STD_SORT
    items, keys = list(range(len(KEYS))), list(KEYS)
    stdsort._heap_sort(items, keys, 0, len(items))
    assert items == HEAP_SORT
    rng = np.random.default_rng(1)
    distinct = list(rng.permutation(500).astype(float))
    assert std_sort(distinct, key=float) == sorted(distinct)
    # Past the depth limit introsort switches to heap sort; the result is still sorted.
    items, keys = list(range(200)), [float(k % 5) for k in range(200)]
    stdsort._introsort(items, keys, 0, 200, 0)
    stdsort._final_insertion_sort(items, keys, 0, 200)
    assert keys == sorted(keys)


@pytest.mark.parametrize("entry", DATA["aromaticity_and_hybridization"], ids=lambda e: e["smiles"])
def test_aromaticity_and_hybridization_match_openbabel(entry: dict) -> None:
    mol = from_smiles(entry["smiles"])
    assert "".join(str(int(mol.is_aromatic(a))) for a in range(mol.n_atoms)) == entry["aromatic"]
    assert "".join(map(str, assign_hybridization(mol))) == entry["hyb"]


@pytest.mark.parametrize("entry", DATA["bond_orders_from_coordinates"], ids=lambda e: e["smiles"])
def test_bond_orders_from_coordinates_match_openbabel(entry: dict) -> None:
    mol = Molecule(list(entry["elements"]), np.array(entry["coords"]))
    connect_the_dots(mol)
    perceive_bond_orders(mol)
    bonds = sorted([*sorted(mol.bond_atoms[b]), mol.bond_order[b]] for b in mol.bonds())
    assert bonds == entry["bonds"]


def test_smarts_matches_in_openbabel_order() -> None:
    # A carboxylate as OpenBabel sees it before bond orders: all single bonds.
    acid = Molecule([6, 6, 8, 8], np.zeros((4, 3)))
    for a, b in ((0, 1), (1, 2), (1, 3)):
        acid.add_bond(a, b, 1)
    pattern = Smarts("[#6D3]([#8D1])([#8])*")
    matches = pattern.matches(acid)
    # Both oxygens are tried in the order of the carbon's bonds; UMapList keeps the first.
    assert [m[1] for m in matches] == [2, 3]
    assert pattern.unique_matches(acid) == [matches[0]]
    ring = Smarts("[#6]1~[#6]~[#6]~[#6]~[#6]~[#6]1")
    assert len(ring.unique_matches(from_smiles("c1ccccc1"))) == 1
    assert Smarts("[N;!R]").matches(from_smiles("C1CCNC1")) == []
    assert Smarts("[Cl,Br;X1]").matches(from_smiles("ClCBr")) == [[0], [2]]
    assert len(Smarts("[#8-,#8H1]").matches(from_smiles("OCC[O-]"))) == 2
    assert len(Smarts("c:c").matches(from_smiles("c1ccccc1"))) == 12
    assert Smarts("C=C").matches(from_smiles("C=C")) == [[0, 1], [1, 0]]
    assert len(Smarts("C-C").matches(from_smiles("CCC"))) == 4
    assert len(Smarts("C#N").matches(from_smiles("CC#N"))) == 1
    assert len(Smarts("[#6r6]").matches(from_smiles("C1CCCCC1CC"))) == 6
    assert len(Smarts("[NX3v3^0]").matches(from_smiles("CN(C)C"))) == 1
    with pytest.raises(ValueError, match="unsupported"):
        Smarts("[$(C)]")
    with pytest.raises(ValueError, match="unclosed"):
        Smarts("[#6")


def test_rings_and_closures() -> None:
    naphthalene = from_smiles("c1ccc2ccccc2c1")
    assert sorted(len(r) for r in naphthalene.sssr()) == [6, 6]
    closures = [b for b in naphthalene.bonds() if naphthalene.is_closure(b)]
    assert len(closures) == 2
    norbornane = from_smiles("C1CC2CCC1C2")
    assert sorted(len(r) for r in norbornane.sssr()) == [5, 5]
    chain = from_smiles("CCCC")
    assert chain.sssr() == [] and not any(chain.atom_in_ring(a) for a in range(4))


def test_kekulize_gives_each_aromatic_atom_one_double_bond() -> None:
    benzene = from_smiles("C1=CC=CC=C1")
    ring = [b for b in benzene.bonds() if benzene.bond_in_ring(b)]
    for b in ring:
        benzene.bond_order[b] = 1
        benzene.bond_aromatic[b] = True
    for a in range(6):
        benzene.atom_aromatic[a] = True
    assert kekulize(benzene)
    assert sorted(benzene.bond_order[b] for b in ring) == [1, 1, 1, 2, 2, 2]
    # Five atoms that all need a double bond cannot all get one.
    ring5 = from_smiles("C1CCCC1")
    for a in range(5):
        ring5.atom_aromatic[a] = True
        ring5.implicit_h[a] = 0
    for b in ring5.bonds():
        if ring5.bond_in_ring(b):
            ring5.bond_aromatic[b] = True
    heavy = Molecule(ring5.elements[:5], np.zeros((5, 3)))
    for b in ring5.bonds():
        x, y = ring5.bond_atoms[b]
        if x < 5 and y < 5:
            nb = heavy.add_bond(x, y, 1)
            heavy.bond_aromatic[nb] = True
    heavy.atom_aromatic = [True] * 5
    assert not kekulize(heavy)
    assert sum(heavy.bond_order[b] == 2 for b in heavy.bonds()) == 2


def test_electron_counts_of_ring_atoms() -> None:
    pyrrole = from_smiles("c1cc[nH]c1")
    n = next(a for a in range(pyrrole.n_atoms) if pyrrole.elements[a] == 7)
    assert electron_range(pyrrole, n) == (2, 2)
    assert electron_range(from_smiles("CCO"), 2) is None  # not in a ring
    tropone = from_smiles("O=C1C=CC=CC=C1")
    assert electron_range(tropone, 1) == (0, 0)  # exocyclic C=O


def test_element_data() -> None:
    assert symbol_to_number("cl") == 17
    assert symbol_to_number("Xx") == 0
    assert typical_valence(7, 2, 0) == 3
    assert typical_valence(16, 3, 0) == 4
    assert typical_valence(7, 4, 0) == 4  # no usual valence above: keep what it has
    assert typical_valence(26, 0, 0) == 0  # metals get no hydrogens
