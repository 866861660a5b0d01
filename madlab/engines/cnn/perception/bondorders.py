"""Bonds from distances and bond orders from geometry, in OpenBabel's manner.

:func:`connect_the_dots` joins atoms closer than their covalent radii plus
0.45 Å, visiting atoms sorted by z so that each atom's bonds come in the same
order as in OpenBabel. :func:`perceive_bond_orders` then guesses hybridization
from bond angles and ring planarity, applies OpenBabel's functional-group
rules, kekulizes flat rings and finally adds double and triple bonds where
valences are open, most electronegative partners first.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from madlab.engines.cnn.perception.bondrules import apply_functional_group_rules, set_bond_order
from madlab.engines.cnn.perception.elements import COVALENT_RADIUS, ELECTRONEGATIVITY, MAX_BONDS
from madlab.engines.cnn.perception.kekulize import kekulize
from madlab.engines.cnn.perception.molecule import Molecule
from madlab.engines.cnn.perception.stdsort import std_sort


def connect_the_dots(mol: Molecule) -> None:
    """Add single bonds between atoms within bonding distance, as OpenBabel does.

    Parameters
    ----------
    mol
        Molecule to bond; existing bonds are kept and come first in each atom's list.
    """
    n = mol.n_atoms
    if n == 0:
        return
    existing = [mol.degree(a) for a in range(n)]
    xyz = mol.coords
    active = [
        a
        for a in range(n)
        if not (
            mol.valence(a) >= MAX_BONDS[mol.elements[a]]
            or (mol.elements[a] == 7 and mol.charges[a] == 0 and mol.valence(a) >= 3)
        )
    ]
    order = std_sort(active, key=lambda a: float(xyz[a, 2]))
    rad = np.array([COVALENT_RADIUS[mol.elements[a]] for a in order])
    pts = xyz[order]
    reach = float(rad.max()) * 2 + 0.45
    pairs = cKDTree(pts).query_pairs(reach, output_type="ndarray")
    if len(pairs):
        i, j = pairs.min(axis=1), pairs.max(axis=1)
        d = pts[i] - pts[j]
        d2 = d[:, 0] ** 2 + d[:, 1] ** 2 + d[:, 2] ** 2
        cutoff = (rad[i] + rad[j] + 0.45) ** 2
        ok = (d2 <= cutoff) & (d2 >= 0.16)
        i, j = i[ok], j[ok]
        for k in np.lexsort((j, i)):
            a, b = order[int(i[k])], order[int(j[k])]
            if mol.bond_between(a, b) is not None:
                continue
            if not (_valid_extra_bond(mol, a, b) and _valid_extra_bond(mol, b, a)):
                continue
            mol.add_bond(a, b, 1)
    _clean_up(mol, existing)


def _valid_extra_bond(mol: Molecule, a: int, b: int) -> bool:
    if mol.elements[a] == 15 and mol.valence(a) == 5:
        return mol.elements[b] in (9, 17)
    return True


def _clean_up(mol: Molecule, existing: list[int]) -> None:
    for atom in range(mol.n_atoms):
        while (
            mol.valence(atom) > MAX_BONDS[mol.elements[atom]]
            or mol.smallest_bond_angle(atom) < 45.0
        ):
            bonds = mol.atom_bonds[atom]
            if len(bonds) <= existing[atom]:
                break
            new = bonds[existing[atom] :]
            if mol.elements[atom] == 1:
                hh = [b for b in new if mol.elements[mol.other(b, atom)] == 1]
                if hh:
                    mol.delete_bond(hh[0])
                    continue
            longest = new[0]
            for bid in new[1:]:
                if mol.bond_length(bid) > mol.bond_length(longest):
                    longest = bid
            mol.delete_bond(longest)


def _corrected_radius(element: int, hyb: int) -> float:
    rad = COVALENT_RADIUS[element]
    return rad * 0.95 if hyb == 2 else rad * 0.90 if hyb == 1 else rad


def _double_bond_geometry(mol: Molecule, bid: int) -> bool:
    a, b = mol.bond_atoms[bid]
    if mol.hyb[a] == 1 or mol.degree(a) > 3 or mol.hyb[b] == 1 or mol.degree(b) > 3:
        return True
    for na in mol.neighbors(a):
        if na == b:
            continue
        for nb in mol.neighbors(b):
            if nb == a:
                continue
            t = abs(mol.torsion(na, a, b, nb))
            if 15.0 < t < 160.0:
                return False
    return True


def _ring_torsion(mol: Molecule, path: list[int]) -> float:
    k = len(path)
    return (
        sum(
            abs(mol.torsion(path[i], path[(i + 1) % k], path[(i + 2) % k], path[(i + 3) % k]))
            for i in range(k)
        )
        / k
    )


def perceive_bond_orders(mol: Molecule) -> bool:
    """Assign bond orders from geometry, as OpenBabel's ``PerceiveBondOrders`` does.

    Parameters
    ----------
    mol
        Molecule with bonds (single or already typed) and 3D coordinates.

    Returns
    -------
    bool
        False when flat rings could not be fully kekulized (OpenBabel then warns).
    """
    n = mol.n_atoms
    if n == 0:
        return True
    # Pass 1: hybridization from the mean bond angle.
    for atom in range(n):
        angle = mol.average_bond_angle(atom)
        if angle > 155.0:
            mol.hyb[atom] = 1
        elif angle > 115.0:
            mol.hyb[atom] = 2
        if (
            mol.elements[atom] == 7
            and mol.explicit_h(atom) == 1
            and mol.degree(atom) == 2
            and angle > 109.5
        ):
            mol.hyb[atom] = 2
    # Pass 2: flat five- and six-membered rings are sp2.
    rings = mol.sssr()
    for path in rings:
        if len(path) == 5 and _ring_torsion(mol, path) <= 7.5:
            for a in path:
                if mol.degree(a) == 2:
                    mol.hyb[a] = 2
        elif len(path) == 6 and _ring_torsion(mol, path) <= 12.0:
            for a in path:
                if mol.degree(a) in (2, 3):
                    mol.hyb[a] = 2
    # Pass 3: an sp or sp2 atom with no unsaturated (or terminal) neighbour is lowered.
    for atom in range(n):
        if mol.hyb[atom] in (1, 2):
            open_nbr = any(mol.hyb[b] < 3 or mol.degree(b) == 1 for b in mol.neighbors(atom))
            if not open_nbr:
                mol.hyb[atom] += 1
    # Pass 4: functional groups.
    apply_functional_group_rules(mol)
    # Pass 5: untyped flat rings become aromatic and are kekulized.
    needs = False
    for path in rings:
        if len(path) not in (5, 6, 7):
            continue
        if any(
            mol.has_bond_of_order(a, 2) or mol.has_bond_of_order(a, 3) or mol.hyb[a] != 2
            for a in path
        ):
            continue
        for i, a in enumerate(path):
            bid = mol.bond_between(a, path[(i + 1) % len(path)])
            if bid is not None:
                mol.bond_aromatic[bid] = True
        needs = True
    ok = True
    if needs:
        mol.aromatic_perceived = True
        for bid in mol.bonds():
            if mol.bond_aromatic[bid]:
                a, b = mol.bond_atoms[bid]
                mol.atom_aromatic[a] = True
                mol.atom_aromatic[b] = True
        ok = kekulize(mol)
        mol.aromatic_perceived = False
    # Pass 6: open valences, most electronegative atoms last, shorter bonds first.
    _fill_valences(mol)
    mol.aromatic_perceived = False
    return ok


def _sort_key(mol: Molecule, atom: int) -> float:
    shortest = 1.0e5
    for bid in mol.atom_bonds[atom]:
        if mol.elements[mol.other(bid, atom)] != 1:
            shortest = min(shortest, mol.bond_length(bid))
    return ELECTRONEGATIVITY[mol.elements[atom]] * 1e6 + shortest


def _fill_valences(mol: Molecule) -> None:
    order = std_sort(range(mol.n_atoms), key=lambda a: _sort_key(mol, a))
    for atom in order:
        el = mol.elements[atom]
        val = mol.valence(atom)
        deg = mol.degree(atom)
        if (mol.hyb[atom] == 1 or deg == 1) and val + 2 <= MAX_BONDS[el]:
            if mol.has_non_single_bond(atom) or (el == 7 and val + 2 > 3):
                continue
            best, best_en, shortest = None, 0.0, 5000.0
            for bid in mol.atom_bonds[atom]:
                b = mol.other(bid, atom)
                en = ELECTRONEGATIVITY[mol.elements[b]]
                length = mol.bond_length(bid)
                if (
                    (mol.hyb[b] == 1 or mol.degree(b) == 1)
                    and mol.valence(b) + 2 <= MAX_BONDS[mol.elements[b]]
                    and (
                        en > best_en
                        or (math.isclose(en, best_en, abs_tol=1e-6) and length < shortest)
                    )
                ):
                    if mol.has_non_single_bond(b) or (
                        mol.elements[b] == 7 and mol.valence(b) + 2 > 3
                    ):
                        continue
                    if deg == 1 or mol.degree(b) == 1:
                        test = _corrected_radius(el, mol.hyb[atom]) + _corrected_radius(
                            mol.elements[b], mol.hyb[b]
                        )
                        if length > 0.9 * test:
                            continue
                    shortest, best_en, best = length, en, b
            if best is not None:
                set_bond_order(mol, atom, best, 3)
        elif (mol.hyb[atom] == 2 or deg == 1) and val + 1 <= MAX_BONDS[el]:
            if mol.has_non_single_bond(atom) or (el == 7 and val + 1 > 3):
                continue
            if el == 16 and mol.atom_in_ring(atom):
                continue
            best, best_en, shortest = None, 0.0, 5000.0
            for bid in mol.atom_bonds[atom]:
                b = mol.other(bid, atom)
                en = ELECTRONEGATIVITY[mol.elements[b]]
                if not (
                    (mol.hyb[b] == 2 or mol.degree(b) == 1)
                    and mol.valence(b) + 1 <= MAX_BONDS[mol.elements[b]]
                    and _double_bond_geometry(mol, bid)
                    and (en > best_en or math.isclose(en, best_en, abs_tol=1e-6))
                ):
                    continue
                if mol.has_non_single_bond(b) or (mol.elements[b] == 7 and mol.valence(b) + 1 > 3):
                    continue
                if mol.elements[b] == 16 and mol.atom_in_ring(b):
                    continue
                length = mol.bond_length(bid)
                if deg == 1 or mol.degree(b) == 1:
                    test = _corrected_radius(el, mol.hyb[atom]) + _corrected_radius(
                        mol.elements[b], mol.hyb[b]
                    )
                    if length > 0.93 * test:
                        continue
                diff = shortest - length
                in_ring = mol.atom_in_ring(atom)
                best_in_ring = best is not None and mol.atom_in_ring(best)
                b_in_ring = mol.atom_in_ring(b)
                if diff > 0.1 or (
                    diff > -0.01
                    and (
                        (not in_ring or best is None or not best_in_ring or b_in_ring)
                        or (in_ring and best is not None and not best_in_ring and b_in_ring)
                    )
                ):
                    shortest, best_en, best = length, en, b
            if best is not None:
                set_bond_order(mol, atom, best, 2)
