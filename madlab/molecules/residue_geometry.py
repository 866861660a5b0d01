"""Side chains of the standard amino acids as internal coordinates, and their rotamers.

Each side-chain heavy atom is placed from three atoms already placed (its
parent, the parent's parent and one more, reaching back to the backbone N, CA
and C) by a bond length, a bond angle and a torsion. Lengths, angles and the
torsions of rings and planar groups come from the ideal residues in
``madlab/data/residue_geometry.json`` (see :mod:`madlab.molecules.ideal_residues`).
:func:`build` places the atoms. The torsions about rotatable bonds (the χ
angles) are set per repair from a short list of common values, most common
first (near the modes of the Lovell et al. 2000 penultimate rotamer library;
planar end groups also on a 30° grid).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

#: Geometry used for each template variant (protonation states share one shape).
BASE_RESIDUE = {
    "HIE": "HIS",
    "HID": "HIS",
    "HIP": "HIS",
    "ASH": "ASP",
    "GLH": "GLU",
    "CYX": "CYS",
    "CYM": "CYS",
    "LYN": "LYS",
    "MSE": "MET",
}

# Selenomethionine: Met with SE for SD and C-Se bonds of 1.95 Å.
_SE_BOND = 1.95

_CHI1 = (-65.0, 180.0, 62.0)
_STAGGERED = (180.0, -65.0, 65.0)


def _spread(modes: tuple[float, ...], period: float) -> tuple[float, ...]:
    """The modes, then a 30° grid over one period without the points next to a mode."""
    grid = []
    for k in range(int(period // 30)):
        value = k * 30.0
        gaps = [abs((value - m + period / 2) % period - period / 2) for m in modes]
        if min(gaps) > 15.0:
            grid.append(value if value <= 180.0 else value - 360.0)
    return modes + tuple(grid)


#: Rotatable torsions per residue: the atom each χ angle places and its candidate
#: values in degrees (most common first). Symmetric end groups (Phe/Tyr rings,
#: carboxylates) repeat every 180°.
ROTAMERS: dict[str, tuple[tuple[str, tuple[float, ...]], ...]] = {
    "SER": (("OG", (62.0, -65.0, 180.0)),),
    "CYS": (("SG", _CHI1),),
    "THR": (("OG1", (62.0, -60.0, 180.0)),),
    "VAL": (("CG1", (175.0, -60.0, 63.0)),),
    "ILE": (("CG1", (-65.0, 62.0, 180.0)), ("CD1", (170.0, -60.0, 65.0))),
    "LEU": (("CG", _CHI1), ("CD1", (175.0, 65.0, -60.0))),
    "MET": (("CG", _CHI1), ("SD", _STAGGERED), ("CE", (-70.0, 180.0, 70.0))),
    "PHE": (("CG", _CHI1), ("CD1", _spread((90.0,), 180.0))),
    "TYR": (("CG", _CHI1), ("CD1", _spread((90.0,), 180.0))),
    "TRP": (("CG", _CHI1), ("CD1", _spread((-90.0, 95.0, 0.0), 360.0))),
    "HIS": (("CG", _CHI1), ("ND1", _spread((-75.0, 80.0, 180.0), 360.0))),
    "ASN": (("CG", _CHI1), ("OD1", _spread((-20.0, 30.0, -80.0, 120.0), 360.0))),
    "ASP": (("CG", _CHI1), ("OD1", _spread((0.0, 30.0, 65.0), 180.0))),
    "GLN": (("CG", _CHI1), ("CD", _STAGGERED), ("OE1", _spread((0.0, -40.0, 60.0), 360.0))),
    "GLU": (("CG", _CHI1), ("CD", _STAGGERED), ("OE1", _spread((0.0, 30.0, 60.0), 180.0))),
    "LYS": (("CG", _CHI1), ("CD", _STAGGERED), ("CE", _STAGGERED), ("NZ", _STAGGERED)),
    "ARG": (("CG", _CHI1), ("CD", _STAGGERED), ("NE", _STAGGERED), ("CZ", (180.0, 85.0, -85.0))),
}


@dataclass(frozen=True)
class SideChainAtom:
    """How to place one side-chain heavy atom.

    Attributes
    ----------
    name, element
        PDB atom name and element (upper case).
    refs
        Names of the parent, its parent and the atom before that; the atom is
        placed at ``bond`` from ``refs[0]``, ``angle`` with ``refs[1]`` and
        ``torsion`` about the ``refs[1]``-``refs[0]`` bond.
    bond, angle, torsion
        Å, radians, radians (torsion of the ideal residue).
    chi
        Index of the χ angle that rotates this atom (all atoms placed about the
        same bond turn together), or ``None`` when its torsion is fixed.
    """

    name: str
    element: str
    refs: tuple[str, str, str]
    bond: float
    angle: float
    torsion: float
    chi: int | None


@dataclass(frozen=True)
class ResidueGeometry:
    """A residue's side chain in build order, its χ angles and its bond graph.

    Attributes
    ----------
    name
        Residue (template) name.
    atoms
        Side-chain atoms in an order where each atom's ``refs`` come first.
    chis
        For each χ angle: the atom that defines it and its candidate values (°).
    hops
        Bonds between any two heavy atoms of the residue (backbone included),
        for pairs up to three bonds apart; pairs not listed are further apart.
    """

    name: str
    atoms: tuple[SideChainAtom, ...]
    chis: tuple[tuple[str, tuple[float, ...]], ...]
    hops: dict[tuple[str, str], int]

    def atom(self, name: str) -> SideChainAtom:
        """The side-chain atom of that name (``KeyError`` when there is none)."""
        for a in self.atoms:
            if a.name == name:
                return a
        raise KeyError(name)


def dihedral(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray) -> float:
    """Torsion angle p0-p1-p2-p3 in radians (-π, π]."""
    b1 = p2 - p1
    b1 = b1 / np.linalg.norm(b1)
    v = (p0 - p1) - np.dot(p0 - p1, b1) * b1
    w = (p3 - p2) - np.dot(p3 - p2, b1) * b1
    return float(np.arctan2(np.dot(np.cross(b1, v), w), np.dot(v, w)))


def _angle(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> float:
    u, v = p0 - p1, p2 - p1
    cos = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.arccos(np.clip(cos, -1.0, 1.0)))


def place(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    bond: float,
    angle: float,
    torsion: np.ndarray,
) -> np.ndarray:
    """Positions of atoms d with |cd| = bond, angle bcd and torsion abcd.

    Parameters
    ----------
    a, b, c
        Reference positions, each (n, 3) (or (3,), broadcast).
    bond, angle
        Å and radians.
    torsion
        (n,) torsions in radians, one per position to place.

    Returns
    -------
    numpy.ndarray
        (n, 3) positions.
    """
    a, b, c = np.atleast_2d(a), np.atleast_2d(b), np.atleast_2d(c)
    bc = c - b
    bc /= np.linalg.norm(bc, axis=1, keepdims=True)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    m = np.cross(n, bc)
    t = np.asarray(torsion)[:, None]
    return c - bond * np.cos(angle) * bc + bond * np.sin(angle) * (np.cos(t) * m + np.sin(t) * n)


def pins(geom: ResidueGeometry, present: dict[str, np.ndarray]) -> dict[int, str]:
    """χ angles that move a missing atom bonded to a present one: χ -> that atom.

    Such a χ is not chosen among rotamers: :func:`build` sets it so that the
    atom bonds to what is there.
    """
    out: dict[int, str] = {}
    for a in geom.atoms:
        if a.chi is None or a.name in present:
            continue
        if any(c.refs[0] == a.name and c.name in present for c in geom.atoms):
            out.setdefault(a.chi, a.name)
    return out


def _angles(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    u, v = p0 - p1, p2 - p1
    cos = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.asarray(np.arccos(np.clip(cos, -1.0, 1.0)))


def _toward(geom: ResidueGeometry, moved: str, pos: dict[str, np.ndarray]) -> np.ndarray:
    """Torsions (n,) of ``moved`` that best join it to its present bonded atoms.

    Scans the torsion every 5°; the cost adds the errors of the bonds to the
    present children (Å) and of the angles at ``moved`` and at those children
    (radians).
    """
    a = geom.atom(moved)
    n = pos[a.refs[0]].shape[0]
    grid = np.deg2rad(np.arange(-180.0, 180.0, 5.0))
    ref = [np.repeat(pos[r], len(grid), axis=0) for r in reversed(a.refs)]
    trial = place(ref[0], ref[1], ref[2], a.bond, a.angle, np.tile(grid, n))
    cost = np.zeros(len(trial))
    for c in geom.atoms:
        if c.refs[0] != moved or c.name not in pos:
            continue
        x = np.repeat(pos[c.name], len(grid), axis=0)
        cost += np.abs(np.linalg.norm(x - trial, axis=1) - c.bond)
        cost += np.abs(_angles(ref[2], trial, x) - c.angle)
        for g in geom.atoms:
            if g.refs[0] == c.name and g.name in pos:
                y = np.repeat(pos[g.name], len(grid), axis=0)
                cost += np.abs(_angles(trial, x, y) - g.angle)
    return np.asarray(grid[cost.reshape(n, len(grid)).argmin(axis=1)])


def build(
    geom: ResidueGeometry, present: dict[str, np.ndarray], shifts: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Build the missing side-chain atoms for n sets of χ shifts.

    Parameters
    ----------
    geom
        The residue's geometry.
    present
        Positions of the atoms there (at least N, CA and C), by name.
    shifts
        (n, number of χ) changes of each χ from the ideal residue's, radians.

    Returns
    -------
    tuple
        Positions (n, 3) of every atom by name, and the shifts used: a χ that
        moves a missing atom bonded to a present one (CG missing, CD there) is
        set to bond that atom to its present neighbour (see :func:`pins`).
    """
    n = shifts.shape[0]
    shifts = shifts.copy()
    pinned = pins(geom, present)
    pos = {k: np.broadcast_to(v, (n, 3)) for k, v in present.items()}
    for a in geom.atoms:
        if a.name in present:
            continue
        torsion = np.full(n, a.torsion)
        if a.chi is not None:
            if a.chi in pinned:
                moved = pinned.pop(a.chi)
                shifts[:, a.chi] = _toward(geom, moved, pos) - geom.atom(moved).torsion
            torsion = torsion + shifts[:, a.chi]
        pos[a.name] = place(
            pos[a.refs[2]], pos[a.refs[1]], pos[a.refs[0]], a.bond, a.angle, torsion
        )
    return pos, shifts


