"""Hydrogen positions from ideal geometry around a heavy atom.

Given an atom, the positions of its heavy neighbours, how many hydrogens it
carries and its hybridization, :func:`place_hydrogens` puts the hydrogens at
standard bond lengths and angles: tetrahedral for sp3 (staggered against a
neighbour's neighbour when there is one free rotation), trigonal in the plane
of the neighbours for sp2, linear for sp.
"""

from __future__ import annotations

import numpy as np

#: X-H bond lengths in Å by element of the heavy atom.
BOND_LENGTH = {"C": 1.09, "N": 1.01, "O": 0.96, "S": 1.34, "P": 1.42, "Se": 1.47}

_TETRA = np.deg2rad(109.47)
_TRIG = np.deg2rad(120.0)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-8 else v


def _perpendicular(axis: np.ndarray, hint: np.ndarray | None) -> np.ndarray:
    """A unit vector perpendicular to ``axis``, in the plane of ``hint`` when given."""
    if hint is not None:
        p = hint - np.dot(hint, axis) * axis
        if np.linalg.norm(p) > 1e-3:
            return _unit(p)
    trial = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    return _unit(np.cross(axis, trial))


def place_hydrogens(
    center: np.ndarray,
    neighbors: np.ndarray,
    n_h: int,
    hyb: int,
    element: str = "C",
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Positions of ``n_h`` hydrogens on an atom.

    Parameters
    ----------
    center
        The atom's position (3,).
    neighbors
        Positions of its heavy neighbours (k, 3), k from 0 to 3.
    n_h
        Number of hydrogens to place.
    hyb
        1 (sp), 2 (sp2) or 3 (sp3).
    element
        The atom's element (sets the bond length).
    reference
        For one neighbour: a position bonded to that neighbour, which fixes
        the dihedral (hydrogens staggered for sp3, in plane and anti for sp2).

    Returns
    -------
    numpy.ndarray
        (n_h, 3) positions.
    """
    if n_h <= 0:
        return np.zeros((0, 3))
    d = BOND_LENGTH.get(element, 1.0)
    units = (
        [_unit(np.asarray(p) - center) for p in np.atleast_2d(neighbors)] if len(neighbors) else []
    )
    k = len(units)
    dirs: list[np.ndarray] = []
    if k == 0:
        base = [
            np.array([0.0, 0.0, 1.0]),
            _unit(np.array([0.943, 0.0, -0.333])),
            _unit(np.array([-0.471, 0.816, -0.333])),
            _unit(np.array([-0.471, -0.816, -0.333])),
        ]
        dirs = base[:n_h]
    elif k >= 3 or (k == 2 and hyb == 2) or (k == 1 and hyb == 1):
        dirs = [_unit(-np.sum(units, axis=0))] * min(n_h, 1)
        if k >= 3 and hyb == 2:
            dirs = [_unit(np.cross(units[0] - units[1], units[2] - units[1]))][:n_h]
    elif k == 2:  # sp3 with two neighbours: one or two hydrogens
        bis = _unit(-(units[0] + units[1]))
        normal = _unit(np.cross(units[0], units[1]))
        half = _TETRA / 2
        pair = [
            _unit(np.cos(half) * bis + np.sin(half) * normal),
            _unit(np.cos(half) * bis - np.sin(half) * normal),
        ]
        dirs = pair[:n_h] if n_h >= 2 else [bis]
    else:  # one neighbour
        axis = -units[0]
        hint = None if reference is None else np.asarray(reference) - np.asarray(neighbors[0])
        perp = _perpendicular(axis, None if hint is None else -hint)
        if hyb == 2:
            angle = np.pi - _TRIG
            other = -perp
            # In the plane of the reference: first hydrogen anti to it.
            dirs = [
                _unit(np.cos(angle) * axis + np.sin(angle) * perp),
                _unit(np.cos(angle) * axis + np.sin(angle) * other),
            ][:n_h]
        else:
            angle = np.pi - _TETRA
            side = _unit(np.cross(axis, perp))
            dirs = []
            for j in range(n_h):
                phi = 2 * np.pi * j / 3
                rot = np.cos(phi) * perp + np.sin(phi) * side
                dirs.append(_unit(np.cos(angle) * axis + np.sin(angle) * rot))
    return np.asarray(center) + d * np.asarray(dirs)
