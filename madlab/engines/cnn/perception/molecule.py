"""A molecular graph that behaves like an OpenBabel ``OBMol`` where gnina depends on it.

Gnina reads receptors and ligands with OpenBabel and types atoms from what
OpenBabel perceives: bonds found by distance, bond orders guessed from
geometry, aromaticity, hybridization and hydrogens. To give gnina's atom
types without OpenBabel, this package repeats those perception steps. Their
outcome depends on details such as the order of each atom's bonds (the order
in which they were created), so :class:`Molecule` keeps that order, and it
evaluates aromaticity lazily, as OpenBabel does, from the bond orders present
when it is first needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from madlab.engines.cnn.perception.elements import COVALENT_RADIUS


@dataclass
class ResidueInfo:
    """Residue of an atom read from a PDB file."""

    name: str = ""
    atom_name: str = ""
    number: str = ""
    chain: str = ""


@dataclass
class _Rings:
    atom_in_ring: list[bool]
    bond_in_ring: dict[int, bool]
    closure: dict[int, bool]
    sssr: list[list[int]] | None = None


@dataclass
class Molecule:
    """Atoms with coordinates, bonds in creation order, and perceived properties.

    Parameters
    ----------
    elements
        Atomic numbers.
    coords
        Coordinates (N, 3) in Å.
    charges
        Formal charges (zero when omitted).
    residues
        Residue information per atom (PDB input only).
    """

    elements: list[int]
    coords: np.ndarray
    charges: list[int] = field(default_factory=list)
    residues: list[ResidueInfo] | None = None

    def __post_init__(self) -> None:
        n = len(self.elements)
        self.coords = np.asarray(self.coords, dtype=np.float64).reshape(n, 3)
        if not self.charges:
            self.charges = [0] * n
        self.implicit_h = [0] * n
        self.hyb = [0] * n
        self.atom_aromatic = [False] * n
        self.bond_atoms: list[tuple[int, int]] = []
        self.bond_order: list[int] = []
        self.bond_aromatic: list[bool] = []
        self.bond_alive: list[bool] = []
        self.atom_bonds: list[list[int]] = [[] for _ in range(n)]
        self.aromatic_perceived = False
        self._rings: _Rings | None = None

    # ------------------------------------------------------------------ atoms
    @property
    def n_atoms(self) -> int:
        """Number of atoms."""
        return len(self.elements)

    def add_atom(self, element: int, xyz: np.ndarray, charge: int = 0) -> int:
        """Append an atom and return its index."""
        self.elements.append(element)
        self.coords = np.vstack([self.coords, np.asarray(xyz, dtype=np.float64)[None, :]])
        self.charges.append(charge)
        self.implicit_h.append(0)
        self.hyb.append(0)
        self.atom_aromatic.append(False)
        self.atom_bonds.append([])
        if self.residues is not None:
            self.residues.append(ResidueInfo())
        self._rings = None
        return len(self.elements) - 1

    # ------------------------------------------------------------------ bonds
    def add_bond(self, a: int, b: int, order: int = 1) -> int:
        """Add a bond from ``a`` to ``b`` and return its index."""
        bid = len(self.bond_atoms)
        self.bond_atoms.append((a, b))
        self.bond_order.append(order)
        self.bond_aromatic.append(False)
        self.bond_alive.append(True)
        self.atom_bonds[a].append(bid)
        self.atom_bonds[b].append(bid)
        self._rings = None
        return bid

    def delete_bond(self, bid: int) -> None:
        """Remove a bond."""
        a, b = self.bond_atoms[bid]
        self.atom_bonds[a].remove(bid)
        self.atom_bonds[b].remove(bid)
        self.bond_alive[bid] = False
        self._rings = None

    def bonds(self) -> list[int]:
        """Indices of the bonds, in creation order."""
        return [i for i, alive in enumerate(self.bond_alive) if alive]

    def other(self, bid: int, atom: int) -> int:
        """The atom at the other end of bond ``bid`` from ``atom``."""
        a, b = self.bond_atoms[bid]
        return b if a == atom else a

    def neighbors(self, atom: int) -> list[int]:
        """Neighbours of ``atom`` in the order of its bonds."""
        return [self.other(b, atom) for b in self.atom_bonds[atom]]

    def bond_between(self, a: int, b: int) -> int | None:
        """Index of the bond joining ``a`` and ``b``, if any."""
        for bid in self.atom_bonds[a]:
            if self.other(bid, a) == b:
                return bid
        return None

    def bond_length(self, bid: int) -> float:
        """Length of bond ``bid`` in Å."""
        a, b = self.bond_atoms[bid]
        pa, pb = self.coords[a], self.coords[b]
        dx, dy, dz = float(pa[0] - pb[0]), float(pa[1] - pb[1]), float(pa[2] - pb[2])
        return math.sqrt(dx * dx + dy * dy + dz * dz)

    # ----------------------------------------------------------- atom counts
    def degree(self, atom: int) -> int:
        """Number of explicit bonds (OpenBabel's explicit degree)."""
        return len(self.atom_bonds[atom])

    def total_degree(self, atom: int) -> int:
        """Explicit degree plus implicit hydrogens."""
        return len(self.atom_bonds[atom]) + self.implicit_h[atom]

    def valence(self, atom: int) -> int:
        """Sum of the orders of explicit bonds (OpenBabel's explicit valence)."""
        return sum(self.bond_order[b] for b in self.atom_bonds[atom])

    def total_valence(self, atom: int) -> int:
        """Explicit valence plus implicit hydrogens."""
        return self.valence(atom) + self.implicit_h[atom]

    def heavy_degree(self, atom: int) -> int:
        """Number of bonded atoms that are not hydrogen."""
        return sum(1 for n in self.neighbors(atom) if self.elements[n] != 1)

    def explicit_h(self, atom: int) -> int:
        """Number of bonded hydrogen atoms."""
        return sum(1 for n in self.neighbors(atom) if self.elements[n] == 1)

    def has_bond_of_order(self, atom: int, order: int) -> bool:
        """Whether ``atom`` has a bond of the given order."""
        return any(self.bond_order[b] == order for b in self.atom_bonds[atom])

    def has_non_single_bond(self, atom: int) -> bool:
        """Whether ``atom`` has a bond whose order is not one."""
        return any(self.bond_order[b] != 1 for b in self.atom_bonds[atom])

    # -------------------------------------------------------------- geometry
    def angle(self, center: int, a: int, b: int) -> float:
        """Angle a-center-b in degrees."""
        v1 = self.coords[a] - self.coords[center]
        v2 = self.coords[b] - self.coords[center]
        n1, n2 = np.linalg.norm(v1), np.linalg.norm(v2)
        if n1 < 1e-12 or n2 < 1e-12:
            return 0.0
        cos = float(np.dot(v1, v2) / (n1 * n2))
        return math.degrees(math.acos(max(-1.0, min(1.0, cos))))

    def _pair_angles(self, atom: int) -> list[float]:
        nbrs = self.neighbors(atom)
        return [
            self.angle(atom, nbrs[i], nbrs[j])
            for i in range(len(nbrs))
            for j in range(i + 1, len(nbrs))
        ]

    def average_bond_angle(self, atom: int) -> float:
        """Mean angle between pairs of bonds at ``atom`` (0 with fewer than two bonds)."""
        angles = self._pair_angles(atom)
        return sum(angles) / len(angles) if angles else 0.0

    def smallest_bond_angle(self, atom: int) -> float:
        """Smallest angle between two bonds at ``atom`` (360 with fewer than two bonds)."""
        angles = self._pair_angles(atom)
        return min(angles) if angles else 360.0

    def torsion(self, a: int, b: int, c: int, d: int) -> float:
        """Dihedral angle a-b-c-d in degrees, in [-180, 180]."""
        p = self.coords
        b1, b2, b3 = p[b] - p[a], p[c] - p[b], p[d] - p[c]
        c1, c2 = np.cross(b1, b2), np.cross(b2, b3)
        n1, n2 = np.linalg.norm(c1), np.linalg.norm(c2)
        if n1 < 1e-12 or n2 < 1e-12:
            return 0.0
        cos = float(np.dot(c1, c2) / (n1 * n2))
        ang = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
        return -ang if float(np.dot(b1, c2)) < 0 else ang

    def covalent_radius(self, atom: int) -> float:
        """OpenBabel's covalent radius of the atom's element."""
        return COVALENT_RADIUS[self.elements[atom]]

    # ----------------------------------------------------------------- rings
    def rings(self) -> _Rings:
        """Ring membership and closure bonds (computed once per bond set)."""
        if self._rings is None:
            from madlab.engines.cnn.perception.rings import find_ring_bonds

            self._rings = find_ring_bonds(self)
        return self._rings

    def atom_in_ring(self, atom: int) -> bool:
        """Whether ``atom`` lies on a ring."""
        return self.rings().atom_in_ring[atom]

    def bond_in_ring(self, bid: int) -> bool:
        """Whether bond ``bid`` lies on a ring."""
        return self.rings().bond_in_ring.get(bid, False)

    def is_closure(self, bid: int) -> bool:
        """Whether bond ``bid`` closes a ring in OpenBabel's depth-first walk."""
        return self.rings().closure.get(bid, False)

    def sssr(self) -> list[list[int]]:
        """Smallest set of smallest rings, each as a path of atom indices."""
        r = self.rings()
        if r.sssr is None:
            from madlab.engines.cnn.perception.rings import find_sssr

            r.sssr = find_sssr(self)
        return r.sssr

    # ------------------------------------------------------------ aromaticity
    def is_aromatic(self, atom: int) -> bool:
        """Aromatic flag of ``atom``, perceiving aromaticity first if needed."""
        if not self.aromatic_perceived:
            self.perceive_aromaticity()
        return self.atom_aromatic[atom]

    def is_aromatic_bond(self, bid: int) -> bool:
        """Aromatic flag of bond ``bid``, perceiving aromaticity first if needed."""
        if not self.aromatic_perceived:
            self.perceive_aromaticity()
        return self.bond_aromatic[bid]

    def perceive_aromaticity(self) -> None:
        """Assign aromatic flags from the current bond orders (OpenBabel's model)."""
        from madlab.engines.cnn.perception.aromaticity import assign_aromatic_flags

        self.aromatic_perceived = True
        assign_aromatic_flags(self)
