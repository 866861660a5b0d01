"""Commands over the task registry: ``madlab tasks list|show|register|deprecate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from madlab.bootstrap import Services
from madlab.cli.app import console, main, services_of
from madlab.errors import InputFileError
from madlab.tasks.definitions import definition_from_json, definition_to_dict


def _organization(services: Services) -> str:
    with services.store.unit_of_work() as uow:
        return uow.organizations.ensure(services.settings.organization).id


@main.group()
def tasks() -> None:
    """List, inspect, register and deprecate tasks."""


@tasks.command("list")
@click.option("--category", help="Only tasks of this category.")
@click.option("--all", "include_deprecated", is_flag=True, help="Include deprecated versions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def tasks_list(
    ctx: click.Context, category: str | None, include_deprecated: bool, as_json: bool
) -> None:
    """The tasks your organization can run (built-in and its own)."""
    services = services_of(ctx)
    found = services.tasks.list(
        organization_id=_organization(services),
        category=category,
        include_deprecated=include_deprecated,
    )
    if as_json:
        click.echo(json.dumps([definition_to_dict(d) for d in found], indent=2))
        return
    table = Table()
    for col in ("task", "version", "category", "name", "status", "owner"):
        table.add_column(col)
    for d in found:
        owner = "madlab" if d.is_builtin else str(d.organization_id)
        table.add_row(d.task_id, d.version, d.category, d.name, d.status.value, owner)
    console.print(table)


def _type_of(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return " | ".join(str(v) for v in prop["enum"])
    if "anyOf" in prop:
        return " | ".join(_type_of(p) for p in prop["anyOf"] if isinstance(p, dict))
    kind = prop.get("type", "any")
    if kind == "array" and isinstance(prop.get("items"), dict):
        return f"array of {_type_of(prop['items'])}"
    return " | ".join(kind) if isinstance(kind, list) else str(kind)


@tasks.command("show")
@click.argument("task_id")
@click.option("--version", help="This version (default: the newest active one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def tasks_show(ctx: click.Context, task_id: str, version: str | None, as_json: bool) -> None:
    """A task's description, parameters and how it runs."""
    services = services_of(ctx)
    d = services.tasks.get(task_id, version, organization_id=_organization(services))
    if as_json:
        click.echo(json.dumps(definition_to_dict(d), indent=2))
        return
    console.print(
        f"[bold]{d.task_id}[/] version {d.version}: {d.name} ({d.category}, {d.status.value})",
        highlight=False,
    )
    if d.description:
        console.print(d.description, highlight=False, markup=False)
    inputs = d.interface_spec.get("inputs", {})
    required = set(inputs.get("required", []))
    table = Table(title="parameters")
    for col in ("name", "type", "required", "default", "description"):
        table.add_column(col)
    for name, prop in (inputs.get("properties") or {}).items():
        default = json.dumps(prop["default"]) if "default" in prop else ""
        table.add_row(
            name,
            _type_of(prop),
            "yes" if name in required else "",
            default,
            str(prop.get("description", "")),
        )
    console.print(table)
    config = d.service_config
    resources = config.get("resources", {})
    console.print(
        f"queue {config.get('queue')}, {resources.get('cpus')} CPU, "
        f"{resources.get('memory_mb')} MB"
        + (f", engine {config['engine']}" if config.get("engine") else "")
        + (f", requires {', '.join(config['requires'])}" if config.get("requires") else ""),
        highlight=False,
    )


@tasks.command("register")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def tasks_register(ctx: click.Context, file: Path) -> None:
    """Register a task (or a new version) from a JSON definition FILE."""
    if not file.is_file():
        raise InputFileError("no such file", path=str(file), hint="give a JSON task definition")
    definition = definition_from_json(file.read_text(encoding="utf-8"), source=str(file))
    services = services_of(ctx)
    stored = services.tasks.register(definition, organization_id=_organization(services))
    console.print(
        f"registered task {stored.task_id} version {stored.version} "
        f"for organization {stored.organization_id}",
        highlight=False,
    )


@tasks.command("deprecate")
@click.argument("task_id")
@click.argument("version")
@click.pass_context
def tasks_deprecate(ctx: click.Context, task_id: str, version: str) -> None:
    """Deprecate VERSION of TASK_ID: it stays readable but takes no new jobs."""
    services = services_of(ctx)
    d = services.tasks.deprecate(task_id, version, organization_id=_organization(services))
    console.print(f"task {d.task_id} version {d.version} is deprecated", highlight=False)
