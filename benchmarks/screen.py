"""Benchmark: a virtual screen as an ordinary pipeline, end to end.

A library of small, distinct ligands (alkyl and substituted benzenes, made
with RDKit) is docked into 184L (from the shared complexes) at low
exhaustiveness through the built-in ``screen_library`` pipeline template: the
run chunks the library, submits one ``dock`` job per chunk to the embedded
pool, waits, and executes the report notebook.

Recorded: wall time from submit to the run's end, the engine's share (the sum
of each ligand's docking seconds as stored with its result, over the
worker-seconds the pool had), and where the rest goes, from the timestamps
and metrics the store keeps for every job: inside the dock jobs but outside
the engine (receptor and ligand preparation, measured apart in the same run,
and the store), the workers' start-up of each job, worker time no dock job
used (waiting for the first chunk, the last chunks' tail, the report).

``--stop-at HH:MM`` (UTC) cancels a run still going at that time and records
what it finished. ``--home`` keeps the store for a later look. Results go to
``benchmarks/results/screen.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdkit import Chem

from madlab.bootstrap import build_services
from madlab.domain.jobs import Job, JobStatus
from madlab.errors import TimedOutError
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


@dataclass
class Preparation:
    """Preparation times measured in this process, apart from the run."""

    receptor_s: float
    ligand_s: float  # per ligand


def measure_preparation(folder: Path, library: Path, sample: int, work: Path) -> Preparation:
    """Time one receptor preparation and the preparation of ``sample`` ligands."""
    from madlab.molecules.ligand import prepare_ligands
    from madlab.molecules.receptor import prepare_receptor

    started = time.perf_counter()
    prepare_receptor(folder / "receptor.pdb", out_dir=work / "receptor")
    receptor_s = time.perf_counter() - started
    subset = work / "sample.sdf"
    writer = Chem.SDWriter(str(subset))
    for k, mol in enumerate(Chem.SDMolSupplier(str(library))):
        if k == sample:
            break
        writer.write(mol)
    writer.close()
    started = time.perf_counter()
    prepared = list(prepare_ligands(subset))
    ligand_s = (time.perf_counter() - started) / max(1, len(prepared))
    return Preparation(receptor_s=receptor_s, ligand_s=ligand_s)


def _span(job: Job, end: dt.datetime) -> float:
    if job.started_at is None:
        return 0.0
    return max(0.0, ((job.finished_at or end) - job.started_at).total_seconds())


def analyse(
    services: Any, run: Job, steps: list[Job], workers: int, end: dt.datetime
) -> dict[str, Any]:
    """Where the run's worker-seconds went, from what the store recorded."""
    engine_s = task_s = setup_s = between_s = tail_s = 0.0
    docked = failed = 0
    for job in steps:
        task_s += float(job.execution_metrics.get("seconds") or 0.0)
        with services.store.unit_of_work() as uow:
            results = sorted(
                uow.results.for_job(ORG, job.id, with_poses=False), key=lambda r: r.created_at
            )
        for result in results:
            engine_s += float(result.seconds)
            if result.binding_affinity is not None:
                docked += 1
            else:
                failed += 1
        if not results or job.started_at is None:
            continue
        # each result is stored as its ligand ends: the gaps around the engine's seconds
        first = results[0]
        setup_s += max(0.0, (first.created_at - job.started_at).total_seconds() - first.seconds)
        for before, after in itertools.pairwise(results):
            gap = (after.created_at - before.created_at).total_seconds() - after.seconds
            between_s += max(0.0, gap)
        tail_s += max(0.0, ((job.finished_at or end) - results[-1].created_at).total_seconds())
    job_s = sum(_span(j, end) for j in steps)
    wall = ((run.finished_at or end) - run.created_at).total_seconds()
    started_steps = [j for j in steps if j.started_at is not None]
    first_start = min((j.started_at or end for j in started_steps), default=end)
    last_end = max((j.finished_at or end for j in started_steps), default=end)
    return {
        "docked": docked,
        "failed": failed,
        "chunks_done": sum(j.status is JobStatus.SUCCEEDED for j in steps),
        "chunks": len(steps),
        "wall": wall,
        "engine_s": engine_s,
        "task_s": task_s,
        "setup_s": setup_s,
        "between_s": between_s,
        "tail_s": tail_s,
        "job_s": job_s,
        "capacity": wall * workers,
        "before_steps": (first_start - run.created_at).total_seconds(),
        "after_steps": ((run.finished_at or end) - last_end).total_seconds(),
    }


