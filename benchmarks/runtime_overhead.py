"""Benchmark: per-job overhead of the runtime against calling the engine directly.

The same docking (a receptor and its crystal ligand, box around the ligand,
Vina, fixed seed) two ways, interleaved:

* **direct**: in this process, prepare the receptor and the ligand and call
  the engine adapter's ``run``, as a script using madlab's library would;
* **runtime**: ``JobService.submit`` of the built-in ``dock`` task to the
  embedded pool (one warm worker process) and ``wait`` for its end: schema
  validation, the store's transitions, the claim, the job's limited child
  process, events, result and artifact writes, working folder cleanup.

The ratio runtime / direct is the runtime's cost per job; the difference is
its overhead in seconds. Run ``python benchmarks/runtime_overhead.py``
(``make bench``); results go to ``benchmarks/results/runtime.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from runtime_tasks import HERE, ORG, machine, prepare, write_section

from madlab.domain import DockingParameters
from madlab.domain.jobs import JobStatus
from madlab.molecules.box import box_from_ligand
from madlab.molecules.ligand import prepare_ligands
from madlab.molecules.receptor import prepare_receptor
from madlab.runtime.local import LocalQueue
from madlab.settings import Settings

COMPLEXES = HERE.parent.parent / "shared" / "data" / "complexes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--complex", default="184l")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--exhaustiveness", type=int, default=8)
    args = parser.parse_args()
    folder = COMPLEXES / args.complex
    receptor, ligand = folder / "receptor.pdb", folder / "ligand.sdf"
    params = {
        "receptor": str(receptor),
        "ligand_files": [str(ligand)],
        "autobox_ligand": str(ligand),
        "exhaustiveness": args.exhaustiveness,
        "cpu": 1,
        "seed": 42,
    }
    direct: list[float] = []
    runtime: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(
            {"MADLAB_HOME": str(Path(tmp) / "home"), "MADLAB_LOCAL_WORKERS": "1"}
        )
        services = prepare(settings)
        engine = services.engine("vina")
        pool = services.queue
        assert isinstance(pool, LocalQueue)
        pool.start()
        try:

            def via_runtime() -> float:
                started = time.perf_counter()
                job = services.jobs.submit(ORG, "bench", "dock", params)
                done = services.jobs.wait(ORG, job.id, timeout=600)
                assert done.status is JobStatus.SUCCEEDED, done.error
                return time.perf_counter() - started

            def via_engine(i: int) -> float:
                started = time.perf_counter()
                out = Path(tmp) / f"direct{i}"
                rec = prepare_receptor(receptor, out_dir=out)
                ligs = prepare_ligands(ligand)
                box = box_from_ligand(ligand)
                p = DockingParameters(exhaustiveness=args.exhaustiveness, cpu=1, seed=42)
                results = list(engine.run(rec, ligs, box, p))
                assert results and results[0].poses
                return time.perf_counter() - started

            via_runtime()  # warm: the worker's imports and its receptor maps
            via_engine(-1)
            for i in range(args.repeats):
                if i % 2:
                    direct.append(via_engine(i))
                    runtime.append(via_runtime())
                else:
                    runtime.append(via_runtime())
                    direct.append(via_engine(i))
        finally:
            pool.close()
            services.store.dispose()
    d, r = statistics.median(direct), statistics.median(runtime)
    print(f"direct {d:.2f} s, runtime {r:.2f} s, ratio {r / d:.2f}, overhead {r - d:.2f} s")
    rows = "\n".join(
        f"| {i + 1} | {a:.2f} | {b:.2f} | {b / a:.2f} |"
        for i, (a, b) in enumerate(zip(direct, runtime, strict=True))
    )
    body = f"""`python benchmarks/runtime_overhead.py --complex {args.complex} \
--repeats {args.repeats} --exhaustiveness {args.exhaustiveness}`, {dt.date.today().isoformat()}, \
{machine()}.

One docking of {args.complex}'s crystal ligand into its receptor (Vina, exhaustiveness
{args.exhaustiveness}, one CPU, seed 42), called directly in one process versus submitted
as a `dock` job to the embedded pool (one warm worker) and waited for. Both runs prepare the
receptor and the ligand; both engines keep their receptor maps between runs.

| run | direct (s) | runtime (s) | ratio |
| --- | --- | --- | --- |
{rows}

Median: direct {d:.2f} s, runtime {r:.2f} s: **ratio {r / d:.2f}**, overhead {r - d:.2f} s per job.
"""
    write_section("Runtime overhead per job", body)


if __name__ == "__main__":
    main()
