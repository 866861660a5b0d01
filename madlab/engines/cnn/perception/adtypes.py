"""Hydrogens, nitrogen hybridization and AutoDock types as gnina derives them.

Gnina writes each atom as an AutoDock type: ``A`` for aromatic carbon, ``OA``
for every oxygen, ``NA`` for a nitrogen OpenBabel calls a hydrogen-bond
acceptor, ``SA`` for an anionic sulfur, ``HD`` for hydrogens it keeps. A
nitrogen is an acceptor unless it is sp3 with four bonds or sp2 with three,
so its hybridization is needed; this module reproduces OpenBabel's rules for it.
"""

from __future__ import annotations

from madlab.engines.cnn.perception.elements import SYMBOLS
from madlab.engines.cnn.perception.hybridization import assign_hybridization
from madlab.engines.cnn.perception.molecule import Molecule


def is_hbond_acceptor_nitrogen(mol: Molecule, atom: int, hyb: list[int]) -> bool:
    """OpenBabel's acceptor test for a nitrogen: not sp3 with 4 bonds, nor sp2 with 3."""
    deg = mol.degree(atom)
    return not ((deg == 4 and hyb[atom] == 3) or (deg == 3 and hyb[atom] == 2))


def is_polar_hydrogen(mol: Molecule, atom: int) -> bool:
    """Whether a hydrogen is kept when non-polar ones are removed (not bonded to carbon)."""
    return mol.elements[atom] == 1 and all(mol.elements[n] != 6 for n in mol.neighbors(atom))


def ad_types(mol: Molecule, atoms: list[int]) -> list[str]:
    """AutoDock types gnina writes for ``atoms`` (see :func:`ad_type`)."""
    hyb = assign_hybridization(mol)
    return [ad_type(mol, a, hyb) for a in atoms]


def ad_type(mol: Molecule, atom: int, hyb: list[int]) -> str:
    """AutoDock type gnina writes for ``atom``.

    Parameters
    ----------
    mol
        The molecule with its final bonds and hydrogens.
    atom
        Atom index.
    hyb
        Hybridization of every atom (from :func:`assign_hybridization`).

    Returns
    -------
    str
        ``HD``, ``A``, ``C``, ``OA``, ``NA``, ``N``, ``SA``, ``S`` or the element symbol.
    """
    el = mol.elements[atom]
    if el == 1:
        return "HD"
    if el == 6:
        return "A" if mol.is_aromatic(atom) else "C"
    if el == 8:
        return "OA"
    if el == 7:
        return "NA" if is_hbond_acceptor_nitrogen(mol, atom, hyb) else "N"
    if el == 16:
        return "SA" if mol.charges[atom] == -1 else "S"
    return SYMBOLS[el] if el < len(SYMBOLS) else ""
