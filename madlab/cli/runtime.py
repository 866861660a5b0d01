"""Commands of the runtime: ``worker``, ``jobs submit``, ``jobs watch``, ``jobs cancel``."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import click

from madlab.bootstrap import Services
from madlab.cli.app import console, main, services_of
from madlab.cli.jobs import jobs
from madlab.domain.jobs import Job
from madlab.errors import InputFileError, ValidationError
from madlab.runtime.events import Event, EventType
from madlab.runtime.queue import PRIORITIES


def _organization(services: Services) -> str:
    with services.store.unit_of_work() as uow:
        return uow.organizations.ensure(services.settings.organization).id


def parse_params(text: str) -> dict[str, Any]:
    """Task parameters from ``--params``: inline JSON, or ``@file.json``.

    Raises
    ------
    madlab.errors.ValidationError
        For text that is not a JSON object (with the line and column).
    madlab.errors.InputFileError
        For a file that cannot be read.
    """
    source = "--params"
    if text.startswith("@"):
        path = Path(text[1:]).expanduser()
        try:
            text = path.read_text()
        except OSError as err:
            raise InputFileError(
                f"cannot read the parameters: {err.strerror}", path=str(path), format="json"
            ) from err
        source = str(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValidationError(
            f"{source}: not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            field="params",
            hint='give a JSON object, for example \'{"receptor": "r.pdb"}\', or @file.json',
        ) from None
    if not isinstance(value, dict):
        raise ValidationError(
            f"{source}: the parameters must be a JSON object, not {type(value).__name__}",
            field="params",
        )
    return value


def describe(event: Event) -> str:
    """One line about an event, for people."""
    p = event.payload
    if event.type == EventType.JOB_STATE:
        line = f"state {p.get('status')}"
        if p.get("waiting"):
            line += f" (waiting: {p['waiting']})"
        if p.get("error"):
            line += f": {p['error'].get('message')}"
        return line
    if event.type == EventType.JOB_PROGRESS:
        return f"progress {p.get('done')}/{p.get('total')}"
    if event.type == EventType.JOB_PARTIAL:
        fields = ", ".join(f"{k}={v}" for k, v in p.items())
        return f"partial {fields}"
    return f"{event.type} {json.dumps(p, default=str)}"


def _follow(services: Services, org: str, job_id: str, timeout: float | None, as_json: bool) -> Job:
    for event in services.jobs.follow(org, job_id, timeout=timeout, poll_s=1.0):
        if as_json:
            click.echo(json.dumps(event.to_dict(), default=str))
        else:
            stamp = event.timestamp.strftime("%H:%M:%S")
            click.echo(f"{stamp}  {describe(event)}")
    return services.jobs.get(org, job_id)


def _exit_for(job: Job) -> None:
    if job.status.value != "succeeded":
        raise SystemExit(1)


@jobs.command("submit")
@click.argument("task")
@click.option("--params", "params_text", default="{}", help="JSON object, or @file.json.")
@click.option("--version", help="Task version (default: the newest active one).")
@click.option(
    "--priority", type=click.Choice(sorted(PRIORITIES)), default="standard", show_default=True
)
@click.option("--requires", multiple=True, help="A capability the job needs (gpu, engine:gnina).")
@click.option("--name", help="A label for the job.")
@click.option("--wait", is_flag=True, help="Follow the job until it ends.")
@click.option("--timeout", type=float, help="With --wait: give up after this many seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def jobs_submit(
    ctx: click.Context,
    task: str,
    params_text: str,
    version: str | None,
    priority: str,
    requires: tuple[str, ...],
    name: str | None,
    wait: bool,
    timeout: float | None,
    as_json: bool,
) -> None:
    """Submit a job of TASK with its parameters."""
    services = services_of(ctx)
    params = parse_params(params_text)
    org = _organization(services)
    queue = services.queue
    local = queue.kind == "local"
    if wait and local:
        queue.start()  # embedded mode: run the job in this process's worker pool
    try:
        job = services.jobs.submit(
            org,
            services.settings.user,
            task,
            params,
            version=version,
            priority=priority,
            requires=list(requires),
            name=name,
        )
        if as_json and not wait:
            click.echo(json.dumps(job.to_dict(), indent=2, default=str))
            return
        if not as_json:
            console.print(f"job {job.id} {job.status.value}", highlight=False)
        if not wait:
            if local:
                console.print(
                    "it runs when a worker pool is up: `madlab worker` or the madlab server",
                    highlight=False,
                )
            return
        final = _follow(services, org, job.id, timeout, as_json)
    finally:
        if wait and local:
            queue.close()
    if not as_json:
        console.print(f"job {final.id} {final.status.value}", highlight=False)
    _exit_for(final)


@jobs.command("watch")
@click.argument("job_id")
@click.option("--timeout", type=float, help="Give up after this many seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print each event as JSON.")
@click.pass_context
def jobs_watch(ctx: click.Context, job_id: str, timeout: float | None, as_json: bool) -> None:
    """Follow a job live (its events; the store when no event bus is reachable)."""
    services = services_of(ctx)
    org = _organization(services)
    final = _follow(services, org, job_id, timeout, as_json)
    _exit_for(final)


@jobs.command("cancel")
@click.argument("job_id")
@click.pass_context
def jobs_cancel(ctx: click.Context, job_id: str) -> None:
    """Cancel a queued or running job (a running engine is stopped)."""
    services = services_of(ctx)
    org = _organization(services)
    job = services.jobs.cancel(org, job_id, user=services.settings.user)
    console.print(f"job {job.id} {job.status.value}", highlight=False)


@main.command("worker")
@click.option("--queues", help="Comma-separated queues (default: every queue this worker serves).")
@click.option("--concurrency", type=int, help="Jobs run at once (default: the CPU cores).")
@click.option("--name", help="Name in the service registry.")
@click.option(
    "--capability", "extra", multiple=True, help="Offer a capability beyond those detected."
)
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def worker(
    ctx: click.Context,
    queues: str | None,
    concurrency: int | None,
    name: str | None,
    extra: tuple[str, ...],
    loglevel: str,
) -> None:
    """Run jobs: a Celery worker with MADLAB_BROKER_URL, else the embedded worker pool."""
    services = services_of(ctx)
    settings = services.settings
    if settings.broker_url:
        from madlab.runtime.worker import run_worker

        run_worker(
            settings,
            queues=[q for q in (queues or "").split(",") if q] or None,
            concurrency=concurrency,
            name=name,
            extra=list(extra),
            loglevel=loglevel,
        )
        return
    from madlab.runtime.local import LocalQueue

    pool = LocalQueue(settings, events=services.events, workers=concurrency)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    pool.start()
    console.print(
        f"embedded worker pool of {pool.size} processes on {services.store.display_url}; "
        "Ctrl-C stops it",
        highlight=False,
    )
    try:
        stop.wait()
    finally:
        pool.close()
