"""Benchmark: redocking success of vina, smina and gnina on the shared complexes.

For every complex in ``<repo>/../shared/data/complexes`` (20 protein–ligand
crystal structures) and every seed, the crystal ligand's chemistry is docked in
a box 4 Å around the crystal ligand and the poses are compared with the crystal
pose (symmetry-corrected heavy-atom RMSD; success: top-1 pose below 2 Å).
Receptors are prepared from their files, keeping every hetero group that is
neither water nor the ligand (``keep_hetero="auto"``: 1ia1's NDP, 1s63's zinc
and FPP, 2h7l's NAD, 3hl5's zinc).

* **vina**: :class:`madlab.engines.vina.VinaEngine` (Vina's command line
  defaults: 9 poses kept by the search).
* **gnina** (built in): :class:`madlab.engines.gnina_builtin.GninaBuiltin`,
  gnina's default pipeline: Monte Carlo search with the Vina scoring function
  keeping 50 poses, each refined and rescored by the CNN (gnina 1.0's default
  ensemble), ranked by ``CNNscore``.
* **smina** (built in): smina's empirical ranking of the *same* poses: the
  gnina search's poses sorted by smina's affinity (intermolecular energy with
  the torsional adjustment), cut to 9 within 3 kcal/mol. Smina and gnina built
  in search with the same Vina core and the same seed, so one docking per
  complex and seed serves both rankings; this is also the fairest comparison
  of the empirical and the CNN ranking (only the ranking differs).

The CNN rescoring time (all poses of a ligand in one batch, on the CPU) is
recorded next to the docking time it follows. Results go to
``benchmarks/results/redock.md`` and ``redock.json``; finished (complex, seed)
runs are kept in ``redock.partial.jsonl`` so an interrupted run resumes.

Run ``python benchmarks/redock.py`` (``--help`` for seeds, exhaustiveness,
complexes, CPUs). A full run (20 complexes, 3 seeds, exhaustiveness 8) takes
about an hour on two cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import vina

from madlab.domain import DockingParameters, LigandResult, Pose
from madlab.engines.gnina_builtin import GninaBuiltin, rank_poses
from madlab.engines.receptor_view import program_receptor
from madlab.engines.vina import VinaEngine
from madlab.tasks.builtin.redock_benchmark import complex_folders, pose_rmsds, prepare_complex

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "complexes"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "redock.md"
THRESHOLD = 2.0
NUM_MODES = 9
ENERGY_RANGE = 3.0
#: gnina's published top-1 rates for pocket-defined redocking (McNutt et al. 2021).
PUBLISHED = {"empirical scoring (Vina-like)": 0.58, "CNN rescoring (gnina default)": 0.73}


def _crystal(folder: Path) -> Any:
    from madlab.molecules.records import read_ligands

    return read_ligands(folder / "ligand.sdf", need_3d=True)[0].mol


def _ranked(poses: list[Pose]) -> dict[str, Any]:
    if not poses:
        return {"top1_rmsd": None, "best_rmsd": None, "score": None}
    rmsds = [p.rmsd for p in poses if p.rmsd is not None]
    return {
        "top1_rmsd": round(poses[0].rmsd, 3) if poses[0].rmsd is not None else None,
        "best_rmsd": round(min(rmsds), 3) if rmsds else None,
        "score": round(poses[0].affinity, 3),
    }


def smina_ranking(poses: list[Pose]) -> list[Pose]:
    """Smina's output from the shared search: by affinity, 9 poses within 3 kcal/mol."""
    ranked = sorted(poses, key=lambda p: p.affinity)
    if not ranked:
        return []
    best = ranked[0].affinity
    return [p for p in ranked if p.affinity <= best + ENERGY_RANGE][:NUM_MODES]


