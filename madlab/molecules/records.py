"""Ligand files (SDF, MOL2, SMILES) read record by record into RDKit molecules.

Each record is checked before it is used: a record cut short, an atom type
RDKit does not know, a molecule RDKit cannot sanitize or one with no heavy
atoms raises :class:`~madlab.errors.InputFileError` naming the file, the record
(1-based) and its first line. With ``strict=False`` a bad record is skipped and
reported through ``on_error`` (default: a logged warning), so that one bad
molecule does not stop a library.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdkit import Chem, rdBase

from madlab.errors import InputFileError
from madlab.molecules.formats import detect_format, read_text

log = logging.getLogger(__name__)

_COUNTS = re.compile(r"^[ \d]{3}[ \d]{3}|.*V3000")

# SYBYL atom types of the Tripos MOL2 format (as RDKit and common tools write them).
_SYBYL_TEXT = """C.3 C.2 C.1 C.ar C.cat N.3 N.2 N.1 N.ar N.am N.pl3 N.4 O.3 O.2 O.co2 O.spc O.t3p
    S.3 S.2 S.O S.O2 S.o S.o2 P.3 F Cl Br I H H.spc H.t3p LP Du Du.C Any Hal Het Hev
    Li Na Mg Al Si K Ca Cr.th Cr.oh Cr Mn Fe Co.oh Co Cu Zn Se Mo Sn Ni Sr Ba Cd Hg B
    As Pt Au Ag Rb Cs V Ti W Pd Ru Rh Ir Os Ga Ge Sb Te Xe Kr Ar Ne He Tl Pb Bi Be"""
#: SYBYL atom types madlab accepts in MOL2 files.
SYBYL_TYPES = frozenset(_SYBYL_TEXT.split())


@dataclass
class LigandRecord:
    """One molecule read from a ligand file or a SMILES string.

    Attributes
    ----------
    name
        The molecule's name (title line, MOL2 name or SMILES name), else
        ``stem#index``.
    mol
        The RDKit molecule as written (hydrogens kept when present), sanitized.
    source
        Where it came from: ``file.sdf#3`` or ``smiles``.
    index
        1-based record index in its file.
    has_3d
        Whether the coordinates are 3D (not all z = 0; ``False`` for SMILES).
    line
        1-based line where the record starts.
    """

    name: str
    mol: Any
    source: str
    index: int
    has_3d: bool
    line: int = 1


@contextlib.contextmanager
def _captured_rdkit_log() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    rdBase.LogToPythonStderr()
    try:
        with contextlib.redirect_stderr(buf):
            yield buf
    finally:
        rdBase.LogToCppStreams()


def _rdkit_reason(buf: io.StringIO) -> str:
    """RDKit's log as one line: messages only, no timestamps or stack traces."""
    messages: list[str] = []
    for raw in buf.getvalue().splitlines():
        line = re.sub(r"^\[\d\d:\d\d:\d\d\]\s*", "", raw).strip()
        if line.startswith(("Violation occurred", "Failed Expression", "----", "Stacktrace")):
            break
        if line and not line.startswith("*"):
            messages.append(line)
    return "; ".join(dict.fromkeys(messages)) or "RDKit could not parse it"


def _finish(
    mol: Any,
    *,
    path: str | None,
    fmt: str,
    index: int,
    line: int,
    name: str,
    need_3d: bool,
    source: str,
    where: tuple[int | None, int | None] | None = None,
) -> LigandRecord:
    record, at_line = where if where is not None else (index, line)
    try:
        with rdBase.BlockLogs():
            Chem.SanitizeMol(mol)
    except Exception as exc:  # RDKit raises MolSanitizeException subclasses
        raise InputFileError(
            f"molecule '{name}' cannot be sanitized by RDKit: {exc}",
            path=path,
            format=fmt,
            record=record,
            line=at_line,
            hint="fix the valences or charges of the named atom",
        ) from None
    if mol.GetNumHeavyAtoms() == 0:
        raise InputFileError(
            f"molecule '{name}' has no heavy atoms",
            path=path,
            format=fmt,
            record=record,
            line=at_line,
            hint="a ligand needs at least one non-hydrogen atom",
        )
    has_3d = is_3d(mol)
    if need_3d and not has_3d:
        raise InputFileError(
            f"molecule '{name}' has no 3D coordinates (all z = 0)",
            path=path,
            format=fmt,
            record=record,
            line=at_line,
            hint="give 3D coordinates, or prepare the ligand first "
            "(preparation embeds 3D from 2D input)",
        )
    mol.SetProp("_Name", name)
    return LigandRecord(name=name, mol=mol, source=source, index=index, has_3d=has_3d, line=line)


