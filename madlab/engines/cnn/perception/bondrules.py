"""OpenBabel's functional-group rules for bond orders (pass 4 of its perception).

Each rule is a SMARTS pattern followed by (atom, atom, order) triples in pattern
atom numbers; every unique match sets those bond orders, later matches and rules
overriding earlier ones. Then come OpenBabel's geometric rules: carbonyl,
thione, isocyanate, oxime and pyridine N-oxide.
"""

from __future__ import annotations

import numpy as np

from madlab.engines.cnn.perception.molecule import Molecule
from madlab.engines.cnn.perception.smarts import Smarts

# OpenBabel 3.1's bondtyp.txt rules.
_RULES = r"""
[X2,X3]1[#6]([#7D3]2)[#6][#6][#6]2[X2,X3][#6]([#7D3]3)[#6][#6][#6]3[X2,X3][#6]([\
#7D3]4)[#6][#6][#6]4[X2,X3][#6]([#7D3]5)[#6][#6][#6]51
    0 1 2 1 2 1 1 3 1 3 4 2 4 5 1 5 2 1 5 6 2 6 7 1 7 8 2 7 9 1 9 10 2 10 11 1 11 8 1 11 12
    2 12 13 1 13 14 1 13 15 2 15 16 1 16 17 2 17 14 1 17 18 1 18 19 2 19 20 1 19 21 1 21 22
    2 22 23 1 23 20 2
[X2,X3]1[#6]([#7D3]2)[#6][#6][#6]2[X2,X3][#6]([#7]3)[#6][#6][#6]3[X2,X3][#6]([#7\
D3]4)[#6][#6][#6]4[X2,X3][#6]([#7]5)[#6][#6][#6]51
    0 1 2 1 2 1 1 3 1 3 4 2 4 5 1 5 2 1 5 6 2 6 7 1 7 8 2 7 9 1 9 10 2 10 11 1 11 8 1 11 12
    2 12 13 1 13 14 1 13 15 2 15 16 1 16 17 2 17 14 1 17 18 1 18 19 2 19 20 1 19 21 1 21 22
    2 22 23 1 23 20 2
[X2,X3]1[#6]([#7]2)[#6][#6][#6]2[X2,X3][#6]([#7]3)[#6][#6][#6]3[X2,X3][#6]([#7]4\
)[#6][#6][#6]4[X2,X3][#6]([#7]5)[#6][#6][#6]51
    0 1 2 1 2 1 1 3 1 3 4 2 4 5 1 5 2 1 5 6 2 6 7 1 7 8 2 7 9 1 9 10 2 10 11 1 11 8 1 11 12
    2 12 13 1 13 14 1 13 15 2 15 16 1 16 17 2 17 14 1 17 18 1 18 19 2 19 20 1 19 21 1 21 22
    2 22 23 1 23 20 2
[#7D2][#7D2^1][#7D1]  0 1 2 1 2 2
[#8D1][#7D3^2]([#8D1])*  0 1 2 1 2 2 1 3 1
[#16D4]([#8D1])([#8D1])([*!#8])([*!#8])  0 1 2 0 2 2 0 3 1 0 4 1
[#16D4]([#8D1])([#8D1])([#8-,#8D1])([#8-,#8D1])  0 1 2 0 2 2 0 3 1 0 4 1
[#16D4]([#16D1])([#8D1])([#8-,#8])([#8-,#8])  0 1 2 0 2 2 0 3 1 0 4 1
[#16D3]([#8D1])([*!#8])([*!#8])  0 1 2 0 2 1 0 3 1
[#16D3]([#8D1])([#8D1-])([#8D1-])  0 1 2 0 2 1 0 3 1
[#16D3]([#8D1])([#8D1])([#8D1])  0 1 2 0 2 2 0 3 2
[#16D3]([#8D1])([#8])([#8])  0 1 2 0 2 1 0 3 1
[#16D2]([#8D1])([#16D1])  0 1 2 0 2 2
[#16D2]([#8D1])([*!#8])  0 1 2 0 2 1
[#16D2]([#8D1])([#8D1])  0 1 2 0 2 2
[#15D3]([#8D1])([#8D1])([#8D2])  0 1 2 0 2 2 0 3 1
[#7D2]([#8D1])([#1])  0 1 2 0 2 1
[#15D4]([#8D1])(*)(*)(*)  0 1 2 0 2 1 0 3 1 0 4 1
[#6D3^2]([#8D1])([#8])*  0 1 2 0 2 1 0 3 1
[#8D1][#6D2^1][#8D1]  0 1 2 1 2 2
[#6D3^2]([#8D1;!-])([#7])*  0 1 2 0 2 1 0 3 1
[#34D3^2]([#8D1])([#8])*  0 1 2 0 2 1 0 3 1
[#6D3^2]([#8D1])([#16])*  0 1 2 0 2 1 0 3 1
[#6D3^2]([#16D1])([#16])*  0 1 2 0 2 1 0 3 1
[CD3^2]([#16D1])([N])*  0 1 2 0 2 1 0 3 1
[#6^2][#6D2^1][#6^2]  0 1 2 1 2 2
[#6^2][#6D2^1][#8D1]  0 1 2 1 2 2
[#6D1][#7D2^1]*  0 1 3 1 2 1
[Nv2R][#6v3^2][#8v2]  0 1 2 1 2 1
[Nv2R][#6v3^2][Nv2]  0 1 2 1 2 1
[#6D3^2;!R]([#7D2;!R])([#7D1;!R])~[#7D1;!R]  0 1 2 0 2 1 0 3 1
[#6D3^2;!R]([#7D1H0;!R])([#7;!R])*  0 1 2 0 2 1 0 3 1
[#6D3^2;!R]([#7D2H1;!R])([#7;!R])*  0 1 2 0 2 1 0 3 1
[#6D3^2;!R]([#7D3H2;!R])([#7;!R])*  0 1 2 0 2 1 0 3 1
[#6D3^2;!R]([#1,#6])([#1,#6])[#7D3^2;!R]([#1])[#6]  0 1 1 0 2 1 0 3 2 3 4 1 3 5 1
"""
_COMPILED: list[tuple[Smarts, tuple[int, ...]]] = []
_EXTRA: dict[str, Smarts] = {}


