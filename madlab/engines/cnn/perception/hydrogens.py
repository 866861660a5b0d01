"""Implicit hydrogen counts and hydrogen placement in OpenBabel's manner.

Implicit hydrogens come from the usual valence of each atom. When hydrogens
are made explicit, OpenBabel places each one from the parent's hybridization
and its existing bonds (trans to a second neighbour for a terminal atom, along
the bisector for two neighbours, opposite three); these positions matter to
gnina, which bonds atoms by distance and centres its grid on the ligand with
its polar hydrogens.
"""

from __future__ import annotations

import math

import numpy as np

from madlab.engines.cnn.perception.elements import COVALENT_RADIUS, typical_valence
from madlab.engines.cnn.perception.hybridization import assign_hybridization
from madlab.engines.cnn.perception.molecule import Molecule

#: Elements that OpenBabel gives hydrogens when only polar hydrogens are added.
POLAR_ELEMENTS = (7, 8, 15, 16)
_H_RADIUS = COVALENT_RADIUS[1]


def assign_implicit_hydrogens(mol: Molecule) -> None:
    """Set each atom's implicit hydrogen count from its usual valence.

    Parameters
    ----------
    mol
        Molecule with final bond orders and formal charges.
    """
    for atom in range(mol.n_atoms):
        val = mol.valence(atom)
        mol.implicit_h[atom] = max(
            0, typical_valence(mol.elements[atom], val, mol.charges[atom]) - val
        )


def _corrected_radius(element: int, hyb: int) -> float:
    rad = COVALENT_RADIUS[element]
    return rad * 0.95 if hyb == 2 else rad * 0.90 if hyb == 1 else rad


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def _is_carboxyl_oxygen(mol: Molecule, atom: int) -> bool:
    if mol.elements[atom] != 8 or mol.heavy_degree(atom) != 1:
        return False
    carbon = next((n for n in mol.neighbors(atom) if mol.elements[n] == 6), None)
    if carbon is None:
        return False

    def free(el: int) -> int:
        return sum(
            1 for n in mol.neighbors(carbon) if mol.elements[n] == el and mol.heavy_degree(n) == 1
        )

    return free(8) == 2 or (free(8) == 1 and free(16) == 1)


def new_bond_position(mol: Molecule, atom: int, length: float, hyb: list[int]) -> np.ndarray:
    """Where OpenBabel puts a new bonded atom on ``atom``, ``length`` Å away.

    Parameters
    ----------
    mol
        The molecule.
    atom
        Parent atom.
    length
        Bond length.
    hyb
        Hybridization of every atom (as assigned before hydrogens were added).

    Returns
    -------
    numpy.ndarray
        Position of the new atom. Cases OpenBabel settles with a random vector
        get a fixed perpendicular instead.
    """
    pos = mol.coords[atom]
    nbrs = mol.neighbors(atom)
    h = hyb[atom] if atom < len(hyb) else 0
    zero = np.zeros(3)
    if not nbrs:
        return pos + np.array([length, 0.0, 0.0])
    if len(nbrs) == 1:
        carboxyl = _is_carboxyl_oxygen(mol, atom)
        nbr = nbrs[0]
        bond1 = pos - mol.coords[nbr]
        bond2 = zero
        if not (nbr < len(hyb) and hyb[nbr] == 1):
            for n2 in mol.neighbors(nbr):
                if n2 != atom:
                    bond2 = mol.coords[nbr] - mol.coords[n2]
                if carboxyl and mol.elements[n2] == 8:
                    break
        bond1 = _unit(bond1)
        v1 = np.cross(bond1, bond2)
        if not bond2.any() or not v1.any():
            helper = np.array([0.0, 0.0, 1.0]) if abs(bond1[2]) < 0.7 else np.array([1.0, 0, 0])
            v1 = np.cross(bond1, helper)
        v2 = _unit(np.cross(bond1, v1))
        if h == 2:
            new = bond1 - v2 * math.tan(math.radians(60.0))
        elif h == 3:
            new = bond1 - v2 * math.tan(math.radians(180.0 - 109.471))
        else:
            new = bond1
        return pos + _unit(new) * length
    if len(nbrs) == 2:
        bond1 = _unit(pos - mol.coords[nbrs[0]])
        bond2 = _unit(pos - mol.coords[nbrs[1]])
        v1 = _unit(bond1 + bond2)
        new = v1
        if h == 3:
            v2 = _unit(np.cross(bond1, bond2))
            new = v2 + v1 * (math.sqrt(2.0) / 2.0)
        return pos + _unit(new) * length
    if len(nbrs) == 3:
        total = sum((_unit(pos - mol.coords[n]) for n in nbrs), zero)
        return pos + _unit(total) * length
    return pos + np.array([length, 0.0, 0.0])


def add_hydrogens(mol: Molecule, polar_only: bool) -> list[int]:
    """Turn implicit hydrogens into atoms placed as OpenBabel places them.

    Parameters
    ----------
    mol
        The molecule.
    polar_only
        Only give hydrogens to N, O, P and S, as OpenBabel's ``AddHydrogens(true)``.

    Returns
    -------
    list[int]
        Indices of the added hydrogen atoms.
    """
    todo = []
    for atom in range(mol.n_atoms):
        if polar_only and mol.elements[atom] not in POLAR_ELEMENTS:
            continue
        if mol.implicit_h[atom]:
            todo.append((atom, mol.implicit_h[atom]))
        mol.implicit_h[atom] = 0
    if not todo:
        mol.aromatic_perceived = False
        return []
    mol.aromatic_perceived = False
    hyb = assign_hybridization(mol)
    added = []
    for atom, count in todo:
        length = _H_RADIUS + _corrected_radius(mol.elements[atom], hyb[atom])
        for _ in range(count):
            xyz = new_bond_position(mol, atom, length, hyb)
            h = mol.add_atom(1, xyz)
            mol.add_bond(atom, h, 1)
            added.append(h)
    mol.aromatic_perceived = False
    return added
