"""Symmetry-corrected heavy-atom RMSD between a pose and a reference, in place.

Poses and the crystal ligand share the receptor's frame, so nothing is aligned.
Atoms are matched on the heavy-atom graph by element and connectivity only, so
hydrogens, bond orders, aromaticity and formal charges may differ between the
two (a docked, protonated molecule against a crystal SDF, for example). Every
graph automorphism is tried and the smallest RMSD is returned.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rdkit import Chem

from madlab.errors import MoleculeMismatchError, ValidationError

#: Upper bound on the atom mappings tried (highly symmetric molecules).
MAX_MATCHES = 100_000


def _heavy_graph(mol: Any, label: str) -> tuple[Any, np.ndarray]:
    """A copy with heavy atoms only, single bonds, no charges; and its coordinates."""
    if mol is None:
        raise ValidationError(f"no {label} molecule given", field=label)
    if mol.GetNumConformers() == 0:
        raise ValidationError(f"the {label} molecule has no coordinates", field=label)
    pos = mol.GetConformer().GetPositions()
    heavy = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() > 1]
    index = {old: new for new, old in enumerate(heavy)}
    graph = Chem.RWMol()
    for old in heavy:
        atom = Chem.Atom(mol.GetAtomWithIdx(old).GetAtomicNum())
        atom.SetNoImplicit(True)
        graph.AddAtom(atom)
    for bond in mol.GetBonds():
        a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        if a in index and b in index:
            graph.AddBond(index[a], index[b], Chem.BondType.SINGLE)
    out = graph.GetMol()
    out.UpdatePropertyCache(strict=False)
    return out, pos[heavy]


def heavy_atom_rmsd(pose: Any, reference: Any) -> float:
    """Symmetry-corrected heavy-atom RMSD of ``pose`` to ``reference``, without alignment.

    Parameters
    ----------
    pose
        An RDKit molecule with coordinates (hydrogens optional).
    reference
        The same compound, in the same frame (hydrogens, bond orders and
        charges may differ).

    Returns
    -------
    float
        The smallest RMSD in Å over the graph automorphisms.

    Raises
    ------
    ValidationError
        A missing molecule or one without coordinates.
    MoleculeMismatchError
        The two heavy-atom graphs differ (not the same compound).
    """
    g_pose, x_pose = _heavy_graph(pose, "pose")
    g_ref, x_ref = _heavy_graph(reference, "reference")
    if g_pose.GetNumAtoms() != g_ref.GetNumAtoms() or g_pose.GetNumBonds() != g_ref.GetNumBonds():
        raise MoleculeMismatchError(
            f"not the same compound: the pose has {g_pose.GetNumAtoms()} heavy atoms and "
            f"{g_pose.GetNumBonds()} bonds, the reference {g_ref.GetNumAtoms()} and "
            f"{g_ref.GetNumBonds()}",
            hint="compare a pose with the crystal pose of the same ligand",
        )
    if g_ref.GetNumAtoms() == 0:
        raise MoleculeMismatchError("the molecules have no heavy atoms")
    matches = g_pose.GetSubstructMatches(
        g_ref, uniquify=False, useChirality=False, maxMatches=MAX_MATCHES
    )
    if not matches:
        raise MoleculeMismatchError(
            "not the same compound: the heavy-atom graphs (elements and connectivity) differ",
            hint="compare a pose with the crystal pose of the same ligand",
        )
    perm = np.asarray(matches, dtype=int)  # perm[k, i]: pose atom for reference atom i
    diff = x_pose[perm] - x_ref[None, :, :]
    msd = (diff**2).sum(axis=2).mean(axis=1)
    return float(np.sqrt(msd.min()))
