"""Search boxes: from numbers, around a ligand, around a receptor, and sanity checks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from madlab.domain import Box
from madlab.errors import ValidationError

#: Padding added on each side of a reference ligand (as gnina's ``autobox_add``).
DEFAULT_PADDING = 4.0
#: Margin a box needs beyond the ligand's largest extent.
FIT_MARGIN = 2.0
#: Above these, the search gets slow and less reliable.
MAX_SIDE = 30.0
MAX_VOLUME = 27_000.0


def _triple(values: Any, field: str) -> tuple[float, float, float]:
    try:
        items = list(values)
    except TypeError:
        raise ValidationError(
            f"{field} must be 3 numbers (x, y, z), got {values!r}", field=field
        ) from None
    if len(items) != 3:
        raise ValidationError(f"{field} must be 3 numbers (x, y, z), got {len(items)}", field=field)
    out = []
    for i, v in enumerate(items):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValidationError(
                f"{field}[{i}] is not a number: {v!r}", field=f"{field}[{i}]"
            ) from None
        if not math.isfinite(f):
            raise ValidationError(f"{field}[{i}] is not finite: {v!r}", field=f"{field}[{i}]")
        out.append(f)
    return out[0], out[1], out[2]


def box_from_center_size(center: Sequence[float], size: Sequence[float]) -> Box:
    """A box from its centre and edge lengths in Å.

    Raises
    ------
    ValidationError
        Not 3 finite numbers each, or a size that is not positive (the field is
        named, e.g. ``size[2]``).
    """
    c = _triple(center, "center")
    s = _triple(size, "size")
    for i, v in enumerate(s):
        if v <= 0:
            raise ValidationError(f"size[{i}] must be > 0 Å, got {v:g}", field=f"size[{i}]")
    return Box(center=c, size=s)


def _coords(mol_or_path: Any) -> np.ndarray:
    if isinstance(mol_or_path, (str, Path)):
        from madlab.molecules.records import read_ligands

        recs = read_ligands(mol_or_path, need_3d=True)
        return np.vstack([_heavy_coords(r.mol) for r in recs])
    return _heavy_coords(mol_or_path)


def _heavy_coords(mol: Any) -> np.ndarray:
    if mol is None or mol.GetNumConformers() == 0:
        raise ValidationError(
            "the ligand has no coordinates",
            field="ligand",
            hint="give a ligand with 3D coordinates",
        )
    pos = mol.GetConformer().GetPositions()
    heavy = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() > 1]
    return np.asarray(pos[heavy] if heavy else pos)


def box_from_ligand(mol_or_path: Any, padding: float = DEFAULT_PADDING) -> Box:
    """A box around a reference ligand: its heavy-atom extent plus ``padding`` per side.

    Parameters
    ----------
    mol_or_path
        An RDKit molecule with 3D coordinates, or an SDF/MOL2 file (all its
        molecules together).
    padding
        Å added on each side (default 4, as gnina's ``autobox_add``).
    """
    if padding < 0:
        raise ValidationError(f"padding must be >= 0 Å, got {padding:g}", field="padding")
    xyz = _coords(mol_or_path)
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    center = (lo + hi) / 2
    size = hi - lo + 2 * padding
    size = np.maximum(size, 1.0)
    return Box(
        center=(float(center[0]), float(center[1]), float(center[2])),
        size=(float(size[0]), float(size[1]), float(size[2])),
    )


def box_around_receptor(structure_path: str | Path, padding: float = 5.0) -> Box:
    """A box around a whole receptor (blind docking): its atoms' extent plus ``padding``.

    Parameters
    ----------
    structure_path
        A PDB or mmCIF file.
    padding
        Å added on each side.
    """
    from madlab.molecules.structure import read_structure

    if padding < 0:
        raise ValidationError(f"padding must be >= 0 Å, got {padding:g}", field="padding")
    st = read_structure(structure_path)
    xyz = np.array(
        [[a.pos.x, a.pos.y, a.pos.z] for ch in st[0] for r in ch for a in r if not r.is_water()]
    )
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    center = (lo + hi) / 2
    size = hi - lo + 2 * padding
    return Box(
        center=(float(center[0]), float(center[1]), float(center[2])),
        size=(float(size[0]), float(size[1]), float(size[2])),
    )


def check_box(box: Box, ligand_mol: Any = None) -> list[str]:
    """Warnings about a box for a ligand (empty when all is well).

    Parameters
    ----------
    box
        The search box.
    ligand_mol
        The ligand (RDKit molecule with coordinates), if known.

    Returns
    -------
    list of str
        "too small" when the ligand's largest extent plus a margin is longer
        than the box's longest side (a stretched ligand lies along the long
        axis; only a diagonal could still hold it); "very large" when a side is
        over 30 Å or the volume over 27,000 Å³.
    """
    warnings: list[str] = []
    if ligand_mol is not None and ligand_mol.GetNumConformers() > 0:
        xyz = np.asarray(ligand_mol.GetConformer().GetPositions())
        heavy = [a.GetIdx() for a in ligand_mol.GetAtoms() if a.GetAtomicNum() > 1]
        pts = xyz[heavy] if heavy else xyz
        diffs = pts[:, None, :] - pts[None, :, :]
        extent = float(np.sqrt((diffs**2).sum(axis=2)).max()) if len(pts) > 1 else 0.0
        need = extent + FIT_MARGIN
        if max(box.size) < need:
            warnings.append(
                f"box may be too small for the ligand: its largest extent is {extent:.1f} Å "
                f"and needs about {need:.1f} Å, the longest side is {max(box.size):.1f} Å"
            )
    if max(box.size) > MAX_SIDE or box.volume > MAX_VOLUME:
        warnings.append(
            f"box is very large ({box.size[0]:.1f} x {box.size[1]:.1f} x {box.size[2]:.1f} Å, "
            f"{box.volume:,.0f} Å³): search will be slow and less reliable; consider a box "
            "around a reference ligand"
        )
    return warnings