def run_one(
    folder: Path, seed: int, args: argparse.Namespace, engines: dict[str, Any], work: Path
) -> dict[str, Any]:
    """Dock one complex with one seed: vina, and the shared smina/gnina search."""
    t0 = time.perf_counter()
    item = prepare_complex(folder, work, keep_hetero="auto")
    prep = time.perf_counter() - t0
    row: dict[str, Any] = {
        "complex": folder.name,
        "seed": seed,
        "kept_hetero": item.receptor.kept_hetero,
        "heavy_atoms": item.ligand.mol.GetNumHeavyAtoms(),
        "prepare_s": round(prep, 2),
    }
    base = {"exhaustiveness": args.exhaustiveness, "seed": seed, "cpu": args.cpu}
    # vina: Vina's own command-line behaviour (9 poses kept by the search)
    params = DockingParameters(num_poses=NUM_MODES, **base)
    result: LigandResult = next(
        iter(engines["vina"].run(item.receptor, [item.ligand], item.box, params))
    )
    pose_rmsds(result, item.crystal)
    row["vina"] = {**_ranked(result.poses), "seconds": round(result.seconds, 2)}
    row["vina"]["error"] = result.error
    # gnina built in, every kept pose returned (num_modes 50) so both rankings can be drawn
    params = DockingParameters(num_poses=engines["gnina"].num_mc_saved, **base)
    result = next(iter(engines["gnina"].run(item.receptor, [item.ligand], item.box, params)))
    pose_rmsds(result, item.crystal)
    search, cnn = result.timings.get("search", 0.0), result.timings.get("cnn", 0.0)
    gnina = rank_poses(result.poses, "CNNscore", NUM_MODES)
    smina = smina_ranking(result.poses)
    row["gnina"] = {
        **_ranked(gnina),
        "cnnscore": gnina[0].scores.get("CNNscore") if gnina else None,
    }
    row["smina"] = _ranked(smina)
    row["search_s"], row["cnn_s"] = round(search, 2), round(cnn, 2)
    row["poses_rescored"] = len(result.poses)
    row["error"] = result.error
    return row


def crystal_scores(folders: list[Path], gnina: GninaBuiltin, work: Path) -> dict[str, float]:
    """The CNN's score of each crystal pose, against the receptor the CNN sees."""
    out = {}
    for folder in folders:
        item = prepare_complex(folder, work / "crystal", keep_hetero="auto")
        (scores,) = gnina.scorer.score(program_receptor(item.receptor), [item.crystal])
        out[folder.name] = round(scores.cnn_score, 4)
    return out


def _rate(rows: list[dict[str, Any]], engine: str, key: str) -> float:
    hits = [r[engine][key] is not None and r[engine][key] < THRESHOLD for r in rows]
    return sum(hits) / len(hits) if hits else 0.0


def summarize(rows: list[dict[str, Any]], seeds: list[int]) -> dict[str, Any]:
    """Top-1 and best-of-9 rates per engine and seed (over the rows present), and their means."""
    out: dict[str, Any] = {}
    for engine in ("vina", "smina", "gnina"):
        per_seed = {}
        for seed in seeds:
            these = [r for r in rows if r["seed"] == seed]
            per_seed[seed] = {
                "top1": _rate(these, engine, "top1_rmsd"),
                "best": _rate(these, engine, "best_rmsd"),
                "n": len(these),
            }
        out[engine] = {
            "per_seed": per_seed,
            "top1_mean": statistics.fmean([v["top1"] for v in per_seed.values() if v["n"]] or [0]),
            "best_mean": statistics.fmean([v["best"] for v in per_seed.values() if v["n"]] or [0]),
        }
    return out


