"""Molecules: file formats, ligand and receptor preparation, search boxes and RMSD.

Molecules are RDKit-first: ligands are read as RDKit molecules (SDF, MOL2,
SMILES) and prepared with hydrogens and 3D coordinates; receptors are read
with gemmi (PDB, mmCIF), cleaned, given hydrogens and written as PDBQT for the
engines. Every bad input raises an :class:`~madlab.errors.InputFileError` that
names the file, record or line.
"""

from madlab.molecules.box import (
    box_around_receptor,
    box_from_center_size,
    box_from_ligand,
    check_box,
)
from madlab.molecules.formats import FORMATS, FileReport, check_size, detect_format, validate_file
from madlab.molecules.ligand import prepare_ligand, prepare_ligands
from madlab.molecules.records import LigandRecord, iter_ligands, read_ligands, smiles_to_mol
from madlab.molecules.rmsd import heavy_atom_rmsd
from madlab.molecules.structure import read_structure

__all__ = [
    "FORMATS",
    "FileReport",
    "LigandRecord",
    "box_around_receptor",
    "box_from_center_size",
    "box_from_ligand",
    "check_box",
    "check_size",
    "detect_format",
    "heavy_atom_rmsd",
    "iter_ligands",
    "prepare_ligand",
    "prepare_ligands",
    "read_ligands",
    "read_structure",
    "smiles_to_mol",
    "validate_file",
]
