"""Commands that dock and prepare molecules: ``dock``, ``demo``, ``prepare``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from madlab.bootstrap import Services
from madlab.cli.app import EXIT_ENGINE, console, err_console, main, services_of
from madlab.domain import DockMode, ScoringFunction
from madlab.errors import ValidationError
from madlab.tasks.dock import DockOutcome, DockRequest, load_example, run_docking


def _print_results(outcome: DockOutcome, top: int = 3) -> None:
    table = Table(title=f"job {outcome.job_id}: {outcome.status.value}")
    cnn = any("CNNscore" in p.scores for r in outcome.results for p in r.poses)
    columns = ["ligand", "rank", "affinity (kcal/mol)", *(["CNNscore"] if cnn else [])]
    for col in (*columns, "RMSD to reference (Å)", "engine"):
        table.add_column(col)
    for r in outcome.results:
        if r.error:
            table.add_row(r.ligand, "-", "failed", *([""] if cnn else []), r.error, r.engine)
            continue
        for pose in r.poses[:top]:
            rmsd = "" if pose.rmsd is None else f"{pose.rmsd:.2f}"
            score = pose.scores.get("CNNscore")
            table.add_row(
                r.ligand,
                str(pose.rank),
                f"{pose.affinity:.2f}",
                *([f"{score:.3f}" if score is not None else ""] if cnn else []),
                rmsd,
                f"{r.engine} ({r.backend} {r.engine_version})",
            )
    console.print(table)
    for w in outcome.warnings:
        err_console.print(Text("warning: ", style="yellow") + Text(w), highlight=False)
    console.print(f"poses and summary written to {outcome.out_dir}", highlight=False)


def _run_with_progress(services: Services, request: DockRequest, out: Path) -> DockOutcome:
    columns = (
        TextColumn("[bold]docking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ligands"),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=err_console, transient=False) as bar:
        task = bar.add_task("", total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        def on_partial(item: dict[str, Any]) -> None:
            best = item.get("best_affinity")
            note = "failed" if best is None else f"{best:.2f} kcal/mol"
            bar.update(task, description=f"{item['ligand']}: {note}")

        return run_docking(
            request,
            store=services.store,
            artifacts=services.artifacts,
            engine_factory=services.engine,
            out_dir=out,
            organization=services.settings.organization,
            user=services.settings.user,
            on_progress=on_progress,
            on_partial=on_partial,
            work_root=services.work_root,
        )


_existing = click.Path(exists=True, dir_okay=False, path_type=Path)


@main.command()
@click.option("--receptor", "-r", required=True, type=_existing, help="Receptor PDB or mmCIF.")
@click.option(
    "--ligand",
    "-l",
    "ligands",
    multiple=True,
    type=_existing,
    help="Ligand file (SDF, MOL2, PDB, SMILES file); repeat for more.",
)
@click.option("--smiles", multiple=True, help="A ligand as SMILES; repeat for more.")
@click.option("--center", nargs=3, type=float, default=None, help="Box centre X Y Z (Å).")
@click.option("--size", nargs=3, type=float, default=None, help="Box size X Y Z (Å).")
@click.option("--autobox-ligand", type=_existing, help="Box around this ligand.")
@click.option(
    "--autobox-add",
    type=float,
    default=4.0,
    show_default=True,
    help="Padding around --autobox-ligand on each side (Å).",
)
@click.option("--whole-receptor", is_flag=True, help="Box around the whole receptor.")
@click.option("--reference", type=_existing, help="Pose to report RMSD against.")
@click.option(
    "--engine",
    default="vina",
    show_default=True,
    help="vina, smina or gnina (see madlab engines).",
)
@click.option(
    "--backend",
    type=click.Choice(["auto", "program", "builtin"]),
    default="auto",
    show_default=True,
    help="smina/gnina: the installed program, or built in (auto: program when found).",
)
@click.option("--cnn", help="gnina: CNN model or ensemble (default: gnina 1.0's default ensemble).")
@click.option(
    "--cnn-scoring",
    type=click.Choice(["none", "rescore", "refinement", "metrorescore", "all"]),
    help="gnina: how the CNN is used (built in: none or rescore; default rescore).",
)
@click.option(
    "--pose-sort-order",
    type=click.Choice(["CNNscore", "CNNaffinity", "Energy"]),
    help="gnina: how poses are ranked (default CNNscore).",
)
@click.option(
    "--custom-scoring",
    type=_existing,
    help="smina/gnina: custom scoring file (weight and term per line).",
)
@click.option(
    "--scoring",
    type=click.Choice([s.value for s in ScoringFunction]),
    default="vina",
    show_default=True,
)
@click.option(
    "--mode", type=click.Choice([m.value for m in DockMode]), default="dock", show_default=True
)
@click.option("--exhaustiveness", type=int, default=8, show_default=True)
@click.option("--num-poses", type=int, default=9, show_default=True)
@click.option("--energy-range", type=float, default=3.0, show_default=True)
@click.option("--min-rmsd", type=float, default=1.0, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--cpu", type=int, default=0, show_default=True, help="0: all cores.")
@click.option(
    "--ph", type=float, default=7.4, show_default=True, help="pH for the ligands' charge states."
)
@click.option("--keep-hetero", multiple=True, help="Hetero group to keep (e.g. ZN, NDP).")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_context
def dock(
    ctx: click.Context,
    receptor: Path,
    ligands: tuple[Path, ...],
    smiles: tuple[str, ...],
    center: tuple[float, float, float] | None,
    size: tuple[float, float, float] | None,
    autobox_ligand: Path | None,
    autobox_add: float,
    whole_receptor: bool,
    reference: Path | None,
    engine: str,
    backend: str,
    cnn: str | None,
    cnn_scoring: str | None,
    pose_sort_order: str | None,
    custom_scoring: Path | None,
    scoring: str,
    mode: str,
    exhaustiveness: int,
    num_poses: int,
    energy_range: float,
    min_rmsd: float,
    seed: int,
    cpu: int,
    ph: float,
    keep_hetero: tuple[str, ...],
    out: Path,
) -> None:
    """Dock ligands into a receptor and write ranked poses per ligand."""
    request = DockRequest(
        receptor=receptor,
        ligand_files=list(ligands),
        smiles=list(smiles),
        center=center,
        size=size,
        autobox_ligand=autobox_ligand,
        autobox_add=autobox_add,
        whole_receptor=whole_receptor,
        reference=reference,
        engine=engine,
        backend=backend,  # type: ignore[arg-type]  # checked by click.Choice
        cnn=cnn,
        cnn_scoring=cnn_scoring,  # type: ignore[arg-type]
        pose_sort_order=pose_sort_order,  # type: ignore[arg-type]
        custom_scoring=custom_scoring,
        scoring=ScoringFunction(scoring),
        mode=DockMode(mode),
        exhaustiveness=exhaustiveness,
        num_poses=num_poses,
        energy_range=energy_range,
        min_rmsd=min_rmsd,
        seed=seed,
        cpu=cpu,
        ph=ph,
        keep_hetero=list(keep_hetero),
    )
    outcome = _run_with_progress(services_of(ctx), request, out)
    _print_results(outcome)
    if outcome.failed_ligands:
        sys.exit(EXIT_ENGINE if len(outcome.failed_ligands) == len(outcome.results) else 0)


@main.command()
@click.option("--exhaustiveness", type=int, default=8, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--cpu", type=int, default=0, show_default=True)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("madlab-demo"),
    show_default=True,
)
@click.pass_context
def demo(ctx: click.Context, exhaustiveness: int, seed: int, cpu: int, out: Path) -> None:
    """Redock imatinib into Abl kinase (PDB 1IEP) and compare with the crystal pose."""
    receptor, ligand = load_example("1iep")
    console.print(
        "Redocking imatinib into the Abl kinase domain (PDB 1IEP, shipped with "
        "madlab); the crystal pose is the reference.",
        highlight=False,
    )
    request = DockRequest(
        receptor=receptor,
        ligand_files=[ligand],
        autobox_ligand=ligand,
        reference=ligand,
        exhaustiveness=exhaustiveness,
        seed=seed,
        cpu=cpu,
    )
    outcome = _run_with_progress(services_of(ctx), request, out)
    _print_results(outcome, top=9)
    best = outcome.results[0].best if outcome.results else None
    if best is not None and best.rmsd is not None:
        verdict = "within" if best.rmsd < 2.0 else "beyond"
        console.print(
            f"Top pose: {best.affinity:.2f} kcal/mol, {best.rmsd:.2f} Å from the "
            f"crystal pose ({verdict} the usual 2 Å success threshold).",
            highlight=False,
        )


# --- prepare ------------------------------------------------------------------------------


@main.group()
def prepare() -> None:
    """Prepare receptors and ligands for docking (PDBQT)."""


@prepare.command("receptor")
@click.argument("structure", type=_existing)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Receptor PDBQT to write (a cleaned PDB with hydrogens goes beside it).",
)
@click.option("--keep-hetero", multiple=True, help="Hetero group to keep (e.g. ZN, NDP).")
def prepare_receptor_cmd(structure: Path, out: Path, keep_hetero: tuple[str, ...]) -> None:
    """Clean a PDB/mmCIF structure, add hydrogens and write receptor PDBQT."""
    from madlab.molecules.receptor import prepare_receptor

    prepared = prepare_receptor(
        structure, out_dir=out.parent, keep_hetero=list(keep_hetero), name=out.stem
    )
    if prepared.pdbqt_path != out:
        prepared.pdbqt_path.replace(out)
    table = Table(title=f"{structure}: per-residue report")
    for col in ("residue", "action", "detail"):
        table.add_column(col)
    for issue in prepared.report:
        table.add_row(issue.residue, issue.action, issue.detail)
    if prepared.report:
        console.print(table)
    console.print(
        f"wrote {out} ({prepared.atom_count} atoms) and {prepared.pdb_path}", highlight=False
    )


@prepare.command("ligand")
@click.argument("source", required=False)
@click.option("--smiles", help="Prepare this SMILES instead of a file.")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for one PDBQT per ligand.",
)
@click.option("--ph", type=float, default=7.4, show_default=True)
def prepare_ligand_cmd(source: str | None, smiles: str | None, out: Path, ph: float) -> None:
    """Protonate, embed in 3D if needed, and write ligand PDBQT files."""
    from madlab.molecules.ligand import prepare_ligands
    from madlab.molecules.pdbqt import write_ligand_pdbqt
    from madlab.tasks.report import safe_filename

    if bool(source) == bool(smiles):
        raise ValidationError("give a ligand file or --smiles (one of them)", field="source")
    if source and not Path(source).exists():
        raise ValidationError(f"{source}: no such file", field="source")
    out.mkdir(parents=True, exist_ok=True)
    items = prepare_ligands(Path(source) if source else str(smiles), ph=ph)
    for lig in items:
        path = out / f"{safe_filename(lig.name)}.pdbqt"
        write_ligand_pdbqt(lig, path)
        notes = f" ({'; '.join(lig.warnings)})" if lig.warnings else ""
        console.print(f"wrote {path}: {lig.smiles}{notes}", highlight=False)
