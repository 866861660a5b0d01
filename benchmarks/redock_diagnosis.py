"""Diagnosis of the redocking benchmark: every ranking of the same gnina search, pose by pose.

``benchmarks/redock.py`` records top-1 rates; this script shows *why* a ranking
wins or loses on a complex. For each ``complex:seed`` asked it runs the same
docking as the benchmark's shared smina/gnina search (gnina built in,
exhaustiveness 8, 50 poses kept, each refined and rescored by the CNN; the
search is deterministic for a seed, so the poses are the benchmark's) and
records, on those same poses:

* the top-1 RMSD under four orders: gnina's ``CNNscore`` (its default),
  ``CNNaffinity``, smina's affinity (intermolecular energy with the torsional
  adjustment: also gnina's ``Energy`` order) and Vina's own order (the search's
  cost, intermolecular plus intramolecular energy);
* what the search found: the best RMSD among all poses and how many lie within
  2 Å;
* the CNN's view: ``CNNscore`` of its pick, of the best-scored pose within
  2 Å, and of the crystal pose, against the receptor file the CNN sees;
* a verdict: *sampling* (no pose within 2 Å), *CNN prefers a wrong pose to
  the crystal pose* (the pick outscores the crystal pose itself),
  *near-native poses score below the crystal pose* (the CNN rates the crystal
  pose above its pick, but no refined pose near it), or *CNN right*;
* the poses within 1 Å of a better-scored one (gnina's ``min_rmsd`` filter
  drops them from the output) and the hetero groups the CNN's receptor holds
  within 6 Å of the crystal ligand (cofactors, metals).

``--ligand chemistry`` (default) docks what the benchmark docks: the crystal
ligand's chemistry, protonated at pH 7.4, from a fresh RDKit conformer.
``--ligand crystal`` docks the crystal ligand file as the gnina program's own
redocking runs take it (``gnina -l ligand.sdf --autobox_ligand ligand.sdf``):
its charge state and internal geometry (bond lengths, angles, ring shapes)
as given; the search still draws position, orientation and torsions at random.

Results go to ``benchmarks/results/redock_diagnosis.md`` and ``.json``; rows
are kept in ``redock_diagnosis.partial.jsonl`` so a run resumes.

Run ``python benchmarks/redock_diagnosis.py 6ahs:1 2h7l:1 ...``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rdkit import Chem

from madlab.domain import DockingParameters, Pose
from madlab.engines.gnina_builtin import GninaBuiltin
from madlab.engines.receptor_view import program_receptor
from madlab.molecules.ligand import prepare_ligand
from madlab.molecules.residue_templates import template_for
from madlab.molecules.rmsd import heavy_atom_rmsd
from madlab.tasks.builtin.redock_benchmark import pose_rmsds, prepare_complex

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "complexes"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "redock_diagnosis.md"
THRESHOLD = 2.0
NUM_MC_SAVED = 50
ORDERS = {
    "CNNscore": lambda p: -p.scores["CNNscore"],
    "CNNaffinity": lambda p: -p.scores["CNNaffinity"],
    "smina": lambda p: p.affinity,
    "vina": lambda p: p.energies["inter"] + p.energies["intra"],
}


def pocket_hetero(receptor: Path, crystal: Any, within: float = 6.0) -> list[str]:
    """Residues of the receptor file that are not amino acids, within ``within`` Å of the ligand."""
    lig = np.asarray(crystal.GetConformer().GetPositions())
    found: list[str] = []
    for line in receptor.read_text(errors="replace").splitlines():
        if not line.startswith(("ATOM", "HETATM")):
            continue
        name = line[17:20].strip()
        if template_for(name) is not None:
            continue
        xyz = np.array([float(line[30:38]), float(line[38:46]), float(line[46:54])])
        label = f"{name} {line[21]}{line[22:26].strip()}"
        if label not in found and np.min(np.linalg.norm(lig - xyz, axis=1)) < within:
            found.append(label)
    return found


def near_duplicates(poses: list[Pose], min_rmsd: float = 1.0) -> int:
    """Poses within ``min_rmsd`` of a pose with a higher ``CNNscore``."""
    ordered = sorted(poses, key=ORDERS["CNNscore"])
    mols = [Chem.MolFromMolBlock(p.molblock, removeHs=False) for p in ordered]
    return sum(
        any(heavy_atom_rmsd(mols[i], mols[j]) < min_rmsd for j in range(i))
        for i in range(1, len(mols))
    )


def verdict(row: dict[str, Any]) -> str:
    """Why the CNN's top-1 pose is right or wrong."""
    if row["top1"]["CNNscore"] < THRESHOLD:
        return "CNN right"
    if row["within_2A"] == 0:
        return "sampling: no pose within 2 Å"
    if row["cnn_pick"] > row["cnn_crystal"]:
        return "CNN prefers a wrong pose to the crystal pose"
    return "near-native poses score below the crystal pose"


