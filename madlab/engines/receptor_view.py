"""The receptor file the smina and gnina programs (and gnina's CNN) are given.

The programs read a receptor PDB with OpenBabel, which keeps the file's own
atoms and adds polar hydrogens its own way; gnina's CNN scores depend on that
typing. madlab's prepared PDB rebuilds every hydrogen, so it is not what the
programs see: the CNN's numbers match the gnina program's only on the user's
original file. What madlab's preparation removed (waters, hetero groups that
were not asked for) must stay removed, though, or a program would see a
co-crystallized ligand in the pocket. :func:`program_receptor` therefore gives
the user's file itself when preparation removed nothing, and otherwise a copy
of its own records without the removed residues.
"""

from __future__ import annotations

from pathlib import Path

from madlab.domain import PreparedReceptor
from madlab.molecules.residue_templates import template_for

__all__ = ["program_receptor"]

_PDB_SUFFIXES = {".pdb", ".ent"}
_WATERS = {"HOH", "WAT", "DOD", "H2O", "TIP", "SOL"}


def _kept_names(receptor: PreparedReceptor) -> set[str]:
    names = set()
    for label in receptor.kept_hetero:
        parts = label.split(":")
        names.add((parts[1] if len(parts) > 1 else label).strip().upper())
    return names


def _keeps(resname: str, kept: set[str]) -> bool:
    name = resname.strip().upper()
    if name in _WATERS:
        return "HOH" in kept or name in kept
    return template_for(name) is not None or name in kept


def program_receptor(receptor: PreparedReceptor) -> Path:
    """The receptor PDB to give the smina or gnina program, or gnina's CNN.

    Parameters
    ----------
    receptor
        A receptor prepared by :func:`madlab.molecules.receptor.prepare_receptor`.

    Returns
    -------
    pathlib.Path
        The user's PDB file when preparation removed none of its residues; a
        copy of its records without the removed waters and hetero groups
        (``<name>_as_given.pdb`` beside the prepared PDB) when it did; the
        prepared PDB when the user's file is not a PDB file (mmCIF).
    """
    source = receptor.source_path
    if source is None or Path(source).suffix.lower() not in _PDB_SUFFIXES:
        return Path(receptor.pdb_path)
    source = Path(source)
    try:
        lines = source.read_text(errors="replace").splitlines(keepends=True)
    except OSError:
        return Path(receptor.pdb_path)
    kept = _kept_names(receptor)
    out: list[str] = []
    dropped: set[str] = set()
    serials: set[str] = set()
    for line in lines:
        if line.startswith("ENDMDL"):
            break
        if line.startswith(("ATOM", "HETATM")):
            if not _keeps(line[17:20], kept):
                dropped.add(line[6:11].strip())
                continue
            serials.add(line[6:11].strip())
        elif line.startswith("CONECT"):
            numbers = [line[i : i + 5].strip() for i in range(6, min(len(line.rstrip()), 31), 5)]
            if any(n and n not in serials for n in numbers):
                continue
        out.append(line)
    if not dropped:
        return source
    path = Path(receptor.pdb_path).parent / f"{receptor.name}_as_given.pdb"
    path.write_text("".join(out))
    return path
