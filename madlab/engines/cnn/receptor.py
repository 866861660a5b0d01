"""Receptor atoms and smina types as the gnina program derives them from a PDB file.

Gnina reads the receptor with OpenBabel: every ATOM and HETATM record (all
alternate locations included), bonds found by distance, bond orders guessed
from geometry, polar hydrogens added, then written as PDBQT (non-polar
hydrogens dropped) and typed by smina. :func:`type_receptor` repeats those
steps with the :mod:`madlab.engines.cnn.perception` package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from madlab.engines.cnn.atomtypes import TypedAtoms, type_from_ad_name, xs_adjust
from madlab.engines.cnn.perception.adtypes import ad_types, is_polar_hydrogen
from madlab.engines.cnn.perception.bondorders import connect_the_dots, perceive_bond_orders
from madlab.engines.cnn.perception.elements import symbol_to_number
from madlab.engines.cnn.perception.hydrogens import add_hydrogens, assign_implicit_hydrogens
from madlab.engines.cnn.perception.molecule import Molecule, ResidueInfo
from madlab.errors import InputFileError


def _element(line: str, atom_name: str, record: str) -> int:
    col = line[76:78] if len(line) > 77 else ""
    if len(col) == 2 and col[1].isalpha() and (col[0] == " " or col[0].isalpha()):
        return symbol_to_number(col.strip())
    # No element column: guess from the atom name as OpenBabel does for common cases.
    name = atom_name.strip()
    if record == "ATOM":
        if name[:1].isdigit():
            guess = name[1:2] if not name[1:2].isdigit() else name[2:3]
        elif name[:2].upper() in ("ZN", "FE") and atom_name[:1] != " ":
            guess = name[:2]
        else:
            guess = name[:1]
        if name[:1] == "H" and name[1:2] in ("D", "E", "G", "H", "N"):
            guess = "H"
        return symbol_to_number(guess)
    if name[:2].upper() in ("CL", "BR", "ZN", "FE", "MG", "MN", "CA", "NA") and name == name[:2]:
        return symbol_to_number(name[:2])
    return symbol_to_number("".join(c for c in name if c.isalpha())[:1])


def _charge(line: str) -> int:
    field = line[78:80] if len(line) > 79 else ""
    if len(field) == 2 and field[0].isdigit() and field[1] in "+-":
        return int(field[1] + field[0])
    return 0


def read_pdb(text: str, source: str = "<pdb>") -> Molecule:
    """Read the atoms (and CONECT bonds) of a PDB text as OpenBabel does.

    Parameters
    ----------
    text
        PDB file content.
    source
        Name used in error messages.

    Returns
    -------
    Molecule
        Atoms in file order with residue information.

    Raises
    ------
    InputFileError
        If the text holds no ATOM or HETATM record, or a record cannot be read.
    """
    elements: list[int] = []
    coords: list[tuple[float, float, float]] = []
    charges: list[int] = []
    residues: list[ResidueInfo] = []
    serials: dict[int, int] = {}
    conect: list[tuple[int, list[int]]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\n")
        if line.startswith("ENDMDL") or line.startswith("END"):
            break
        if line.startswith(("ATOM", "HETATM")):
            try:
                xyz = (float(line[30:38]), float(line[38:46]), float(line[46:54]))
            except ValueError as exc:
                raise InputFileError(
                    f"cannot read the coordinates of atom record: {exc}",
                    path=source,
                    format="pdb",
                    line=lineno,
                    hint="check columns 31-54 of the record",
                ) from exc
            record = "HETATM" if line.startswith("HETATM") else "ATOM"
            atom_name = line[12:16]
            serial = line[6:11].strip()
            if serial.lstrip("-").isdigit():
                serials.setdefault(int(serial), len(elements))
            elements.append(_element(line, atom_name, record))
            coords.append(xyz)
            charges.append(_charge(line))
            residues.append(
                ResidueInfo(
                    name=line[17:20].strip() or "UNK",
                    atom_name=atom_name.strip(),
                    number=line[22:26],
                    chain=line[21:22],
                )
            )
        elif line.startswith("CONECT"):
            fields = line[6:31].split()
            if len(fields) >= 2 and all(f.lstrip("-").isdigit() for f in fields):
                conect.append((int(fields[0]), [int(f) for f in fields[1:5]]))
    if not elements:
        raise InputFileError(
            "no ATOM or HETATM record found",
            path=source,
            format="pdb",
            hint="give the receptor as a PDB file with atom records",
        )
    mol = Molecule(elements, np.array(coords), charges, residues)
    for first, others in conect:
        a = serials.get(first)
        if a is None:
            continue
        k = 0
        while k < len(others):
            order = 1
            while k + order < len(others) and others[k + order] == others[k]:
                order += 1
            b = serials.get(others[k])
            if b is not None and b != a and mol.bond_between(a, b) is None:
                mol.add_bond(a, b, order)
            k += order
    return mol


def type_receptor(mol: Molecule) -> TypedAtoms:
    """Perceive bonds and hydrogens of a receptor read by :func:`read_pdb` and type its atoms.

    Parameters
    ----------
    mol
        The receptor as read (modified in place: bonds and hydrogens are added).

    Returns
    -------
    TypedAtoms
        Heavy atoms and kept hydrogens, in file order, added hydrogens last.
    """
    keep, names = receptor_ad_atoms(mol)
    types = np.array([type_from_ad_name(t) for t in names], dtype=np.int64)
    coords = mol.coords[keep]
    return TypedAtoms(coords=coords, types=xs_adjust(coords, types))


def receptor_ad_atoms(mol: Molecule) -> tuple[list[int], list[str]]:
    """Perceive a receptor as the programs do; return the atoms they keep and their AutoDock types.

    Parameters
    ----------
    mol
        The receptor as read by :func:`read_pdb` (modified in place: bonds and
        polar hydrogens are added).

    Returns
    -------
    tuple of (list of int, list of str)
        Indices of the heavy atoms and polar hydrogens (file order, added
        hydrogens last), and the AutoDock type the programs write for each.
    """
    connect_the_dots(mol)
    perceive_bond_orders(mol)
    assign_implicit_hydrogens(mol)
    residues = mol.residues or []
    for atom, res in enumerate(residues):
        # Gnina's correction for OpenBabel's charged arginine NH1.
        if res.atom_name == "NH1" and mol.charges[atom] == 1:
            mol.charges[atom] = 0
            mol.implicit_h[atom] = 2
    add_hydrogens(mol, polar_only=True)
    keep = [a for a in range(mol.n_atoms) if mol.elements[a] != 1 or is_polar_hydrogen(mol, a)]
    return keep, ad_types(mol, keep)


def load_receptor(path: str | Path) -> TypedAtoms:
    """Read a PDB file and return its atoms typed as the gnina program types them.

    Parameters
    ----------
    path
        Receptor PDB file.

    Returns
    -------
    TypedAtoms
        Typed receptor atoms.

    Raises
    ------
    InputFileError
        If the file cannot be read or holds no atoms.
    """
    p = Path(path)
    try:
        text = p.read_text(errors="replace")
    except OSError as exc:
        raise InputFileError(
            f"cannot read the receptor file: {exc.strerror}",
            path=str(p),
            format="pdb",
            hint="check the path and permissions",
        ) from exc
    return type_receptor(read_pdb(text, source=str(p)))
