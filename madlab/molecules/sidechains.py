"""Rebuilding the missing side-chain heavy atoms of amino acids.

A residue whose backbone N, CA and C are present but whose side chain lacks
atoms (disordered in the crystal, cut by the depositors) is completed from
ideal internal coordinates (:mod:`madlab.molecules.residue_geometry`): each
missing atom is placed from atoms already there, at ideal bond length and
angle. Torsions about rotatable bonds are kept where present atoms fix them
(a missing atom between present ones is turned to bond to both); the others
are chosen among common rotamers as the one with the fewest heavy-atom
contacts closer than 2.5 Å (to the rest of the receptor, found with a KD-tree,
and within the residue for atoms four or more bonds apart), then the least
overlap, then the most disulfide (S-S) or metal bonds made, then the most
common. When every rotamer touches something, or a bond to a present atom or
a metal is to be made, the χ angles are searched again ±20° around the best.
Residues are repaired one after the other, each seeing the atoms built before.

Residues without N, CA or C are left alone (the receptor report calls them
``incomplete``); so are residues with atoms the template does not know.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from madlab.domain import ResidueIssue
from madlab.molecules.hetero_typing import METAL_TYPES
from madlab.molecules.receptor_io import RAtom, RResidue
from madlab.molecules.residue_geometry import (
    ResidueGeometry,
    build,
    dihedral,
    pins,
    residue_geometry,
)
from madlab.molecules.residue_templates import ATOM_ALIASES, expected_atoms

#: Heavy atoms closer than this (Å) clash.
CLASH_DISTANCE = 2.5
# Contacts that are bonds or coordination, not clashes: disulfide S-S, metal-N/O/S.
_BOND_CONTACT = 1.8
# Such a contact between these distances is taken as the bond it likely is (Å).
_BOND_RANGE = (1.8, 2.8)
_BOND_TARGET = 2.2
_LIGANDING = frozenset({"N", "O", "S", "SE"})
_REFINE = (-20.0, -10.0, 0.0, 10.0, 20.0)
_PEPTIDE_BOND = 1.9
# Error (Å) on the bonds from built atoms to present ones that counts as closed.
_GAP = 0.1


# Contact kinds, as bit flags: disulfide sulfur, metal, atom that binds a metal.
_SG, _METAL, _LIGATING = 1, 2, 4


def _kind(name: str, element: str) -> int:
    flags = _SG if name == "SG" else 0
    if element in METAL_TYPES:
        flags |= _METAL
    if element in _LIGANDING:
        flags |= _LIGATING
    return flags


class _Environment:
    """Every heavy atom of the receptor (in a KD-tree), and the atoms built so far."""

    def __init__(self, residues: list[RResidue]) -> None:
        xyz, owner, kind = [], [], []
        for ri, res in enumerate(residues):
            for atom in res.atoms:
                if not atom.is_h:
                    xyz.append(atom.xyz)
                    owner.append(ri)
                    kind.append(_kind(atom.name, atom.element))
        self.xyz = np.array(xyz, dtype=float).reshape(-1, 3)
        self.owner = np.array(owner, dtype=int)
        self.kind = np.array(kind, dtype=int)
        self.tree = cKDTree(self.xyz)
        self._built = np.zeros((0, 3))
        self._built_owner = np.zeros(0, dtype=int)
        self._built_kind = np.zeros(0, dtype=int)

    def add(self, xyz: np.ndarray, owner: int, kinds: list[int]) -> None:
        """Record atoms built for residue ``owner``."""
        self._built = np.vstack([self._built, xyz])
        self._built_owner = np.concatenate([self._built_owner, np.full(len(xyz), owner)])
        self._built_kind = np.concatenate([self._built_kind, kinds])

    def around(
        self, center: np.ndarray, radius: float, ri: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Atoms within ``radius`` of ``center`` not in residue ``ri``.

        Returns positions, owning residue, kind flags and index in the
        receptor (-1 for atoms built earlier).
        """
        idx = np.array(self.tree.query_ball_point(center, radius), dtype=int)
        idx = idx[self.owner[idx] != ri]
        near = np.linalg.norm(self._built - center, axis=1) <= radius
        return (
            np.vstack([self.xyz[idx], self._built[near]]),
            np.concatenate([self.owner[idx], self._built_owner[near]]),
            np.concatenate([self.kind[idx], self._built_kind[near]]),
            np.concatenate([idx, np.full(int(near.sum()), -1)]),
        )


@dataclass
class _Site:
    """What a residue's built atoms may touch: its neighbours and its own atoms."""

    xyz: np.ndarray  # (m, 3) neighbour atoms
    owner: np.ndarray  # (m,) their residue index
    limit: np.ndarray  # (n_built, m) closest allowed approach (0 for bonded atoms)
    pairs: tuple[list[str], list[str]]  # atoms of the residue four or more bonds apart


