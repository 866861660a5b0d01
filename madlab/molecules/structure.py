"""Macromolecular structures (PDB, mmCIF) read with gemmi, after line checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import gemmi

from madlab.errors import InputFileError
from madlab.molecules.formats import detect_format, read_text
from madlab.molecules.residue_templates import STANDARD_NAMES

#: Residue names of the 20 standard amino acids and their common protonation variants.
AMINO_ACIDS = STANDARD_NAMES | frozenset(
    ["HID", "HIE", "HIP", "HSD", "HSE", "HSP", "CYX", "CYM", "ASH", "GLH", "LYN", "ARN"]
)


def _check_pdb_lines(text: str, path: str) -> None:
    lines = text.split("\n")
    last = len(lines)
    while last > 0 and not lines[last - 1].strip():
        last -= 1
    atoms = 0
    for no, ln in enumerate(lines[:last], start=1):
        if not ln.startswith(("ATOM  ", "HETATM")):
            continue
        atoms += 1
        if len(ln.rstrip()) < 54:
            cut = " (the file seems cut mid-line)" if no == last else ""
            raise InputFileError(
                f"truncated {ln[:6].strip()} record{cut}: '{ln.rstrip()}'",
                path=path,
                format="pdb",
                line=no,
                hint="ATOM/HETATM lines need x, y, z in columns 31-54",
            )
        try:
            float(ln[30:38])
            float(ln[38:46])
            float(ln[46:54])
        except ValueError:
            raise InputFileError(
                f"coordinates in columns 31-54 are not numbers: '{ln[30:54]}'",
                path=path,
                format="pdb",
                line=no,
                hint="fix the fixed-width columns of this line",
            ) from None
    if atoms == 0:
        raise InputFileError(
            "no ATOM or HETATM records", path=path, format="pdb", hint="the file has no coordinates"
        )


def read_structure(path: str | Path, *, max_bytes: int | None = None) -> gemmi.Structure:
    """Read a PDB or mmCIF file into a gemmi structure.

    Parameters
    ----------
    path
        The file (``.pdb``/``.ent`` or ``.cif``/``.mmcif``; content checked).
    max_bytes
        Size limit, checked before reading (default 200 MB).

    Returns
    -------
    gemmi.Structure
        The structure, named after the file stem.

    Raises
    ------
    InputFileError
        Wrong format, truncated or malformed atom lines (with the line), a file
        gemmi cannot parse, or no atoms.
    """
    p = str(path)
    fmt = detect_format(p, max_bytes=max_bytes)
    if fmt not in ("pdb", "mmcif"):
        raise InputFileError(
            f"a {fmt.upper()} file is not a macromolecular structure",
            path=p,
            format=fmt,
            hint="give the receptor as PDB or mmCIF",
        )
    text = read_text(p, max_bytes)
    try:
        if fmt == "pdb":
            _check_pdb_lines(text, p)
            st = gemmi.read_pdb_string(text)
        else:
            doc = gemmi.cif.read_string(text)
            st = gemmi.make_structure_from_block(doc.sole_block())
    except InputFileError:
        raise
    except (RuntimeError, ValueError, IndexError) as exc:
        raise InputFileError(f"cannot be parsed as {fmt}: {exc}", path=p, format=fmt) from None
    if len(st) == 0 or st[0].count_atom_sites() == 0:
        raise InputFileError("no atoms in the structure", path=p, format=fmt)
    st.name = Path(p).stem
    return st


def residue_label(chain: str, res: gemmi.Residue) -> str:
    """Label a residue as ``chain:NAME:number+icode`` (``A:HIS:52A``)."""
    icode = res.seqid.icode.strip()
    return f"{chain}:{res.name}:{res.seqid.num}{icode}"


def structure_summary(st: gemmi.Structure) -> dict[str, Any]:
    """Counts and warnings for a structure (first model).

    Returns
    -------
    dict
        ``models``, ``atoms``, ``chains``, ``residues``, ``waters``,
        ``hydrogens``, ``hetero`` (residue name → count) and ``warnings``.
    """
    model = st[0]
    warnings: list[str] = []
    if len(st) > 1:
        warnings.append(f"{len(st)} models: only the first is used")
    hetero: Counter[str] = Counter()
    waters = residues = hydrogens = altloc_res = 0
    for chain in model:
        for res in chain:
            residues += 1
            if res.is_water():
                waters += 1
            elif res.name not in AMINO_ACIDS:
                hetero[res.name] += 1
            if any(a.has_altloc() for a in res):
                altloc_res += 1
            hydrogens += sum(1 for a in res if a.is_hydrogen())
    if altloc_res:
        warnings.append(
            f"{altloc_res} residues with alternate locations: the most occupied is kept"
        )
    if waters:
        warnings.append(f"{waters} waters: removed by receptor preparation")
    return {
        "models": len(st),
        "atoms": model.count_atom_sites(),
        "chains": len(model),
        "residues": residues,
        "waters": waters,
        "hydrogens": hydrogens,
        "hetero": dict(hetero),
        "warnings": warnings,
    }
