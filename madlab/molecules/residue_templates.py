"""Templates of the standard amino acids for receptor typing and hydrogen placement.

Each heavy atom, by PDB name, has a hydrogen count, a hybridization (which
decides where the hydrogens go) and an AutoDock type. Protonation states at
pH 7.4: Lys, Arg, the N-terminus charged; Asp, Glu, the C-terminus charged.
Other pH values switch Asp, Glu, His, Cys and Lys by their typical side-chain
pKa (:func:`variant_at_ph`). Histidine is HIE (hydrogen on NE2) unless the input says otherwise
(residue name HID/HIP or hydrogens on ND1), a fixed choice that is common in
docking preparation; cysteines bonded through SG (disulfides) get no SG
hydrogen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AtomTemplate:
    """One heavy atom of a residue template.

    Attributes
    ----------
    n_h
        Hydrogens bonded to it.
    hyb
        Hybridization: 1 (sp), 2 (sp2) or 3 (sp3).
    ad_type
        AutoDock atom type.
    """

    n_h: int
    hyb: int
    ad_type: str


_BACKBONE = "N:1:2:N CA:1:3:C C:0:2:C O:0:2:OA OXT:0:2:OA"

_SIDE_CHAINS = {
    "ALA": "CB:3:3:C",
    "ARG": "CB:2:3:C CG:2:3:C CD:2:3:C NE:1:2:N CZ:0:2:C NH1:2:2:N NH2:2:2:N",
    "ASN": "CB:2:3:C CG:0:2:C OD1:0:2:OA ND2:2:2:N",
    "ASP": "CB:2:3:C CG:0:2:C OD1:0:2:OA OD2:0:2:OA",
    "ASH": "CB:2:3:C CG:0:2:C OD1:0:2:OA OD2:1:2:OA",
    "CYS": "CB:2:3:C SG:1:3:SA",
    "CYX": "CB:2:3:C SG:0:3:SA",
    "CYM": "CB:2:3:C SG:0:3:SA",
    "GLN": "CB:2:3:C CG:2:3:C CD:0:2:C OE1:0:2:OA NE2:2:2:N",
    "GLU": "CB:2:3:C CG:2:3:C CD:0:2:C OE1:0:2:OA OE2:0:2:OA",
    "GLH": "CB:2:3:C CG:2:3:C CD:0:2:C OE1:0:2:OA OE2:1:2:OA",
    "GLY": "CA:2:3:C",
    "HIE": "CB:2:3:C CG:0:2:A ND1:0:2:NA CD2:1:2:A CE1:1:2:A NE2:1:2:N",
    "HID": "CB:2:3:C CG:0:2:A ND1:1:2:N CD2:1:2:A CE1:1:2:A NE2:0:2:NA",
    "HIP": "CB:2:3:C CG:0:2:A ND1:1:2:N CD2:1:2:A CE1:1:2:A NE2:1:2:N",
    "ILE": "CB:1:3:C CG1:2:3:C CG2:3:3:C CD1:3:3:C",
    "LEU": "CB:2:3:C CG:1:3:C CD1:3:3:C CD2:3:3:C",
    "LYS": "CB:2:3:C CG:2:3:C CD:2:3:C CE:2:3:C NZ:3:3:N",
    "LYN": "CB:2:3:C CG:2:3:C CD:2:3:C CE:2:3:C NZ:2:3:N",
    "MET": "CB:2:3:C CG:2:3:C SD:0:3:SA CE:3:3:C",
    "MSE": "CB:2:3:C CG:2:3:C SE:0:3:Se CE:3:3:C",
    "PHE": "CB:2:3:C CG:0:2:A CD1:1:2:A CD2:1:2:A CE1:1:2:A CE2:1:2:A CZ:1:2:A",
    "PRO": "N:0:2:N CB:2:3:C CG:2:3:C CD:2:3:C",
    "SER": "CB:2:3:C OG:1:3:OA",
    "THR": "CB:1:3:C OG1:1:3:OA CG2:3:3:C",
    "TRP": "CB:2:3:C CG:0:2:A CD1:1:2:A CD2:0:2:A NE1:1:2:N CE2:0:2:A CE3:1:2:A "
    "CZ2:1:2:A CZ3:1:2:A CH2:1:2:A",
    "TYR": "CB:2:3:C CG:0:2:A CD1:1:2:A CD2:1:2:A CE1:1:2:A CE2:1:2:A CZ:0:2:A OH:1:2:OA",
    "VAL": "CB:1:3:C CG1:3:3:C CG2:3:3:C",
}

#: Other names of the same residues (force-field and program variants).
ALIASES = {
    "HIS": "HIE",
    "HSE": "HIE",
    "HSD": "HID",
    "HSP": "HIP",
    "ARN": "ARG",
}

#: Atom names some programs use for terminal oxygens.
ATOM_ALIASES = {"OT1": "O", "OT2": "OXT", "O1": "O", "O2": "OXT"}

_OPTIONAL = frozenset({"OXT"})


def _parse(spec: str) -> dict[str, AtomTemplate]:
    out = {}
    for item in spec.split():
        name, n_h, hyb, ad = item.split(":")
        out[name] = AtomTemplate(int(n_h), int(hyb), ad)
    return out


TEMPLATES: dict[str, dict[str, AtomTemplate]] = {
    res: {**_parse(_BACKBONE), **_parse(side)} for res, side in _SIDE_CHAINS.items()
}

#: Residue names typed from templates (the keys plus their aliases).
TEMPLATE_NAMES = frozenset(TEMPLATES) | frozenset(ALIASES)

BACKBONE_NAMES = ("N", "CA", "C", "O")


def template_for(resname: str) -> tuple[str, dict[str, AtomTemplate]] | None:
    """The template name and atoms for a residue name, or ``None`` when there is none."""
    key = ALIASES.get(resname, resname)
    tmpl = TEMPLATES.get(key)
    return (key, tmpl) if tmpl is not None else None


def expected_atoms(key: str) -> list[str]:
    """Heavy atoms a complete residue has (terminal OXT not counted)."""
    return [name for name in TEMPLATES[key] if name not in _OPTIONAL]


def hydrogen_names(parent: str, n_h: int, element: str, *, n_terminal: bool = False) -> list[str]:
    """PDB-style names for the hydrogens of one heavy atom (``HB2``, ``HB3``, ``HD21``...)."""
    if parent == "N":
        return ["H1", "H2", "H3"][:n_h] if n_terminal or n_h > 1 else ["H"]
    base = "H" + parent[1:] if len(parent) > 1 else "H" + parent
    if n_h == 1:
        names = [base]
    elif n_h == 2 and element != "N":
        names = [f"{base}2", f"{base}3"]
    else:
        names = [f"{base}{i}" for i in range(1, n_h + 1)]
    return [n[:4] for n in names]


#: Residue names written by the PDB (not force-field variants such as HID or LYN).
STANDARD_NAMES = frozenset(
    [
        "ALA",
        "ARG",
        "ASN",
        "ASP",
        "CYS",
        "GLN",
        "GLU",
        "GLY",
        "HIS",
        "ILE",
        "LEU",
        "LYS",
        "MET",
        "PHE",
        "PRO",
        "SER",
        "THR",
        "TRP",
        "TYR",
        "VAL",
    ]
)

# Typical side-chain pKa values and the template on the other side of them.
_PKA = {
    "ASP": (3.9, "ASH", "below"),
    "GLU": (4.1, "GLH", "below"),
    "HIE": (6.0, "HIP", "below"),
    "HID": (6.0, "HIP", "below"),
    "CYS": (8.3, "CYM", "above"),
    "LYS": (10.5, "LYN", "above"),
}


def variant_at_ph(key: str, ph: float) -> str:
    """The template of a standard residue at ``ph`` (``ASP`` → ``ASH`` below pH 3.9).

    Side-chain pKa values: Asp 3.9, Glu 4.1, His 6.0, Cys 8.3, Lys 10.5 (Arg
    stays charged).
    """
    rule = _PKA.get(key)
    if rule is None:
        return key
    pka, other, side = rule
    if (side == "below" and ph < pka) or (side == "above" and ph > pka):
        return other
    return key
