"""AutoDock typing of hetero groups (cofactors, metals, ligands) from 3D coordinates.

Crystal structures give cofactors as heavy atoms without bond orders or
hydrogens. What Vina needs from them is the element, which N and O carry a
hydrogen (donors, typed through a bonded ``HD``) and which accept one (``NA``,
``OA``). The rules, from standard geometry of organic groups:

* Hybridization from geometry: four neighbours sp3; three neighbours sp2 when
  planar (sum of angles at least 350°) or in a planar ring; two neighbours sp
  when linear (at least 160°), sp2 in a planar ring or above 115°; one
  neighbour from the bond length.
* O with one neighbour: no hydrogen on P or S (phosphate, sulfate ionized at
  pH 7.4), in a carboxylate, or on an sp2 carbon outside rings (amide, ester,
  ketone); OH on an sp3 carbon; on a ring carbon OH when C-O is at least
  1.30 Å (phenol), else C=O.
* N with one neighbour: nitrile (under 1.20 Å), NH2 (sp2, under 1.40 Å), or
  NH3+ (aliphatic amine). N with two neighbours in a planar five-membered ring
  carries the ring's hydrogen only when no other atom (three-connected N, O, S)
  gives the ring its electron pair, and then the widest-angled such N does; in
  a six-membered ring only next to a ring C=O with an angle above 120°
  (uracil, guanine); outside rings when no bond is a double bond (all at
  least 1.30 Å). N with three or more neighbours carries none.
* C gets the hydrogens its hybridization leaves free; planar-ring sp2 C is
  aromatic (``A``). N without hydrogen and with at most two neighbours is an
  acceptor (``NA``); every O is ``OA``, S ``SA``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: AutoDock types of metal ions Vina knows, by element symbol.
METAL_TYPES = {
    "ZN": "Zn",
    "MG": "Mg",
    "MN": "Mn",
    "CA": "Ca",
    "FE": "Fe",
    "NA": "Na",
    "K": "K",
    "CU": "Cu",
    "CO": "Co",
    "NI": "Ni",
    "CD": "Cd",
    "HG": "Hg",
}
#: AutoDock types of other elements, by element symbol.
ELEMENT_TYPES = {
    "C": "C",
    "N": "N",
    "O": "OA",
    "S": "SA",
    "P": "P",
    "F": "F",
    "CL": "Cl",
    "BR": "Br",
    "I": "I",
    "SE": "Se",
    "SI": "Si",
    "H": "H",
}
#: Covalent radii (Å) used to find bonds.
COVALENT_RADIUS = {
    "H": 0.31,
    "C": 0.76,
    "N": 0.71,
    "O": 0.66,
    "S": 1.05,
    "P": 1.07,
    "F": 0.57,
    "CL": 1.02,
    "BR": 1.20,
    "I": 1.39,
    "SE": 1.20,
    "SI": 1.11,
    "B": 0.84,
}


@dataclass(frozen=True)
class AtomChem:
    """Hydrogen count, hybridization and AutoDock type of one heavy atom."""

    n_h: int
    hyb: int
    ad_type: str


def _angle(center: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    u, v = a - center, b - center
    cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-12))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _rings(neigh: list[list[int]], max_size: int = 7) -> list[list[int]]:
    """Simple cycles up to ``max_size`` atoms (each once), by bounded search."""
    found: set[tuple[int, ...]] = set()
    rings: list[list[int]] = []
    for start in range(len(neigh)):
        stack: list[tuple[int, list[int]]] = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in neigh[node]:
                if nxt == start and len(path) >= 3:
                    key = tuple(sorted(path))
                    if key not in found:
                        found.add(key)
                        rings.append(list(path))
                elif nxt > start and nxt not in path and len(path) < max_size:
                    stack.append((nxt, [*path, nxt]))
    # Keep the smallest rings through each atom (drop envelopes of fused rings).
    rings.sort(key=len)
    kept: list[list[int]] = []
    for ring in rings:
        s = set(ring)
        if not any(set(k) < s for k in kept):
            kept.append(ring)
    return kept


def _planar(xyz: np.ndarray, tol: float = 0.15) -> bool:
    centered = xyz - xyz.mean(axis=0)
    sing = np.linalg.svd(centered, compute_uv=False)
    return bool(sing[-1] / np.sqrt(len(xyz)) < tol)


def type_group(
    elements: list[str], xyz: np.ndarray, neigh: list[list[int]]
) -> list[AtomChem | None]:
    """Type the heavy atoms of one hetero group.

    Parameters
    ----------
    elements
        Upper-case element symbols (``C``, ``ZN``...).
    xyz
        (n, 3) coordinates.
    neigh
        Heavy-atom neighbours of each atom (indices into the group).

    Returns
    -------
    list
        An :class:`AtomChem` per atom, or ``None`` for an element Vina cannot type.
    """
    rings = [r for r in _rings(neigh) if _planar(xyz[r])]
    ctx = _Context(elements, xyz, neigh, rings)
    ctx.hyb = [
        _hybridization(i, elements[i], xyz, neigh[i], bool(ctx.rings_of[i]))
        for i in range(len(elements))
    ]
    out: list[AtomChem | None] = []
    for i, el in enumerate(elements):
        if el in METAL_TYPES:
            out.append(AtomChem(0, 0, METAL_TYPES[el]))
        elif el not in ELEMENT_TYPES:
            out.append(None)
        else:
            n_h = _hydrogens(i, ctx)
            planar = bool(ctx.rings_of[i])
            out.append(
                AtomChem(n_h, ctx.hyb[i], _ad_type(el, ctx.hyb[i], n_h, len(neigh[i]), planar))
            )
    return out


class _Context:
    """A hetero group's atoms, bonds, planar rings and hybridizations."""

    def __init__(
        self, elements: list[str], xyz: np.ndarray, neigh: list[list[int]], rings: list[list[int]]
    ) -> None:
        self.elements = elements
        self.xyz = xyz
        self.neigh = neigh
        self.rings = rings
        self.rings_of: list[list[list[int]]] = [[] for _ in elements]
        for ring in rings:
            for i in ring:
                self.rings_of[i].append(ring)
        self.hyb: list[int] = []

    def dist(self, i: int, j: int) -> float:
        return float(np.linalg.norm(self.xyz[i] - self.xyz[j]))

    def terminal(self, i: int, element: str) -> list[int]:
        return [m for m in self.neigh[i] if self.elements[m] == element and len(self.neigh[m]) == 1]


