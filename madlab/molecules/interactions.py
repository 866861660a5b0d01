"""Protein–ligand interactions of a pose, found from geometry alone.

A small, documented detector for the viewers (ProLIF needs MDAnalysis, which
madlab does not depend on). It reads the receptor as PDB or PDBQT text (heavy
atoms; hydrogens are not needed) and the pose as an SDF record, and reports:

``hydrogen_bond``
    A ligand N/O and a protein N/O within 3.5 Å, where one side can donate
    and the other accept. Ligand donors are N/O bearing a hydrogen; ligand
    acceptors are O, and N without hydrogen and not positively charged.
    Receptors often come without hydrogens, so protein donors are every N but
    proline's backbone N, and the Ser/Thr/Tyr hydroxyls; protein acceptors
    are every O and histidine's ring N.
``hydrophobic``
    A ligand carbon bonded only to carbons and hydrogens (or a ligand
    Cl/Br/I) within 4.0 Å of a protein carbon bonded only to carbons, by
    residue template. Only the closest contact per ligand atom and residue is kept.
``pi_stacking``
    An aromatic ligand ring and a Phe/Tyr/Trp/His ring whose centroids are
    within 5.5 Å with ring planes within 30° of parallel (face to face), or
    within 6.0 Å with planes more than 60° apart (edge to face).
``salt_bridge``
    A charged ligand group (formal charges, carboxylic acids and basic
    amines as at pH 7) within 4.0 Å of an oppositely charged residue atom
    (Asp/Glu carboxylate O; Lys NZ, Arg NE/NH1/NH2, His ND1/NE2).

Pocket residues are those with an atom within :data:`POCKET_CUTOFF` Å of the pose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rdkit import Chem

from madlab.errors import ValidationError

#: Distance from the pose (Å) within which a residue belongs to the pocket.
POCKET_CUTOFF = 5.0
HBOND_CUTOFF = 3.5
HYDROPHOBIC_CUTOFF = 4.0
SALT_BRIDGE_CUTOFF = 4.0
STACK_PARALLEL = (5.5, 30.0)
STACK_T_SHAPED = (6.0, 60.0)

_AD_ELEMENTS = {"A": "C", "OA": "O", "NA": "N", "HD": "H", "HS": "H", "SA": "S", "N": "N"}
_NEGATIVE = {("ASP", "OD1"), ("ASP", "OD2"), ("GLU", "OE1"), ("GLU", "OE2")}
_POSITIVE = {("LYS", "NZ"), ("ARG", "NE"), ("ARG", "NH1"), ("ARG", "NH2")}
_POSITIVE |= {("HIS", "ND1"), ("HIS", "NE2")}
_HYDROXYLS = {("SER", "OG"), ("THR", "OG1"), ("TYR", "OH")}
_RINGS: dict[str, list[tuple[str, ...]]] = {
    "PHE": [("CG", "CD1", "CD2", "CE1", "CE2", "CZ")],
    "TYR": [("CG", "CD1", "CD2", "CE1", "CE2", "CZ")],
    "TRP": [("CD2", "CE2", "CE3", "CZ2", "CZ3", "CH2"), ("CG", "CD1", "NE1", "CE2", "CD2")],
    "HIS": [("CG", "ND1", "CD2", "CE1", "NE2")],
}
#: Side-chain carbons bonded to a heteroatom (the rest are counted as apolar).
_POLAR_CARBONS = {
    "C", "CA", "CB:SER", "CB:THR", "CG:ASP", "CD:GLU", "CG:ASN", "CD:GLN", "CE:LYS",
    "CD:ARG", "CZ:ARG", "CZ:TYR", "CG:HIS", "CD2:HIS", "CE1:HIS", "CD1:TRP", "CE2:TRP",
    "CD:PRO", "CB:CYS", "CG:MET", "CE:MET",
}  # fmt: skip
_BASIC_AMINE = Chem.MolFromSmarts(
    "[NX3;!$(N-[C,S,P]=[O,N,S]);!$(N-a);!$(N-[#7,#8]);!$(N#*);!$(N=*);!$([N]-C=C)]"
)
_AMIDINE = Chem.MolFromSmarts("[NX3;!$(N-C=O)]C=[NX2;!$(N-a)]")
_ACID = Chem.MolFromSmarts("[CX3,SX4,PX4](=O)[OX2H1,OX1-]")


@dataclass(frozen=True)
class ProteinAtom:
    """One receptor atom as read from a PDB/PDBQT record."""

    name: str
    residue: str
    number: int
    chain: str
    element: str
    xyz: tuple[float, float, float]

    @property
    def residue_label(self) -> str:
        """``"ASP 25 A"``."""
        return f"{self.residue} {self.number} {self.chain}".strip()


@dataclass(frozen=True)
class Interaction:
    """One contact: its kind, the atoms or ring centres on both sides and the distance (Å)."""

    kind: str
    residue: str
    protein_atom: str
    ligand_atoms: tuple[int, ...]
    distance: float
    ligand_point: tuple[float, float, float]
    protein_point: tuple[float, float, float]


def read_protein(text: str, source: str = "receptor") -> list[ProteinAtom]:
    """Heavy atoms of a PDB or PDBQT text.

    Raises
    ------
    madlab.errors.ValidationError
        When the text holds no ATOM/HETATM record, or a record's coordinates
        cannot be read (naming the line).
    """
    atoms: list[ProteinAtom] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith(("ATOM", "HETATM")):
            continue
        try:
            xyz = (float(line[30:38]), float(line[38:46]), float(line[46:54]))
            resseq = int(line[22:26])
        except ValueError:
            raise ValidationError(
                f"{source}, line {number}: coordinates or residue number unreadable",
                field=source,
                hint="give the receptor as a PDB or PDBQT file with fixed columns",
            ) from None
        name = line[12:16].strip()
        raw = line[76:79].strip() if len(line) > 76 else ""
        element = _AD_ELEMENTS.get(raw, raw) or name.lstrip("0123456789")[:1]
        element = element.capitalize()
        if element == "H" or line[17:20].strip() == "HOH":
            continue
        atoms.append(ProteinAtom(name, line[17:20].strip(), resseq, line[21].strip(), element, xyz))
    if not atoms:
        raise ValidationError(
            f"{source}: no ATOM or HETATM record",
            field=source,
            hint="give the receptor as PDB or PDBQT text",
        )
    return atoms


def read_pose(molblock: str) -> Chem.Mol:
    """The pose as an RDKit molecule with hydrogens kept (raises ValidationError)."""
    mol = Chem.MolFromMolBlock(molblock, removeHs=False)
    if mol is None or mol.GetNumConformers() == 0:
        raise ValidationError(
            "the pose is not a readable SDF record with coordinates",
            field="pose",
            hint="pass one record of the job's poses SDF",
        )
    return mol


def pocket_residues(
    atoms: Sequence[ProteinAtom], pose: Chem.Mol, cutoff: float = POCKET_CUTOFF
) -> list[tuple[str, tuple[float, float, float]]]:
    """Residues within ``cutoff`` Å of the pose: label and position of its closest atom."""
    lig = pose.GetConformer().GetPositions()
    best: dict[str, tuple[float, tuple[float, float, float]]] = {}
    prot = np.array([a.xyz for a in atoms])
    dist = np.sqrt(((prot[:, None, :] - lig[None, :, :]) ** 2).sum(-1)).min(axis=1)
    for atom, d in zip(atoms, dist, strict=True):
        if d <= cutoff and (atom.residue_label not in best or d < best[atom.residue_label][0]):
            best[atom.residue_label] = (float(d), atom.xyz)
    order = sorted(best, key=lambda r: (r.split()[-1], int(r.split()[1])))
    return [(r, best[r][1]) for r in order]


def _point(v: np.ndarray) -> tuple[float, float, float]:
    return (round(float(v[0]), 3), round(float(v[1]), 3), round(float(v[2]), 3))


def _ligand_charges(pose: Chem.Mol) -> tuple[set[int], set[int]]:
    positive = {a.GetIdx() for a in pose.GetAtoms() if a.GetFormalCharge() > 0}
    negative = {a.GetIdx() for a in pose.GetAtoms() if a.GetFormalCharge() < 0}
    for match in pose.GetSubstructMatches(_BASIC_AMINE):
        positive.add(match[0])
    for match in pose.GetSubstructMatches(_AMIDINE):
        positive.update((match[0], match[2]))
    for match in pose.GetSubstructMatches(_ACID):
        negative.update((match[1], match[2]))
    return positive, negative


def _protein_donor(atom: ProteinAtom) -> bool:
    if atom.element == "N":
        return not (atom.residue == "PRO" and atom.name == "N")
    return (atom.residue, atom.name) in _HYDROXYLS


def _protein_acceptor(atom: ProteinAtom) -> bool:
    return atom.element == "O" or (atom.residue, atom.name) in {("HIS", "ND1"), ("HIS", "NE2")}


def _apolar_carbon(atom: ProteinAtom) -> bool:
    return (
        atom.element == "C"
        and atom.name not in _POLAR_CARBONS
        and f"{atom.name}:{atom.residue}" not in _POLAR_CARBONS
    )


def _rings(pose: Chem.Mol) -> list[tuple[tuple[int, ...], np.ndarray]]:
    pos = pose.GetConformer().GetPositions()
    out = []
    for ring in pose.GetRingInfo().AtomRings():
        if all(pose.GetAtomWithIdx(i).GetIsAromatic() for i in ring):
            out.append((tuple(ring), pos[list(ring)]))
    return out


def _plane(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centre = points.mean(axis=0)
    normal = np.linalg.svd(points - centre)[2][-1]
    return centre, normal


def _stacking(pose: Chem.Mol, atoms: Sequence[ProteinAtom]) -> list[Interaction]:
    by_residue: dict[str, dict[str, ProteinAtom]] = {}
    for a in atoms:
        if a.residue in _RINGS:
            by_residue.setdefault(a.residue_label, {})[a.name] = a
    found = []
    for ring_atoms, points in _rings(pose):
        lc, ln = _plane(points)
        for label, named in by_residue.items():
            for names in _RINGS[label.split()[0]]:
                if not all(n in named for n in names):
                    continue
                pc, pn = _plane(np.array([named[n].xyz for n in names]))
                d = float(np.linalg.norm(lc - pc))
                angle = float(np.degrees(np.arccos(min(1.0, abs(float(ln @ pn))))))
                parallel = d <= STACK_PARALLEL[0] and angle <= STACK_PARALLEL[1]
                t_shaped = d <= STACK_T_SHAPED[0] and angle >= STACK_T_SHAPED[1]
                if parallel or t_shaped:
                    found.append(
                        Interaction(
                            "pi_stacking",
                            label,
                            "ring " + "-".join(names[:2]),
                            ring_atoms,
                            round(d, 2),
                            _point(lc),
                            _point(pc),
                        )
                    )
    return found


def detect_interactions(receptor: str, molblock: str) -> list[Interaction]:
    """Every interaction between the receptor (PDB/PDBQT text) and one pose (SDF record).

    Returns
    -------
    list of Interaction
        Sorted by kind, then distance.
    """
    atoms = read_protein(receptor)
    pose = read_pose(molblock)
    lig = pose.GetConformer().GetPositions()
    prot = np.array([a.xyz for a in atoms])
    near = np.sqrt(((prot[:, None, :] - lig[None, :, :]) ** 2).sum(-1))
    positive, negative = _ligand_charges(pose)
    found: list[Interaction] = []
    hydrophobic: dict[tuple[int, str], Interaction] = {}
    close_p, close_l = np.nonzero(near <= max(HYDROPHOBIC_CUTOFF, SALT_BRIDGE_CUTOFF))
    for pi, li in zip(close_p.tolist(), close_l.tolist(), strict=True):
        patom, latom = atoms[pi], pose.GetAtomWithIdx(li)
        d = float(near[pi, li])
        lsym = latom.GetSymbol()
        hit = None
        if lsym in ("N", "O") and patom.element in ("N", "O") and d <= HBOND_CUTOFF:
            donor = latom.GetTotalNumHs() > 0
            acceptor = lsym == "O" or (latom.GetTotalNumHs() == 0 and latom.GetFormalCharge() <= 0)
            if (donor and _protein_acceptor(patom)) or (acceptor and _protein_donor(patom)):
                hit = "hydrogen_bond"
        key = (patom.residue, patom.name)
        if (int(li) in positive and key in _NEGATIVE) or (int(li) in negative and key in _POSITIVE):
            found.append(_make("salt_bridge", patom, (int(li),), d, lig[li]))
        if hit:
            found.append(_make(hit, patom, (int(li),), d, lig[li]))
        apolar_lig = lsym == "C" and all(n.GetSymbol() in ("C", "H") for n in latom.GetNeighbors())
        if (apolar_lig or lsym in ("Cl", "Br", "I")) and _apolar_carbon(patom):
            slot = (int(li), patom.residue_label)
            if slot not in hydrophobic or d < hydrophobic[slot].distance:
                hydrophobic[slot] = _make("hydrophobic", patom, (int(li),), d, lig[li])
    found.extend(hydrophobic.values())
    found.extend(_stacking(pose, atoms))
    return sorted(found, key=lambda i: (i.kind, i.distance))


def _make(
    kind: str, patom: ProteinAtom, ligand_atoms: tuple[int, ...], d: float, point: np.ndarray
) -> Interaction:
    return Interaction(
        kind, patom.residue_label, patom.name, ligand_atoms, round(d, 2), _point(point), patom.xyz
    )
