"""Benchmark: a virtual screen as an ordinary pipeline, end to end.

A library of small, distinct ligands (alkyl and substituted benzenes, made
with RDKit) is docked into 184L at low exhaustiveness through the built-in
``screen_library`` pipeline template: the ``pipeline`` job chunks the
library, submits one ``dock`` job per chunk to the embedded pool, waits, and
executes the report notebook. Recorded: wall time from submit to the run's
end, the engine's share (the sum of each ligand's docking seconds as stored
with its result, over the worker-seconds the pool had), and so the share of
time spent outside the engine (preparation, the store, scheduling, the
report). Run ``python benchmarks/screen.py`` for the full 1,000 ligands;
results go to ``benchmarks/results/screen.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import tempfile
import time
from pathlib import Path

from rdkit import Chem

from madlab.bootstrap import build_services
from madlab.domain.jobs import JobStatus
from madlab.pipelines.service import PipelineService
from madlab.pipelines.templates import builtin_template
from madlab.runtime.local import LocalQueue
from madlab.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "screen.md"
COMPLEXES = HERE.parent.parent / "shared" / "data" / "complexes"
ORG = "bench"


def library_smiles(count: int) -> list[str]:
    """``count`` distinct small ligands: benzene with up to three of a set of substituents."""
    groups = [
        "",
        "C",
        "CC",
        "CCC",
        "C(C)C",
        "O",
        "N",
        "F",
        "Cl",
        "Br",
        "C#N",
        "OC",
        "C(=O)O",
        "C=O",
        "CO",
        "CN",
        "C(F)(F)F",
        "S",
        "SC",
        "I",
        "C=C",
        "NC",
        "OCC",
        "CCO",
        "CCN",
    ]
    seen: set[str] = set()
    out: list[str] = []
    for a, b, c in itertools.product(groups, repeat=3):
        subs = [f"({g})" if g else "" for g in (a, b, c)]
        mol = Chem.MolFromSmiles(f"c1{subs[0]}cc{subs[1]}cc{subs[2]}c1")
        if mol is None:
            continue
        canonical = Chem.MolToSmiles(mol)
        if canonical not in seen:
            seen.add(canonical)
            out.append(canonical)
        if len(out) == count:
            return out
    raise SystemExit(f"only {len(out)} distinct ligands could be made")


def write_library(path: Path, smiles: list[str]) -> Path:
    """An SDF of the ligands (2D; preparation embeds them), named lig0001..."""
    writer = Chem.SDWriter(str(path))
    for i, smi in enumerate(smiles, start=1):
        mol = Chem.MolFromSmiles(smi)
        mol.SetProp("_Name", f"lig{i:04d}")
        writer.write(mol)
    writer.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ligands", type=int, default=1000)
    parser.add_argument("--exhaustiveness", type=int, default=1)
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 2)))
    parser.add_argument("--chunk-size", type=int, default=50)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    folder = COMPLEXES / "184l"
    with tempfile.TemporaryDirectory() as tmp:
        library = write_library(Path(tmp) / "library.sdf", library_smiles(args.ligands))
        settings = Settings.from_env(
            {
                "MADLAB_HOME": str(Path(tmp) / "home"),
                # the pipeline job holds one worker; the others dock
                "MADLAB_LOCAL_WORKERS": str(args.workers + 1),
                "MADLAB_ORGANIZATION": ORG,
            }
        )
        services = build_services(settings)
        with services.store.unit_of_work() as uow:
            uow.organizations.ensure(ORG)
        pipelines = PipelineService(services.store, services.jobs)
        spec = builtin_template("screen_library").model_dump(mode="json", exclude_none=True)
        spec["steps"][0]["foreach"]["chunk_size"] = args.chunk_size
        pool = services.queue
        assert isinstance(pool, LocalQueue)
        pool.start()
        try:
            started = time.perf_counter()
            run = pipelines.execute(
                ORG,
                "bench",
                spec=spec,
                inputs={
                    "receptor": str(folder / "receptor.pdb"),
                    "library": str(library),
                    "box_ligand": str(folder / "ligand.sdf"),
                    "exhaustiveness": args.exhaustiveness,
                },
                report=not args.no_report,
                poll_s=0.5,
            )
            final = pipelines.wait(ORG, run.id, timeout=24 * 3600)
            wall = time.perf_counter() - started
        finally:
            pool.close()
        assert final.status is JobStatus.SUCCEEDED, final.error
        steps = pipelines.steps(ORG, run.id)
        engine_s = 0.0
        docked = 0
        job_s = 0.0
        with services.store.unit_of_work() as uow:
            for job in steps:
                job_s += float(job.execution_metrics.get("seconds") or 0.0)
                for result in uow.results.for_job(ORG, job.id, with_poses=False):
                    engine_s += float(result.seconds)
                    docked += result.binding_affinity is not None
        outputs = final.execution_metrics["outputs"]
        report_s = "yes" if outputs.get("report", {}).get("path") else "no"
        services.store.dispose()
    capacity = wall * args.workers
    body = "\n".join(
        [
            f"`python benchmarks/screen.py --ligands {args.ligands} --exhaustiveness "
            f"{args.exhaustiveness} --workers {args.workers} --chunk-size {args.chunk_size}`, "
            f"{dt.date.today()}, {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}.",
            "",
            "| measure | value |",
            "| --- | --- |",
            f"| ligands docked | {docked} of {args.ligands} |",
            f"| dock jobs (chunks) | {len(steps)} |",
            f"| wall time, submit to run end | {wall:.1f} s |",
            f"| throughput | {docked / wall:.2f} ligands/s |",
            f"| docking time per ligand as stored with its result (sum) | {engine_s:.1f} s |",
            f"| dock job time (sum over jobs) | {job_s:.1f} s |",
            f"| worker-seconds available ({args.workers} docking workers x wall) | "
            f"{capacity:.1f} s |",
            f"| share of time outside the engine | {1 - engine_s / capacity:.1%} |",
            f"| share of dock job time outside the engine | "
            f"{(1 - engine_s / job_s) if job_s else 0:.1%} |",
            f"| report notebook executed | {report_s} |",
        ]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Screen benchmark\n\nA virtual screen run as the `screen_library` pipeline "
        "(see the docstring of `benchmarks/screen.py`). The default is 1,000 ligands; a run "
        "at another size says so in its command line below.\n"
    )
    RESULTS.write_text(f"{header}\n## {args.ligands} ligands\n\n{body}\n")
    print(body)


if __name__ == "__main__":
    main()
