"""OpenBabel 3's aromaticity model.

Each ring atom may give a range of pi electrons (from its element, charge,
valence and degree); an atom is aromatic when it lies on a ring of such atoms,
reached from one of the walk's starting atoms, whose electron count can be
4n + 2 (n >= 1). Flags are recomputed from scratch from the current bond orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from madlab.engines.cnn.perception.molecule import Molecule

_MAX_RING_WALK = 14


def _exocyclic(mol: Molecule, atom: int) -> str:
    for bid in mol.atom_bonds[atom]:
        if mol.bond_order[bid] == 2 and not mol.bond_in_ring(bid):
            return "O" if mol.elements[mol.other(bid, atom)] == 8 else "X"
    return ""


def _exocyclic_double_to(
    mol: Molecule,
    atom: int,
    elements: set[int] | None,
    exclude: bool,
) -> bool:
    for bid in mol.atom_bonds[atom]:
        if mol.bond_order[bid] == 2 and not mol.bond_in_ring(bid):
            el = mol.elements[mol.other(bid, atom)]
            if elements is None:
                return True
            if (el in elements) != exclude:
                return True
    return False


def _exocyclic_o_minus(mol: Molecule, atom: int) -> bool:
    for bid in mol.atom_bonds[atom]:
        if mol.bond_order[bid] == 1 and not mol.bond_in_ring(bid):
            nbr = mol.other(bid, atom)
            if mol.elements[nbr] == 8 and mol.charges[nbr] == -1:
                return True
    return False


def electron_range(mol: Molecule, atom: int) -> tuple[int, int] | None:
    """Return the (min, max) pi electrons ``atom`` gives a ring, or None if it cannot be aromatic.

    Parameters
    ----------
    mol
        The molecule.
    atom
        Atom index.

    Returns
    -------
    tuple[int, int] or None
        Electron range for a potentially aromatic ring atom.
    """
    if not mol.atom_in_ring(atom):
        return None
    el, chg = mol.elements[atom], mol.charges[atom]
    deg = mol.total_degree(atom)
    val = mol.total_valence(atom)
    if el == 6:
        if chg == 0 and val == 4 and deg == 3:
            if _exocyclic_double_to(mol, atom, {1, 6}, exclude=True):
                return (0, 0)
            return (1, 1)
        if chg == 1 and val == 3:
            return {3: (0, 0), 2: (1, 1)}.get(deg)
        if chg == -1 and val == 3:
            return {3: (2, 2), 2: (1, 1)}.get(deg)
        return None
    if el in (7, 15):
        if chg == 0:
            if val == 3:
                return {3: (2, 2), 2: (1, 1)}.get(deg)
            if val == 5 and deg == 3:
                exo = _exocyclic(mol, atom)
                return {"O": (1, 1), "X": (2, 2)}.get(exo)
            return None
        if chg == 1:
            return (1, 1) if val == 4 and deg == 3 else None
        if chg == -1:
            return (2, 2) if val == 2 and deg == 2 else None
        return None
    if el in (8, 34):
        # OpenBabel falls through from the neutral case to the cation case.
        if chg == 0 and val == 2 and deg == 2:
            return (2, 2)
        if chg in (0, 1) and val == 3 and deg == 2:
            return (1, 1)
        return None
    if el == 16:
        if chg == 0:
            if val == 2 and deg == 2:
                return (2, 2)
            if val == 4 and deg == 3 and _exocyclic_double_to(mol, atom, {8}, exclude=False):
                return (2, 2)
            return None
        if chg == 1 and val == 3:
            if deg == 2:
                return (1, 1)
            if deg == 3 and _exocyclic_o_minus(mol, atom):
                return (2, 2)
        return None
    if el == 5:
        if chg == 0 and val == 3:
            return {2: (1, 1), 3: (0, 0)}.get(deg)
        return None
    if el == 33:
        if chg == 0 and val == 3:
            return {2: (1, 1), 3: (2, 2)}.get(deg)
        if chg == 1 and val == 4 and deg == 3:
            return (1, 1)
        return None
    if el == 0 and chg == 0:
        if val == 2 and deg in (2, 3):
            return (0, 2)
        if val == 3 and deg in (2, 3):
            return (0, 1)
    return None


class _State:
    def __init__(self, mol: Molecule) -> None:
        self.mol = mol
        n = mol.n_atoms
        self.vpa = [False] * n
        self.elec = [(0, 0)] * n
        self.root = [False] * n
        self.visit = [False] * n

    def propagate(self, atom: int) -> None:
        mol = self.mol
        pending = [atom]
        while pending:
            a = pending.pop()
            ring_nbrs = [
                mol.other(b, a)
                for b in mol.atom_bonds[a]
                if mol.bond_in_ring(b) and self.vpa[mol.other(b, a)]
            ]
            if len(ring_nbrs) < 2:
                self.vpa[a] = False
                if len(ring_nbrs) == 1:
                    pending.append(ring_nbrs[0])

    def select_roots(self) -> None:
        mol = self.mol
        sssr = mol.sssr()
        closures = [b for b in mol.bonds() if mol.is_closure(b)]
        candidates = [mol.bond_atoms[b][0] for b in closures]
        atom_rings: dict[int, list[list[int]]] = {}
        for ring in sssr:
            for a in ring:
                atom_rings.setdefault(a, []).append(ring)

        def ring_neighbors(a: int) -> int:
            return sum(
                1 for nbr in mol.neighbors(a) if mol.elements[nbr] != 1 and mol.atom_in_ring(nbr)
            )

        for bid in closures:
            root = mol.bond_atoms[bid][0]
            self.root[root] = True
            # OpenBabel reuses one counter for the root's ring neighbours and for the
            # candidates it inspects; the walk below keeps that behaviour.
            ring_nbrs = 0
            for nbr in mol.neighbors(root):
                if mol.elements[nbr] != 1 and mol.atom_in_ring(nbr):
                    ring_nbrs += 1
                new_root = -1
                if ring_nbrs > 2:
                    for ring in atom_rings.get(root, []):
                        check = False
                        if sum(1 for c in candidates if c in ring) < 2:
                            for a in ring:
                                if a == root:
                                    check = True
                                elif self.root[a]:
                                    check = False
                                    break
                        if check:
                            for a in ring:
                                ring_nbrs = ring_neighbors(a)
                                if ring_nbrs <= 2:
                                    new_root = a
                    if new_root != -1 and new_root != root:
                        self.root[root] = False
                        self.root[new_root] = True

    def exclude_small_rings(self) -> None:
        mol = self.mol
        for atom in range(mol.n_atoms):
            if not self.root[atom]:
                continue
            for b1 in mol.atom_bonds[atom]:
                n1 = mol.other(b1, atom)
                if not (mol.bond_in_ring(b1) and self.vpa[n1]):
                    continue
                for b2 in mol.atom_bonds[n1]:
                    n2 = mol.other(b2, n1)
                    if (
                        n2 != atom
                        and mol.bond_in_ring(b2)
                        and self.vpa[n2]
                        and mol.bond_between(atom, n2) is not None
                    ):
                        self.root[atom] = False

    def traverse(self, root: int, atom: int, prev: int, er: list[int], depth: int) -> bool:
        mol = self.mol
        if atom == root:
            return any(i % 4 == 2 and i > 2 for i in range(er[0], er[1] + 1))
        if not depth or not self.vpa[atom] or self.visit[atom]:
            return False
        result = False
        depth -= 1
        lo, hi = self.elec[atom]
        er[0] += lo
        er[1] += hi
        self.visit[atom] = True
        for bid in mol.atom_bonds[atom]:
            nbr = mol.other(bid, atom)
            if (
                bid != prev
                and mol.bond_in_ring(bid)
                and self.vpa[nbr]
                and self.traverse(root, nbr, bid, er, depth)
            ):
                result = True
                mol.bond_aromatic[bid] = True
        self.visit[atom] = False
        if result:
            mol.atom_aromatic[atom] = True
        er[0] -= lo
        er[1] -= hi
        return result

    def check(self, atom: int) -> None:
        mol = self.mol
        for bid in mol.atom_bonds[atom]:
            if mol.bond_in_ring(bid):
                er = list(self.elec[atom])
                if self.traverse(atom, mol.other(bid, atom), bid, er, _MAX_RING_WALK - 1):
                    mol.atom_aromatic[atom] = True
                    mol.bond_aromatic[bid] = True


def assign_aromatic_flags(mol: Molecule) -> None:
    """Set the aromatic flags of the atoms and bonds of ``mol`` from its bond orders.

    Parameters
    ----------
    mol
        The molecule; its flags are overwritten.
    """
    n = mol.n_atoms
    mol.atom_aromatic = [False] * n
    mol.bond_aromatic = [False] * len(mol.bond_atoms)
    state = _State(mol)
    for atom in range(n):
        rng = electron_range(mol, atom)
        if rng is not None:
            state.vpa[atom] = True
            state.elec[atom] = rng
    for atom in range(n):
        if state.vpa[atom]:
            state.propagate(atom)
    if not any(state.vpa):
        return
    state.select_roots()
    state.exclude_small_rings()
    for atom in range(n):
        if state.root[atom]:
            state.check(atom)