def _hops(names: list[str], bonds: list[list[str]]) -> dict[tuple[str, str], int]:
    graph: dict[str, list[str]] = {n: [] for n in names}
    for x, y in bonds:
        graph[x].append(y)
        graph[y].append(x)
    out: dict[tuple[str, str], int] = {}
    for start in names:
        seen = {start: 0}
        queue = deque([start])
        while queue:
            cur = queue.popleft()
            if seen[cur] == 3:
                continue
            for nxt in graph[cur]:
                if nxt not in seen:
                    seen[nxt] = seen[cur] + 1
                    queue.append(nxt)
        for other, k in seen.items():
            out[(start, other)] = k
    return out


def _from_ideal(name: str, data: dict[str, list[list[object]]]) -> ResidueGeometry:
    xyz = {str(r[0]): np.array(r[2:5], dtype=float) for r in data["atoms"]}
    element = {str(r[0]): str(r[1]) for r in data["atoms"]}
    bonds = [[str(x), str(y)] for x, y in data["bonds"]]
    parent = {"CA": "N", "N": "C"}
    order: list[str] = []
    queue = deque(["CA"])
    while queue:  # breadth-first from CA over the side chain
        cur = queue.popleft()
        for x, y in bonds:
            nxt = y if x == cur else x if y == cur else None
            if nxt is None or nxt in parent or nxt in ("N", "C", "O", "CA"):
                continue
            parent[nxt] = cur
            order.append(nxt)
            queue.append(nxt)
    chi_atoms = [atom for atom, _ in ROTAMERS.get(name, ())]
    axes = {(parent[parent[a]], parent[a]): i for i, a in enumerate(chi_atoms)}
    atoms = []
    for nm in order:
        p = parent[nm]
        g = parent[p]
        gg = parent[g]
        atoms.append(
            SideChainAtom(
                nm,
                element[nm],
                (p, g, gg),
                float(np.linalg.norm(xyz[nm] - xyz[p])),
                _angle(xyz[g], xyz[p], xyz[nm]),
                dihedral(xyz[gg], xyz[g], xyz[p], xyz[nm]),
                axes.get((g, p)),
            )
        )
    return ResidueGeometry(name, tuple(atoms), ROTAMERS.get(name, ()), _hops(list(xyz), bonds))


