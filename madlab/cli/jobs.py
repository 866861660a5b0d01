"""Commands over recorded jobs and the installation: ``jobs``, ``engines``, ``db``."""

from __future__ import annotations

import json

import click
from rich.table import Table

from madlab.bootstrap import build_services
from madlab.cli.app import console, main, services_of
from madlab.errors import ValidationError
from madlab.store.ports.jobs import DEFAULT_JOB_SORT, JOB_SORTS


@main.group()
def jobs() -> None:
    """List and inspect recorded jobs."""


@jobs.command("list")
@click.option("--status", help="Only jobs in this state.")
@click.option(
    "--sort",
    type=click.Choice(list(JOB_SORTS)),
    default=DEFAULT_JOB_SORT,
    show_default=True,
    help="Order: "
    + "; ".join(f"{name} {meaning}" for name, meaning in JOB_SORTS.items() if name != "-created_at")
    + ".",
)
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def jobs_list(ctx: click.Context, status: str | None, sort: str, limit: int, as_json: bool) -> None:
    """Your organization's jobs, newest first unless --sort says otherwise."""
    from madlab.domain import JobStatus

    services = services_of(ctx)
    state = None
    if status:
        try:
            state = JobStatus(status)
        except ValueError:
            raise ValidationError(
                f"unknown status {status!r}",
                field="status",
                hint="one of " + ", ".join(s.value for s in JobStatus),
            ) from None
    with services.store.unit_of_work() as uow:
        org = uow.organizations.ensure(services.settings.organization)
        page = uow.jobs.list(org.id, status=state, limit=limit, sort=sort)
    if as_json:
        click.echo(json.dumps([job.to_dict() for job in page.items], indent=2, default=str))
        return
    click.echo(
        f"{'ID':36}  {'TASK':10} {'ENGINE':8} {'STATUS':13} {'PRIORITY':8} {'PROGRESS':9} "
        "CREATED (UTC)"
    )
    for job in page.items:
        prog = f"{job.progress_done}/{job.progress_total}" if job.progress_total else "-"
        created = job.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{job.id:36}  {job.task_id:10} {job.engine or '-':8} {job.status.value:13} "
            f"{job.priority:<8} {prog:9} {created}"
        )


@jobs.command("show")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def jobs_show(ctx: click.Context, job_id: str, as_json: bool) -> None:
    """A job's state, parameters and ranked results."""
    services = services_of(ctx)
    with services.store.unit_of_work() as uow:
        org = uow.organizations.ensure(services.settings.organization)
        job = uow.jobs.get(org.id, job_id)
        results = uow.results.for_job(org.id, job_id)
    if as_json:
        payload = {"job": job.to_dict(), "results": [r.to_dict() for r in results]}
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    console.print(f"job {job.id}  task {job.task_id}  status [bold]{job.status.value}[/]")
    if job.error:
        console.print(f"error: {job.error.get('message')}", highlight=False, markup=False)
    for r in results:
        line = f"{r.ligand}: {len(r.poses)} poses"
        if r.poses:
            line += f", best {r.poses[0].affinity:.2f} kcal/mol"
        if r.error:
            line += f", error: {r.error}"
        console.print(line, highlight=False, markup=False)


@main.command()
def engines() -> None:
    """Each engine and backend, its version, and whether it can run here."""
    from madlab.engines.registry import default_registry

    table = Table()
    for col in ("engine", "backend", "version", "available", "why not"):
        table.add_column(col)
    for a in default_registry().availability():
        table.add_row(a.engine, a.backend, a.version, "yes" if a.available else "no", a.reason)
    console.print(table)


@main.group()
def db() -> None:
    """Manage the store's schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the store to the newest schema."""
    services = build_services(migrate=True)
    console.print(f"store at {services.store.display_url} is at the newest schema", highlight=False)