def table(m: dict[str, Any], prep: Preparation, args: argparse.Namespace) -> list[str]:
    """The results as Markdown rows."""
    cap = m["capacity"] or 1.0
    receptor_prep = prep.receptor_s * m["chunks"]
    ligand_prep = prep.ligand_s * (m["docked"] + m["failed"])
    job_start = max(0.0, m["job_s"] - m["setup_s"] - m["between_s"] - m["tail_s"] - m["engine_s"])
    idle = max(0.0, cap - m["job_s"])

    def row(label: str, seconds: float) -> str:
        return f"| {label} | {seconds:.1f} s | {seconds / cap:.1%} |"

    return [
        "| measure | value |",
        "| --- | --- |",
        f"| ligands docked | {m['docked']} of {args.ligands} ({m['failed']} failed) |",
        f"| dock jobs (chunks) finished | {m['chunks_done']} of {m['chunks']} submitted |",
        f"| wall time, submit to run end | {m['wall']:.1f} s |",
        f"| throughput | {m['docked'] / max(m['wall'], 1e-9):.2f} ligands/s |",
        f"| share of time outside the engine | {1 - m['engine_s'] / cap:.1%} |",
        f"| share of dock job time outside the engine | "
        f"{(1 - m['engine_s'] / m['job_s']) if m['job_s'] else 0:.1%} |",
        "",
        f"Where the worker-seconds went ({args.workers} docking workers x wall time):",
        "",
        "| where | seconds | share |",
        "| --- | --- | --- |",
        row("engine (docking time per ligand as stored with its result)", m["engine_s"]),
        row(
            "dock job set-up before its first ligand's search: receptor and ligand "
            "preparation, box, grid maps",
            m["setup_s"],
        ),
        row(
            "between two ligands of a job: pose file, artifact, result row, progress event",
            m["between_s"],
        ),
        row("after a job's last ligand: summary files, final state", m["tail_s"]),
        row("job start in the worker (claim, task loading, limits), not in the above", job_start),
        row("workers without a dock job (first chunk's wait, the tail, the report)", idle),
        "",
        f"Before the first chunk started: {m['before_steps']:.1f} s (the run job's pickup and "
        f"chunking); after the last chunk ended: {m['after_steps']:.1f} s (the report "
        "notebook and the run's end).",
        "",
        f"The set-up row holds receptor preparation ({prep.receptor_s:.2f} s per chunk, "
        f"{receptor_prep:.1f} s over the run) and ligand preparation "
        f"({prep.ligand_s * 1000:.0f} ms per ligand, {ligand_prep:.1f} s over the run), both "
        "timed apart in the same process after the screen; the rest of it is the box and "
        "the receptor's grid maps.",
    ]


