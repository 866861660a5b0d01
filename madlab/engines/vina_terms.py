"""Vina's intermolecular energy, term by term, computed with numpy.

AutoDock Vina reports one intermolecular energy per pose. This module splits it
into the weighted terms of the scoring function (Trott & Olson 2010; Vinardo:
Quiroga & Villarreal 2016), summed over ligand heavy atoms and receptor heavy
atoms closer than 8 Å, on the surface distance ``d = r - R1 - R2``:

* ``gauss1``: ``exp(-(d / 0.5)²)`` (Vinardo: width 0.8);
* ``gauss2``: ``exp(-((d - 3) / 2)²)`` (Vina only);
* ``repulsion``: ``d²`` when ``d < 0``;
* ``hydrophobic``: 1 below ``d = 0.5``, 0 above 1.5, linear between, for
  pairs of hydrophobic atoms (Vinardo: 0 to 2.5);
* ``hydrogen_bond``: 1 below ``d = -0.7``, 0 above 0, linear between, for
  donor–acceptor pairs (Vinardo: -0.6 to 0).

Atoms get X-Score types from their AutoDock types and their bonds (found from
distances and covalent radii, as Vina does): a carbon bonded to a heteroatom is
polar, a nitrogen or oxygen bonded to a polar hydrogen is a donor, ``NA`` and
``OA`` are acceptors, metals are donors. Like Vina, a positive per-atom energy is
damped by ``v / (v + e)`` with ``v = 1000``. The sum of the terms equals Vina's
intermolecular energy computed on receptor atoms (not on grid maps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

__all__ = [
    "XS_NAMES",
    "TypedAtoms",
    "intermolecular_terms",
    "read_pdbqt_atoms",
    "type_atoms",
]

#: X-Score atom types as Vina names them (index = type code).
XS_NAMES = (
    "C_H", "C_P", "N_P", "N_D", "N_A", "N_DA", "O_P", "O_D", "O_A", "O_DA",
    "S_P", "P_P", "F_H", "Cl_H", "Br_H", "I_H", "Si", "At", "Met_D",
    "C_H_CG", "C_P_CG",
)  # fmt: skip
_X = {name: i for i, name in enumerate(XS_NAMES)}

_VINA_RADII = np.array(
    [1.9, 1.9, 1.8, 1.8, 1.8, 1.8, 1.7, 1.7, 1.7, 1.7,
     2.0, 2.1, 1.5, 1.8, 2.0, 2.2, 2.2, 2.3, 1.2, 1.9, 1.9]
)  # fmt: skip
_VINARDO_RADII = np.array(
    [2.0, 2.0, 1.7, 1.7, 1.7, 1.7, 1.6, 1.6, 1.6, 1.6,
     2.0, 2.1, 1.5, 1.8, 2.0, 2.2, 2.2, 2.3, 1.2, 2.0, 2.0]
)  # fmt: skip
_HYDROPHOBIC = np.isin(
    np.arange(len(XS_NAMES)), [_X[n] for n in ("C_H", "F_H", "Cl_H", "Br_H", "I_H")]
)
_DONOR = np.isin(np.arange(len(XS_NAMES)), [_X[n] for n in ("N_D", "N_DA", "O_D", "O_DA", "Met_D")])
_ACCEPTOR = np.isin(np.arange(len(XS_NAMES)), [_X[n] for n in ("N_A", "N_DA", "O_A", "O_DA")])

#: Covalent radii (Å) of the AutoDock types, as Vina uses them to find bonds.
_COVALENT = {
    "C": 0.77, "A": 0.77, "N": 0.75, "O": 0.73, "P": 1.06, "S": 1.02, "H": 0.37,
    "F": 0.71, "I": 1.33, "NA": 0.75, "OA": 0.73, "SA": 1.02, "HD": 0.37,
    "Mg": 1.30, "Mn": 1.39, "Zn": 1.31, "Ca": 1.74, "Fe": 1.25, "Cl": 0.99,
    "Br": 1.14, "Si": 1.11, "At": 1.44, "G0": 0.77, "G1": 0.77, "G2": 0.77,
    "G3": 0.77, "CG0": 0.77, "CG1": 0.77, "CG2": 0.77, "CG3": 0.77, "W": 0.0,
}  # fmt: skip
_MAX_COVALENT = max(_COVALENT.values())
_OTHER_METALS = {"Cu", "Fe", "Na", "K", "Hg", "Co", "U", "Cd", "Ni"}
_METAL_COVALENT = 1.75
_ELEMENT = {
    "C": "C", "A": "C", "CG0": "C", "CG1": "C", "CG2": "C", "CG3": "C",
    "N": "N", "NA": "N", "O": "O", "OA": "O", "S": "S", "SA": "S", "P": "P",
    "F": "F", "Cl": "Cl", "Br": "Br", "I": "I", "Si": "Si", "At": "At",
    "H": "H", "HD": "H", "Mg": "Met", "Mn": "Met", "Zn": "Met", "Ca": "Met", "Fe": "Met",
}  # fmt: skip
_SIMPLE = {"S": "S_P", "P": "P_P", "F": "F_H", "Cl": "Cl_H", "Br": "Br_H", "I": "I_H",
           "Si": "Si", "At": "At", "Met": "Met_D"}  # fmt: skip

_CUTOFF = 8.0
_CURL_V = 1000.0


@dataclass(frozen=True)
class _Terms:
    names: tuple[str, ...]
    weights: tuple[float, ...]
    gauss_width: float
    hydrophobic: tuple[float, float]  # (good, bad) surface distances
    hbond: tuple[float, float]
    radii: np.ndarray


_SCORING = {
    "vina": _Terms(
        ("gauss1", "gauss2", "repulsion", "hydrophobic", "hydrogen_bond"),
        (-0.035579, -0.005156, 0.840245, -0.035069, -0.587439),
        0.5, (0.5, 1.5), (-0.7, 0.0), _VINA_RADII,
    ),
    "vinardo": _Terms(
        ("gauss1", "repulsion", "hydrophobic", "hydrogen_bond"),
        (-0.045, 0.8, -0.035, -0.6),
        0.8, (0.0, 2.5), (-0.6, 0.0), _VINARDO_RADII,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class TypedAtoms:
    """Heavy atoms that take part in Vina's pair terms, with their X-Score types."""

    coords: np.ndarray
    xs: np.ndarray

    def __len__(self) -> int:
        return int(self.xs.shape[0])


