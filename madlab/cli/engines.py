"""Commands over the engines: ``rescore`` poses, and the ``bench redock`` benchmark."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from madlab.cli.app import console, err_console, main, services_of
from madlab.domain import LigandResult, ScoringFunction
from madlab.errors import EngineError

_existing = click.Path(exists=True, dir_okay=False, path_type=Path)
_SCORE_COLUMNS = ("CNNscore", "CNNaffinity")


def _keep_hetero(values: tuple[str, ...]) -> str | list[str]:
    """``auto``, ``none`` or the names given (repeatable or comma-separated)."""
    names = [n.strip().upper() for v in values for n in v.split(",") if n.strip()]
    if not names or names == ["AUTO"]:
        return "auto"
    return "none" if names == ["NONE"] else names


def _engine_options(backend: str, cnn: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if backend != "auto":
        options["backend"] = backend
    if cnn:
        options["cnn"] = cnn
    return options


def _write_poses(results: list[LigandResult], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as fh:
        for r in results:
            for pose in r.poses:
                fh.write(pose.molblock if pose.molblock.endswith("\n") else pose.molblock + "\n")


@main.command()
@click.option("--receptor", "-r", required=True, type=_existing, help="Receptor PDB or mmCIF.")
@click.option("--poses", "-p", required=True, type=_existing, help="Poses to score (SDF, MOL2).")
@click.option("--engine", default="gnina", show_default=True, help="gnina, smina or vina.")
@click.option(
    "--backend",
    type=click.Choice(["auto", "program", "builtin"]),
    default="auto",
    show_default=True,
)
@click.option("--cnn", help="gnina: CNN model or ensemble (default: gnina 1.0's default).")
@click.option(
    "--scoring",
    type=click.Choice([s.value for s in ScoringFunction]),
    default="vina",
    show_default=True,
)
@click.option(
    "--keep-hetero",
    multiple=True,
    help="Hetero groups to keep (names), 'auto' (default: all but water and a group "
    "where the first pose sits) or 'none'.",
)
@click.option("--cpu", type=int, default=1, show_default=True)
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), help="SDF to write.")
@click.pass_context
def rescore(
    ctx: click.Context,
    receptor: Path,
    poses: Path,
    engine: str,
    backend: str,
    cnn: str | None,
    scoring: str,
    keep_hetero: tuple[str, ...],
    cpu: int,
    out: Path | None,
) -> None:
    """Score poses from any program as they are (gnina adds its CNN scores)."""
    from madlab.tasks.builtin.rescore import prepare_rescoring

    services = services_of(ctx)
    if cnn and engine != "gnina":
        raise click.UsageError("--cnn needs --engine gnina")
    adapter = services.engine(engine, **_engine_options(backend, cnn))
    with tempfile.TemporaryDirectory(prefix="madlab-rescore-", dir=services.work_root) as tmp:
        job = prepare_rescoring(
            receptor,
            poses,
            Path(tmp),
            keep_hetero=_keep_hetero(keep_hetero),
            scoring=scoring,
            cpu=cpu,
        )
        results = list(adapter.run(job.receptor, job.poses, job.box, job.parameters))
    table = Table(title=f"{poses.name} scored by {engine}")
    columns = [c for c in _SCORE_COLUMNS if any(c in p.scores for r in results for p in r.poses)]
    for col in ("#", "pose", "affinity (kcal/mol)", *columns):
        table.add_column(col)
    failures = []
    for n, r in enumerate(results, start=1):
        best = r.best
        if best is None:
            table.add_row(str(n), r.ligand, "failed", *[""] * len(columns))
            failures.append(f"{n}: {r.error}")
            continue
        scores = [f"{best.scores[c]:.4f}" if c in best.scores else "–" for c in columns]
        table.add_row(str(n), r.ligand, f"{best.affinity:.3f}", *scores)
    console.print(table)
    backends = sorted({f"{r.backend} {r.engine_version}".strip() for r in results})
    console.print(f"scored by {engine}: {', '.join(backends)}", highlight=False, markup=False)
    for line in failures:
        err_console.print(line, highlight=False, markup=False)
    if out is not None:
        _write_poses(results, out)
        console.print(f"scored poses written to {out}", highlight=False)
    if results and all(r.error for r in results):
        raise EngineError("no pose could be scored", engine=engine)


@main.group()
def bench() -> None:
    """Benchmarks on folders of complexes."""


@bench.command("redock")
@click.option(
    "--set",
    "set_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with one sub-folder per complex (receptor.pdb, ligand.sdf).",
)
@click.option("--engine", default="vina", show_default=True, help="vina, smina or gnina.")
@click.option(
    "--backend",
    type=click.Choice(["auto", "program", "builtin"]),
    default="auto",
    show_default=True,
)
@click.option("--cnn", help="gnina: CNN model or ensemble.")
@click.option("--exhaustiveness", type=int, default=8, show_default=True)
@click.option("--num-poses", type=int, default=9, show_default=True)
@click.option("--seed", "seeds", type=int, multiple=True, help="Seed; repeat for several.")
@click.option("--cpu", type=int, default=1, show_default=True)
@click.option("--autobox-add", type=float, default=4.0, show_default=True)
@click.option("--threshold", type=float, default=2.0, show_default=True)
@click.option("--id", "ids", multiple=True, help="Only this complex; repeat for more.")
@click.option(
    "--keep-hetero",
    multiple=True,
    help="'auto' (default: every hetero group that is neither water nor the ligand), "
    "'none', or names.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report file (JSON; a markdown page is written beside it).",
)
@click.pass_context
def bench_redock(
    ctx: click.Context,
    set_dir: Path,
    engine: str,
    backend: str,
    cnn: str | None,
    exhaustiveness: int,
    num_poses: int,
    seeds: tuple[int, ...],
    cpu: int,
    autobox_add: float,
    threshold: float,
    ids: tuple[str, ...],
    keep_hetero: tuple[str, ...],
    out: Path | None,
) -> None:
    """Redock each complex's crystal ligand and report top-1 success rates per seed."""
    from madlab.tasks.builtin.redock_benchmark import run_benchmark
    from madlab.tasks.builtin.redock_report import write_reports

    services = services_of(ctx)
    params: dict[str, Any] = {
        "complexes": str(set_dir),
        "engine": engine,
        "exhaustiveness": exhaustiveness,
        "num_poses": num_poses,
        "seeds": list(seeds or (42,)),
        "cpu": cpu,
        "autobox_add": autobox_add,
        "threshold": threshold,
        "keep_hetero": _keep_hetero(keep_hetero),
        **_engine_options(backend, cnn),
    }
    if ids:
        params["ids"] = list(ids)

    def show(entry: dict[str, Any]) -> None:
        rmsd = entry["top1_rmsd"]
        verdict = entry["error"] or (
            f"top-1 {rmsd:.2f} Å, best {entry['best_rmsd']:.2f} Å, score {entry['score']:.2f}"
        )
        err_console.print(
            f"{entry['complex']} (seed {entry['seed']}): {verdict}", highlight=False, markup=False
        )

    with tempfile.TemporaryDirectory(prefix="madlab-bench-", dir=services.work_root) as tmp:
        report = run_benchmark(
            params, engine_factory=services.engine, workdir=Path(tmp), on_entry=show
        )
    summary = report["summary"]
    table = Table(title=f"redocking with {engine} ({report['backend']})")
    for col in ("seed", "complexes", "top-1 < 2 Å", "best-of-N < 2 Å", "errors"):
        table.add_column(col)
    for s in summary["per_seed"]:
        table.add_row(
            str(s["seed"]),
            str(s["complexes"]),
            f"{s['top1_success']} ({s['top1_rate']:.0%})",
            f"{s['best_success']} ({s['best_rate']:.0%})",
            str(s["errors"]),
        )
    table.add_row(
        "mean", "", f"{summary['top1_rate_mean']:.0%}", f"{summary['best_rate_mean']:.0%}"
    )
    console.print(table)
    if out is not None:
        json_path, md_path = write_reports(report, out)
        console.print(f"report written to {json_path} and {md_path}", highlight=False)
