"""Molecular file formats: detection, size limits, text reading and validation.

A format is one of :data:`FORMATS`. The extension says what a file claims to be,
the content says what it is; :func:`detect_format` checks one against the other
so that, for example, PDB text saved as ``.sdf`` is refused with a message that
says what it looks like instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from madlab.errors import FileTooLargeError, InputFileError
from madlab.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    import gemmi

    from madlab.molecules.records import LigandRecord

#: Formats madlab reads.
FORMATS = ("pdb", "mmcif", "sdf", "mol2", "pdbqt", "smiles")

#: File name endings and the format they claim.
EXTENSIONS: dict[str, str] = {
    ".pdb": "pdb",
    ".ent": "pdb",
    ".cif": "mmcif",
    ".mmcif": "mmcif",
    ".sdf": "sdf",
    ".sd": "sdf",
    ".mol": "sdf",
    ".mol2": "mol2",
    ".pdbqt": "pdbqt",
    ".smi": "smiles",
    ".smiles": "smiles",
}

#: Default size limit in bytes (``MADLAB_MAX_UPLOAD_MB``, 200 MB).
DEFAULT_MAX_BYTES = Settings().max_upload_bytes

_SNIFF_BYTES = 64 * 1024
_LABELS = {
    "pdb": "a PDB file",
    "mmcif": "an mmCIF file",
    "sdf": "an SDF/MOL file",
    "mol2": "a MOL2 file",
    "pdbqt": "a PDBQT file",
    "smiles": "a SMILES file",
}
_PDBQT_TYPE = re.compile(r"^(ATOM  |HETATM).{60,}\s[A-Za-z]{1,2}\d?\s*$")
_SMILES_TOKEN = re.compile(r"^[A-Za-z0-9@+\-\[\]\(\)=#$%/\\.:*~]+$")


@dataclass
class FileReport:
    """What :func:`validate_file` found in a file.

    Attributes
    ----------
    path
        The file.
    format
        Its format (one of :data:`FORMATS`).
    records
        Molecules in it (ligand files) or models (structures).
    atoms
        Atoms in all records (heavy atoms and hydrogens as written).
    warnings
        Things a user may want to know that do not stop its use.
    details
        Format-specific facts (``chains``, ``residues``, ``kind``, ``torsdof``...).
    """

    path: str
    format: str
    records: int
    atoms: int
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "format": self.format,
            "records": self.records,
            "atoms": self.atoms,
            "warnings": list(self.warnings),
            **self.details,
        }


def check_size(path: str | Path, max_bytes: int | None = None) -> int:
    """Refuse a file over the size limit without reading it.

    Parameters
    ----------
    path
        The file.
    max_bytes
        The limit in bytes; ``None`` means :data:`DEFAULT_MAX_BYTES`.

    Returns
    -------
    int
        The file's size in bytes.

    Raises
    ------
    InputFileError
        When the file does not exist or is not a regular file.
    FileTooLargeError
        When the file is larger than ``max_bytes``.
    """
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputFileError(
            "file not found", path=str(p), hint="check the path and the working folder"
        ) from None
    except OSError as exc:
        raise InputFileError(f"cannot access the file: {exc.strerror}", path=str(p)) from None
    if not p.is_file():
        raise InputFileError("not a regular file", path=str(p), hint="give a file, not a folder")
    if st.st_size > limit:
        raise FileTooLargeError(
            f"file is {st.st_size / 1e6:.1f} MB, over the limit of {limit / 1e6:.1f} MB",
            path=str(p),
            size=st.st_size,
            limit=limit,
            hint="split it into smaller files or raise MADLAB_MAX_UPLOAD_MB",
        )
    return st.st_size


def format_from_extension(path: str | Path) -> str | None:
    """The format a file name claims, or ``None`` for an unknown ending."""
    return EXTENSIONS.get(Path(path).suffix.lower())


def _decode(data: bytes, path: str) -> str:
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputFileError(
            "binary file (contains NUL bytes), not a text molecular file",
            path=path,
            hint="give a PDB, mmCIF, SDF, MOL2, PDBQT or SMILES file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text[:_SNIFF_BYTES])
        if printable < 0.95 * min(len(text), _SNIFF_BYTES):
            raise InputFileError(
                "binary file, not a text molecular file",
                path=path,
                hint="give a PDB, mmCIF, SDF, MOL2, PDBQT or SMILES file",
            ) from None
        return text


def read_text(path: str | Path, max_bytes: int | None = None) -> str:
    """Read a molecular text file after the size check.

    Raises
    ------
    FileTooLargeError
        Over the size limit (checked before reading).
    InputFileError
        Missing, empty (or only blank) or binary file.
    """
    check_size(path, max_bytes)
    data = Path(path).read_bytes()
    text = _decode(data, str(path))
    if not text.strip():
        raise InputFileError(
            "empty file", path=str(path), hint="the file has no content; was the upload complete?"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sniff_format(text: str) -> str | None:
    """Guess a format from content alone, or ``None`` when nothing fits."""
    head = text[:_SNIFF_BYTES]
    lines = head.split("\n")
    if "@<TRIPOS>" in head:
        return "mol2"
    if re.search(r"^data_\S*", head, re.M) and re.search(r"^_atom_site\.|^loop_", head, re.M):
        return "mmcif"
    if re.search(r"^(ROOT|ENDROOT|TORSDOF|BRANCH)\b", head, re.M):
        return "pdbqt"
    atom_lines = [ln for ln in lines if ln.startswith(("ATOM  ", "HETATM"))]
    if atom_lines:
        if all(
            _PDBQT_TYPE.match(ln) and len(ln.rstrip()) >= 77 and _has_charge(ln)
            for ln in atom_lines[:20]
        ):
            return "pdbqt"
        return "pdb"
    if re.search(r"V[23]000", head) or "M  END" in head or "$$$$" in head:
        return "sdf"
    if re.search(r"^(HEADER|COMPND|REMARK|CRYST1|MODEL|SEQRES)\b", head, re.M):
        return "pdb"
    content = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    if content and all(_is_smiles(ln.split()[0]) for ln in content[:5] if ln.split()):
        return "smiles"
    return None


def _is_smiles(token: str) -> bool:
    if not _SMILES_TOKEN.match(token) or token.upper() in ("SMILES", "SMI"):
        return token.upper() in ("SMILES", "SMI")
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        return Chem.MolFromSmiles(token, sanitize=False) is not None


def _has_charge(line: str) -> bool:
    try:
        float(line[66:76] or line[70:76])
    except ValueError:
        return False
    return True


def detect_format(path: str | Path, *, max_bytes: int | None = None) -> str:
    """Detect a file's format from its extension, checked against its content.

    Parameters
    ----------
    path
        The file.
    max_bytes
        Size limit (checked with ``stat`` before reading).

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    InputFileError
        Empty or binary file, unknown extension with unrecognisable content, or
        content of another format than the extension says (the message says
        what it looks like).
    FileTooLargeError
        Over the size limit.
    """
    check_size(path, max_bytes)
    with open(path, "rb") as fh:
        data = fh.read(_SNIFF_BYTES)
    text = _decode(data, str(path))
    if not text.strip():
        raise InputFileError(
            "empty file", path=str(path), hint="the file has no content; was the upload complete?"
        )
    text = text.replace("\r\n", "\n")
    return _resolve(str(path), format_from_extension(path), sniff_format(text))


def _resolve(path: str, claimed: str | None, seen: str | None) -> str:
    if claimed is None:
        if seen is None:
            raise InputFileError(
                f"unknown file type '{Path(path).suffix}' and the content is not recognisable",
                path=path,
                hint="use .pdb, .cif, .sdf, .mol2, .pdbqt or .smi",
            )
        return seen
    if seen is None or seen == claimed:
        return claimed
    # PDBQT is PDB with two more columns; a receptor PDBQT named .pdb reads as PDB.
    if claimed == "pdb" and seen == "pdbqt":
        return claimed
    if claimed == "pdbqt" and seen == "pdb":
        raise InputFileError(
            "ATOM lines have no AutoDock atom type column; this looks like a PDB file",
            path=path,
            format=claimed,
            looks_like="pdb",
            hint="prepare the receptor from the PDB file, or rename it to .pdb",
        )
    raise InputFileError(
        f"content does not match the '{Path(path).suffix}' extension: it looks like "
        f"{_LABELS[seen]}",
        path=path,
        format=claimed,
        looks_like=seen,
        hint=f"rename the file or export it as {_LABELS[claimed]}",
    )


def validate_file(
    path: str | Path, *, max_bytes: int | None = None, need_3d: bool = False
) -> FileReport:
    """Check that a molecular file can be used and summarise it.

    Every record is parsed as it would be for docking; the first problem raises.

    Parameters
    ----------
    path
        The file.
    max_bytes
        Size limit (checked before reading).
    need_3d
        Refuse ligand records without 3D coordinates.

    Returns
    -------
    FileReport
        Format, record and atom counts, warnings.

    Raises
    ------
    InputFileError
        The first problem found, naming the record or line.
    """
    fmt = detect_format(path, max_bytes=max_bytes)
    if fmt in ("pdb", "mmcif"):
        from madlab.molecules.structure import read_structure, structure_summary

        st = read_structure(path, max_bytes=max_bytes)
        summary = structure_summary(st)
        return FileReport(
            str(path),
            fmt,
            records=summary.pop("models"),
            atoms=summary.pop("atoms"),
            warnings=summary.pop("warnings"),
            details=summary,
        )
    if fmt == "pdbqt":
        from madlab.molecules.pdbqt_check import check_pdbqt

        info = check_pdbqt(read_text(path, max_bytes), str(path))
        return FileReport(
            str(path),
            fmt,
            records=info.models,
            atoms=info.atoms,
            warnings=info.warnings,
            details={"kind": info.kind, "torsdof": info.torsdof},
        )
    from madlab.molecules.records import iter_ligands

    warnings: list[str] = []
    records = 0
    atoms = 0
    for rec in iter_ligands(path, need_3d=need_3d, max_bytes=max_bytes, strict=True):
        records += 1
        atoms += rec.mol.GetNumAtoms()
        if not rec.has_3d and fmt != "smiles":
            warnings.append(f"{rec.source}: 2D coordinates; 3D will be embedded")
    return FileReport(str(path), fmt, records=records, atoms=atoms, warnings=warnings)


def read_ligands(
    path: str | Path,
    *,
    need_3d: bool = False,
    max_bytes: int | None = None,
    strict: bool = True,
    on_error: Callable[[InputFileError], None] | None = None,
) -> list[LigandRecord]:
    """Read every molecule of an SDF, MOL2 or SMILES file.

    See :func:`madlab.molecules.records.iter_ligands` for the parameters.
    """
    from madlab.molecules.records import read_ligands as read

    return read(path, need_3d=need_3d, max_bytes=max_bytes, strict=strict, on_error=on_error)


def smiles_to_mol(smiles: str, name: str = "") -> Any:
    """Parse one SMILES string (see :func:`madlab.molecules.records.smiles_to_mol`)."""
    from madlab.molecules.records import smiles_to_mol as parse

    return parse(smiles, name)


def read_structure(path: str | Path, *, max_bytes: int | None = None) -> gemmi.Structure:
    """Read a PDB or mmCIF file (see :func:`madlab.molecules.structure.read_structure`)."""
    from madlab.molecules.structure import read_structure as read

    return read(path, max_bytes=max_bytes)