def is_3d(mol: Any) -> bool:
    """Whether a molecule has 3D coordinates (a conformer with some z not 0)."""
    if mol.GetNumConformers() == 0:
        return False
    pos = mol.GetConformer().GetPositions()
    return bool(len(pos)) and bool((abs(pos[:, 2]) > 1e-4).any())


def smiles_to_mol(
    smiles: str,
    name: str = "",
    *,
    source: str = "smiles",
    index: int = 1,
    line: int = 1,
    path: str | None = None,
) -> Any:
    """Parse one SMILES string into a sanitized RDKit molecule.

    Parameters
    ----------
    smiles
        The SMILES string.
    name
        A name for the molecule (kept as its ``_Name``).
    source, index, line, path
        Where the SMILES came from, for messages (a file's record and line).

    Raises
    ------
    InputFileError
        An empty string, a SMILES RDKit cannot parse or sanitize (with RDKit's
        reason) or one without heavy atoms.
    """
    text = smiles.strip()
    label = name or text
    named = f" ({name})" if name and name != text else ""
    if path is None:  # a SMILES given directly: no record or line to name
        index_or_none: int | None = None
        line_or_none: int | None = None
    else:
        index_or_none, line_or_none = index, line
    if not text:
        raise InputFileError(
            "empty SMILES",
            path=path,
            format="smiles",
            record=index_or_none,
            line=line_or_none,
            field="smiles",
        )
    with _captured_rdkit_log() as buf:
        mol = Chem.MolFromSmiles(text, sanitize=False)
    if mol is None:
        raise InputFileError(
            f"SMILES '{text}'{named} cannot be parsed: {_rdkit_reason(buf)}",
            path=path,
            format="smiles",
            record=index_or_none,
            line=line_or_none,
            field="smiles",
            hint="check brackets, ring closures and elements",
        )
    return _finish(
        mol,
        path=path,
        fmt="smiles",
        index=index,
        line=line,
        where=(index_or_none, line_or_none),
        name=label,
        need_3d=False,
        source=source,
    ).mol


