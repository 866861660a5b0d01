"""Test inputs of the engine tests: the 184l complex, prepared the way madlab prepares it."""

from __future__ import annotations

from pathlib import Path

from rdkit import Chem

from madlab.domain import Box, PreparedLigand, PreparedReceptor
from madlab.molecules.box import box_from_ligand
from madlab.molecules.ligand import prepare_ligand
from madlab.molecules.receptor import prepare_receptor

REPO_ROOT = Path(__file__).resolve().parents[3]
COMPLEXES = REPO_ROOT / ".." / "shared" / "data" / "complexes"

#: Isobutylbenzene, the 10-atom ligand of T4 lysozyme L99A (184l).
SMILES_184L = "CC(C)Cc1ccccc1"


def crystal_ligand(complex_id: str = "184l") -> Chem.Mol:
    """The crystal ligand of a shared complex, as its SDF gives it."""
    mol = Chem.MolFromMolFile(str(COMPLEXES / complex_id / "ligand.sdf"))
    assert mol is not None, f"cannot read {complex_id}/ligand.sdf"
    return mol


def receptor(out_dir: Path, complex_id: str = "184l") -> PreparedReceptor:
    """The shared complex's receptor prepared to PDBQT with madlab's receptor preparation."""
    return prepare_receptor(COMPLEXES / complex_id / "receptor.pdb", out_dir)


def crystal_pose_ligand(complex_id: str = "184l") -> PreparedLigand:
    """The crystal ligand with hydrogens, keeping its crystal coordinates."""
    return prepare_ligand(crystal_ligand(complex_id), name=f"{complex_id}_crystal")


def smiles_ligand(smiles: str, name: str) -> PreparedLigand:
    """A ligand made from SMILES only (3D embedded, no crystal coordinates)."""
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None, smiles
    return prepare_ligand(mol, name=name)


def site_box(complex_id: str = "184l", padding: float = 4.0) -> Box:
    """A box around the crystal ligand."""
    return box_from_ligand(crystal_ligand(complex_id), padding=padding)