def run_screen(
    args: argparse.Namespace,
    pipelines: PipelineService,
    pool: LocalQueue,
    library: Path,
    deadline: float | None,
) -> tuple[Job, bool]:
    """Run the screen on the pool; returns the run as it ended, and whether it was stopped."""
    folder = COMPLEXES / "184l"
    spec = builtin_template("screen_library").model_dump(mode="json", exclude_none=True)
    spec["steps"][0]["foreach"]["chunk_size"] = args.chunk_size
    stopped = False
    pool.start()
    try:
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
        print(f"run {run.id}, store in {pool.settings.home}", flush=True)
        try:
            final = pipelines.wait(ORG, run.id, timeout=deadline or 24 * 3600)
        except TimedOutError:
            stopped = True
            pipelines.cancel(ORG, run.id)
            final = pipelines.wait(ORG, run.id, timeout=120)
    finally:
        pool.close()
    return final, stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--ligands", type=int, default=1000)
    parser.add_argument("--exhaustiveness", type=int, default=1)
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 2)))
    parser.add_argument("--chunk-size", type=int, default=50)
    parser.add_argument(
        "--pool-workers",
        type=int,
        help="processes of the embedded pool (default: --workers; the pipeline run itself "
        "is coordinated outside the pool)",
    )
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--home", type=Path, help="keep the store here (default: a temporary one)")
    parser.add_argument("--stop-at", help="HH:MM UTC: cancel the run then, record what finished")
    parser.add_argument("--note", default="", help="a sentence recorded above the table")
    parser.add_argument(
        "--analyse", metavar="RUN_ID", help="with --home: record a finished run again, no docking"
    )
    args = parser.parse_args()
    folder = COMPLEXES / "184l"
    tmp = Path(tempfile.mkdtemp(prefix="madlab-screen-"))
    home = args.home or tmp / "home"
    deadline: float | None = None
    if args.stop_at:
        now = dt.datetime.now(dt.timezone.utc)
        hh, mm = (int(x) for x in args.stop_at.split(":"))
        stop = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        if stop <= now:
            stop += dt.timedelta(days=1)
        deadline = (stop - now).total_seconds()
    library = write_library(tmp / "library.sdf", library_smiles(args.ligands))
    settings = Settings.from_env(
        {
            "MADLAB_HOME": str(home),
            "MADLAB_LOCAL_WORKERS": str(args.pool_workers or args.workers),
            "MADLAB_ORGANIZATION": ORG,
        }
    )
    services = build_services(settings)
    with services.store.unit_of_work() as uow:
        uow.organizations.ensure(ORG)
    pipelines = PipelineService(services.store, services.jobs)
    stopped = False
    if args.analyse:
        final = pipelines.jobs.get(ORG, args.analyse)
    else:
        pool = services.queue
        assert isinstance(pool, LocalQueue)
        final, stopped = run_screen(args, pipelines, pool, library, deadline)
    end = final.finished_at or dt.datetime.now(dt.timezone.utc)
    steps = pipelines.steps(ORG, final.id)
    measured = analyse(services, final, steps, args.workers, end)
    prep = measure_preparation(folder, library, min(args.chunk_size, 20), tmp)
    services.store.dispose()
    if args.home is None:
        shutil.rmtree(tmp, ignore_errors=True)
    outputs = final.execution_metrics.get("outputs") or {}
    report = "yes" if (outputs.get("report") or {}).get("path") else "no"
    command = (
        f"`nice -n 10 python benchmarks/screen.py --ligands {args.ligands} --exhaustiveness "
        f"{args.exhaustiveness} --workers {args.workers} --chunk-size {args.chunk_size}"
        + (f" --pool-workers {args.pool_workers}" if args.pool_workers else "")
        + (f" --stop-at {args.stop_at}" if args.stop_at else "")
        + "`"
    )
    lines = [
        f"{command}, {dt.date.today()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; run status: {final.status.value}"
        + (" (stopped at the deadline)" if stopped else "")
        + f"; report notebook executed: {report}.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    lines += table(measured, prep, args)
    body = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Screen benchmark\n\nA virtual screen run as the `screen_library` pipeline "
        "(see the docstring of `benchmarks/screen.py`). The default is 1,000 ligands; a run "
        "at another size, or one stopped at a deadline, says so below.\n"
    )
    RESULTS.write_text(f"{header}\n## {args.ligands} ligands\n\n{body}\n")
    print(body)


if __name__ == "__main__":
    main()
