"""A small SMARTS matcher with OpenBabel's semantics and match order.

OpenBabel assigns some bond orders by applying SMARTS patterns in turn, each
match overwriting the previous ones, so the order in which matches are found
decides the result. This matcher reproduces that order: the first pattern atom
is tried on every atom in index order, then pattern bonds are grown in the
order they were written, trying each neighbour in the order of its bonds.
Primitives follow OpenBabel: ``D`` explicit degree, ``X`` degree with implicit
hydrogens, ``H`` hydrogen count, ``v`` valence with implicit hydrogens, ``^``
hybridization, ``R`` in a ring, ``r<n>`` in a ring of size n.

Only the SMARTS subset used by OpenBabel's bond typing rules is supported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from madlab.engines.cnn.perception.elements import symbol_to_number
from madlab.engines.cnn.perception.molecule import Molecule

AtomTest = Callable[[Molecule, int], bool]
BondTest = Callable[[Molecule, int], bool]

_ALIPHATIC = {"C", "N", "O", "S", "P", "B", "F", "I", "Cl", "Br"}


@dataclass
class _Bond:
    src: int
    dst: int
    test: BondTest
    grow: bool


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def take(self) -> str:
        if self.i >= len(self.s):
            raise ValueError(f"unclosed bracket or truncated SMARTS {self.s!r}")
        c = self.s[self.i]
        self.i += 1
        return c

    def number(self, default: int | None = None) -> int:
        start = self.i
        while self.peek().isdigit():
            self.i += 1
        if start == self.i:
            if default is None:
                raise ValueError(f"number expected at {start} in {self.s!r}")
            return default
        return int(self.s[start : self.i])

    # Expression grammar: lowand := or (';' or)* ; or := and (',' and)* ;
    # and := unary ('&'? unary)* ; unary := '!' unary | primitive
    def low_and(self) -> AtomTest:
        terms = [self.or_expr()]
        while self.peek() == ";":
            self.take()
            terms.append(self.or_expr())
        return terms[0] if len(terms) == 1 else _all(terms)

    def or_expr(self) -> AtomTest:
        terms = [self.and_expr()]
        while self.peek() == ",":
            self.take()
            terms.append(self.and_expr())
        return terms[0] if len(terms) == 1 else _any(terms)

    def and_expr(self) -> AtomTest:
        terms = [self.unary()]
        while self.peek() not in ("", ";", ",", "]"):
            if self.peek() == "&":
                self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else _all(terms)

    def unary(self) -> AtomTest:
        if self.peek() == "!":
            self.take()
            inner = self.unary()
            return lambda m, a: not inner(m, a)
        return self.primitive()

    def primitive(self) -> AtomTest:
        c = self.take()
        if c == "*":
            return lambda m, a: True
        if c == "#":
            z = self.number()
            return lambda m, a: m.elements[a] == z
        if c in "DXHv^":
            n = self.number(default=1)
            return _COUNTS[c](n)
        if c == "R":
            return lambda m, a: m.atom_in_ring(a)
        if c == "r":
            size = self.number()
            return lambda m, a: any(len(r) == size and a in r for r in m.sssr())
        if c in "+-":
            n = self.number(default=1)
            q = n if c == "+" else -n
            return lambda m, a: m.charges[a] == q
        if c.isupper():
            sym = c + self.take() if self.peek().islower() and c + self.peek() in _ALIPHATIC else c
            z = symbol_to_number(sym)
            return lambda m, a: m.elements[a] == z and not m.is_aromatic(a)
        if c in "cnosp":
            z = symbol_to_number(c.upper())
            return lambda m, a: m.elements[a] == z and m.is_aromatic(a)
        raise ValueError(f"unsupported SMARTS primitive {c!r} in {self.s!r}")


def _all(tests: list[AtomTest]) -> AtomTest:
    return lambda m, a: all(t(m, a) for t in tests)


def _any(tests: list[AtomTest]) -> AtomTest:
    return lambda m, a: any(t(m, a) for t in tests)


_COUNTS: dict[str, Callable[[int], AtomTest]] = {
    "D": lambda n: lambda m, a: m.degree(a) == n,
    "X": lambda n: lambda m, a: m.total_degree(a) == n,
    "H": lambda n: lambda m, a: m.explicit_h(a) + m.implicit_h[a] == n,
    "v": lambda n: lambda m, a: m.total_valence(a) == n,
    "^": lambda n: lambda m, a: m.hyb[a] == n,
}

_BOND_TESTS: dict[str, BondTest] = {
    "": lambda m, b: m.bond_order[b] == 1 or m.is_aromatic_bond(b),
    "-": lambda m, b: m.bond_order[b] == 1 and not m.is_aromatic_bond(b),
    "=": lambda m, b: m.bond_order[b] == 2 and not m.is_aromatic_bond(b),
    "#": lambda m, b: m.bond_order[b] == 3,
    ":": lambda m, b: m.is_aromatic_bond(b),
    "~": lambda m, b: True,
}


class Smarts:
    """A compiled SMARTS pattern.

    Parameters
    ----------
    text
        The pattern.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.atoms: list[AtomTest] = []
        self.bonds: list[_Bond] = []
        p = _Parser(text)
        prev: int | None = None
        branches: list[int | None] = []
        ring_open: dict[int, tuple[int, str]] = {}
        bond_sym = ""
        while p.peek():
            c = p.peek()
            if c in "-=#:~":
                bond_sym = p.take()
            elif c == "(":
                p.take()
                branches.append(prev)
            elif c == ")":
                p.take()
                prev = branches.pop()
            elif c.isdigit():
                digit = int(p.take())
                if prev is None:
                    raise ValueError(f"ring closure before an atom in {text!r}")
                if digit in ring_open:
                    other, sym = ring_open.pop(digit)
                    test = _BOND_TESTS[bond_sym or sym]
                    self.bonds.append(_Bond(other, prev, test, grow=False))
                else:
                    ring_open[digit] = (prev, bond_sym)
                bond_sym = ""
            else:
                if c == "[":
                    p.take()
                    test = p.low_and()
                    if p.take() != "]":
                        raise ValueError(f"unclosed bracket in {text!r}")
                else:
                    test = p.primitive()
                idx = len(self.atoms)
                self.atoms.append(test)
                if prev is not None:
                    self.bonds.append(_Bond(prev, idx, _BOND_TESTS[bond_sym], grow=True))
                bond_sym = ""
                prev = idx

    def matches(self, mol: Molecule) -> list[list[int]]:
        """Return every match, in OpenBabel's order, as lists of atom indices."""
        out: list[list[int]] = []
        n_pat = len(self.atoms)
        mapping = [-1] * n_pat
        used = [False] * mol.n_atoms

        def grow(k: int) -> None:
            if k == len(self.bonds):
                out.append(list(mapping))
                return
            bond = self.bonds[k]
            if bond.grow:
                src = mapping[bond.src]
                for bid in mol.atom_bonds[src]:
                    nbr = mol.other(bid, src)
                    if not used[nbr] and self.atoms[bond.dst](mol, nbr) and bond.test(mol, bid):
                        mapping[bond.dst] = nbr
                        used[nbr] = True
                        grow(k + 1)
                        used[nbr] = False
                        mapping[bond.dst] = -1
            else:
                bid_or_none = mol.bond_between(mapping[bond.src], mapping[bond.dst])
                if bid_or_none is not None and bond.test(mol, bid_or_none):
                    grow(k + 1)

        for atom in range(mol.n_atoms):
            if self.atoms[0](mol, atom):
                mapping[0] = atom
                used[atom] = True
                grow(0)
                used[atom] = False
                mapping[0] = -1
        return out

    def unique_matches(self, mol: Molecule) -> list[list[int]]:
        """Matches with distinct atom sets, keeping the first of each (OpenBabel's ``UMapList``)."""
        seen: set[frozenset[int]] = set()
        out = []
        for match in self.matches(mol):
            key = frozenset(match)
            if key not in seen:
                seen.add(key)
                out.append(match)
        return out
