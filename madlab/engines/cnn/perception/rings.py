"""Ring perception in OpenBabel's manner: ring bonds, closure bonds and the SSSR.

Closure bonds come from a depth-first walk that starts at the first atom and
follows each atom's bonds in creation order; aromaticity perception picks its
starting atoms from them, so the walk order is kept. The smallest set of
smallest rings is built as OpenBabel builds it: candidate rings around each
closure bond from breadth-first trees, sorted by size, then pruned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from madlab.engines.cnn.perception.molecule import Molecule, _Rings

_TREE_DEPTH_LIMIT = 20


def find_ring_bonds(mol: Molecule) -> _Rings:
    """Mark ring atoms, ring bonds and closure bonds of ``mol``.

    Parameters
    ----------
    mol
        The molecule.

    Returns
    -------
    _Rings
        Ring flags (the SSSR is computed later, on demand).
    """
    from madlab.engines.cnn.perception.molecule import _Rings

    n = mol.n_atoms
    atom_in_ring = [False] * n
    bond_in_ring: dict[int, bool] = {}
    closure: dict[int, bool] = {}
    avisit = [0] * n
    bvisit: set[int] = set()
    for start in range(n):
        if avisit[start]:
            continue
        avisit[start] = 1
        # Each frame: atom, depth, position in its bond list, result so far, bond taken to it.
        stack: list[list[int]] = [[start, 1, 0, -1, -1]]
        while stack:
            frame = stack[-1]
            atom, depth, pos, result, _ = frame
            bonds = mol.atom_bonds[atom]
            if pos < len(bonds):
                frame[2] = pos + 1
                bid = bonds[pos]
                if bid in bvisit:
                    continue
                bvisit.add(bid)
                nbr = mol.other(bid, atom)
                nvisit = avisit[nbr]
                if nvisit == 0:
                    avisit[nbr] = depth + 1
                    stack.append([nbr, depth + 1, 0, -1, bid])
                else:
                    if result < 0 or nvisit < result:
                        frame[3] = nvisit
                    closure[bid] = True
                    bond_in_ring[bid] = True
                continue
            # Frame finished: report to the parent.
            stack.pop()
            if 0 < result <= depth:
                atom_in_ring[atom] = True
            if stack:
                parent = stack[-1]
                pdepth = parent[1]
                if result > 0 and result <= pdepth:
                    bond_in_ring[frame[4]] = True
                    if parent[3] < 0 or result < parent[3]:
                        parent[3] = result
    return _Rings(atom_in_ring=atom_in_ring, bond_in_ring=bond_in_ring, closure=closure)


class _Tree:
    __slots__ = ("atom", "prev")

    def __init__(self, atom: int, prev: _Tree | None) -> None:
        self.atom = atom
        self.prev = prev

    def path_to_root(self) -> list[int]:
        out: list[int] = []
        node: _Tree | None = self
        while node is not None:
            out.append(node.atom)
            node = node.prev
        return out


def _build_tree(mol: Molecule, root: int, excluded: int) -> dict[int, _Tree]:
    trees = {root: _Tree(root, None)}
    used = {root, excluded}
    curr = {root}
    level = 0
    while True:
        nxt: set[int] = set()
        for atom in sorted(curr):
            for nbr in mol.neighbors(atom):
                if nbr not in used:
                    nxt.add(nbr)
                    used.add(nbr)
                    trees[nbr] = _Tree(nbr, trees[atom])
        if not nxt:
            break
        curr = nxt
        level += 1
        if level > _TREE_DEPTH_LIMIT:
            break
    return trees


def _rings_from_closure(
    mol: Molecule,
    bid: int,
    rings: list[tuple[list[int], frozenset[int]]],
) -> None:
    begin, end = mol.bond_atoms[bid]
    t1 = _build_tree(mol, begin, end)
    t2 = _build_tree(mol, end, begin)

    def save(p1: list[int], p2: list[int]) -> None:
        path = p1 + p2
        key = frozenset(path)
        if all(key != other for _, other in rings):
            rings.append((path, key))

    for i in sorted(t1):
        if i not in t2:
            continue
        path1 = t1[i].path_to_root()
        path2 = t2[i].path_to_root()
        p1 = [path1[0]]
        for m in path1[1:]:
            p1.append(m)
            p2: list[int] = []
            stop = False
            for nn in path2[1:]:
                p2.insert(0, nn)
                if nn == m:
                    p2.pop(0)
                    if len(p1) + len(p2) > 2:
                        save(p1, p2)
                    stop = True
                    break
                if mol.bond_between(nn, m) is not None and len(p1) + len(p2) > 2:
                    save(p1, p2)
            if stop:
                break


def find_sssr(mol: Molecule) -> list[list[int]]:
    """Return the smallest set of smallest rings as atom paths.

    Parameters
    ----------
    mol
        The molecule.

    Returns
    -------
    list[list[int]]
        Rings, smallest first, each a cyclic path of atom indices.
    """
    closures = [b for b in mol.bonds() if mol.is_closure(b)]
    frj = len(closures)
    if not frj:
        return []
    rings: list[tuple[list[int], frozenset[int]]] = []
    for bid in closures:
        _rings_from_closure(mol, bid, rings)
    rings.sort(key=lambda r: len(r[0]))  # stable: ties keep discovery order
    if len(rings) == frj:
        return [list(p) for p, _ in rings]
    i = len(rings) - 1
    while i >= 0:
        size = len(rings[i][0])
        cover: set[int] = set()
        for j, (path, key) in enumerate(rings):
            if j != i and len(path) <= size:
                cover |= key
        if rings[i][1] <= cover:
            del rings[i]
        if len(rings) == frj:
            break
        i -= 1
    return [list(p) for p, _ in rings]