def _rules() -> list[tuple[Smarts, tuple[int, ...]]]:
    if not _COMPILED:
        rules: list[list[str]] = []
        pending = ""
        for line in _RULES.strip().splitlines():
            if line.endswith("\\"):  # a long pattern continues on the next line
                pending += line[:-1]
            elif line.startswith(" "):  # more bond orders for the previous rule
                rules[-1].extend(line.split())
            else:
                rules.append((pending + line).split())
                pending = ""
        for pattern, *orders in rules:
            _COMPILED.append((Smarts(pattern), tuple(int(x) for x in orders)))
        for name, text in (
            ("carbonyl", "[#8D1;!-][#6](*)(*)"),
            ("thione", "[#16D1][#6](*)(*)"),
            ("isocyanate", "[#8,#16;D1][#6D2][#7D2]"),
            ("oxime", "[#6D3][#7D2][#8D2]"),
            ("oxide", "[#8D1][#7D3r6]"),
        ):
            _EXTRA[name] = Smarts(text)
    return _COMPILED


def _dist(mol: Molecule, a: int, b: int) -> float:
    return float(np.linalg.norm(mol.coords[a] - mol.coords[b]))


def set_bond_order(mol: Molecule, a: int, b: int, order: int) -> None:
    """Set the order of the bond between ``a`` and ``b``, if they are bonded."""
    bid = mol.bond_between(a, b)
    if bid is not None:
        mol.bond_order[bid] = order


def apply_functional_group_rules(mol: Molecule) -> None:
    """Set bond orders of known functional groups, as OpenBabel's bond typer does.

    Parameters
    ----------
    mol
        Molecule whose hybridizations were guessed from geometry.
    """
    for pattern, orders in _rules():
        for match in pattern.unique_matches(mol):
            for k in range(0, len(orders), 3):
                set_bond_order(mol, match[orders[k]], match[orders[k + 1]], orders[k + 2])
    for match in _EXTRA["carbonyl"].unique_matches(mol):
        o, c = match[0], match[1]
        angle = mol.average_bond_angle(c)
        if 115 < angle < 150 and _dist(mol, o, c) < 1.28 and not mol.has_bond_of_order(o, 2):
            set_bond_order(mol, o, c, 2)
    for match in _EXTRA["thione"].unique_matches(mol):
        s, c = match[0], match[1]
        angle = mol.average_bond_angle(c)
        if 115 < angle < 150 and _dist(mol, s, c) < 1.72 and not mol.has_bond_of_order(s, 2):
            set_bond_order(mol, s, c, 2)
    for match in _EXTRA["isocyanate"].unique_matches(mol):
        x, c, nn = match[0], match[1], match[2]
        angle = mol.average_bond_angle(c)
        d1, d2 = _dist(mol, x, c), _dist(mol, c, nn)
        ok1 = d1 < 1.28 if mol.elements[x] == 8 else d1 < 1.72
        if angle > 150 and ok1 and d2 < 1.34:
            b1, b2 = mol.bond_between(x, c), mol.bond_between(c, nn)
            if b1 is not None and b2 is not None:
                mol.bond_order[b1] = 2
                mol.bond_order[b2] = 2
    for match in _EXTRA["oxime"].unique_matches(mol):
        c, nn = match[0], match[1]
        angle = mol.average_bond_angle(nn)
        if 110 < angle < 150 and _dist(mol, c, nn) < 1.4 and not mol.has_bond_of_order(c, 2):
            set_bond_order(mol, c, nn, 2)
    for match in _EXTRA["oxide"].unique_matches(mol):
        o, nn = match[0], match[1]
        angle = mol.average_bond_angle(nn)
        if 110 < angle < 150 and _dist(mol, o, nn) < 1.35:
            mol.charges[o] = -1
            mol.charges[nn] = 1