def markdown(rows: list[dict[str, Any]], summary: dict[str, Any], meta: dict[str, Any]) -> str:
    """The results page."""
    seeds = meta["seeds"]
    n = len({r["complex"] for r in rows})
    lines = [
        "# Redocking benchmark: vina, smina and gnina",
        "",
        f"Generated by `benchmarks/redock.py` on {meta['date']} ({meta['machine']}).",
        "",
        f"{n} complexes from `../shared/data/complexes`, seeds {', '.join(map(str, seeds))}, "
        f"exhaustiveness {meta['exhaustiveness']}, {meta['cpu']} CPU thread(s) per docking, "
        "box 4 Å around the crystal ligand, receptors prepared from their files keeping "
        "every hetero group that is neither water nor the ligand. Success: top-1 pose within "
        "2 Å of the crystal pose (symmetry-corrected heavy-atom RMSD); best-of-9: any of the "
        "9 returned poses within 2 Å.",
        "",
        "* **vina**: `VinaEngine` (Vina's command line: the search keeps 9 poses).",
        "* **smina**: smina's empirical ranking (affinity = intermolecular energy with the "
        "torsional adjustment; 9 poses within 3 kcal/mol) of the poses of the gnina search "
        "below: smina and gnina built in search with the same Vina core and seed, so one "
        "docking per complex and seed serves both rankings, and only the ranking differs.",
        "* **gnina**: gnina built in (`GninaBuiltin`): the search keeps 50 poses "
        "(gnina's `num_mc_saved`), each refined, then rescored by the CNN (gnina 1.0's "
        f"default ensemble, the `default` model) and ranked by `CNNscore`; "
        f"{meta['torch']} on the CPU.",
        "",
        "## Success rates",
        "",
        "Top-1 and best-of-9 success per seed (complexes docked in that seed in brackets "
        "where fewer than all), their mean over the seeds, and gnina's published figures "
        "for pocket-defined redocking (McNutt et al., *J. Cheminform.* 13, 43 (2021), "
        "gnina 1.0, top-1 < 2 Å) on the same footing.",
        "",
        "| engine | "
        + " | ".join(f"top-1, seed {s}" for s in seeds)
        + " | **top-1 mean** | "
        + " | ".join(f"best-of-9, seed {s}" for s in seeds)
        + " | best-of-9 mean |",
        "|---|" + "---|" * (2 * len(seeds) + 2),
    ]
    for engine in ("vina", "smina", "gnina"):
        s = summary[engine]

        def rate(seed: int, key: str, s: dict[str, Any] = s) -> str:
            cell = s["per_seed"][seed]
            return f"{cell[key]:.0%}" + (f" ({cell['n']})" if cell["n"] < n else "")

        top1 = " | ".join(rate(seed, "top1") for seed in seeds)
        best = " | ".join(rate(seed, "best") for seed in seeds)
        lines.append(
            f"| {engine} | {top1} | **{s['top1_mean']:.0%}** | {best} | {s['best_mean']:.0%} |"
        )
    blank = " | ".join("–" for _ in seeds)
    lines += [
        f"| gnina paper: {k} | {blank} | **{v:.0%}** | {blank} | – |" for k, v in PUBLISHED.items()
    ]
    missing = meta.get("missing", [])
    if missing:
        lines += [
            "",
            f"**Missing rows** (not docked when this page was written): "
            f"{', '.join(f'{c} seed {s}' for c, s in missing)}.",
        ]
    search = [r["search_s"] for r in rows]
    cnn = [r["cnn_s"] for r in rows]
    vina_s = [r["vina"]["seconds"] for r in rows]
    per_pose = [r["cnn_s"] / r["poses_rescored"] for r in rows if r["poses_rescored"]]
    lines += [
        "",
        "## Time per ligand (CPU)",
        "",
        "| step | mean (s) | median (s) | max (s) |",
        "|---|---|---|---|",
        f"| vina docking (9 poses kept) | {statistics.fmean(vina_s):.1f} | "
        f"{statistics.median(vina_s):.1f} | {max(vina_s):.1f} |",
        f"| gnina search + refinement (50 poses kept) | {statistics.fmean(search):.1f} | "
        f"{statistics.median(search):.1f} | {max(search):.1f} |",
        f"| CNN rescoring of those poses (one batch) | {statistics.fmean(cnn):.1f} | "
        f"{statistics.median(cnn):.1f} | {max(cnn):.1f} |",
        f"| CNN rescoring, per pose | {statistics.fmean(per_pose):.2f} | "
        f"{statistics.median(per_pose):.2f} | {max(per_pose):.2f} |",
        "",
        "## Per complex",
        "",
        "Top-1 RMSD (Å) per seed; ✓ below 2 Å. *CNNscore* compares the CNN's score of "
        "the crystal pose with that of gnina's top-1 pose (mean over seeds): where the top-1 "
        "pose is wrong and scores higher than the crystal pose, the CNN itself prefers it "
        "(a scoring failure); where the crystal pose scores higher, no pose the search "
        "produced scored as well (no pose near the crystal pose, or refined near-native poses "
        "that the CNN scores lower than the crystal pose itself: see the analysis below).",
        "",
        "| complex | heavy atoms | kept hetero | vina | smina | gnina | CNNscore crystal / "
        "top-1 | search (s) | CNN (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    crystal = meta.get("crystal_cnnscore", {})
    for name in sorted({r["complex"] for r in rows}):
        these = sorted((r for r in rows if r["complex"] == name), key=lambda r: r["seed"])

        def cell(engine: str, these: list[dict[str, Any]] = these) -> str:
            vals = []
            for r in these:
                v = r[engine]["top1_rmsd"]
                vals.append("–" if v is None else f"{v:.1f}{' ✓' if v < THRESHOLD else ''}")
            return ", ".join(vals)

        kept = ", ".join(sorted({h.split(":")[1] for h in these[0]["kept_hetero"]})) or "–"
        chosen = [r["gnina"]["cnnscore"] for r in these if r["gnina"]["cnnscore"] is not None]
        versus = (
            f"{crystal[name]:.2f} / {statistics.fmean(chosen):.2f}"
            if name in crystal and chosen
            else "–"
        )
        lines.append(
            f"| {name} | {these[0]['heavy_atoms']} | {kept} | {cell('vina')} | "
            f"{cell('smina')} | {cell('gnina')} | {versus} | "
            f"{statistics.fmean(r['search_s'] for r in these):.0f} | "
            f"{statistics.fmean(r['cnn_s'] for r in these):.0f} |"
        )
    lines += ["", meta.get("notes", "").strip(), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--exhaustiveness", type=int, default=8)
    parser.add_argument("--cpu", type=int, default=2)
    parser.add_argument("--ids", nargs="*", help="only these complexes")
    parser.add_argument("--notes", type=Path, help="markdown appended to the results page")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="dock nothing: write the pages from the rows kept so far, naming the missing ones",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, args.cpu))
    folders = complex_folders(args.data.resolve(), args.ids)
    partial = args.out.with_suffix(".partial.jsonl")
    partial.parent.mkdir(parents=True, exist_ok=True)
    done: dict[tuple[str, int], dict[str, Any]] = {}
    if partial.is_file():
        for line in partial.read_text().splitlines():
            row = json.loads(line)
            done[(row["complex"], row["seed"])] = row
    with tempfile.TemporaryDirectory(prefix="madlab-redock-") as tmp:
        work = Path(tmp)
        engines = {
            "vina": VinaEngine(work / "cache"),
            "gnina": GninaBuiltin(work / "cache", device="cpu"),
        }
        # Load the networks once, so that the CNN times below are per ligand only.
        first = folders[0]
        engines["gnina"].scorer.score(first / "receptor.pdb", [_crystal(first)])
        for seed in args.seeds:  # every complex once before the next seed
            for folder in folders:
                if (folder.name, seed) in done or args.report_only:
                    continue
                row = run_one(folder, seed, args, engines, work)
                done[(folder.name, seed)] = row
                with partial.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                print(
                    f"{folder.name} seed {seed}: vina {row['vina']['top1_rmsd']}, "
                    f"smina {row['smina']['top1_rmsd']}, gnina {row['gnina']['top1_rmsd']} Å; "
                    f"search {row['search_s']} s, CNN {row['cnn_s']} s",
                    flush=True,
                )
        crystal = crystal_scores(folders, engines["gnina"], work)
    wanted = [(f.name, s) for f in folders for s in args.seeds]
    rows = [done[k] for k in wanted if k in done]
    summary = summarize(rows, args.seeds)
    meta = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, vina {vina.__version__}",
        "torch": f"torch {torch.__version__}",
        "seeds": args.seeds,
        "exhaustiveness": args.exhaustiveness,
        "cpu": args.cpu,
        "notes": args.notes.read_text() if args.notes else "",
        "crystal_cnnscore": crystal,
        "missing": [k for k in wanted if k not in done],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(rows, summary, meta))
    args.out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "summary": summary, "rows": rows}, indent=1)
    )
    for engine in ("vina", "smina", "gnina"):
        print(f"{engine}: top-1 {summary[engine]['top1_mean']:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