def _selenomethionine(met: ResidueGeometry) -> ResidueGeometry:
    def swap(n: str) -> str:
        return "SE" if n == "SD" else n

    atoms = tuple(
        SideChainAtom(
            swap(a.name),
            "SE" if a.name == "SD" else a.element,
            (swap(a.refs[0]), swap(a.refs[1]), swap(a.refs[2])),
            _SE_BOND if "SD" in (a.name, a.refs[0]) else a.bond,
            a.angle,
            a.torsion,
            a.chi,
        )
        for a in met.atoms
    )
    chis = tuple((swap(n), values) for n, values in met.chis)
    hops = {(swap(x), swap(y)): k for (x, y), k in met.hops.items()}
    return ResidueGeometry("MSE", atoms, chis, hops)


@lru_cache(maxsize=1)
def _ideal() -> dict[str, dict[str, list[list[object]]]]:
    path = resources.files("madlab") / "data" / "residue_geometry.json"
    data: dict[str, dict[str, list[list[object]]]] = json.loads(path.read_text())["residues"]
    return data


@lru_cache(maxsize=64)
def residue_geometry(key: str) -> ResidueGeometry | None:
    """The side-chain geometry of a template (``ARG``, ``HID``, ``MSE``...), or ``None``.

    Variants share the shape of their residue (``HID`` that of ``HIS``);
    selenomethionine is methionine with C-Se bonds of 1.95 Å.
    """
    base = BASE_RESIDUE.get(key, key)
    data = _ideal().get(base)
    if data is None:
        return None
    geom = _from_ideal(base, data)
    return _selenomethionine(geom) if key == "MSE" else geom
