"""The PDBQT boundary: ligands to PDBQT and poses back to RDKit, through Meeko only.

madlab keeps molecules as RDKit molecules (SDF) everywhere. PDBQT exists only
at the docking engine's door: :func:`ligand_to_pdbqt` writes it with Meeko
(``MoleculePreparation`` and ``PDBQTWriterLegacy``, macrocycles opened as
Meeko does by default), and :func:`pdbqt_poses_to_mols` reads the engine's
poses back with Meeko's export (``PDBQTMolecule`` and
``RDKitMolCreate.from_pdbqt_mol``), which rebuilds each pose from the SMILES
and atom map that Meeko stored in the PDBQT remarks. Bond orders, charges and
hydrogens therefore come from the original ligand, never from a guess on
coordinates.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from meeko import MoleculePreparation, PDBQTMolecule, PDBQTWriterLegacy, RDKitMolCreate
from rdkit import Chem

from madlab.domain import PreparedLigand
from madlab.errors import InputFileError, PreparationError, ValidationError

__all__ = ["ligand_to_pdbqt", "pdbqt_poses_to_mols", "write_ligand_pdbqt"]


def _check_ligand_mol(ligand: PreparedLigand) -> Any:
    mol = ligand.mol
    name = ligand.name
    if mol is None:
        raise PreparationError(f"ligand '{name}': no molecule to prepare", ligand=name)
    if mol.GetNumConformers() == 0:
        raise PreparationError(
            f"ligand '{name}': the molecule has no coordinates",
            hint="prepare the ligand first (madlab prepare ligand) so that it has 3D coordinates",
            ligand=name,
        )
    pos = mol.GetConformer().GetPositions()
    if len(pos) > 1 and np.allclose(pos[:, 2], 0.0):
        raise PreparationError(
            f"ligand '{name}': the coordinates are flat (2D)",
            hint="prepare the ligand first so that it has 3D coordinates",
            ligand=name,
        )
    return mol


def ligand_to_pdbqt(ligand: PreparedLigand) -> str:
    """Write a prepared ligand as a PDBQT string with Meeko.

    Parameters
    ----------
    ligand
        A ligand with explicit hydrogens and 3D coordinates (as made by
        :func:`madlab.molecules.ligand.prepare_ligand`).

    Returns
    -------
    str
        The PDBQT text, with the ``REMARK SMILES`` lines that let
        :func:`pdbqt_poses_to_mols` rebuild the ligand's chemistry.

    Raises
    ------
    madlab.errors.PreparationError
        When Meeko cannot prepare the ligand (implicit hydrogens, several
        fragments, atoms without an AutoDock type...); the message names the
        ligand and gives Meeko's reason.
    """
    mol = _check_ligand_mol(ligand)
    name = ligand.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            setups = MoleculePreparation().prepare(mol)
    except Exception as err:  # Meeko raises bare exceptions with its reason
        raise PreparationError(
            f"ligand '{name}': Meeko could not prepare it: {_one_line(err)}",
            hint="give the ligand explicit hydrogens, 3D coordinates and a single fragment",
            ligand=name,
        ) from err
    if len(setups) != 1:
        raise PreparationError(
            f"ligand '{name}': Meeko made {len(setups)} molecule setups, expected one",
            ligand=name,
        )
    text, ok, reason = PDBQTWriterLegacy.write_string(setups[0])
    if not ok:
        raise PreparationError(
            f"ligand '{name}': Meeko could not write it as PDBQT: {_one_line(reason)}",
            hint="AutoDock atom types cover H, C, N, O, F, P, S, Cl, Br, I and a few metals",
            ligand=name,
        )
    return str(text)


def write_ligand_pdbqt(ligand: PreparedLigand, path: str | Path) -> Path:
    """Write a prepared ligand to a PDBQT file (for ``madlab prepare ligand``).

    Parameters
    ----------
    ligand
        The prepared ligand.
    path
        The file to write (its folder must exist).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    madlab.errors.PreparationError
        When Meeko cannot prepare the ligand.
    """
    out = Path(path)
    out.write_text(ligand_to_pdbqt(ligand))
    return out


def pdbqt_poses_to_mols(pdbqt: str, template: Any | None = None, *, name: str = "") -> list[Any]:
    """Read the poses of a docked PDBQT back as RDKit molecules, one per pose.

    Parameters
    ----------
    pdbqt
        PDBQT text of one ligand written by :func:`ligand_to_pdbqt`, with one
        or more ``MODEL`` records (an engine's poses) or none (a single pose).
    template
        The ligand's RDKit molecule (with hydrogens). When given, every pose is
        returned as a copy of it with the pose's coordinates, so atom order,
        hydrogens, charges and bond orders are exactly the input's.
    name
        The name to give each molecule (``_Name``).

    Returns
    -------
    list of rdkit.Chem.Mol
        One molecule with one conformer per pose, hydrogens included (polar
        hydrogens where the engine put them, the others rebuilt on their heavy
        atom).

    Raises
    ------
    madlab.errors.InputFileError
        When the PDBQT has no atoms or lacks Meeko's ``REMARK SMILES`` lines.
    madlab.errors.ValidationError
        When the poses are not of the ``template`` molecule.
    """
    try:
        pdbqt_mol = PDBQTMolecule(pdbqt, skip_typing=True)
        exported = RDKitMolCreate.from_pdbqt_mol(pdbqt_mol)
    except Exception as err:
        raise InputFileError(
            f"cannot read poses: {_one_line(err)}", format="pdbqt", name=name or None
        ) from err
    if len(exported) != 1 or exported[0] is None:
        raise InputFileError(
            "poses carry no ligand chemistry (no REMARK SMILES lines)",
            format="pdbqt",
            hint="only PDBQT written by madlab's ligand preparation (Meeko) can be converted back",
        )
    mol = exported[0]
    mol.ClearProp("meeko")
    if template is None:
        return [_single_conformer(mol, conf.GetPositions(), name) for conf in mol.GetConformers()]
    match = _match_template(mol, template, name)
    out = []
    for conf in mol.GetConformers():
        pos = conf.GetPositions()[match]
        out.append(_single_conformer(template, pos, name))
    return out


def _match_template(exported: Any, template: Any, name: str) -> list[int]:
    """Indices into ``exported`` for each atom of ``template`` (same molecule).

    Meeko rebuilds the molecule from a SMILES, whose aromaticity RDKit may
    perceive differently from the template's (the same chemistry either way),
    so when the bond orders do not match the atoms are matched on the bare
    graph: elements, formal charges and connectivity.
    """
    label = f"ligand '{name}'" if name else "ligand"
    if exported.GetNumAtoms() == template.GetNumAtoms():
        match = exported.GetSubstructMatch(template, useChirality=False)
        if not match:
            match = _skeleton(exported).GetSubstructMatch(_skeleton(template))
        same_charges = bool(match) and all(
            template.GetAtomWithIdx(i).GetFormalCharge()
            == exported.GetAtomWithIdx(j).GetFormalCharge()
            for i, j in enumerate(match)
        )
        if match and same_charges:
            return list(match)
    raise ValidationError(
        f"{label}: the poses are not of this molecule "
        f"({exported.GetNumAtoms()} atoms in the poses, {template.GetNumAtoms()} in the ligand)",
        field="template",
        hint="give the ligand the poses were docked from, with all its hydrogens",
    )


def _skeleton(mol: Any) -> Any:
    """The molecule's graph with every bond single and nothing aromatic."""
    graph = Chem.RWMol(mol)
    for bond in graph.GetBonds():
        bond.SetBondType(Chem.BondType.SINGLE)
        bond.SetIsAromatic(False)
    for atom in graph.GetAtoms():
        atom.SetIsAromatic(False)
    out = graph.GetMol()
    out.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(out)
    return out


def _single_conformer(mol: Any, positions: np.ndarray, name: str) -> Any:
    out = Chem.Mol(mol)
    out.RemoveAllConformers()
    for prop in list(out.GetPropNames()):
        out.ClearProp(prop)
    conf = Chem.Conformer(out.GetNumAtoms())
    for i, xyz in enumerate(positions):
        conf.SetAtomPosition(i, (float(xyz[0]), float(xyz[1]), float(xyz[2])))
    conf.Set3D(True)
    out.AddConformer(conf, assignId=True)
    Chem.AssignStereochemistryFrom3D(out)
    if name:
        out.SetProp("_Name", name)
    return out


def _one_line(err: object) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__
