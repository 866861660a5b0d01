"""Commands over pipelines, their schedules and screening results.

``madlab pipelines create|list|show|run|status|cancel|versions|template|share|
publish|export|import``, ``madlab schedule add|list|remove|run``, and
``madlab results query``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import click

from madlab.bootstrap import Services
from madlab.cli.app import console, main, services_of
from madlab.domain.pipeline_records import PipelineRecord
from madlab.errors import ValidationError
from madlab.pipelines.results import PROPERTIES, ResultQuery, export_csv, export_sdf, query_results
from madlab.pipelines.schedules import Scheduler
from madlab.pipelines.service import VISIBILITIES, PipelineService
from madlab.pipelines.spec import load_spec
from madlab.pipelines.templates import builtin_template, builtin_templates


def _context(ctx: click.Context) -> tuple[Services, PipelineService, str, str]:
    services = services_of(ctx)
    with services.store.unit_of_work() as uow:
        org = uow.organizations.ensure(services.settings.organization).id
    for problem in services.register_notebook_tasks().problems:  # a hash each when unchanged
        click.echo(f"warning: notebook task not registered: {problem['message']}", err=True)
    return services, PipelineService(services.store, services.jobs), org, services.settings.user


def _inputs(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``--input name=value`` pairs; values are read as JSON when they parse."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise ValidationError(
                f"--input {pair!r} is not name=value", field="input", hint="e.g. --input n=3"
            )
        try:
            out[name] = json.loads(text)
        except json.JSONDecodeError:
            out[name] = text
    return out


def _line(record: PipelineRecord) -> str:
    kind = "template" if record.is_template else "pipeline"
    return (
        f"{record.id}  {record.name} v{record.version}  {kind}  {record.visibility}  "
        f"{record.organization_id}"
    )


@main.group()
def pipelines() -> None:
    """Save, run, share and export pipelines."""


@pipelines.command("create")
@click.argument("spec_file", type=click.Path(path_type=Path))
@click.option("--template", "is_template", is_flag=True, help="Save it as a template.")
@click.pass_context
def pipelines_create(ctx: click.Context, spec_file: Path, is_template: bool) -> None:
    """Validate and save the pipeline of SPEC_FILE (YAML or JSON); a new version if it exists."""
    _, service, org, user = _context(ctx)
    record = service.create(org, user, load_spec(spec_file), is_template=is_template)
    click.echo(_line(record))


@pipelines.command("list")
@click.option("--templates", "only_templates", is_flag=True, help="Templates you may use.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def pipelines_list(ctx: click.Context, only_templates: bool, as_json: bool) -> None:
    """Your organization's pipelines (with --templates: also public ones)."""
    _, service, org, user = _context(ctx)
    records = service.templates(org, user=user) if only_templates else service.list(org, user=user)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in records], indent=2, default=str))
        return
    for record in records:
        click.echo(_line(record))
    if only_templates:
        for name, spec in builtin_templates().items():
            click.echo(f"{name:36}  {spec.name}  built-in template  public")


@pipelines.command("show")
@click.argument("pipeline_id")
@click.pass_context
def pipelines_show(ctx: click.Context, pipeline_id: str) -> None:
    """A pipeline's spec as JSON."""
    _, service, org, user = _context(ctx)
    record = service.get(org, pipeline_id, user=user)
    click.echo(json.dumps({"id": record.id, "version": record.version, **record.spec}, indent=2))


@pipelines.command("versions")
@click.argument("name")
@click.pass_context
def pipelines_versions(ctx: click.Context, name: str) -> None:
    """Every saved version of the pipeline NAME."""
    _, service, org, _ = _context(ctx)
    for record in service.versions(org, name):
        click.echo(_line(record))


@pipelines.command("run")
@click.argument("pipeline", required=False)
@click.option("--file", "spec_file", type=click.Path(path_type=Path), help="Run a spec file.")
@click.option("--template", "template", help="Run a built-in template (see list --templates).")
@click.option("--input", "pairs", multiple=True, help="name=value (JSON values allowed).")
@click.option("--no-report", is_flag=True, help="Skip the report notebook.")
@click.option("--wait", is_flag=True, help="Wait for the run to end.")
@click.option("--timeout", type=float, help="With --wait: give up after this many seconds.")
@click.pass_context
def pipelines_run(
    ctx: click.Context,
    pipeline: str | None,
    spec_file: Path | None,
    template: str | None,
    pairs: tuple[str, ...],
    no_report: bool,
    wait: bool,
    timeout: float | None,
) -> None:
    """Run the saved PIPELINE (an id), a spec --file, or a built-in --template."""
    services, service, org, user = _context(ctx)
    spec = load_spec(spec_file) if spec_file is not None else None
    if template is not None:
        spec = builtin_template(template)
    queue = services.queue
    local = queue.kind == "local"
    if wait and local:
        queue.start()  # embedded mode: run it in this process's worker pool
    try:
        run = service.execute(
            org, user, pipeline_id=pipeline, spec=spec, inputs=_inputs(pairs), report=not no_report
        )
        click.echo(f"run {run.id} {run.status.value}")
        if not wait:
            return
        final = service.wait(org, run.id, timeout=timeout)
    finally:
        if wait and local:
            queue.close()
    outputs = final.execution_metrics.get("outputs", {})
    for sid, step in outputs.get("steps", {}).items():
        click.echo(f"  {sid}: {step.get('status')}")
    if outputs.get("report", {}).get("path"):
        click.echo(f"report: {outputs['report']['path']}")
    click.echo(f"run {final.id} {final.status.value}")
    if final.status.value != "succeeded":
        raise SystemExit(1)


