"""Benchmark: rebuilding missing side chains during receptor preparation.

For each receptor, side chains are cut beyond CB from every k-th amino acid
(not Gly, Ala, Pro; k = 10 and k = 1, i.e. all of them) and the receptor is
prepared again. Reported per run:

* CPU time of the whole preparation and of the repair step alone
  (:func:`madlab.molecules.sidechains.repair_side_chains`), best of three;
  the uncut receptor is timed too (the cost of looking for missing atoms);
* how close the rebuilt atoms are to the crystal: share of atoms within 1 Å,
  and share of residues whose χ1 is within 40° of the crystal's;
* contacts under 2.2 Å between rebuilt atoms and other residues' heavy atoms;
* the largest deviation of a rebuilt bond from the ideal geometry.

Run ``python benchmarks/sidechain_repair.py``; results go to
``benchmarks/results/sidechain_repair.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gemmi
import numpy as np
from scipy.spatial import cKDTree

import madlab.molecules.receptor as receptor_module
from madlab.domain import PreparedReceptor
from madlab.molecules.residue_geometry import dihedral, residue_geometry
from madlab.molecules.sidechains import repair_side_chains

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "complexes"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "sidechain_repair.md"
KEEP = {"N", "CA", "C", "O", "OXT", "CB"}
CHI1 = {"CG", "CG1", "OG", "OG1", "SG"}


def cut(src: Path, dst: Path, every: int) -> tuple[dict[tuple[str, str, str], np.ndarray], int]:
    """Write ``src`` without side chains beyond CB of every k-th amino acid."""
    st = gemmi.read_structure(str(src))
    st.remove_alternative_conformations()
    st.remove_hydrogens()
    removed: dict[tuple[str, str, str], np.ndarray] = {}
    count = cuts = 0
    for chain in st[0]:
        for res in chain:
            if res.het_flag == "H" or res.name in ("GLY", "ALA", "PRO"):
                continue
            if residue_geometry(res.name) is None:
                continue
            count += 1
            if every == 0 or count % every:
                continue
            cuts += 1
            key = f"{res.seqid.num}{res.seqid.icode.strip()}"
            for i in range(len(res) - 1, -1, -1):
                if res[i].name not in KEEP:
                    removed[(chain.name, key, res[i].name)] = np.array(res[i].pos.tolist())
                    del res[i]
    st.write_pdb(str(dst))
    return removed, cuts


def timed_prepare(path: Path, out: Path) -> tuple[PreparedReceptor, float, float]:
    """Prepare ``path``; CPU seconds of the whole and of the repair step (best of 3)."""
    spent = [0.0]

    def repair(residues: Any, keys: Any) -> Any:
        start = time.process_time()
        result = repair_side_chains(residues, keys)
        spent[0] += time.process_time() - start
        return result

    receptor_module.repair_side_chains = repair
    best = (float("inf"), 0.0)
    rec = None
    try:
        for _ in range(3):
            spent[0] = 0.0
            start = time.process_time()
            rec = receptor_module.prepare_receptor(path, out)
            best = min(best, (time.process_time() - start, spent[0]))
    finally:
        receptor_module.repair_side_chains = repair_side_chains
    assert rec is not None
    return rec, best[0], best[1]


def quality(
    rec: PreparedReceptor, src: Path, removed: dict[tuple[str, str, str], np.ndarray]
) -> dict[str, float]:
    """Agreement of the rebuilt atoms with the crystal, clashes, bond errors."""
    crystal = gemmi.read_structure(str(src))
    crystal.remove_alternative_conformations()
    st = gemmi.read_structure(str(rec.pdb_path))
    st.remove_hydrogens()
    points, owner = [], []
    for chain in st[0]:
        for res in chain:
            for a in res:
                points.append(a.pos.tolist())
                owner.append((chain.name, f"{res.seqid.num}{res.seqid.icode.strip()}"))
    tree = cKDTree(np.array(points))
    near: list[bool] = []
    clashes, worst_bond = 0, 0.0
    chi_ok, chi_n = 0, 0
    for chain in st[0]:
        for res in chain:
            key = f"{res.seqid.num}{res.seqid.icode.strip()}"
            names = {a.name: np.array(a.pos.tolist()) for a in res}
            rebuilt = [n for n in names if (chain.name, key, n) in removed]
            if not rebuilt:
                continue
            geom = residue_geometry(res.name)
            assert geom is not None
            for n in rebuilt:
                near.append(bool(np.linalg.norm(names[n] - removed[(chain.name, key, n)]) < 1.0))
                for j in tree.query_ball_point(names[n], 2.2):
                    if owner[j] != (chain.name, key):
                        clashes += 1
                sc = geom.atom(n)
                bond = float(np.linalg.norm(names[n] - names[sc.refs[0]]))
                worst_bond = max(worst_bond, abs(bond - sc.bond))
                if n in CHI1 and all(r in names for r in sc.refs):
                    ref = [names[r] for r in reversed(sc.refs)]
                    crys = crystal[0][chain.name][key][0]
                    ref_c = [np.array(crys[r][0].pos.tolist()) for r in reversed(sc.refs)]
                    built = dihedral(ref[0], ref[1], ref[2], names[n])
                    seen = dihedral(ref_c[0], ref_c[1], ref_c[2], removed[(chain.name, key, n)])
                    diff = abs((np.degrees(built - seen) + 180.0) % 360.0 - 180.0)
                    chi_n += 1
                    chi_ok += diff < 40.0
    return {
        "within_1A": float(np.mean(near)) if near else 0.0,
        "chi1_40": chi_ok / chi_n if chi_n else 0.0,
        "clashes": clashes,
        "worst_bond": worst_bond,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--complexes", nargs="+", default=["184l", "1iep", "1of6"])
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.complexes:
            src = args.data / name / "receptor.pdb"
            for every in (0, 10, 1):
                path = Path(tmp) / f"{name}_{every}.pdb"
                removed, cuts = cut(src, path, every)
                rec, total, repair = timed_prepare(path, Path(tmp) / f"out_{name}_{every}")
                q = quality(rec, src, removed) if cuts else {}
                rows.append((name, rec.atom_count, every, cuts, total, repair, q))
                print(rows[-1], file=sys.stderr)
    lines = [
        "# Side-chain repair",
        "",
        f"{dt.date.today().isoformat()}, Python {platform.python_version()}, "
        f"{platform.processor() or platform.machine()}; `python benchmarks/sidechain_repair.py`.",
        "",
        "Side chains cut beyond CB from every k-th amino acid (k = 0: none cut), then the",
        "receptor prepared again. CPU seconds, best of three.",
        "",
        "| receptor | PDBQT atoms | k | residues cut | prepare (s) | repair (s) "
        "| atoms within 1 Å of crystal | χ1 within 40° | contacts < 2.2 Å | worst bond error (Å) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, atoms, every, cuts, total, repair, q in rows:
        extra = (
            f"{q['within_1A']:.0%} | {q['chi1_40']:.0%} | {q['clashes']} | {q['worst_bond']:.3f}"
            if q
            else "- | - | - | -"
        )
        lines.append(
            f"| {name} | {atoms} | {every} | {cuts} | {total:.2f} | {repair:.3f} | {extra} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
