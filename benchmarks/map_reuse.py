"""Benchmark: receptor map reuse in one Vina engine batch versus a fresh Vina per ligand.

Docks a batch of drug-like ligands (SMILES embedded with RDKit) against one
receptor two ways, with the same seed and settings:

* **reuse**: one :class:`madlab.engines.vina.VinaEngine` batch, which computes
  the receptor's grid maps once and sets every ligand on the same Vina object;
* **fresh**: what per-ligand wrappers do, following Vina's documented Python
  recipe: a new ``Vina`` object per ligand, ``set_receptor``, ``set_ligand``,
  ``compute_vina_maps`` (maps for that ligand's atom types), ``dock``.

Both sides prepare the ligand with Meeko and convert the poses back to RDKit.
The two are interleaved ligand by ligand (alternating which goes first) so that
drifts in machine load hit both. Totals, the ratio and the per-ligand times are
written to ``benchmarks/results/map_reuse.md``.

Run ``python benchmarks/map_reuse.py`` (``make bench``); ``--help`` lists the
flags for bigger runs (exhaustiveness, repeats, another receptor, more CPUs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import meeko
import numpy as np
import rdkit
import vina
from rdkit import Chem

from madlab.domain import Box, DockingParameters, PreparedLigand, PreparedReceptor
from madlab.engines.vina import VinaEngine
from madlab.molecules.box import box_from_ligand
from madlab.molecules.ligand import prepare_ligand
from madlab.molecules.pdbqt import ligand_to_pdbqt, pdbqt_poses_to_mols
from madlab.molecules.receptor import prepare_receptor

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "complexes"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "map_reuse.md"

#: Drug-like ligands of varied size and flexibility (10 to 29 heavy atoms).
LIGANDS = {
    "paracetamol": "CC(=O)Nc1ccc(O)cc1",
    "caffeine": "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "ibuprofen": "CC(C)Cc1ccc(cc1)[C@H](C)C(=O)O",
    "naproxen": "COc1ccc2cc([C@H](C)C(=O)O)ccc2c1",
    "diazepam": "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21",
    "celecoxib": "Cc1ccc(-c2cc(C(F)(F)F)nn2-c2ccc(S(N)(=O)=O)cc2)cc1",
    "imatinib-core": "Cc1ccc(NC(=O)c2ccccc2)cc1Nc1nccc(-c2cccnc2)n1",
}


@dataclass
class Row:
    """One ligand's times (s) and top affinities (kcal/mol) on both sides."""

    name: str
    heavy_atoms: int
    reuse: list[float] = field(default_factory=list)
    fresh: list[float] = field(default_factory=list)
    reuse_cpu: list[float] = field(default_factory=list)
    fresh_cpu: list[float] = field(default_factory=list)
    fresh_maps: list[float] = field(default_factory=list)
    reuse_affinity: float = float("nan")
    fresh_affinity: float = float("nan")


def fresh_vina(
    receptor_pdbqt: Path, ligand: PreparedLigand, box: Box, params: DockingParameters
) -> tuple[float, float, float]:
    """Dock one ligand with its own Vina object; return (seconds, map seconds, top affinity)."""
    start = time.perf_counter()
    v = vina.Vina(sf_name=params.scoring.value, cpu=params.cpu, seed=params.seed, verbosity=0)
    v.set_receptor(str(receptor_pdbqt))
    v.set_ligand_from_string(ligand_to_pdbqt(ligand))
    maps_start = time.perf_counter()
    v.compute_vina_maps(list(box.center), list(box.size))
    maps = time.perf_counter() - maps_start
    v.dock(
        exhaustiveness=params.exhaustiveness,
        n_poses=params.num_poses,
        min_rmsd=params.min_rmsd,
        max_evals=params.max_evals,
    )
    text = v.poses(n_poses=params.num_poses, energy_range=params.energy_range)
    energies = v.energies(n_poses=params.num_poses, energy_range=params.energy_range)
    pdbqt_poses_to_mols(text, ligand.mol, name=ligand.name)
    return time.perf_counter() - start, maps, float(energies[0][0])


