"""Ligand atoms and smina types as the gnina program derives them.

Gnina keeps the ligand's heavy atoms and polar hydrogens (hydrogens missing
from the input are added first, where OpenBabel would put them), types
aromatic carbons and acceptor nitrogens with OpenBabel's rules, calls every
oxygen an acceptor, and refines the types by bonding. The polar hydrogens stay
in the ligand: they count in the grid centre, and gnina draws them into the
grid as well (see :mod:`madlab.engines.cnn.featurize`).
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from madlab.engines.cnn.atomtypes import TypedAtoms, type_from_ad_name, xs_adjust
from madlab.engines.cnn.perception.adtypes import ad_types, is_polar_hydrogen
from madlab.engines.cnn.perception.hydrogens import add_hydrogens
from madlab.engines.cnn.perception.molecule import Molecule
from madlab.errors import ValidationError

_ORDERS = {Chem.BondType.SINGLE: 1, Chem.BondType.DOUBLE: 2, Chem.BondType.TRIPLE: 3}


def _largest_fragment(mol: Chem.Mol) -> list[int]:
    frags: list[tuple[int, ...]] = list(Chem.GetMolFrags(mol, asMols=False, sanitizeFrags=False))
    if not frags:
        return []
    biggest = max(frags, key=len)
    return list(biggest)


def ligand_molecule(mol: Chem.Mol, conf_id: int = -1) -> Molecule:
    """Convert one conformer of an RDKit molecule to a :class:`Molecule` with all hydrogens.

    Parameters
    ----------
    mol
        The ligand; hydrogens may be explicit atoms or implicit.
    conf_id
        Conformer to use.

    Returns
    -------
    Molecule
        The largest fragment, Kekulé bond orders, every hydrogen explicit.

    Raises
    ------
    ValidationError
        If the molecule has no atoms or no 3D conformer, or cannot be kekulized.
    """
    if mol is None or mol.GetNumAtoms() == 0:
        raise ValidationError(
            "the ligand has no atoms",
            field="poses",
            hint="pass RDKit molecules read from an SDF file",
        )
    if mol.GetNumConformers() == 0:
        raise ValidationError(
            "the ligand has no coordinates", field="poses", hint="pass a pose with 3D coordinates"
        )
    work = Chem.RWMol(mol)
    try:
        Chem.Kekulize(work, clearAromaticFlags=True)
    except Exception as exc:  # RDKit raises its own KekulizeException
        raise ValidationError(
            f"the ligand cannot be kekulized: {exc}",
            field="poses",
            hint="check its bond orders and charges",
        ) from exc
    keep = _largest_fragment(work)
    index = {old: new for new, old in enumerate(keep)}
    pos = work.GetConformer(conf_id).GetPositions()
    atoms = [work.GetAtomWithIdx(i) for i in keep]
    out = Molecule(
        [a.GetAtomicNum() for a in atoms], pos[keep], [a.GetFormalCharge() for a in atoms]
    )
    for bond in work.GetBonds():
        a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        if a in index and b in index:
            out.add_bond(index[a], index[b], _ORDERS.get(bond.GetBondType(), 1))
    for new, atom in enumerate(atoms):
        atom.UpdatePropertyCache(strict=False)
        out.implicit_h[new] = atom.GetNumImplicitHs() + atom.GetNumExplicitHs()
    add_hydrogens(out, polar_only=False)
    return out


def type_ligand(mol: Chem.Mol, conf_id: int = -1) -> TypedAtoms:
    """Type a ligand pose as the gnina program does.

    Parameters
    ----------
    mol
        The ligand pose.
    conf_id
        Conformer to use.

    Returns
    -------
    TypedAtoms
        Heavy atoms and polar hydrogens with their smina types.
    """
    m = ligand_molecule(mol, conf_id)
    keep = [a for a in range(m.n_atoms) if m.elements[a] != 1 or is_polar_hydrogen(m, a)]
    types = np.array([type_from_ad_name(t) for t in ad_types(m, keep)], dtype=np.int64)
    coords = m.coords[keep]
    return TypedAtoms(coords=coords, types=xs_adjust(coords, types))
