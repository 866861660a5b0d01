"""Records of a prepared receptor and their PDB and PDBQT lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class RAtom:
    """One atom of a prepared receptor.

    ``ad_type`` is ``None`` for an atom Vina cannot type (kept in the PDB,
    left out of the PDBQT) and for nonpolar hydrogens (PDB only).
    """

    name: str
    element: str
    xyz: np.ndarray
    occupancy: float = 1.0
    b_factor: float = 0.0
    ad_type: str | None = None
    is_h: bool = False


@dataclass
class RResidue:
    """One residue of a prepared receptor, labelled as in the input."""

    chain: str
    name: str
    num: int
    icode: str
    hetero: bool
    atoms: list[RAtom] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``chain:NAME:number+icode``, as in :class:`madlab.domain.ResidueIssue`."""
        return f"{self.chain.strip()}:{self.name}:{self.num}{self.icode.strip()}"


def element_symbol(el: str) -> str:
    """``ZN`` → ``Zn``."""
    return el[:1].upper() + el[1:].lower()


def _atom_name(name: str, element: str) -> str:
    if len(name) < 4 and len(element) == 1:
        return f" {name:<3}"
    return f"{name:<4}"[:4]


def _prefix(rec: str, serial: int, atom: RAtom, res: RResidue) -> str:
    x, y, z = (float(v) for v in atom.xyz)
    return (
        f"{rec:<6}{serial % 100000:>5} {_atom_name(atom.name, atom.element)} "
        f"{res.name[:3]:>3} {res.chain[:1] or ' '}{res.num % 10000:>4}{res.icode[:1] or ' '}"
        f"   {x:8.3f}{y:8.3f}{z:8.3f}{atom.occupancy:6.2f}{atom.b_factor:6.2f}"
    )


def write_pdb(residues: list[RResidue], path: Path, remarks: list[str]) -> int:
    """Write the cleaned receptor with every hydrogen; returns the atom count."""
    lines = [f"REMARK   1 {r}"[:80] for r in remarks]
    serial = 0
    prev_chain: str | None = None
    for res in residues:
        if prev_chain is not None and res.chain != prev_chain:
            lines.append("TER")
        prev_chain = res.chain
        rec = "HETATM" if res.hetero else "ATOM"
        for atom in res.atoms:
            serial += 1
            el = element_symbol(atom.element)
            lines.append(f"{_prefix(rec, serial, atom, res)}          {el:>2}")
    lines += ["TER", "END", ""]
    path.write_text("\n".join(lines))
    return serial


def write_pdbqt(residues: list[RResidue], path: Path) -> int:
    """Write the rigid receptor PDBQT (heavy atoms and polar hydrogens, charges 0).

    Returns the number of atoms written.
    """
    lines = []
    serial = 0
    for res in residues:
        rec = "HETATM" if res.hetero else "ATOM"
        for atom in res.atoms:
            if atom.ad_type is None:
                continue
            serial += 1
            lines.append(f"{_prefix(rec, serial, atom, res)}    {0.0:+6.3f} {atom.ad_type:<2}")
    lines.append("")
    path.write_text("\n".join(lines))
    return serial