def _split_sdf(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (index, first line, block) for each record."""
    lines = text.split("\n")
    start = 0
    index = 0
    for i, ln in enumerate(lines):
        if ln.strip() == "$$$$":
            index += 1
            yield index, start + 1, "\n".join(lines[start:i]) + "\n"
            start = i + 1
    rest = "\n".join(lines[start:])
    if rest.strip():
        yield index + 1, start + 1, rest


def _read_sdf(text: str, path: str, need_3d: bool) -> Iterator[LigandRecord | InputFileError]:
    for index, line, block in _split_sdf(text):
        try:
            yield _sdf_record(block, path, index, line, need_3d)
        except InputFileError as err:
            yield err


def _sdf_record(block: str, path: str, index: int, line: int, need_3d: bool) -> LigandRecord:
    name = block.split("\n", 1)[0].strip() or f"{Path(path).stem}#{index}"
    where: dict[str, Any] = dict(path=path, format="sdf", record=index, line=line)
    if "M  END" not in block:
        raise InputFileError(
            f"record '{name}' is truncated: no 'M  END' line",
            hint="the file may be cut short; export it again",
            **where,
        )
    header = block.split("\n")
    if len(header) < 4 or not _COUNTS.match(header[3]):
        raise InputFileError(
            f"record '{name}' has no counts line (line 4 of the record)",
            hint="is this really an SDF file?",
            **where,
        )
    with _captured_rdkit_log() as buf:
        mol = Chem.MolFromMolBlock(block, sanitize=False, removeHs=False)
    if mol is None:
        raise InputFileError(f"record '{name}' cannot be parsed: {_rdkit_reason(buf)}", **where)
    return _finish(
        mol,
        path=path,
        fmt="sdf",
        index=index,
        line=line,
        name=name,
        need_3d=need_3d,
        source=f"{Path(path).name}#{index}",
    )


def _split_mol2(text: str) -> Iterator[tuple[int, int, str]]:
    lines = text.split("\n")
    starts = [i for i, ln in enumerate(lines) if ln.strip().upper() == "@<TRIPOS>MOLECULE"]
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        yield k + 1, s + 1, "\n".join(lines[s:end]) + "\n"


def _mol2_sections(block: str, first_line: int) -> dict[str, list[tuple[int, str]]]:
    sections: dict[str, list[tuple[int, str]]] = {}
    current = ""
    for offset, ln in enumerate(block.split("\n")):
        if ln.startswith("@<TRIPOS>"):
            current = ln.strip()[9:].upper()
            sections[current] = []
        elif current and ln.strip() and not ln.lstrip().startswith("#"):
            sections[current].append((first_line + offset, ln))
    return sections


def _check_mol2(block: str, path: str, index: int, line: int) -> str:
    sec = _mol2_sections(block, line)
    mol_lines = sec.get("MOLECULE", [])
    name = mol_lines[0][1].strip() if mol_lines else f"{Path(path).stem}#{index}"
    where: dict[str, Any] = dict(path=path, format="mol2", record=index)
    try:
        counts = [int(x) for x in mol_lines[1][1].split()[:2]]
    except (IndexError, ValueError):
        raise InputFileError(
            f"record '{name}' has no atom/bond counts line", line=line, **where
        ) from None
    n_atoms = counts[0]
    n_bonds = counts[1] if len(counts) > 1 else 0
    atoms = sec.get("ATOM")
    if atoms is None or len(atoms) < n_atoms:
        got = 0 if atoms is None else len(atoms)
        raise InputFileError(
            f"record '{name}' is truncated: {got} of {n_atoms} atom lines",
            line=line,
            hint="the file may be cut short; export it again",
            **where,
        )
    for ln_no, ln in atoms[:n_atoms]:
        fields = ln.split()
        if len(fields) < 6:
            raise InputFileError(f"malformed atom line: '{ln.strip()}'", line=ln_no, **where)
        if fields[5] not in SYBYL_TYPES:
            raise InputFileError(
                f"unknown SYBYL atom type '{fields[5]}' for atom {fields[0]} ({fields[1]})",
                line=ln_no,
                hint="use a standard Tripos type such as C.3, N.ar or O.co2",
                **where,
            )
    if n_bonds > 0:
        bonds = sec.get("BOND")
        if bonds is None:
            raise InputFileError(
                f"record '{name}' is truncated: missing its @<TRIPOS>BOND "
                f"section ({n_bonds} bonds expected)",
                line=line,
                hint="the file may be cut short; export it again",
                **where,
            )
        if len(bonds) < n_bonds:
            raise InputFileError(
                f"record '{name}' is truncated: {len(bonds)} of {n_bonds} bond lines",
                line=line,
                **where,
            )
    return name


def _read_mol2(text: str, path: str, need_3d: bool) -> Iterator[LigandRecord | InputFileError]:
    blocks = list(_split_mol2(text))
    if not blocks:
        raise InputFileError(
            "no @<TRIPOS>MOLECULE section",
            path=path,
            format="mol2",
            hint="is this really a MOL2 file?",
        )
    for index, line, block in blocks:
        try:
            yield _mol2_record(block, path, index, line, need_3d)
        except InputFileError as err:
            yield err


def _mol2_record(block: str, path: str, index: int, line: int, need_3d: bool) -> LigandRecord:
    name = _check_mol2(block, path, index, line)
    with _captured_rdkit_log() as buf:
        mol = Chem.MolFromMol2Block(block, sanitize=False, removeHs=False)
    if mol is None:
        raise InputFileError(
            f"record '{name}' cannot be parsed: {_rdkit_reason(buf)}",
            path=path,
            format="mol2",
            record=index,
            line=line,
        )
    return _finish(
        mol,
        path=path,
        fmt="mol2",
        index=index,
        line=line,
        name=name,
        need_3d=need_3d,
        source=f"{Path(path).name}#{index}",
    )


def _read_smiles(text: str, path: str) -> Iterator[LigandRecord | InputFileError]:
    stem = Path(path).name
    index = 0
    for ln_no, ln in enumerate(text.split("\n"), start=1):
        content = ln.strip()
        if not content or content.startswith("#"):
            continue
        fields = content.split(None, 1)
        if fields[0].upper() in ("SMILES", "SMI") and index == 0:
            continue  # a header line
        index += 1
        name = fields[1].strip() if len(fields) > 1 else f"{Path(path).stem}#{index}"
        source = f"{stem}#{index}"
        try:
            mol = smiles_to_mol(fields[0], name, source=source, index=index, line=ln_no, path=path)
        except InputFileError as err:
            yield err
            continue
        yield LigandRecord(name=name, mol=mol, source=source, index=index, has_3d=False, line=ln_no)


def _default_on_error(err: InputFileError) -> None:
    log.warning("skipped: %s", err)


def iter_ligands(
    path: str | Path,
    *,
    need_3d: bool = False,
    max_bytes: int | None = None,
    strict: bool = True,
    on_error: Callable[[InputFileError], None] | None = None,
) -> Iterator[LigandRecord]:
    """Read the molecules of an SDF, MOL2 or SMILES file one by one.

    Parameters
    ----------
    path
        The file (format from its extension, checked against its content).
    need_3d
        Refuse records without 3D coordinates (all z = 0).
    max_bytes
        Size limit, checked with ``stat`` before reading (default 200 MB).
    strict
        ``True``: the first bad record raises. ``False``: a bad record is
        skipped and passed to ``on_error`` (default: a logged warning); errors
        that concern the whole file (size, emptiness, format) still raise.
    on_error
        Called with each skipped record's error when ``strict`` is ``False``.

    Yields
    ------
    LigandRecord
        One per good record, in file order.

    Raises
    ------
    InputFileError
        A bad file, or a bad record when ``strict``.
    """
    p = str(path)
    fmt = detect_format(p, max_bytes=max_bytes)
    if fmt not in ("sdf", "mol2", "smiles"):
        raise InputFileError(
            f"a {fmt.upper()} file is not a ligand file",
            path=p,
            format=fmt,
            hint="give ligands as SDF, MOL2 or SMILES",
        )
    text = read_text(p, max_bytes)
    reader: Iterator[LigandRecord | InputFileError]
    if fmt == "sdf":
        reader = _read_sdf(text, p, need_3d)
    elif fmt == "mol2":
        reader = _read_mol2(text, p, need_3d)
    else:
        reader = _read_smiles(text, p)
    report = on_error or _default_on_error
    yielded = 0
    for item in reader:
        if isinstance(item, InputFileError):
            if strict:
                raise item
            report(item)
            continue
        yielded += 1
        yield item
    if yielded == 0 and not strict:
        raise InputFileError(
            "no usable molecule in the file",
            path=p,
            format=fmt,
            hint="every record had a problem; see the warnings",
        )


def read_ligands(
    path: str | Path,
    *,
    need_3d: bool = False,
    max_bytes: int | None = None,
    strict: bool = True,
    on_error: Callable[[InputFileError], None] | None = None,
) -> list[LigandRecord]:
    """Read every molecule of an SDF, MOL2 or SMILES file.

    See :func:`iter_ligands` for the parameters; this returns them as a list.
    """
    return list(
        iter_ligands(path, need_3d=need_3d, max_bytes=max_bytes, strict=strict, on_error=on_error)
    )