def _site(
    env: _Environment,
    ri: int,
    geom: ResidueGeometry,
    present: dict[str, np.ndarray],
    built: list[str],
    bonded: dict[int, str],
) -> _Site:
    path = {"CA": 0.0}  # bonds from CA: an upper bound of an atom's distance to it
    for sc in geom.atoms:
        path[sc.name] = path[sc.refs[0]] + sc.bond
    reach = max(path[a] for a in built) + CLASH_DISTANCE
    xyz, owner, kind, index = env.around(present["CA"], reach, ri)
    own = np.array([_kind(a, geom.atom(a).element) for a in built])[:, None]
    disulfide = ((own & _SG) > 0) & ((kind & _SG) > 0)
    ligand = ((own & _LIGATING) > 0) & ((kind & _METAL) > 0)
    limit = np.where(disulfide | ligand, _BOND_CONTACT, CLASH_DISTANCE)
    for col, j in enumerate(index):
        anchor = bonded.get(int(j))
        if anchor is not None:
            for row, a in enumerate(built):
                if geom.hops.get((a, anchor), 4) < 3:
                    limit[row, col] = 0.0  # within three bonds through the peptide bond
    first, second = [], []
    names = list(present) + built
    for i, a in enumerate(built):
        for b in names:
            if b == a or (b in built and built.index(b) < i):
                continue
            if geom.hops.get((a, "O" if b == "OXT" else b), 4) >= 4:
                first.append(a)
                second.append(b)
    return _Site(xyz, owner, limit, (first, second))


@dataclass
class _Scores:
    """Per candidate: contacts under the limit, their summed depth (Å), likely
    disulfide or metal bonds made and their distance from 2.2 Å, and the index
    in the site of the deepest contact (-1 when none)."""

    clashes: np.ndarray
    overlap: np.ndarray
    bonds: np.ndarray
    strain: np.ndarray
    worst: np.ndarray

    def best(self, gap: np.ndarray, prior: np.ndarray) -> int:
        """Index of the best candidate (bond gap, contacts, depth, bonds, strain, prior)."""
        keys = (prior, self.strain, -self.bonds, self.overlap, self.clashes, np.floor(gap / _GAP))
        return int(np.lexsort(keys)[0])


def _score(site: _Site, pos: dict[str, np.ndarray], built: list[str]) -> _Scores:
    n = next(iter(pos.values())).shape[0]
    out = _Scores(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, -1))
    if site.xyz.size:
        points = np.stack([pos[a] for a in built], axis=1)  # (n, n_built, 3)
        d = cdist(points.reshape(-1, 3), site.xyz).reshape(n, len(built), -1)
        depth = np.clip(site.limit[None] - d, 0.0, None)
        out.clashes += (depth > 0).sum(axis=(1, 2))
        out.overlap += depth.sum(axis=(1, 2))
        flat = depth.max(axis=1)  # (n, m)
        out.worst = np.where(flat.max(axis=1) > 0, flat.argmax(axis=1), -1)
        bonded = (site.limit[None] == _BOND_CONTACT) & (d >= _BOND_RANGE[0]) & (d <= _BOND_RANGE[1])
        out.bonds += bonded.sum(axis=(1, 2))
        out.strain += np.where(bonded, np.abs(d - _BOND_TARGET), 0.0).sum(axis=(1, 2))
    first, second = site.pairs
    if first:
        a = np.stack([pos[x] for x in first], axis=1)
        b = np.stack([pos[x] for x in second], axis=1)
        depth = np.clip(CLASH_DISTANCE - np.linalg.norm(a - b, axis=2), 0.0, None)
        out.clashes += (depth > 0).sum(axis=1)
        out.overlap += depth.sum(axis=1)
    return out