@pipelines.command("status")
@click.argument("run_id")
@click.pass_context
def pipelines_status(ctx: click.Context, run_id: str) -> None:
    """A run's state and its steps' jobs."""
    _, service, org, _ = _context(ctx)
    status = service.status(org, run_id)
    click.echo(f"run {run_id} {status['run']['status']}")
    for name, step in status["steps"].items():
        click.echo(f"  {name}: {step['status']} ({step['job_id']})")


@pipelines.command("cancel")
@click.argument("run_id")
@click.pass_context
def pipelines_cancel(ctx: click.Context, run_id: str) -> None:
    """Cancel a run and its running steps."""
    _, service, org, user = _context(ctx)
    click.echo(f"run {run_id} {service.cancel(org, run_id, user=user).status.value}")


@pipelines.command("template")
@click.argument("pipeline_id")
@click.pass_context
def pipelines_template(ctx: click.Context, pipeline_id: str) -> None:
    """Save a pipeline (or a public template) as your own template."""
    _, service, org, user = _context(ctx)
    click.echo(_line(service.save_as_template(org, user, pipeline_id)))


@pipelines.command("share")
@click.argument("pipeline_id")
@click.argument("visibility", type=click.Choice(VISIBILITIES))
@click.pass_context
def pipelines_share(ctx: click.Context, pipeline_id: str, visibility: str) -> None:
    """Set who sees a pipeline: private, organization, or public (read-only to all)."""
    _, service, org, _ = _context(ctx)
    click.echo(_line(service.share(org, pipeline_id, visibility)))


@pipelines.command("publish")
@click.argument("pipeline_id")
@click.pass_context
def pipelines_publish(ctx: click.Context, pipeline_id: str) -> None:
    """Publish a template read-only to every organization."""
    _, service, org, _ = _context(ctx)
    click.echo(_line(service.publish(org, pipeline_id)))


@pipelines.command("export")
@click.argument("pipeline_id")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_context
def pipelines_export(ctx: click.Context, pipeline_id: str, path: Path) -> None:
    """Write a pipeline to PATH (.yaml or .json)."""
    _, service, org, _ = _context(ctx)
    click.echo(str(service.export(org, pipeline_id, path)))


@pipelines.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_context
def pipelines_import(ctx: click.Context, path: Path) -> None:
    """Save the pipeline of an exported file as a template."""
    _, service, org, user = _context(ctx)
    click.echo(_line(service.import_file(org, user, path)))


@pipelines.command("notebooks")
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    help="A notebook folder (default: templates/ and MADLAB_NOTEBOOK_TASKS_DIR).",
)
@click.pass_context
def pipelines_notebooks(ctx: click.Context, folder: Path | None) -> None:
    """Register every notebook with a parameters cell as a task; list them and the broken ones."""
    from madlab.pipelines.notebook_tasks import register_notebook_tasks

    services = services_of(ctx)
    if folder is None:
        found = services.register_notebook_tasks()
    else:
        with services.store.unit_of_work() as uow:
            org = uow.organizations.ensure(services.settings.organization).id
        found = register_notebook_tasks(
            services.tasks, services.store, [folder], organization_id=org
        )
    for definition in found.tasks:
        names = ", ".join(definition.interface_spec["inputs"].get("properties", {}))
        new = "  (new version)" if definition.task_id in found.registered else ""
        click.echo(f"{definition.task_id} v{definition.version}  ({names}){new}")
    for problem in found.problems:
        click.echo(f"error: {problem['message']}", err=True)
        if problem.get("hint"):
            click.echo(f"  {problem['hint']}", err=True)
    if found.problems:
        ctx.exit(2)


# -- schedules -----------------------------------------------------------------


@main.group()
def schedule() -> None:
    """Run saved pipelines unattended on a CRON schedule."""


