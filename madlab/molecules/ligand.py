"""Ligand preparation: charge state for a pH, hydrogens with coordinates, 3D.

A ligand with 3D coordinates keeps its heavy-atom coordinates exactly;
hydrogens are added where the heavy atoms say they belong. A ligand from SMILES
or a 2D file is embedded with RDKit's ETKDG (a fixed seed, so a run can be
repeated) and cleaned up with the MMFF94 force field, or UFF where MMFF has no
parameters. The charge state follows :mod:`madlab.molecules.protonation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rdkit import Chem
from rdkit.Chem import rdDistGeom, rdForceFieldHelpers

from madlab.domain import PreparedLigand
from madlab.errors import InputFileError, MadlabError, PreparationError, ValidationError
from madlab.molecules.formats import EXTENSIONS
from madlab.molecules.protonation import protonate
from madlab.molecules.records import is_3d, iter_ligands, smiles_to_mol

#: Seed of the ETKDG embedding (fixed so that preparation is reproducible).
EMBED_SEED = 20240611


def _embed(mol: Any, seed: int, name: str) -> list[str]:
    params: Any = rdDistGeom.ETKDGv3()
    params.randomSeed = seed
    if rdDistGeom.EmbedMolecule(mol, params) != 0:
        params.useRandomCoords = True
        if rdDistGeom.EmbedMolecule(mol, params) != 0:
            raise PreparationError(
                f"ligand '{name}': RDKit could not embed 3D coordinates",
                hint="check the structure (strained rings, impossible "
                "stereo) or give 3D coordinates",
                ligand=name,
            )
    notes = []
    # The force fields re-perceive aromaticity in place (MMFF's own model), so
    # they work on a copy and only the optimized coordinates come back.
    work = Chem.Mol(mol)
    if rdForceFieldHelpers.MMFFHasAllMoleculeParams(work):
        rdForceFieldHelpers.MMFFOptimizeMolecule(work, maxIters=2000)
    elif rdForceFieldHelpers.UFFHasAllMoleculeParams(work):
        rdForceFieldHelpers.UFFOptimizeMolecule(work, maxIters=2000)
        notes.append("MMFF94 has no parameters for this molecule: cleaned up with UFF")
    else:
        notes.append("no force field covers this molecule: 3D coordinates not cleaned up")
        return notes
    conf = mol.GetConformer()
    for i, pos in enumerate(work.GetConformer().GetPositions()):
        conf.SetAtomPosition(i, pos.tolist())
    return notes


def prepare_ligand(
    mol: Any,
    *,
    name: str | None = None,
    ph: float = 7.4,
    source: str = "",
    protonation: bool = True,
    seed: int = EMBED_SEED,
) -> PreparedLigand:
    """Prepare one RDKit molecule for docking.

    Parameters
    ----------
    mol
        An RDKit molecule, with or without hydrogens, 2D, 3D or without
        coordinates. It is not changed.
    name
        The ligand's name; default the molecule's ``_Name``, else ``ligand``.
    ph
        The pH for the charge state (default 7.4).
    source
        Where the molecule came from (``file.sdf#3``, ``smiles``).
    protonation
        ``False`` keeps the charge state as given.
    seed
        Random seed of the 3D embedding.

    Returns
    -------
    PreparedLigand
        The molecule with all hydrogens and 3D coordinates, its canonical
        SMILES and the notes of what was done (``warnings``).

    Raises
    ------
    InputFileError
        No molecule, no heavy atoms, or one RDKit cannot sanitize.
    PreparationError
        3D embedding failed.
    """
    if mol is None:
        raise InputFileError(
            "no molecule given", path=source or None, hint="the molecule could not be read"
        )
    label = name or (mol.GetProp("_Name") if mol.HasProp("_Name") else "") or "ligand"
    work = Chem.Mol(mol)
    try:
        Chem.SanitizeMol(work)
    except Exception as exc:
        raise InputFileError(
            f"ligand '{label}' cannot be sanitized by RDKit: {exc}", path=source or None
        ) from None
    if work.GetNumHeavyAtoms() == 0:
        raise InputFileError(
            f"ligand '{label}' has no heavy atoms",
            path=source or None,
            hint="a ligand needs at least one non-hydrogen atom",
        )
    if not 0.0 <= ph <= 14.0:
        raise ValidationError(f"pH {ph} is outside 0-14", field="ph")
    notes: list[str] = []
    frags = Chem.GetMolFrags(work)
    if len(frags) > 1:
        notes.append(f"{len(frags)} disconnected fragments (salt or mixture?) docked together")
    has_3d = is_3d(work)
    heavy = Chem.RemoveHs(work)
    if protonation:
        heavy, changes = protonate(heavy, ph)
        notes.extend(f"{c} (pH {ph:g})" for c in changes)
    if has_3d:
        prepared = Chem.AddHs(heavy, addCoords=True)
        Chem.AssignStereochemistryFrom3D(prepared)
        for atom in prepared.GetAtoms():  # an N-H is not a stereocentre (it inverts)
            if atom.GetAtomicNum() == 7 and atom.GetTotalNumHs(includeNeighbors=True):
                atom.SetChiralTag(Chem.ChiralType.CHI_UNSPECIFIED)
        Chem.AssignStereochemistry(prepared, cleanIt=True, force=True)
    else:
        heavy.RemoveAllConformers()
        prepared = Chem.AddHs(heavy)
        unspecified = [
            c
            for c in Chem.FindMolChiralCenters(
                prepared, includeUnassigned=True, useLegacyImplementation=False
            )
            if c[1] == "?"
        ]
        notes.append(
            "embedded 3D from SMILES"
            if mol.GetNumConformers() == 0
            else "embedded 3D from 2D input"
        )
        notes.extend(_embed(prepared, seed, label))
        if unspecified:
            notes.append(
                f"{len(unspecified)} unspecified stereocentre(s): the embedding "
                "chose one configuration"
            )
    prepared.SetProp("_Name", label)
    smiles = Chem.MolToSmiles(Chem.RemoveHs(prepared))
    return PreparedLigand(name=label, mol=prepared, smiles=smiles, source=source, warnings=notes)


def _looks_like_path(text: str) -> bool:
    return Path(text).suffix.lower() in EXTENSIONS or "/" in text or "\\" in text


def prepare_ligands(
    path_or_smiles: str | Path,
    *,
    ph: float = 7.4,
    strict: bool = True,
    max_bytes: int | None = None,
    protonation: bool = True,
    on_error: Callable[[MadlabError], None] | None = None,
    name: str | None = None,
) -> Iterator[PreparedLigand]:
    """Prepare every ligand of a file, or one SMILES string.

    Parameters
    ----------
    path_or_smiles
        An SDF, MOL2 or SMILES file, or a SMILES string (optionally followed
        by a name after whitespace).
    ph
        The pH for the charge state.
    strict
        ``True``: the first bad record raises. ``False``: bad records and
        ligands that fail preparation are skipped and passed to ``on_error``.
    max_bytes
        Size limit of the file (default 200 MB).
    protonation
        ``False`` keeps the charge state as given.
    on_error
        Called with each skipped ligand's error when ``strict`` is ``False``
        (default: a logged warning).
    name
        Name of a SMILES string's ligand when the string names none.

    Yields
    ------
    PreparedLigand
        One per good record.
    """
    text = str(path_or_smiles)
    if isinstance(path_or_smiles, Path) or Path(text).is_file() or _looks_like_path(text):
        for rec in iter_ligands(text, max_bytes=max_bytes, strict=strict, on_error=on_error):
            try:
                yield prepare_ligand(
                    rec.mol, name=rec.name, ph=ph, source=rec.source, protonation=protonation
                )
            except MadlabError as err:
                if strict:
                    raise
                if on_error is not None:
                    on_error(err)
        return
    fields = text.strip().split(None, 1)
    if not fields:
        raise InputFileError("empty SMILES", field="smiles")
    label = fields[1].strip() if len(fields) > 1 else (name or fields[0])
    mol = smiles_to_mol(fields[0], label)
    yield prepare_ligand(mol, name=label, ph=ph, source="smiles", protonation=protonation)