def read_pdbqt_atoms(text: str) -> tuple[np.ndarray, list[str]]:
    """Coordinates and AutoDock types of the atoms of a PDBQT (first model only).

    Parameters
    ----------
    text
        PDBQT text (receptor or ligand).

    Returns
    -------
    tuple of (numpy.ndarray, list of str)
        An ``(n, 3)`` array of coordinates and the ``n`` AutoDock types.
    """
    coords: list[tuple[float, float, float]] = []
    types: list[str] = []
    for line in text.splitlines():
        if line.startswith("ENDMDL"):
            break
        if line.startswith(("ATOM", "HETATM")):
            coords.append((float(line[30:38]), float(line[38:46]), float(line[46:54])))
            types.append(line[77:].strip())
    return np.array(coords, dtype=float).reshape(-1, 3), types


def _covalent_radius(ad: str) -> float:
    return _COVALENT.get(ad, _METAL_COVALENT if ad in _OTHER_METALS else _MAX_COVALENT)


def _element(ad: str) -> str:
    if ad in _ELEMENT:
        return _ELEMENT[ad]
    return "Met" if ad in _OTHER_METALS else ""


def _bonds(coords: np.ndarray, ad_types: list[str]) -> list[list[int]]:
    """Neighbour lists from distances, the way Vina assigns bonds."""
    n = len(ad_types)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    if n < 2:
        return neighbours
    cov = np.array([_covalent_radius(t) for t in ad_types])
    tree = cKDTree(coords)
    reach = 1.1 * (cov + _MAX_COVALENT)
    for i in range(n):
        relevant = [j for j in tree.query_ball_point(coords[i], reach[i]) if j != i]
        if not relevant:
            continue
        rel = np.array(relevant)
        d_i = np.linalg.norm(coords[rel] - coords[i], axis=1)
        for j, r_ij in zip(rel, d_i, strict=True):
            if j <= i or r_ij >= 1.1 * (cov[i] + cov[j]):
                continue
            d_j = np.linalg.norm(coords[rel] - coords[j], axis=1)
            between = (rel != j) & (d_i < r_ij) & (d_j < r_ij)
            if not between.any():
                neighbours[i].append(int(j))
                neighbours[j].append(i)
    return neighbours


def _is_heteroatom(ad: str) -> bool:
    if ad in _COVALENT:
        return ad not in {"A", "C", "H", "HD"}
    return ad in _OTHER_METALS


