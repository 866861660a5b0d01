"""A receptor PDBQT typed as the smina and gnina programs type a receptor PDB.

The programs read the receptor with OpenBabel: every atom of the file, bonds
from distances, bond orders from geometry, polar hydrogens added where
OpenBabel puts them, non-polar hydrogens dropped, AutoDock types from
OpenBabel's perception. The donor and acceptor types that Vina's scoring
function then derives depend on those hydrogens, so a receptor prepared another
way (madlab's preparation rebuilds every hydrogen from templates) scores
differently: on the crystal pose of 2nnq by 0.37 kcal/mol, where the program's
typing gives smina's affinity to 0.005 kcal/mol.

:func:`program_receptor_pdbqt` writes that typing (repeated by
:mod:`madlab.engines.cnn.perception`, the same code that feeds gnina's CNN) as a
rigid receptor PDBQT for the Vina core. Atoms whose AutoDock type Vina does not
know (sodium, potassium...) are left out, as Vina could not read them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from madlab.engines.cnn.receptor import read_pdb, receptor_ad_atoms
from madlab.errors import InputFileError

__all__ = ["VINA_AD_TYPES", "program_receptor_pdbqt"]

log = logging.getLogger(__name__)

#: AutoDock types the Vina core reads in a receptor.
VINA_AD_TYPES = frozenset(
    {
        "C", "A", "N", "O", "P", "S", "H", "F", "I", "NA", "OA", "SA", "HD",
        "Mg", "Mn", "Zn", "Ca", "Fe", "Cl", "Br", "Si", "At",
    }
)  # fmt: skip


def program_receptor_pdbqt(pdb: str | Path, out: str | Path) -> Path:
    """Write the receptor PDB ``pdb`` as a PDBQT typed the way smina and gnina type it.

    Parameters
    ----------
    pdb
        The receptor PDB the program would be given.
    out
        The PDBQT file to write.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    madlab.errors.InputFileError
        When the PDB cannot be read or holds no atom.
    """
    src = Path(pdb)
    try:
        text = src.read_text(errors="replace")
    except OSError as err:
        raise InputFileError(
            f"cannot read the receptor: {err.strerror or err}", path=str(src), format="pdb"
        ) from err
    mol = read_pdb(text, source=str(src))
    keep, names = receptor_ad_atoms(mol)
    residues = mol.residues or []
    lines: list[str] = []
    skipped: set[str] = set()
    for atom, ad in zip(keep, names, strict=True):
        if ad not in VINA_AD_TYPES:
            skipped.add(ad or "?")
            continue
        info = residues[atom] if atom < len(residues) else None
        if info is None or not info.atom_name:  # an added hydrogen: label it as its parent
            parents = mol.neighbors(atom)
            parent = residues[parents[0]] if parents and parents[0] < len(residues) else None
            res, chain, num = (
                (parent.name, parent.chain, parent.number) if parent else ("UNK", " ", "   1")
            )
            name = "H"
        else:
            res, chain, num, name = info.name, info.chain, info.number, info.atom_name
        x, y, z = mol.coords[atom]
        serial = len(lines) + 1
        lines.append(
            f"ATOM  {serial % 100000:5d} {name[:4]:<4s} {res[:3]:>3s} {chain[:1] or ' ':1s}"
            f"{num[:4]:>4s}    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00    {0.0:6.3f} {ad:<2s}\n"
        )
    if not lines:
        raise InputFileError("no atom Vina can type", path=str(src), format="pdb")
    if skipped:
        log.warning(
            "%s: atoms of AutoDock type %s left out (Vina cannot type them)",
            src.name,
            ", ".join(sorted(skipped)),
        )
    target = Path(out)
    target.write_text("".join(lines))
    return target