def diagnose(
    folder: Path, seed: int, gnina: GninaBuiltin, work: Path, cpu: int, ligand: str = "chemistry"
) -> dict[str, Any]:
    """Dock one complex with one seed and compare every ranking of its poses."""
    item = prepare_complex(folder, work, keep_hetero="auto")
    if ligand == "crystal":
        item.ligand = prepare_ligand(item.crystal, name=folder.name, protonation=False)
    params = DockingParameters(num_poses=NUM_MC_SAVED, exhaustiveness=8, seed=seed, cpu=cpu)
    result = next(iter(gnina.run(item.receptor, [item.ligand], item.box, params)))
    if result.error or not result.poses:
        return {
            "complex": folder.name,
            "seed": seed,
            "ligand": ligand,
            "error": result.error or "no pose",
        }
    pose_rmsds(result, item.crystal)
    poses = result.poses
    receptor = program_receptor(item.receptor)
    (crystal,) = gnina.scorer.score(receptor, [item.crystal])
    near = [p for p in poses if p.rmsd is not None and p.rmsd < THRESHOLD]
    picks = {name: min(poses, key=key) for name, key in ORDERS.items()}
    best = min(poses, key=lambda p: p.rmsd if p.rmsd is not None else np.inf)
    row: dict[str, Any] = {
        "complex": folder.name,
        "seed": seed,
        "ligand": ligand,
        "poses": len(poses),
        "top1": {name: round(p.rmsd or np.inf, 3) for name, p in picks.items()},
        "best_rmsd": round(best.rmsd or np.inf, 3),
        "within_2A": len(near),
        "cnn_pick": round(picks["CNNscore"].scores["CNNscore"], 4),
        "cnn_best_near": round(max(p.scores["CNNscore"] for p in near), 4) if near else None,
        "cnn_crystal": round(crystal.cnn_score, 4),
        "affinity_pick": round(picks["CNNscore"].affinity, 3),
        "affinity_best_near": round(min(p.affinity for p in near), 3) if near else None,
        "near_duplicates": near_duplicates(poses),
        "pocket_hetero": pocket_hetero(receptor, item.crystal),
        "receptor_file": receptor.name,
        "search_s": round(result.timings.get("search", 0.0), 2),
        "cnn_s": round(result.timings.get("cnn", 0.0), 2),
        "error": None,
    }
    row["verdict"] = verdict(row)
    return row


def _rmsd(value: float) -> str:
    return f"{value:.2f}{' ✓' if value < THRESHOLD else ''}"


