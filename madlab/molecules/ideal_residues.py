"""Ideal heavy-atom geometries of the 20 standard amino acids, made with RDKit.

The side-chain repair (:mod:`madlab.molecules.sidechains`) rebuilds missing
atoms from ideal bond lengths, bond angles and fixed torsions (ring and planar
groups). They come from ``madlab/data/residue_geometry.json``, which this
module writes::

    python -m madlab.molecules.ideal_residues madlab/data/residue_geometry.json

How: each amino acid X is built as the tripeptide Gly-X-Gly
(``Chem.MolFromSequence``, which names atoms as the PDB does) in the charge
state it has at pH 7.4 (Arg guanidinium, Lys ammonium, Asp and Glu
carboxylates, so that both oxygens and both NH2 are alike), embedded with
ETKDG v3 (fixed seed) and optimized with MMFF94 without the electrostatic term
(a gas-phase salt bridge would bend the geometry), amide and guanidinium
C-N bonds restrained to their crystal length. The heavy atoms of the
middle residue, their coordinates and bonds are written. Only internal
geometry is used from the file: torsions that rotate (χ angles) are set when a
residue is repaired.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import rdkit
from rdkit import Chem
from rdkit.Chem import rdDistGeom, rdForceFieldHelpers

#: One-letter codes of the standard amino acids, by three-letter residue name.
ONE_LETTER = {
    "ALA": "A",
    "ARG": "R",
    "ASN": "N",
    "ASP": "D",
    "CYS": "C",
    "GLN": "Q",
    "GLU": "E",
    "GLY": "G",
    "HIS": "H",
    "ILE": "I",
    "LEU": "L",
    "LYS": "K",
    "MET": "M",
    "PHE": "F",
    "PRO": "P",
    "SER": "S",
    "THR": "T",
    "TRP": "W",
    "TYR": "Y",
    "VAL": "V",
}

SEED = 20240611

# Atoms whose charge is set (pH 7.4): name -> formal charge.
_CHARGES = {
    "ARG": {"NH1": 1},
    "LYS": {"NZ": 1},
    "ASP": {"OD2": -1},
    "GLU": {"OE2": -1},
}


# RDKit's sequence builder names the two gamma atoms of Ile and Val the other way
# round from the PDB (there CD1 is on CG1 and Val chi1 N-CA-CB-CG1 is 120° before CG2).
# Bonds MMFF94 makes too long for the crystal (1.37-1.39 Å): amide and guanidinium
# C-N, restrained to 1.33 Å (Engh and Huber, Acta Cryst. A47, 392, 1991).
_RESTRAINED = {
    "ARG": [("NE", "CZ"), ("CZ", "NH1"), ("CZ", "NH2")],
    "ASN": [("CG", "ND2")],
    "GLN": [("CD", "NE2")],
}
_CN_LENGTH = 1.33

_RENAME = {
    "ILE": {"CG1": "CG2", "CG2": "CG1"},
    "VAL": {"CG1": "CG2", "CG2": "CG1"},
}


def _charged(mol: Chem.Mol, resname: str) -> Chem.Mol:
    """The peptide with the side chain of the middle residue in its pH 7.4 state."""
    rw = Chem.RWMol(mol)
    for atom in rw.GetAtoms():
        info = atom.GetPDBResidueInfo()
        if info.GetResidueNumber() != 2:
            continue
        charge = _CHARGES.get(resname, {}).get(info.GetName().strip())
        if charge is not None:
            atom.SetFormalCharge(charge)
            atom.SetNoImplicit(False)
            atom.SetNumExplicitHs(0)
    out = rw.GetMol()
    Chem.SanitizeMol(out)
    return out


def ideal_residue(resname: str, seed: int = SEED) -> dict[str, Any]:
    """Heavy atoms and bonds of one residue in ideal geometry.

    Parameters
    ----------
    resname
        Three-letter name of a standard amino acid.
    seed
        Random seed of the embedding.

    Returns
    -------
    dict
        ``atoms``: ``[name, element, x, y, z]`` rows (Å, 4 decimals);
        ``bonds``: pairs of atom names.
    """
    mol = _charged(Chem.MolFromSequence("G" + ONE_LETTER[resname] + "G"), resname)
    mol = Chem.AddHs(mol, addCoords=False)
    params: Any = rdDistGeom.ETKDGv3()
    params.randomSeed = seed
    if rdDistGeom.EmbedMolecule(mol, params) != 0:  # pragma: no cover - RDKit failure
        raise RuntimeError(f"could not embed {resname}")
    props = rdForceFieldHelpers.MMFFGetMoleculeProperties(mol)
    props.SetMMFFEleTerm(False)
    ff = rdForceFieldHelpers.MMFFGetMoleculeForceField(mol, props)
    index = {
        a.GetPDBResidueInfo().GetName().strip(): a.GetIdx()
        for a in mol.GetAtoms()
        if a.GetPDBResidueInfo() is not None and a.GetPDBResidueInfo().GetResidueNumber() == 2
    }
    for a, b in _RESTRAINED.get(resname, []):
        ff.MMFFAddDistanceConstraint(index[a], index[b], False, _CN_LENGTH, _CN_LENGTH, 1.0e5)
    ff.Minimize(maxIts=10000)
    pos = mol.GetConformer().GetPositions()
    keep: dict[int, str] = {}
    atoms = []
    for atom in mol.GetAtoms():
        info = atom.GetPDBResidueInfo()
        if atom.GetAtomicNum() == 1 or info.GetResidueNumber() != 2:
            continue
        name = info.GetName().strip()
        name = _RENAME.get(resname, {}).get(name, name)
        keep[atom.GetIdx()] = name
        x, y, z = (round(float(v), 4) for v in pos[atom.GetIdx()])
        atoms.append([name, atom.GetSymbol().upper(), x, y, z])
    bonds = [
        sorted([keep[b.GetBeginAtomIdx()], keep[b.GetEndAtomIdx()]])
        for b in mol.GetBonds()
        if b.GetBeginAtomIdx() in keep and b.GetEndAtomIdx() in keep
    ]
    return {"atoms": atoms, "bonds": sorted(bonds)}


def ideal_residues(seed: int = SEED) -> dict[str, Any]:
    """The data file's content: provenance and every standard residue."""
    return {
        "source": (
            f"madlab.molecules.ideal_residues: Gly-X-Gly from RDKit {rdkit.__version__} "
            f"MolFromSequence, ETKDGv3 (seed {seed}), MMFF94 without electrostatics"
        ),
        "residues": {name: ideal_residue(name, seed) for name in ONE_LETTER},
    }


def to_json(data: dict[str, Any]) -> str:
    """The data file's text: JSON with one atom per line, so that changes read well in diffs."""
    lines = ["{", f' "source": {json.dumps(data["source"])},', ' "residues": {']
    names = list(data["residues"])
    for i, name in enumerate(names):
        res = data["residues"][name]
        atoms = ",\n".join(f"   {json.dumps(a)}" for a in res["atoms"])
        lines.append(f'  "{name}": {{"atoms": [\n{atoms}\n  ],')
        comma = "," if i < len(names) - 1 else ""
        lines.append(f'  "bonds": {json.dumps(res["bonds"])}}}{comma}')
    lines += [" }", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the ideal residues as JSON to the path given (default: standard output)."""
    args = sys.argv[1:] if argv is None else argv
    text = to_json(ideal_residues())
    if args:
        Path(args[0]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
