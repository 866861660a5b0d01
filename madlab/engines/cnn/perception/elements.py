"""Element data as OpenBabel 3.1 uses it when it perceives bonds and hydrogens.

Indexed by atomic number (0 is the dummy atom ``*``).
"""

from __future__ import annotations

# Tables indexed by atomic number, as OpenBabel 3.1 gives them.
_SYMBOLS = """
* H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge
As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm
Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U
Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og
"""
_COVALENT = """
0.0 0.31 0.28 1.28 0.96 0.84 0.76 0.71 0.66 0.57 0.58 1.66 1.41 1.21 1.11 1.07 1.05 1.02
1.06 2.03 1.76 1.7 1.6 1.53 1.39 1.39 1.32 1.26 1.24 1.32 1.22 1.22 1.2 1.19 1.2 1.2
1.16 2.2 1.95 1.9 1.75 1.64 1.54 1.47 1.46 1.42 1.39 1.45 1.44 1.42 1.39 1.39 1.38 1.39
1.4 2.44 2.15 2.07 2.04 2.03 2.01 1.99 1.98 1.98 1.96 1.94 1.92 1.92 1.89 1.9 1.87 1.87
1.75 1.7 1.62 1.51 1.44 1.41 1.36 1.36 1.32 1.45 1.46 1.48 1.4 1.5 1.5 2.6 2.21 2.15
2.06 2.0 1.96 1.9 1.87 1.8 1.69 1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6
1.6 1.6 1.6 1.6 1.6 1.6 1.6 1.6
"""
_MAX_BONDS = """
0 1 0 1 2 4 4 4 2 1 0 1 2 6 6 6 6 1 0 1 2 6 6 6 6 8 6 6 6 6 6 3 4 3 2 1 0 1 2 6 6 6 6 6
6 6 6 6 6 3 4 3 2 1 0 1 2 12 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 3 4 3 2 1 0 1
2 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6
"""
_ELECTRONEGATIVITY = """
0.0 2.2 0.0 0.98 1.57 2.04 2.55 3.04 3.44 3.98 0.0 0.93 1.31 1.61 1.9 2.19 2.58 3.16 0.0
0.82 1.0 1.36 1.54 1.63 1.66 1.55 1.83 1.88 1.91 1.9 1.65 1.81 2.01 2.18 2.55 2.96 3.0
0.82 0.95 1.22 1.33 1.6 2.16 1.9 2.2 2.28 2.2 1.93 1.69 1.78 1.96 2.05 2.1 2.66 2.6 0.79
0.89 1.1 1.12 1.13 1.14 0.0 1.17 0.0 1.2 0.0 1.22 1.23 1.24 1.25 0.0 1.27 1.3 1.5 2.36
1.9 2.2 2.2 2.28 2.54 2.0 1.62 2.33 2.02 2.0 2.2 0.0 0.7 0.9 1.1 1.3 1.5 1.38 1.36 1.28
1.3 1.3 1.3 1.3 1.3 1.3 1.3 1.3 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0
0.0 0.0
"""

#: Element symbols (index 0 is the dummy atom ``*``).
SYMBOLS: tuple[str, ...] = tuple(_SYMBOLS.split())
#: Covalent radius (Å), used to connect atoms by distance.
COVALENT_RADIUS: tuple[float, ...] = tuple(float(x) for x in _COVALENT.split())
#: Largest number of bonds an element may carry.
MAX_BONDS: tuple[int, ...] = tuple(int(x) for x in _MAX_BONDS.split())
#: Pauling electronegativity (0 where undefined).
ELECTRONEGATIVITY: tuple[float, ...] = tuple(float(x) for x in _ELECTRONEGATIVITY.split())

# Usual valences by (atomic number, formal charge), smallest first.
_VALENCES: dict[tuple[int, int], tuple[int, ...]] = {
    (1, 0): (1,),
    (3, 0): (1,),
    (4, 0): (2,),
    (4, 1): (1,),
    (5, -2): (3,),
    (5, -1): (4,),
    (5, 0): (3,),
    (5, 1): (2,),
    (5, 2): (1,),
    (6, -2): (2,),
    (6, -1): (3,),
    (6, 0): (4,),
    (6, 1): (3,),
    (6, 2): (2,),
    (7, -2): (1,),
    (7, -1): (2,),
    (7, 0): (3,),
    (7, 1): (4,),
    (7, 2): (3,),
    (8, -1): (1,),
    (8, 0): (2,),
    (8, 1): (3, 5),
    (9, 0): (1,),
    (9, 1): (2,),
    (9, 2): (3, 5),
    (11, 0): (1,),
    (12, 0): (2,),
    (13, -2): (3, 5),
    (13, -1): (4,),
    (13, 0): (3,),
    (13, 1): (2,),
    (13, 2): (1,),
    (14, -2): (2,),
    (14, -1): (3, 5),
    (14, 0): (4,),
    (14, 1): (3,),
    (14, 2): (2,),
    (15, -2): (1, 3, 5, 7),
    (15, -1): (2, 4, 6),
    (15, 0): (3, 5),
    (15, 1): (4,),
    (15, 2): (3,),
    (16, -1): (1, 3, 5, 7),
    (16, 0): (2, 4, 6),
    (16, 1): (3, 5),
    (16, 2): (4,),
    (17, 0): (1, 3, 5, 7),
    (17, 1): (2, 4, 6),
    (17, 2): (3, 5),
    (19, 0): (1,),
    (20, 0): (2,),
    (20, 1): (1,),
    (34, -1): (1, 3, 5, 7),
    (34, 0): (2, 4, 6),
    (34, 1): (3, 5),
    (34, 2): (4,),
    (35, 0): (1, 3, 5, 7),
    (35, 1): (2, 4, 6),
    (35, 2): (3, 5),
    (53, 0): (1, 3, 5, 7),
    (53, 1): (2, 4, 6),
    (53, 2): (3, 5),
}


def typical_valence(element: int, bond_order_sum: int, charge: int) -> int:
    """Return the usual valence of an atom given its current bond order sum and charge.

    Parameters
    ----------
    element
        Atomic number.
    bond_order_sum
        Sum of the orders of the atom's explicit bonds.
    charge
        Formal charge.

    Returns
    -------
    int
        The smallest usual valence not below ``bond_order_sum``, or
        ``bond_order_sum`` itself when the element has none (metals, noble gases).
    """
    for valence in _VALENCES.get((element, charge), ()):
        if valence >= bond_order_sum:
            return valence
    return bond_order_sum


def symbol_to_number(symbol: str) -> int:
    """Return the atomic number of an element symbol (case-insensitive), 0 if unknown."""
    key = symbol.strip().capitalize()
    try:
        return SYMBOLS.index(key)
    except ValueError:
        return 0
