"""Kekulization of aromatic bonds in OpenBabel's manner.

Atoms flagged aromatic that still need a double bond are matched greedily
(atoms with one candidate first, then those with two, then three, in index
order); when the greedy pass leaves atoms unmatched, alternating paths are
searched to complete the matching. Which Kekulé form results, and so which
ring nitrogen keeps a hydrogen, follows from that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from madlab.engines.cnn.perception.molecule import Molecule


def _special_case(mol: Molecule, atom: int) -> bool:
    el = mol.elements[atom]
    if el == 7:
        return mol.total_degree(atom) == 3 and mol.charges[atom] == 0
    if el == 16:
        return (
            mol.total_degree(atom) == 4 and mol.charges[atom] == 0 and mol.total_valence(atom) < 6
        )
    return False


def _needs_double_bond(mol: Molecule, atom: int) -> bool:
    if not mol.atom_aromatic[atom]:
        return False
    for bid in mol.atom_bonds[atom]:
        if mol.bond_aromatic[bid]:
            continue
        order = mol.bond_order[bid]
        if order in (0, 1):
            continue
        if order == 2:
            return _special_case(mol, atom)
        return False
    chg, deg, el = mol.charges[atom], mol.total_degree(atom), mol.elements[atom]
    if el == 6:
        if deg == 3 and chg in (1, -1):
            return False
    elif el in (5, 7, 15, 33, 51, 83):
        if (
            (chg == 0 and (deg == 3 or deg > 4))
            or (chg == -1 and deg == 2)
            or (chg == 1 and deg > 3)
        ):
            return False
    elif el in (8, 16, 34, 52):
        if chg == 0 and (deg in (2, 4) or deg > 5):
            return False
        if chg in (-1, 1) and (deg in (3, 5) or deg > 6):
            return False
    return True


class _Kekulizer:
    def __init__(self, mol: Molecule) -> None:
        self.mol = mol
        n = mol.n_atoms
        self.needs = [_needs_double_bond(mol, a) for a in range(n)]
        self.system = list(self.needs)
        self.double: set[int] = set()
        self.degrees = [0] * n
        self.path: list[int] = []

    def _aromatic_partners(self, atom: int, skip: int = -1) -> list[tuple[int, int]]:
        mol = self.mol
        return [
            (bid, mol.other(bid, atom))
            for bid in mol.atom_bonds[atom]
            if bid != skip and mol.bond_aromatic[bid]
        ]

    def _pair(self, atom: int, bid: int, nbr: int, queue: list[int]) -> bool:
        self.double.add(bid)
        self.needs[atom] = False
        self.needs[nbr] = False
        changed = False
        for ref in (atom, nbr):
            for _, nn in self._aromatic_partners(ref, skip=bid):
                if not self.needs[nn]:
                    continue
                self.degrees[nn] -= 1
                if self.degrees[nn] == 1:
                    queue.append(nn)
                    changed = True
        return changed

    def greedy(self) -> bool:
        mol = self.mol
        queue: list[int] = []
        for atom in range(mol.n_atoms):
            if not self.needs[atom]:
                continue
            deg = sum(1 for _, nbr in self._aromatic_partners(atom) if self.needs[nbr])
            self.degrees[atom] = deg
            if deg == 1:
                queue.append(atom)
        while True:
            while queue:
                atom = queue.pop()
                if not self.needs[atom]:
                    continue
                for bid, nbr in self._aromatic_partners(atom):
                    if self.needs[nbr]:
                        # Only the partner's neighbours lose a candidate here.
                        self.double.add(bid)
                        self.needs[atom] = False
                        self.needs[nbr] = False
                        for _, nn in self._aromatic_partners(nbr, skip=bid):
                            if self.needs[nn]:
                                self.degrees[nn] -= 1
                                if self.degrees[nn] == 1:
                                    queue.append(nn)
                        break
            if not any(self.needs):
                return True
            changed = False
            order = [a for a in range(mol.n_atoms) if self.degrees[a] == 2]
            order_iter = self._node_order()
            del order
            for atom in order_iter:
                if not self.needs[atom]:
                    continue
                for bid, nbr in self._aromatic_partners(atom):
                    if self.needs[nbr]:
                        changed = self._pair(atom, bid, nbr, queue)
                        break
                if changed:
                    break
            if not changed:
                return False

    def _node_order(self):  # type: ignore[no-untyped-def]
        # Degree-two atoms first, then those of higher degree; degrees are read live.
        n = self.mol.n_atoms
        for a in range(n):
            if self.degrees[a] == 2:
                yield a
        for a in range(n):
            if self.degrees[a] > 2:
                yield a

    def _find_path(self, atom: int, want_double: bool, visited: set[int]) -> bool:
        if self.needs[atom]:
            return True
        visited.add(atom)
        for bid, nbr in self._aromatic_partners(atom):
            if not self.system[nbr]:
                continue
            if (bid in self.double) == want_double:
                if nbr in visited:
                    continue
                if self._find_path(nbr, not want_double, visited):
                    self.path.append(nbr)
                    return True
        visited.discard(atom)
        return False

    def backtrack(self) -> bool:
        count = sum(self.needs)
        handled = 0
        idx = self._next_needy(-1)
        while idx is not None:
            handled += 1
            if handled == count:
                return False
            self.needs[idx] = False
            self.path = []
            if not self._find_path(idx, False, set()):
                self.needs[idx] = True
                idx = self._next_needy(idx)
                continue
            handled += 1
            self.path.append(idx)
            self.needs[self.path[0]] = False
            for i in range(len(self.path) - 1):
                bid = self.mol.bond_between(self.path[i], self.path[i + 1])
                assert bid is not None
                if i % 2 == 0:
                    self.double.add(bid)
                else:
                    self.double.discard(bid)
            idx = self._next_needy(idx)
        return not any(self.needs)

    def _next_needy(self, after: int) -> int | None:
        for a in range(after + 1, self.mol.n_atoms):
            if self.needs[a]:
                return a
        return None


def kekulize(mol: Molecule) -> bool:
    """Give each aromatic atom that needs one a double bond, as OpenBabel does.

    Parameters
    ----------
    mol
        Molecule whose aromatic flags mark the system to kekulize.

    Returns
    -------
    bool
        Whether every atom got its double bond (partial assignments are kept).
    """
    k = _Kekulizer(mol)
    ok = k.greedy()
    if not ok:
        ok = k.backtrack()
    for bid in k.double:
        mol.bond_order[bid] = 2
    return ok