def _candidates(
    geom: ResidueGeometry, present: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Torsion shifts (radians, one column per χ), their prior ranks, and the free χ."""
    fixed: dict[int, float] = {}
    for a in geom.atoms:
        if a.chi is None or a.chi in fixed:
            continue
        if a.name in present and all(r in present for r in a.refs):
            p0, p1, p2 = (present[r] for r in reversed(a.refs))
            fixed[a.chi] = dihedral(p0, p1, p2, present[a.name]) - a.torsion
    # A χ matters only when it moves an atom to build, and is chosen only when no
    # atom there fixes it (a present atom, or one bonded to an atom it moves).
    moving = {a.chi for a in geom.atoms if a.chi is not None and a.name not in present}
    pinned = set(pins(geom, present))
    free = [k for k in range(len(geom.chis)) if k not in fixed and k not in pinned and k in moving]
    choices = []
    for k, (atom, values) in enumerate(geom.chis):
        if k in free:
            ideal = geom.atom(atom).torsion
            choices.append([(np.deg2rad(v) - ideal, rank) for rank, v in enumerate(values)])
        else:
            choices.append([(fixed.get(k, 0.0), 0)])
    combos = list(itertools.product(*choices))
    shifts = np.array([[c[0] for c in combo] for combo in combos]).reshape(len(combos), -1)
    prior = np.array([sum(c[1] for c in combo) for combo in combos], dtype=float)
    return shifts, prior, free


def _choose(
    site: _Site, geom: ResidueGeometry, present: dict[str, np.ndarray], built: list[str]
) -> tuple[dict[str, np.ndarray], np.ndarray, list[int], float, int | None]:
    """Best built positions, the torsion shifts used, the free χ, contacts left and with whom."""
    shifts, prior, free = _candidates(geom, present)
    for attempt in range(2):
        pos, shifts = build(geom, present, shifts)
        # A present atom whose parent was built: its bond must close.
        gap = np.zeros(shifts.shape[0])
        for a in geom.atoms:
            if a.name in present and a.refs[0] in built:
                bond = np.linalg.norm(pos[a.name] - pos[a.refs[0]], axis=1)
                gap += np.abs(bond - a.bond)
        scores = _score(site, pos, built)
        best = scores.best(gap, prior)
        partners = bool((site.limit == _BOND_CONTACT).any())
        settled = scores.clashes[best] == 0 and not partners and gap[best] < _GAP
        if attempt == 1 or not free or settled:
            break
        steps = np.deg2rad(np.array(list(itertools.product(_REFINE, repeat=len(free)))))
        shifts = np.repeat(shifts[best : best + 1], len(steps), axis=0)
        shifts[:, free] += steps
        prior = np.abs(steps).sum(axis=1)
    chosen = {name: pos[name][best] for name in built}
    worst = int(scores.worst[best])
    partner = int(site.owner[worst]) if worst >= 0 else None
    return chosen, shifts[best], free, float(scores.clashes[best]), partner


def _order(res: RResidue, key: str) -> None:
    rank = {n: i for i, n in enumerate(expected_atoms(key))}
    res.atoms.sort(key=lambda a: rank.get(ATOM_ALIASES.get(a.name, a.name), len(rank)))


def _repair(
    env: _Environment, residues: list[RResidue], ri: int, key: str, geom: ResidueGeometry
) -> ResidueIssue | None:
    res = residues[ri]
    known = set(expected_atoms(key)) | {"OXT"}
    present = {ATOM_ALIASES.get(a.name, a.name): a.xyz for a in res.atoms if not a.is_h}
    if not set(present) <= known:
        return None  # an atom the template does not know: leave the residue as it is
    if any(n not in present for n in ("N", "CA", "C")):
        return None
    built = [a.name for a in geom.atoms if a.name not in present]  # build order
    bonded: dict[int, str] = {}  # atoms of the neighbours bonded to N or C: which
    for anchor in ("N", "C"):
        for j in env.tree.query_ball_point(present[anchor], _PEPTIDE_BOND):
            bonded[int(j)] = anchor
    site = _site(env, ri, geom, present, built, bonded)
    chosen, shifts, free, clashes, partner = _choose(site, geom, present, built)
    b_factor = max((a.b_factor for a in res.atoms), default=0.0)
    for name in built:
        res.atoms.append(RAtom(name, geom.atom(name).element, chosen[name], 1.0, b_factor))
    env.add(
        np.array([chosen[n] for n in built]),
        ri,
        [_kind(n, geom.atom(n).element) for n in built],
    )
    _order(res, key)
    detail = f"built {', '.join(n for n in expected_atoms(key) if n in built)}"
    if free:
        chis = []
        for k in free:
            value = np.rad2deg(geom.atom(geom.chis[k][0]).torsion + shifts[k])
            value = (value + 180.0) % 360.0 - 180.0
            chis.append(f"χ{k + 1} {value + 360.0 if value < -179.5 else value:.0f}°")
        detail += f" ({', '.join(chis)})"
    if clashes:
        who = f" (nearest: {residues[partner].label})" if partner is not None else ""
        detail += f"; {clashes:.0f} contact(s) under {CLASH_DISTANCE} Å remain{who}"
    return ResidueIssue(res.label, "repaired", detail)


def repair_side_chains(residues: list[RResidue], keys: list[str | None]) -> list[ResidueIssue]:
    """Build the missing side-chain heavy atoms of amino acids, in place.

    Parameters
    ----------
    residues
        The receptor's residues, heavy atoms only for amino acids (hydrogens
        are placed afterwards); built atoms are appended to their residue in
        template order, with occupancy 1 and the residue's highest B-factor.
    keys
        Template name per residue (``None`` for hetero groups, which are
        never changed).

    Returns
    -------
    list of ResidueIssue
        One ``repaired`` entry per completed residue, naming the atoms built,
        the χ angles chosen and any contact under 2.5 Å that no rotamer avoids.
    """
    todo = []
    for ri, (res, key) in enumerate(zip(residues, keys, strict=True)):
        geom = residue_geometry(key) if key is not None else None
        if key is None or geom is None:
            continue
        have = {ATOM_ALIASES.get(a.name, a.name) for a in res.atoms if not a.is_h}
        if any(a.name not in have for a in geom.atoms):
            todo.append((ri, key, geom))
    if not todo:
        return []
    env = _Environment(residues)
    issues = []
    for ri, key, geom in todo:
        issue = _repair(env, residues, ri, key, geom)
        if issue is not None:
            issues.append(issue)
    return issues
