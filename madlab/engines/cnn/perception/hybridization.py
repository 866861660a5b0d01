"""Hybridization from OpenBabel's atom typing rules.

OpenBabel's atom typer applies a list of SMARTS rules in order, each match
overriding earlier ones, and falls back on the atom's degree when no rule
matched. The rules are written out here as tests on the molecular graph; their
aromaticity terms use OpenBabel's aromaticity model.
"""

from __future__ import annotations

from madlab.engines.cnn.perception.molecule import Molecule


def _double(mol: Molecule, bid: int) -> bool:
    return mol.bond_order[bid] == 2 and not mol.is_aromatic_bond(bid)


def _default(mol: Molecule, bid: int) -> bool:
    return mol.bond_order[bid] == 1 or mol.is_aromatic_bond(bid)


def _n_double(mol: Molecule, atom: int) -> int:
    return sum(1 for b in mol.atom_bonds[atom] if _double(mol, b))


def _triple(mol: Molecule, atom: int) -> bool:
    return any(mol.bond_order[b] == 3 for b in mol.atom_bonds[atom])


def _conjugated_neighbor(mol: Molecule, atom: int, with_triple: bool) -> bool:
    # atom-[#6,#7,#8]=,:,(#)* : a C, N or O neighbour with an unsaturated bond elsewhere.
    for b in mol.atom_bonds[atom]:
        x = mol.other(b, atom)
        if mol.elements[x] not in (6, 7, 8) or not _default(mol, b):
            continue
        for xb in mol.atom_bonds[x]:
            if xb == b:
                continue
            if (
                _double(mol, xb)
                or mol.is_aromatic_bond(xb)
                or (with_triple and mol.bond_order[xb] == 3)
            ):
                return True
    return False


def _rule(mol: Molecule, atom: int) -> int:
    el = mol.elements[atom]
    deg = mol.degree(atom)
    hyb = {4: 3, 5: 5, 6: 6}.get(deg, 0)
    aromatic = mol.is_aromatic(atom)
    if el == 6:
        if not aromatic:
            hyb = 3
            if _n_double(mol, atom):
                hyb = 2
            if _triple(mol, atom) or _n_double(mol, atom) >= 2:
                hyb = 1
        else:
            hyb = 2
    elif el == 7:
        if not aromatic:
            hyb = 3
        if aromatic or (
            not aromatic and (_n_double(mol, atom) or _conjugated_neighbor(mol, atom, True))
        ):
            hyb = 2
        if (
            not aromatic
            and deg in (1, 2, 3)
            and any(
                _default(mol, b) and mol.is_aromatic(mol.other(b, atom))
                for b in mol.atom_bonds[atom]
            )
        ):
            hyb = 2
        if (not aromatic and _triple(mol, atom)) or (
            not aromatic and deg == 2 and _n_double(mol, atom) == 2
        ):
            hyb = 1
    elif el == 8:
        if not aromatic:
            hyb = 3
        if aromatic or (
            not aromatic and (_n_double(mol, atom) or _conjugated_neighbor(mol, atom, False))
        ):
            hyb = 2
        if deg == 1 and _carboxyl_like(mol, atom):
            hyb = 2
        if not aromatic and _triple(mol, atom):
            hyb = 1
    elif el == 15:
        # OpenBabel's "[P]" rule matches phosphorus whatever its aromaticity.
        hyb = 3
        if deg == 1 and not aromatic and _n_double(mol, atom):
            hyb = 2
        if (deg == 5 and not aromatic) or (not aromatic and mol.total_valence(atom) == 5):
            hyb = 5
    elif el == 16:
        if not aromatic:
            hyb = 3
        if aromatic or (deg == 1 and not aromatic and _n_double(mol, atom)):
            hyb = 2
        if deg == 6 and not aromatic:
            hyb = 6
    elif el == 5:
        hyb = 2
        if deg == 4:
            hyb = 3
    elif el in (13, 31, 49, 81):
        hyb = 3 if el == 13 and deg == 4 else 2
    elif el in (14, 82):
        hyb = 3
    elif el in (32, 50):
        if deg != 5:
            hyb = 3
    elif el in (33, 51, 83):
        if deg == 3:
            hyb = 3
        if el == 83 and deg == 5:
            hyb = 6
    elif el in (34, 52, 84):
        # The "[se]" rule does not take in OpenBabel; "[Se]" matches any selenium.
        hyb = 3
    elif el in (4, 12, 20, 38, 56, 88):
        hyb = 1
    if hyb == 0:
        hyb = 1 if deg <= 2 else 2 if deg == 3 else 3 if deg == 4 else deg
    return hyb


def _carboxyl_like(mol: Molecule, atom: int) -> bool:
    # [#8D1][#6][#8D1] with default (single or aromatic) bonds.
    for b in mol.atom_bonds[atom]:
        c = mol.other(b, atom)
        if mol.elements[c] != 6 or not _default(mol, b):
            continue
        for cb in mol.atom_bonds[c]:
            o = mol.other(cb, c)
            if o != atom and mol.elements[o] == 8 and mol.degree(o) == 1 and _default(mol, cb):
                return True
    return False


def assign_hybridization(mol: Molecule) -> list[int]:
    """Hybridization of every atom as OpenBabel's atom typer assigns it.

    Parameters
    ----------
    mol
        The molecule (aromaticity is perceived first if needed).

    Returns
    -------
    list[int]
        1 (sp), 2 (sp2), 3 (sp3), or 5 and 6 for hypervalent atoms.
    """
    return [_rule(mol, a) for a in range(mol.n_atoms)]
