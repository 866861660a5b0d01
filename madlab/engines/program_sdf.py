"""Reading the SDF output of the smina and gnina programs.

Each record is one pose with the programs' SD tags:

* ``minimizedAffinity`` (kcal/mol), always written;
* ``minimizedRMSD`` (Å, input to optimized pose), after ``--minimize`` or
  ``--local_only``;
* ``CNNscore``, ``CNNaffinity``, ``CNN_VS``, ``CNNaffinity_variance``: gnina's
  CNN scores. Each is optional (gnina leaves a tag out when it has no value, for
  example ``CNNaffinity_variance`` of a single model, or every CNN tag with
  ``--cnn_scoring none``); a missing tag is reported as absent, never as zero;
* ``atomic_interaction_terms`` (with ``--atom_term_data``): a table of each
  ligand atom's weighted term values (``atomid el pos <terms>``, one row per
  atom, ``END``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rdkit import Chem

from madlab.errors import InputFileError

__all__ = [
    "ATOM_TERMS_TAG",
    "CNN_TAGS",
    "AtomTerms",
    "ProgramPose",
    "parse_atom_terms",
    "read_program_sdf",
]

AFFINITY = "minimizedAffinity"
RMSD = "minimizedRMSD"
#: Gnina's CNN tags, in the order gnina writes them.
CNN_TAGS = ("CNNscore", "CNNaffinity", "CNN_VS", "CNNaffinity_variance")
ATOM_TERMS_TAG = "atomic_interaction_terms"
#: madlab's names of smina's terms (Vina's functional forms).
TERM_NAMES = {
    "gauss(o=0,_w=0.5,_c=8)": "gauss1",
    "gauss(o=3,_w=2,_c=8)": "gauss2",
    "repulsion(o=0,_c=8)": "repulsion",
    "hydrophobic(g=0.5,_b=1.5,_c=8)": "hydrophobic",
    "non_dir_h_bond(g=-0.7,_b=0,_c=8)": "hydrogen_bond",
}
_ROW = re.compile(r"^\s*(?P<atom>.*?)\s*\((?P<pos>[^)]*)\)\s*(?P<values>.*)$")


@dataclass(frozen=True)
class AtomTerms:
    """One ligand atom's weighted term values (kcal/mol) from ``atomic_interaction_terms``."""

    atom: str
    position: tuple[float, float, float]
    values: dict[str, float]


@dataclass
class ProgramPose:
    """One pose the program wrote.

    Attributes
    ----------
    mol
        The pose (RDKit molecule, its SD tags as properties, hydrogens added
        where the program left them out).
    affinity
        ``minimizedAffinity`` in kcal/mol.
    scores
        The other numeric tags present (``minimizedRMSD``, ``CNNscore``...).
    atom_terms
        Per-atom term values, when the program wrote them.
    """

    mol: Any
    affinity: float
    scores: dict[str, float] = field(default_factory=dict)
    atom_terms: list[AtomTerms] = field(default_factory=list)

    @property
    def term_totals(self) -> dict[str, float]:
        """Each term summed over the ligand's atoms (madlab's names where known)."""
        totals: dict[str, float] = {}
        for row in self.atom_terms:
            for name, value in row.values.items():
                key = TERM_NAMES.get(name, name)
                totals[key] = totals.get(key, 0.0) + value
        return totals


def parse_atom_terms(text: str) -> list[AtomTerms]:
    """Parse an ``atomic_interaction_terms`` table.

    Raises
    ------
    ValueError
        When the header or a row cannot be read.
    """
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if not lines or not lines[0].split()[:3] == ["atomid", "el", "pos"]:
        raise ValueError("the table does not start with 'atomid el pos'")
    names = lines[0].split()[3:]
    rows: list[AtomTerms] = []
    for line in lines[1:]:
        if line.strip() == "END":
            break
        match = _ROW.match(line)
        if match is None:
            raise ValueError(f"cannot read the row {line!r}")
        pos = [float(x) for x in match.group("pos").replace(",", " ").split()]
        values = [float(x) for x in match.group("values").split()]
        if len(pos) != 3 or len(values) != len(names):
            raise ValueError(f"the row {line!r} does not have {len(names)} term values")
        rows.append(
            AtomTerms(
                atom=match.group("atom"),
                position=(pos[0], pos[1], pos[2]),
                values=dict(zip(names, values, strict=True)),
            )
        )
    return rows


def _number(mol: Any, tag: str, path: str, record: int) -> float | None:
    if not mol.HasProp(tag):
        return None
    text = mol.GetProp(tag).strip()
    try:
        return float(text)
    except ValueError:
        raise InputFileError(
            f"the tag {tag} holds {text!r}, not a number",
            path=path,
            format="sdf",
            record=record,
        ) from None


def read_program_sdf(text: str, path: str = "<program output>") -> list[ProgramPose]:
    """The poses of a smina or gnina SDF output, in the program's order.

    Parameters
    ----------
    text
        The SDF file's content.
    path
        Its name, for error messages.

    Returns
    -------
    list of ProgramPose
        One per record; empty for an empty file.

    Raises
    ------
    madlab.errors.InputFileError
        For a record RDKit cannot read, one without ``minimizedAffinity``, a
        tag that is not a number, or an unreadable atom term table; the error
        names the record.
    """
    poses: list[ProgramPose] = []
    if not text.strip():
        return poses
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text, removeHs=False)
    for record, mol in enumerate(supplier, start=1):
        if mol is None:
            raise InputFileError(
                "RDKit cannot read this pose", path=path, format="sdf", record=record
            )
        affinity = _number(mol, AFFINITY, path, record)
        if affinity is None:
            raise InputFileError(
                f"the pose has no {AFFINITY} tag",
                path=path,
                format="sdf",
                record=record,
                hint="is this the output of smina or gnina?",
            )
        scores = {}
        for tag in (RMSD, *CNN_TAGS):
            value = _number(mol, tag, path, record)
            if value is not None:
                scores[tag] = value
        terms: list[AtomTerms] = []
        if mol.HasProp(ATOM_TERMS_TAG):
            try:
                terms = parse_atom_terms(mol.GetProp(ATOM_TERMS_TAG))
            except ValueError as err:
                raise InputFileError(
                    f"cannot read {ATOM_TERMS_TAG}: {err}", path=path, format="sdf", record=record
                ) from None
        with_h = Chem.AddHs(mol, addCoords=True)
        for name in mol.GetPropNames():
            with_h.SetProp(name, mol.GetProp(name))
        poses.append(ProgramPose(with_h, affinity, scores, terms))
    return poses