def type_atoms(coords: np.ndarray, ad_types: list[str]) -> TypedAtoms:
    """X-Score types of the heavy atoms of one molecule (receptor or ligand).

    Hydrogens, macrocycle glue atoms (``G0``–``G3``) and waters (``W``) do not
    take part in the pair terms and are left out.

    Parameters
    ----------
    coords
        ``(n, 3)`` coordinates.
    ad_types
        The ``n`` AutoDock atom types.

    Returns
    -------
    TypedAtoms
        The interacting atoms and their type codes (indices into :data:`XS_NAMES`).
    """
    neighbours = _bonds(coords, ad_types)
    keep: list[int] = []
    xs: list[int] = []
    for i, ad in enumerate(ad_types):
        element = _element(ad)
        bonded = [ad_types[j] for j in neighbours[i]]
        if element == "C":
            polar = any(_is_heteroatom(b) for b in bonded)
            name = "C_P" if polar else "C_H"
            if ad.startswith("CG"):
                name += "_CG"
        elif element in ("N", "O"):
            acceptor = ad in ("NA", "OA")
            donor = "HD" in bonded
            suffix = "DA" if acceptor and donor else "A" if acceptor else "D" if donor else "P"
            name = f"{element}_{suffix}"
        elif element in _SIMPLE:
            name = _SIMPLE[element]
        else:
            continue  # hydrogens, glue atoms, waters, unknown types
        keep.append(i)
        xs.append(_X[name])
    return TypedAtoms(coords[keep].reshape(-1, 3), np.array(xs, dtype=int))


def _ramp(d: np.ndarray, good: float, bad: float) -> np.ndarray:
    """1 at or beyond ``good``, 0 at or beyond ``bad``, linear between."""
    return np.clip((d - bad) / (good - bad), 0.0, 1.0)


def intermolecular_terms(
    receptor: TypedAtoms, ligand: TypedAtoms, scoring: str = "vina"
) -> dict[str, float]:
    """Weighted intermolecular terms of one ligand pose (kcal/mol).

    Parameters
    ----------
    receptor
        The receptor's typed atoms (from :func:`type_atoms`).
    ligand
        The pose's typed atoms.
    scoring
        ``vina`` or ``vinardo``.

    Returns
    -------
    dict of str to float
        Each term's weighted contribution; they sum to Vina's intermolecular
        energy of the pose (before the torsional division).

    Raises
    ------
    ValueError
        For a scoring function other than ``vina`` or ``vinardo``.
    """
    if scoring not in _SCORING:
        raise ValueError(f"no term decomposition for the {scoring!r} scoring function")
    sf = _SCORING[scoring]
    if len(ligand) == 0 or len(receptor) == 0:
        return dict.fromkeys(sf.names, 0.0)
    lo = ligand.coords.min(axis=0) - _CUTOFF
    hi = ligand.coords.max(axis=0) + _CUTOFF
    near = np.all((receptor.coords >= lo) & (receptor.coords <= hi), axis=1)
    rec_xyz, rec_xs = receptor.coords[near], receptor.xs[near]
    r = np.linalg.norm(ligand.coords[:, None, :] - rec_xyz[None, :, :], axis=2)
    within = r < _CUTOFF
    t1, t2 = ligand.xs[:, None], rec_xs[None, :]
    d = r - (sf.radii[t1] + sf.radii[t2])
    raw: dict[str, np.ndarray] = {}
    raw["gauss1"] = np.exp(-((d / sf.gauss_width) ** 2))
    if "gauss2" in sf.names:
        raw["gauss2"] = np.exp(-(((d - 3.0) / 2.0) ** 2))
    raw["repulsion"] = np.where(d < 0.0, d * d, 0.0)
    hydrophobic_pair = _HYDROPHOBIC[t1] & _HYDROPHOBIC[t2]
    raw["hydrophobic"] = np.where(hydrophobic_pair, _ramp(d, *sf.hydrophobic), 0.0)
    hbond_pair = (_DONOR[t1] & _ACCEPTOR[t2]) | (_ACCEPTOR[t1] & _DONOR[t2])
    raw["hydrogen_bond"] = np.where(hbond_pair, _ramp(d, *sf.hbond), 0.0)
    per_atom = {
        name: w * np.where(within, raw[name], 0.0).sum(axis=1)
        for name, w in zip(sf.names, sf.weights, strict=True)
    }
    total = sum(per_atom.values())
    damp = np.where(total > 0.0, _CURL_V / (_CURL_V + np.maximum(total, 0.0)), 1.0)
    return {name: float((values * damp).sum()) for name, values in per_atom.items()}