def all_type_maps_seconds(receptor_pdbqt: Path, box: Box, params: DockingParameters) -> float:
    """Time of one map computation for every atom type (what the reuse side does once)."""
    v = vina.Vina(sf_name=params.scoring.value, cpu=params.cpu, seed=params.seed, verbosity=0)
    v.set_receptor(str(receptor_pdbqt))
    start = time.perf_counter()
    v.compute_vina_maps(list(box.center), list(box.size))
    return time.perf_counter() - start


def compare(
    receptor: PreparedReceptor,
    ligands: list[PreparedLigand],
    box: Box,
    params: DockingParameters,
    repeats: int,
    cache: Path,
) -> list[Row]:
    """Run both sides, interleaved ligand by ligand, ``repeats`` times."""
    rows = [Row(lig.name, lig.mol.GetNumHeavyAtoms()) for lig in ligands]
    receptor_pdbqt = Path(receptor.pdbqt_path)
    for rep in range(repeats):
        engine = VinaEngine(cache / f"run{rep}", keep=0)  # a new engine: maps computed again
        batch = engine.run(receptor, ligands, box, params)
        for i, (row, ligand) in enumerate(zip(rows, ligands, strict=True)):
            reuse_first = (i + rep) % 2 == 0
            if not reuse_first:
                _fresh(row, receptor_pdbqt, ligand, box, params)
            start, start_cpu = time.perf_counter(), time.process_time()
            result = next(batch)
            row.reuse.append(time.perf_counter() - start)
            row.reuse_cpu.append(time.process_time() - start_cpu)
            if result.error:
                sys.exit(f"{ligand.name}: {result.error}")
            row.reuse_affinity = result.poses[0].affinity
            if reuse_first:
                _fresh(row, receptor_pdbqt, ligand, box, params)
            print(
                f"  [{rep + 1}/{repeats}] {row.name:14s} reuse {row.reuse[-1]:6.2f} s "
                f"({row.reuse_cpu[-1]:6.2f} s CPU)   fresh {row.fresh[-1]:6.2f} s "
                f"({row.fresh_cpu[-1]:6.2f} s CPU, maps {row.fresh_maps[-1]:.2f} s)",
                flush=True,
            )
        batch.close()
        assert engine.grids.stats.computed == 1
    return rows


def _fresh(
    row: Row, receptor_pdbqt: Path, ligand: PreparedLigand, box: Box, params: DockingParameters
) -> None:
    start_cpu = time.process_time()
    seconds, maps, affinity = fresh_vina(receptor_pdbqt, ligand, box, params)
    row.fresh_cpu.append(time.process_time() - start_cpu)
    row.fresh.append(seconds)
    row.fresh_maps.append(maps)
    row.fresh_affinity = affinity


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.system()} {platform.release()}, {cpu}",
        "cores": f"{os.cpu_count()} ({usable} usable by this process)",
        "software": (
            f"Python {platform.python_version()}, vina {vina.__version__}, "
            f"meeko {meeko.__version__}, RDKit {rdkit.__version__}, numpy {np.__version__}"
        ),
    }


def _total(rows: list[Row], attr: str) -> float:
    return sum(statistics.median(getattr(r, attr)) for r in rows)