@schedule.command("add")
@click.argument("cron")
@click.argument("pipeline_id")
@click.option("--input", "pairs", multiple=True, help="name=value (JSON values allowed).")
@click.pass_context
def schedule_add(ctx: click.Context, cron: str, pipeline_id: str, pairs: tuple[str, ...]) -> None:
    """Run PIPELINE_ID whenever CRON matches (e.g. '0 2 * * *', nightly at 02:00 UTC)."""
    _, service, org, user = _context(ctx)
    item = Scheduler(service).add(org, user, cron, pipeline_id, _inputs(pairs))
    click.echo(f"{item.id}  {item.cron}  next {item.next_run_at:%Y-%m-%d %H:%M} UTC")


@schedule.command("list")
@click.pass_context
def schedule_list(ctx: click.Context) -> None:
    """Your organization's schedules, soonest first."""
    _, service, org, _ = _context(ctx)
    for item in Scheduler(service).list(org):
        last = item.last_job_id or "-"
        click.echo(
            f"{item.id}  {item.cron}  {item.pipeline_id}  next {item.next_run_at:%Y-%m-%d %H:%M}"
            f"  last run {last}"
        )


@schedule.command("remove")
@click.argument("schedule_id")
@click.pass_context
def schedule_remove(ctx: click.Context, schedule_id: str) -> None:
    """Delete a schedule (its past runs stay)."""
    _, service, org, _ = _context(ctx)
    Scheduler(service).remove(org, schedule_id)
    click.echo(f"removed {schedule_id}")


@schedule.command("run")
@click.option("--once", is_flag=True, help="Start what is due now and return.")
@click.option("--interval", type=float, default=30.0, show_default=True, help="Seconds.")
@click.pass_context
def schedule_run(ctx: click.Context, once: bool, interval: float) -> None:
    """The scheduler: start due runs (with the embedded worker pool unless Celery is set)."""
    services, service, _, _ = _context(ctx)
    scheduler = Scheduler(service)
    if once:
        for job in scheduler.run_due():
            click.echo(f"run {job.id} started")
        return
    queue = services.queue
    queue.start()
    stop = threading.Event()
    try:
        scheduler.loop(stop, interval_s=interval)
    except KeyboardInterrupt:
        stop.set()
    finally:
        queue.close()


# -- results ---------------------------------------------------------------------


@main.group()
def results() -> None:
    """Query screening results."""


def _range(text: str) -> tuple[str, tuple[float | None, float | None]]:
    name, sep, bounds = text.partition("=")
    low, sep2, high = bounds.partition(":")
    if not sep or not sep2 or name not in PROPERTIES:
        raise ValidationError(
            f"--range {text!r} is not property=low:high",
            field="range",
            hint=f"e.g. --range mw=150:500; properties: {', '.join(PROPERTIES)}",
        )
    try:
        return name, (float(low) if low else None, float(high) if high else None)
    except ValueError:
        raise ValidationError(f"--range {text!r}: bounds must be numbers", field="range") from None


@results.command("query")
@click.option("--run", "run_id", help="A pipeline run: its steps' results.")
@click.option("--job", "job_ids", multiple=True, help="A job's results (repeatable).")
@click.option("--receptor", help="Only results against this receptor file.")
@click.option("--top", type=int, help="Keep the best N.")
@click.option(
    "--by", "order_by", type=click.Choice(["score", "ligand_efficiency"]), default="score"
)
@click.option("--range", "ranges", multiple=True, help="property=low:high (either may be empty).")
@click.option("--smarts", help="Keep ligands with this substructure.")
@click.option("--sdf", type=click.Path(path_type=Path), help="Export the hits' best poses.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="Export a table.")
@click.pass_context
def results_query(
    ctx: click.Context,
    run_id: str | None,
    job_ids: tuple[str, ...],
    receptor: str | None,
    top: int | None,
    order_by: str,
    ranges: tuple[str, ...],
    smarts: str | None,
    sdf: Path | None,
    csv_path: Path | None,
) -> None:
    """Top hits by score or ligand efficiency, filtered by properties or a SMARTS."""
    services, _, org, _ = _context(ctx)
    if run_id is None and not job_ids:
        raise ValidationError("give --run or --job", field="run")
    query = ResultQuery(
        job_ids=job_ids,
        run_id=run_id,
        receptor=receptor,
        ranges=dict(_range(r) for r in ranges),
        smarts=smarts,
        order_by="ligand_efficiency" if order_by == "ligand_efficiency" else "score",
        top=top,
    )
    hits = query_results(services.store, org, query)
    if sdf is not None:
        export_sdf(hits, sdf)
    if csv_path is not None:
        export_csv(hits, csv_path)
    click.echo(f"{'LIGAND':24} {'RECEPTOR':20} {'AFFINITY':>9} {'LE':>6} {'HA':>4}  SMILES")
    for hit in hits:
        click.echo(
            f"{hit.ligand[:24]:24} {hit.receptor[:20]:20} {hit.affinity:9.2f} "
            f"{hit.ligand_efficiency:6.3f} {hit.heavy_atoms:4d}  {hit.smiles}"
        )
    console.print(f"{len(hits)} hits", highlight=False)