def markdown(rows: list[dict[str, Any]], recorded: dict[tuple[str, int], dict[str, Any]]) -> str:
    """The diagnosis page."""
    lines = [
        "# Redocking diagnosis: every ranking of the same gnina search",
        "",
        "Generated by `benchmarks/redock_diagnosis.py`. One gnina built-in docking per row "
        "(exhaustiveness 8, 50 poses kept, refined, CNN-rescored with gnina 1.0's default "
        "ensemble); top-1 RMSD (Å, ✓ below 2 Å) of the same poses under each order. "
        "*bench* says whether the CNNscore and smina top-1 equal the row recorded by "
        "`benchmarks/redock.py` for that complex and seed (the search is deterministic).",
        "",
        "| complex | seed | ligand | CNNscore | CNNaffinity | smina | Vina order | best of all | "
        "≤2 Å poses | CNNscore pick / best ≤2 Å / crystal | near-dup. | pocket hetero | "
        "verdict | bench |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.get("error"):
            lines.append(f"| {r['complex']} | {r['seed']} | failed: {r['error']} |")
            continue
        t = r["top1"]
        near = "–" if r["cnn_best_near"] is None else f"{r['cnn_best_near']:.2f}"
        kind = r.get("ligand", "chemistry")
        old = recorded.get((r["complex"], r["seed"])) if kind == "chemistry" else None
        bench = "–"
        if old is not None:
            same = (
                abs(old["gnina"]["top1_rmsd"] - t["CNNscore"]) < 0.01
                and abs(old["smina"]["top1_rmsd"] - t["smina"]) < 0.01
            )
            bench = "same" if same else f"differs ({old['gnina']['top1_rmsd']:.2f})"
        lines.append(
            f"| {r['complex']} | {r['seed']} | {kind} | {_rmsd(t['CNNscore'])} | "
            f"{_rmsd(t['CNNaffinity'])} "
            f"| {_rmsd(t['smina'])} | {_rmsd(t['vina'])} | {_rmsd(r['best_rmsd'])} | "
            f"{r['within_2A']}/{r['poses']} | {r['cnn_pick']:.2f} / {near} / "
            f"{r['cnn_crystal']:.2f} | {r['near_duplicates']} | "
            f"{', '.join(r['pocket_hetero']) or '–'} | {r['verdict']} | {bench} |"
        )
    for kind in ("chemistry", "crystal"):
        ok = [r for r in rows if not r.get("error") and r.get("ligand", "chemistry") == kind]
        if not ok:
            continue
        lines += [
            "",
            f"Top-1 successes over these {len(ok)} dockings of the {kind} ligand (complexes "
            "chosen where the benchmark's rankings disagree: a tally, not the set's rate):",
            "",
        ]
        for name in ORDERS:
            hits = sum(r["top1"][name] < THRESHOLD for r in ok)
            lines.append(f"* {name} order: {hits}/{len(ok)}")
        ceiling = sum(r["best_rmsd"] < THRESHOLD for r in ok)
        lines.append(f"* best pose of the search (ceiling): {ceiling}/{len(ok)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="complex:seed, e.g. 6ahs:1")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cpu", type=int, default=1)
    parser.add_argument("--ligand", choices=("chemistry", "crystal"), default="chemistry")
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, args.cpu))
    runs = []
    for spec in args.runs:
        name, _, seed = spec.partition(":")
        if not seed.isdigit() or not (args.data / name).is_dir():
            parser.error(f"{spec!r}: expected complex:seed with a folder {args.data / name}")
        runs.append((name, int(seed)))
    partial = args.out.with_suffix(".partial.jsonl")
    done: dict[tuple[str, int, str], dict[str, Any]] = {}
    if partial.is_file():
        for line in partial.read_text().splitlines():
            row = json.loads(line)
            done[(row["complex"], row["seed"], row.get("ligand", "chemistry"))] = row
    with tempfile.TemporaryDirectory(prefix="madlab-diagnosis-") as tmp:
        gnina = GninaBuiltin(Path(tmp) / "cache", device="cpu")
        for name, seed in runs:
            if (name, seed, args.ligand) in done:
                continue
            start = time.perf_counter()
            row = diagnose(args.data / name, seed, gnina, Path(tmp), args.cpu, args.ligand)
            done[(name, seed, args.ligand)] = row
            with partial.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(
                f"{name} seed {seed}: {row.get('top1')} {row.get('verdict')} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    recorded: dict[tuple[str, int], dict[str, Any]] = {}
    bench = args.out.parent / "redock.partial.jsonl"
    if bench.is_file():
        for line in bench.read_text().splitlines():
            old = json.loads(line)
            recorded[(old["complex"], old["seed"])] = old
    rows = [done[k] for k in sorted(done)]
    args.out.write_text(markdown(rows, recorded))
    args.out.with_suffix(".json").write_text(json.dumps({"rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