def _hybridization(
    i: int, element: str, xyz: np.ndarray, nb: list[int], in_planar_ring: bool
) -> int:
    k = len(nb)
    if k >= 4:
        return 3
    if k == 3:
        c = xyz[i]
        total = (
            _angle(c, xyz[nb[0]], xyz[nb[1]])
            + _angle(c, xyz[nb[1]], xyz[nb[2]])
            + _angle(c, xyz[nb[0]], xyz[nb[2]])
        )
        return 2 if in_planar_ring or total >= 350.0 else 3
    if k == 2:
        ang = _angle(xyz[i], xyz[nb[0]], xyz[nb[1]])
        if ang >= 160.0:
            return 1
        return 2 if in_planar_ring or ang > 115.0 else 3
    if k == 1:
        d = float(np.linalg.norm(xyz[nb[0]] - xyz[i]))
        if d < (1.26 if element == "C" else 1.22):  # C#C 1.20, C=C 1.33; C#N 1.16
            return 1
        return 2 if d < 1.40 else 3
    return 3


def _hydrogens(i: int, ctx: _Context) -> int:
    el = ctx.elements[i]
    nb = ctx.neigh[i]
    k = len(nb)
    hyb = ctx.hyb[i]
    if el == "C":
        return max(0, {1: 2, 2: 3, 3: 4}[hyb] - k)
    if el == "O":
        return _oxygen_h(i, ctx) if k == 1 else 0
    if el == "N":
        if k >= 3 or hyb == 1:
            return 0
        if k == 1:
            return {2: 2, 3: 3}[hyb]
        if k == 2:
            return _ring_nitrogen_h(i, ctx) if ctx.rings_of[i] else _chain_nitrogen_h(i, ctx)
        return 0
    if el == "S" and k == 1:
        return 0 if ctx.dist(i, nb[0]) < 1.70 else 1
    return 0


def _oxygen_h(i: int, ctx: _Context) -> int:
    """Hydrogens on a terminal O: none on P/S or in carbonyls and carboxylates."""
    j = ctx.neigh[i][0]
    if ctx.elements[j] != "C":
        return 0 if ctx.elements[j] in ("P", "S") else 1
    if len(ctx.terminal(j, "O")) >= 2:
        return 0  # carboxylate at pH 7.4
    if ctx.hyb[j] == 3:
        return 1  # alcohol
    if ctx.rings_of[j]:
        return 0 if ctx.dist(i, j) < 1.30 else 1  # ring C=O (uracil) or phenol
    return 0  # carbonyl: amide, ester, ketone, aldehyde


def _ring_nitrogen_h(i: int, ctx: _Context) -> int:
    """A two-connected N in a planar ring: pyrrole-type (N-H) or pyridine-type (N:)."""
    ring = min(ctx.rings_of[i], key=len)
    nb = ctx.neigh[i]
    angle = _angle(ctx.xyz[i], ctx.xyz[nb[0]], ctx.xyz[nb[1]])
    if len(ring) == 5:
        # An aromatic five-membered ring has one two-electron donor: a three-connected
        # N, an O or an S; failing that, the widest two-connected N carries the H.
        if any(
            ctx.elements[a] in ("O", "S") or (ctx.elements[a] == "N" and len(ctx.neigh[a]) == 3)
            for a in ring
        ):
            return 0
        candidates = [a for a in ring if ctx.elements[a] == "N" and len(ctx.neigh[a]) == 2]
        widest = max(candidates, key=lambda a: _angle(ctx.xyz[a], *ctx.xyz[ctx.neigh[a]]))
        return 1 if widest == i else 0
    # Six-membered rings: an N-H sits next to a ring C=O (uracil, guanine, flavin N3).
    next_to_carbonyl = any(ctx.terminal(j, "O") for j in nb if ctx.elements[j] == "C")
    return 1 if next_to_carbonyl and angle > 120.0 else 0


def _chain_nitrogen_h(i: int, ctx: _Context) -> int:
    """A two-connected N outside rings: imine (a bond under 1.30 Å) or N-H."""
    shortest = min(ctx.dist(i, j) for j in ctx.neigh[i])
    return 0 if shortest < 1.30 else 1


def _ad_type(el: str, hyb: int, n_h: int, k: int, in_planar_ring: bool) -> str:
    if el == "C":
        return "A" if hyb == 2 and in_planar_ring else "C"
    if el == "N":
        return "NA" if n_h == 0 and k <= 2 else "N"
    return ELEMENT_TYPES[el]