def report(
    rows: list[Row],
    info: dict[str, str],
    settings: dict[str, Any],
    command: str,
    maps_once: float,
) -> str:
    """The results as Markdown."""
    reuse, fresh = _total(rows, "reuse"), _total(rows, "fresh")
    reuse_cpu, fresh_cpu = _total(rows, "reuse_cpu"), _total(rows, "fresh_cpu")
    maps = _total(rows, "fresh_maps")
    same = all(abs(r.reuse_affinity - r.fresh_affinity) < 1e-6 for r in rows)
    lines = [
        "# Receptor map reuse: one Vina engine batch vs a fresh Vina per ligand",
        "",
        f"Command: `{command}`",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        *[f"- {k}: {v}" for k, v in settings.items()],
        "",
        "## Totals (sum over ligands of the median per ligand)",
        "",
        "| side | wall (s) | CPU (s) |",
        "|---|---:|---:|",
        f"| reuse: one `VinaEngine` batch, maps computed once | {reuse:.2f} | {reuse_cpu:.2f} |",
        f"| fresh: new `Vina` per ligand, maps computed each time | {fresh:.2f} "
        f"| {fresh_cpu:.2f} |",
        "",
        f"**Ratio fresh / reuse: {fresh_cpu / reuse_cpu:.3f} in CPU time** "
        f"({fresh / reuse:.3f} in wall time).",
        "",
        f"Map computation: {maps:.2f} s in all on the fresh side (each ligand's own atom "
        f"types), {maps_once:.2f} s once for every atom type on the reuse side, so the "
        f"expected saving is about {maps - maps_once:.2f} s.",
        "",
        "CPU time (this process, all threads) is the steadier measure on a shared machine:",
        "other users' load stretches wall time but not the CPU time docking needs.",
        "",
        f"Same top affinity for every ligand on both sides: {'yes' if same else 'no'}.",
        "",
        "## Per ligand (medians)",
        "",
        "| ligand | heavy atoms | reuse wall (s) | reuse CPU (s) | fresh wall (s) "
        "| fresh CPU (s) | fresh maps (s) | top affinity reuse | top affinity fresh |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        med = {
            a: statistics.median(getattr(r, a))
            for a in ("reuse", "reuse_cpu", "fresh", "fresh_cpu", "fresh_maps")
        }
        lines.append(
            f"| {r.name} | {r.heavy_atoms} | {med['reuse']:.2f} | {med['reuse_cpu']:.2f} "
            f"| {med['fresh']:.2f} | {med['fresh_cpu']:.2f} | {med['fresh_maps']:.2f} "
            f"| {r.reuse_affinity:.3f} | {r.fresh_affinity:.3f} |"
        )
    lines += [
        "",
        "The reuse side's first ligand includes the one map computation (maps for every",
        "atom type, so any later ligand can be set on the same object). The fresh side",
        "computes maps only for each ligand's own atom types, as Vina's Python recipe does.",
        "The saving is the map computation of every ligand but the first, so it grows with",
        "the box and receptor size and the number of ligands, and its share shrinks as",
        "docking time per ligand grows (exhaustiveness, ligand flexibility).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--complex", default="1iep", help="shared complex id (receptor + box)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the complexes")
    ap.add_argument("--exhaustiveness", type=int, default=4)
    ap.add_argument("--cpu", type=int, default=1, help="CPUs per docking (0: all)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--padding", type=float, default=4.0, help="Å around the crystal ligand")
    ap.add_argument("--repeats", type=int, default=1, help="times to run both sides")
    ap.add_argument("--limit", type=int, default=len(LIGANDS), help="use the first N ligands")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    folder = args.data / args.complex
    xtal = Chem.MolFromMolFile(str(folder / "ligand.sdf"))
    box = box_from_ligand(xtal, padding=args.padding)
    params = DockingParameters(exhaustiveness=args.exhaustiveness, cpu=args.cpu, seed=args.seed)
    ligands = [
        prepare_ligand(Chem.MolFromSmiles(smi), name=name)
        for name, smi in list(LIGANDS.items())[: args.limit]
    ]
    with tempfile.TemporaryDirectory(prefix="madlab-bench-") as tmp:
        receptor = prepare_receptor(folder / "receptor.pdb", Path(tmp) / "receptor")
        print(f"{args.complex}: {receptor.atom_count} receptor atoms, box {box.to_dict()}")
        maps_once = all_type_maps_seconds(Path(receptor.pdbqt_path), box, params)
        rows = compare(receptor, ligands, box, params, args.repeats, Path(tmp) / "cache")
    settings = {
        "receptor": f"{args.complex} ({receptor.atom_count} atoms, prepared by madlab)",
        "box": f"center {box.to_dict()['center']}, size {box.to_dict()['size']} Å "
        f"({args.padding:g} Å around the crystal ligand)",
        "docking": f"vina scoring, exhaustiveness {args.exhaustiveness}, cpu {args.cpu}, "
        f"seed {args.seed}, {params.num_poses} poses, {len(ligands)} ligands, "
        f"{args.repeats} repeat(s)",
    }
    command = "python benchmarks/map_reuse.py " + " ".join(argv or sys.argv[1:])
    text = report(rows, machine(), settings, command.strip(), maps_once)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
