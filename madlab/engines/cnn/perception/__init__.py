"""OpenBabel-compatible perception of bonds, bond orders, aromaticity and hydrogens.

The gnina program types atoms from what OpenBabel 3.1 perceives in its input
files. These modules repeat those steps, in OpenBabel's order, so that the
types (and the CNN scores that depend on them) come out the same without
OpenBabel.
"""
