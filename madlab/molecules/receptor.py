"""Receptor preparation: from a PDB/mmCIF file as downloaded to a rigid receptor PDBQT.

Steps, each reported per residue (:class:`~madlab.domain.ResidueIssue`):

1. Read the first model with gemmi. Waters and hetero groups that were not
   asked for are removed; hetero groups named in ``keep_hetero`` (cofactors,
   metals) are kept.
2. One alternate location per residue: the most occupied, ties to the first.
3. Hydrogens given in the input are dropped from amino acids and rebuilt from
   templates (:mod:`madlab.molecules.residue_templates`), so the result does not
   depend on the program that wrote them; only their histidine tautomer is
   read. Kept hetero groups keep the hydrogens they have; without any they get
   hydrogens from their geometry (:mod:`madlab.molecules.hetero_typing`).
4. Missing side-chain heavy atoms are built (:mod:`madlab.molecules.sidechains`)
   before the hydrogens and reported as ``repaired``; residues missing backbone
   atoms are kept as they are, typed, and reported as ``incomplete``. Chain
   breaks get charged termini and are reported.
5. The cleaned PDB holds every hydrogen; the PDBQT holds heavy atoms and polar
   hydrogens (``HD``), charges 0 (Vina does not use them), residue labels and
   insertion codes as in the input.

One odd residue never stops the whole receptor: an atom that cannot be typed
is left out of the PDBQT and reported.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

import gemmi
import numpy as np
from scipy.spatial import cKDTree

from madlab.domain import PreparedReceptor, ResidueIssue
from madlab.errors import ValidationError
from madlab.molecules.hetero_typing import COVALENT_RADIUS, ELEMENT_TYPES, METAL_TYPES, type_group
from madlab.molecules.hydrogens import place_hydrogens
from madlab.molecules.receptor_io import RAtom, RResidue, write_pdb, write_pdbqt
from madlab.molecules.residue_templates import (
    ATOM_ALIASES,
    BACKBONE_NAMES,
    STANDARD_NAMES,
    expected_atoms,
    hydrogen_names,
    template_for,
    variant_at_ph,
)
from madlab.molecules.sidechains import repair_side_chains
from madlab.molecules.structure import read_structure, residue_label

_POLAR_PARENTS = frozenset({"N", "O"})


def _pick_altloc(res: gemmi.Residue) -> tuple[list[gemmi.Atom], str | None]:
    """Atoms of the most occupied alternate location, and a note when there was a choice."""
    alts: dict[str, list[float]] = {}
    for atom in res:
        if atom.altloc != "\0":
            alts.setdefault(atom.altloc, []).append(atom.occ)
    if not alts:
        return list(res), None
    order = list(alts)
    best = max(order, key=lambda a: (round(sum(alts[a]) / len(alts[a]), 3), -order.index(a)))
    seen: set[str] = set()
    atoms = []
    for atom in res:
        if (atom.altloc in ("\0", best)) and atom.name not in seen:
            seen.add(atom.name)
            atoms.append(atom)
    occ = sum(alts[best]) / len(alts[best])
    note = f"kept alternate location {best} (occupancy {occ:.2f}) of {', '.join(order)}"
    return atoms, note


def _mean_occ(res: gemmi.Residue) -> float:
    return sum(a.occ for a in res) / max(1, len(res))


def _select_residues(
    model: gemmi.Model, keep: set[str], report: list[ResidueIssue]
) -> list[tuple[str, gemmi.Residue]]:
    chosen: list[tuple[str, gemmi.Residue]] = []
    for chain in model:
        cname = chain.name[:1] or " "
        waters = 0
        residues = list(chain)
        for i, res in enumerate(residues):
            # Microheterogeneity: two residue types at one position; keep the most occupied.
            twins = [r for r in residues if r.seqid == res.seqid]
            if len(twins) > 1 and res is not max(twins, key=_mean_occ):
                report.append(
                    ResidueIssue(
                        residue_label(chain.name, res),
                        "altloc",
                        "less occupied of two residue types at this position: removed",
                    )
                )
                continue
            if res.is_water() and "HOH" not in keep:
                waters += 1
                continue
            if template_for(res.name) is None and res.name.upper() not in keep:
                report.append(
                    ResidueIssue(
                        residue_label(chain.name, res),
                        "removed",
                        f"hetero group {res.name} not requested (keep it "
                        f"with keep_hetero=['{res.name}'])",
                    )
                )
                continue
            chosen.append((cname, residues[i]))
        if waters:
            report.append(ResidueIssue(f"{chain.name}:HOH", "removed", f"{waters} waters"))
    return chosen


def _his_variant(h_names: set[str]) -> str:
    """Histidine tautomer from the hydrogens given in the input (HIE when none is on ND1)."""
    d1 = "HD1" in h_names
    e2 = "HE2" in h_names
    if d1 and e2:
        return "HIP"
    return "HID" if d1 else "HIE"


def _build(
    chosen: list[tuple[str, gemmi.Residue]], report: list[ResidueIssue], ph: float
) -> tuple[list[RResidue], list[str | None]]:
    """Residues with heavy atoms (and kept hetero hydrogens); template keys per residue."""
    residues: list[RResidue] = []
    keys: list[str | None] = []
    for cname, res in chosen:
        atoms, note = _pick_altloc(res)
        tmpl = template_for(res.name)
        num = res.seqid.num if res.seqid.num is not None else 0
        rr = RResidue(cname, res.name, num, res.seqid.icode.strip(), hetero=tmpl is None)
        if note:
            report.append(ResidueIssue(rr.label, "altloc", note))
        h_names = {a.name for a in atoms if a.is_hydrogen()}
        key = None
        if tmpl is not None:
            key = tmpl[0]
            if res.name == "HIS" and h_names:
                key = _his_variant(h_names)
            if res.name in STANDARD_NAMES:  # explicit variants (HID, LYN...) are kept
                key = variant_at_ph(key, ph)
        for a in atoms:
            if a.is_hydrogen() and tmpl is not None:
                continue  # rebuilt from the template
            rr.atoms.append(
                RAtom(
                    a.name,
                    a.element.name.upper(),
                    np.array([a.pos.x, a.pos.y, a.pos.z]),
                    a.occ,
                    a.b_iso,
                    is_h=a.is_hydrogen(),
                )
            )
        if not rr.atoms:
            continue
        residues.append(rr)
        keys.append(key)
    return residues, keys


def _bonds(
    residues: list[RResidue], keys: list[str | None]
) -> tuple[list[tuple[int, int]], list[list[int]], np.ndarray]:
    """Heavy-atom neighbours: within residues, peptide C-N, disulfides, hetero links."""
    flat: list[tuple[int, int]] = []
    for ri, res in enumerate(residues):
        for ai, atom in enumerate(res.atoms):
            if not atom.is_h:
                flat.append((ri, ai))
    xyz = np.array([residues[r].atoms[a].xyz for r, a in flat]).reshape(-1, 3)
    elems = [residues[r].atoms[a].element for r, a in flat]
    names = [residues[r].atoms[a].name for r, a in flat]
    neigh: list[list[int]] = [[] for _ in flat]
    if len(flat) > 1:
        pairs = cKDTree(xyz).query_pairs(r=2.6, output_type="ndarray")
        for i, j in pairs:
            ei, ej = elems[i], elems[j]
            if ei in METAL_TYPES or ej in METAL_TYPES:
                continue
            d = float(np.linalg.norm(xyz[i] - xyz[j]))
            if d < 0.4 or d > COVALENT_RADIUS.get(ei, 0.8) + COVALENT_RADIUS.get(ej, 0.8) + 0.45:
                continue
            ri, rj = flat[i][0], flat[j][0]
            if ri != rj:
                aa = keys[ri] is not None and keys[rj] is not None
                peptide = {names[i], names[j]} == {"C", "N"}
                disulfide = names[i] == "SG" and names[j] == "SG"
                if aa and not (peptide or disulfide):
                    continue
            neigh[i].append(int(j))
            neigh[j].append(int(i))
    return flat, neigh, xyz


def _report_missing(res: RResidue, key: str, report: list[ResidueIssue]) -> None:
    present = {ATOM_ALIASES.get(a.name, a.name) for a in res.atoms}
    missing = [n for n in expected_atoms(key) if n not in present]
    if not missing:
        return
    side = [n for n in missing if n not in BACKBONE_NAMES]
    back = [n for n in missing if n in BACKBONE_NAMES]
    parts = []
    if side:
        parts.append(f"missing side-chain atoms: {', '.join(side)}")
    if back:
        parts.append(f"missing backbone atoms: {', '.join(back)}")
    report.append(
        ResidueIssue(
            res.label, "incomplete", "; ".join(parts) + " (kept as is, typed from what is there)"
        )
    )


def _type_atoms(
    residues: list[RResidue],
    keys: list[str | None],
    flat: list[tuple[int, int]],
    neigh: list[list[int]],
    xyz: np.ndarray,
    report: list[ResidueIssue],
) -> list[tuple[int, int]]:
    """Set AutoDock types; returns (flat index, hydrogen count, hybridization) work list."""
    index = {fa: i for i, fa in enumerate(flat)}
    work: list[tuple[int, int]] = []  # (flat index, n_h * 10 + hyb)
    names = [residues[r].atoms[a].name for r, a in flat]
    for ri, res in enumerate(residues):
        key = keys[ri]
        heavy = [index[(ri, ai)] for ai, a in enumerate(res.atoms) if not a.is_h]
        if key is not None:
            tmpl = template_for(key)
            assert tmpl is not None
            atoms_t = tmpl[1]
            _report_missing(res, key, report)
            for fi in heavy:
                atom = res.atoms[flat[fi][1]]
                t = atoms_t.get(ATOM_ALIASES.get(atom.name, atom.name))
                n_h, hyb = (t.n_h, t.hyb) if t else (0, 3)
                atom.ad_type = t.ad_type if t else ELEMENT_TYPES.get(atom.element)
                if atom.name == "N" and not any(
                    names[j] == "C" and flat[j][0] != ri for j in neigh[fi]
                ):
                    n_h, hyb = (2 if key == "PRO" else 3), 3
                    if ri > 0 and residues[ri - 1].chain == res.chain and keys[ri - 1]:
                        report.append(
                            ResidueIssue(
                                res.label,
                                "kept",
                                "chain break before this residue: charged N-terminus",
                            )
                        )
                if atom.name == "SG" and any(names[j] == "SG" for j in neigh[fi]):
                    n_h = 0
                work.append((fi, n_h * 10 + hyb))
            continue
        _type_hetero(res, heavy, flat, neigh, xyz, index, work, report)
    return work


def _type_hetero(
    res: RResidue,
    heavy: list[int],
    flat: list[tuple[int, int]],
    neigh: list[list[int]],
    xyz: np.ndarray,
    index: dict[tuple[int, int], int],
    work: list[tuple[int, int]],
    report: list[ResidueIssue],
) -> None:
    local = {fi: k for k, fi in enumerate(heavy)}
    elements = [res.atoms[flat[fi][1]].element for fi in heavy]
    group_neigh = [[local[j] for j in neigh[fi] if j in local] for fi in heavy]
    chem = type_group(elements, xyz[heavy], group_neigh)
    hs = [a for a in res.atoms if a.is_h]
    untyped = []
    for k, fi in enumerate(heavy):
        atom = res.atoms[flat[fi][1]]
        c = chem[k]
        if c is None:
            untyped.append(f"{atom.name} ({atom.element})")
            continue
        atom.ad_type = c.ad_type
        if hs:
            n_own = sum(1 for h in hs if np.linalg.norm(h.xyz - atom.xyz) < 1.3)
            if atom.element == "N":
                atom.ad_type = "NA" if n_own == 0 and len(group_neigh[k]) <= 2 else "N"
        else:
            work.append((fi, c.n_h * 10 + c.hyb))
    for h in hs:
        dists = [float(np.linalg.norm(h.xyz - xyz[fi])) for fi in heavy]
        parent = res.atoms[flat[heavy[int(np.argmin(dists))]][1]] if dists else None
        if parent is not None and parent.element in _POLAR_PARENTS and min(dists) < 1.3:
            h.ad_type = "HD"
    if untyped:
        report.append(
            ResidueIssue(
                res.label,
                "untyped",
                f"no AutoDock type for {', '.join(untyped)}: left out of the PDBQT",
            )
        )


def _add_hydrogens(
    residues: list[RResidue],
    flat: list[tuple[int, int]],
    neigh: list[list[int]],
    xyz: np.ndarray,
    work: list[tuple[int, int]],
) -> int:
    added = 0
    new: dict[int, list[RAtom]] = {}
    for fi, code in work:
        n_h, hyb = divmod(code, 10)
        if n_h == 0:
            continue
        ri, ai = flat[fi]
        atom = residues[ri].atoms[ai]
        nb = neigh[fi]
        ref = None
        if len(nb) == 1:
            others = [j for j in neigh[nb[0]] if j != fi]
            ref = xyz[others[0]] if others else None
        pos = place_hydrogens(
            atom.xyz,
            xyz[nb] if nb else np.zeros((0, 3)),
            n_h,
            hyb,
            atom.element[:1] + atom.element[1:].lower(),
            ref,
        )
        polar = atom.element in _POLAR_PARENTS
        n_term = atom.name == "N" and n_h > 1
        names = hydrogen_names(atom.name, len(pos), atom.element, n_terminal=n_term)
        for name, p in zip(names, pos, strict=False):
            new.setdefault(ri, []).append(
                RAtom(name, "H", p, 1.0, 0.0, "HD" if polar else None, is_h=True)
            )
            added += 1
    for ri, hs in new.items():
        residues[ri].atoms.extend(hs)
    return added


def prepare_receptor(
    path: str | Path,
    out_dir: str | Path | None = None,
    *,
    keep_hetero: Iterable[str] = (),
    name: str | None = None,
    ph: float = 7.4,
    max_bytes: int | None = None,
) -> PreparedReceptor:
    """Prepare a receptor for docking from a PDB or mmCIF file.

    Parameters
    ----------
    path
        The structure as downloaded (waters, ions, alternate locations,
        insertion codes, with or without hydrogens).
    out_dir
        Where to write ``<name>.pdbqt`` and ``<name>_prepared.pdb`` (default:
        a new temporary folder).
    keep_hetero
        Residue names of hetero groups to keep (``NDP``, ``ZN``, ``HEM``...).
    name
        Label of the receptor (default: the file stem).
    ph
        pH for the charge states of ionizable side chains (default 7.4; see
        :func:`madlab.molecules.residue_templates.variant_at_ph`).
    max_bytes
        Size limit of the input (default 200 MB).

    Returns
    -------
    PreparedReceptor
        Paths of the PDBQT and cleaned PDB, the per-residue report and the
        kept hetero groups.

    Raises
    ------
    InputFileError
        The file cannot be read as a structure.
    ValidationError
        A name in ``keep_hetero`` that is not in the structure, or nothing
        left after cleaning.
    """
    st = read_structure(path, max_bytes=max_bytes)
    label = name or Path(path).stem
    if not 0.0 <= ph <= 14.0:
        raise ValidationError(f"pH {ph} is outside 0-14", field="ph")
    keep = {k.strip().upper() for k in keep_hetero if k.strip()}
    model = st[0]
    present = {res.name.upper() for chain in model for res in chain}
    missing = sorted(keep - present)
    if missing:
        hetero = sorted(n for n in present if template_for(n) is None)
        raise ValidationError(
            f"hetero group(s) {', '.join(missing)} not in {Path(path).name}",
            field="keep_hetero",
            hint="hetero groups present: " + (", ".join(hetero) if hetero else "none"),
        )
    report: list[ResidueIssue] = []
    if len(st) > 1:
        report.append(ResidueIssue("*", "removed", f"models 2-{len(st)}: the first is used"))
    chosen = _select_residues(model, keep, report)
    residues, keys = _build(chosen, report, ph)
    report.extend(repair_side_chains(residues, keys))
    if not any(k is not None for k in keys) and not residues:
        raise ValidationError(
            f"nothing left in {Path(path).name} after removing waters and hetero groups",
            field="path",
            hint="is this a protein structure? name groups to keep",
        )
    flat, neigh, xyz = _bonds(residues, keys)
    work = _type_atoms(residues, keys, flat, neigh, xyz, report)
    n_h = _add_hydrogens(residues, flat, neigh, xyz, work)
    kept = [r.label for r, k in zip(residues, keys, strict=True) if k is None]
    for r, k in zip(residues, keys, strict=True):
        if k is None:
            heavy = sum(1 for a in r.atoms if not a.is_h)
            polar = sum(1 for a in r.atoms if a.ad_type == "HD")
            report.append(
                ResidueIssue(
                    r.label,
                    "kept",
                    f"hetero group kept as requested: {heavy} heavy atoms, {polar} polar hydrogens",
                )
            )
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="madlab-rec-"))
    out.mkdir(parents=True, exist_ok=True)
    pdbqt_path = out / f"{label}.pdbqt"
    pdb_path = out / f"{label}_prepared.pdb"
    remarks = [
        f"prepared by madlab from {Path(path).name}",
        f"{n_h} hydrogens added; kept hetero: {', '.join(kept) or 'none'}",
    ]
    write_pdb(residues, pdb_path, remarks)
    count = write_pdbqt(residues, pdbqt_path)
    return PreparedReceptor(
        name=label,
        pdbqt_path=pdbqt_path,
        pdb_path=pdb_path,
        source_path=Path(path),
        report=report,
        kept_hetero=kept,
        atom_count=count,
    )
