"""A small, documented rule set for the charge state of a ligand at a given pH.

Each rule is a SMARTS pattern for one ionizable group and a typical pKa. An acid
loses its proton when ``pH > pKa``; a base gains one when ``pH < pKa``. At the
default pH 7.4 this gives carboxylates, sulfonates, phosphates (dianions),
tetrazolates, ammonium ions from aliphatic amines and amidinium/guanidinium
ions, and leaves anilines, pyridines, imidazoles, amides and phenols neutral.
Groups already charged in the input are left as they are.

This is not a pKa predictor: it covers the groups that dominate drug-like
molecules, and every change is reported so that a user can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdkit import Chem


@dataclass(frozen=True)
class IonizationRule:
    """One ionizable group: a SMARTS whose first atom carries the proton."""

    name: str
    smarts: str
    pka: float
    acid: bool


RULES: tuple[IonizationRule, ...] = (
    IonizationRule("sulfonic acid", "[OX2H1;+0][SX4](=O)=O", -1.0, acid=True),
    IonizationRule("phosphate/phosphonate OH", "[OX2H1;+0][PX4;!$(P[OX1-])]=O", 2.0, acid=True),
    IonizationRule(
        "phosphate/phosphonate second OH",
        "[OX2H1;+0][PX4;!$(P([OX1-])[OX1-])]([OX1-])=O",
        6.5,
        acid=True,
    ),
    IonizationRule("carboxylic acid", "[OX2H1;+0][CX3]=O", 4.0, acid=True),
    IonizationRule("tetrazole", "[nH1;+0;r5]1:n:n:[n,c]:[n,c]:1", 4.9, acid=True),
    IonizationRule(
        "amidine/guanidine",
        "[NX2;+0;!a;!$(N-[!#6;!#1]);!$(N-C=[O,S]);!$(N-S(=O)=O)]=[CX3;!a][#7X3;!a]",
        12.0,
        acid=False,
    ),
    # The second amine of a 1,2- or 1,3-diamine (piperazine) stays neutral (pKa2 ~ 5-6).
    IonizationRule(
        "aliphatic amine",
        "[NX3;+0;!a;$(N[#6]);!$(N~[!#6;!#1]);!$(N-[!C,!X4]);!$(N-C-[N+]);!$(N-C-C-[N+])]",
        10.0,
        acid=False,
    ),
)


def _change(atom: Any, delta_h: int) -> None:
    hs = atom.GetTotalNumHs()
    atom.SetFormalCharge(atom.GetFormalCharge() + delta_h)
    atom.SetNumExplicitHs(hs + delta_h)
    atom.SetNoImplicit(True)


def protonate(mol: Any, ph: float = 7.4) -> tuple[Any, list[str]]:
    """Set the charge state of ionizable groups for ``ph``.

    Parameters
    ----------
    mol
        An RDKit molecule with implicit hydrogens (hydrogens as atoms are
        removed first by the caller); not changed.
    ph
        The pH (0-14).

    Returns
    -------
    tuple
        The new molecule (sanitized) and one note per rule that changed
        something, such as ``"deprotonated 1 carboxylic acid"``.
    """
    out = Chem.RWMol(mol)
    notes: list[str] = []
    for rule in RULES:
        if (rule.acid and ph <= rule.pka) or (not rule.acid and ph >= rule.pka):
            continue
        patt = Chem.MolFromSmarts(rule.smarts)
        done = 0
        # Re-match after each change: deprotonating one OH can change the next match.
        while True:
            Chem.SanitizeMol(out)
            hits = [m for m in out.GetSubstructMatches(patt)]
            if not hits:
                break
            atom = out.GetAtomWithIdx(hits[0][0])
            _change(atom, -1 if rule.acid else +1)
            done += 1
            if done > out.GetNumAtoms():  # pragma: no cover - guard against a bad rule
                break
        if done:
            verb = "deprotonated" if rule.acid else "protonated"
            notes.append(f"{verb} {done} {rule.name}{'s' if done > 1 else ''}")
    Chem.SanitizeMol(out)
    return out.GetMol(), notes
