"""``madlab jobs list``: filters and the --sort orders, as a user reads them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from madlab.bootstrap import build_services
from madlab.cli import main
from madlab.settings import Settings


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _jobs(priorities: list[int]) -> list[str]:
    services = build_services(Settings.from_env())
    with services.store.unit_of_work() as uow:
        org = uow.organizations.ensure(services.settings.organization).id
        ids = [
            uow.jobs.add(
                organization_id=org, user="ana", task_id="dock", task_version="1", priority=p
            ).id
            for p in priorities
        ]
    services.store.dispose()
    return ids


def test_jobs_are_listed_newest_first_or_in_the_order_asked(madlab_env: Path) -> None:
    low, high, middle = _jobs([0, 9, 5])
    code, out = run("jobs", "list", "--json")
    assert code == 0, out
    assert [j["id"] for j in json.loads(out)] == [middle, high, low]
    code, out = run("jobs", "list", "--sort", "-priority", "--json")
    assert [j["id"] for j in json.loads(out)] == [high, middle, low]
    code, out = run("jobs", "list", "--sort", "created_at", "--limit", "2", "--json")
    assert [j["id"] for j in json.loads(out)] == [low, high]
    code, out = run("jobs", "list", "--sort", "priority")
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines()[1:]]
    assert rows == [low, middle, high]
    assert "PRIORITY" in out.splitlines()[0]


def test_an_unknown_sort_is_refused_with_the_allowed_orders(madlab_env: Path) -> None:
    code, out = run("jobs", "list", "--sort", "fastest")
    assert code == 2
    assert "fastest" in out and "-created_at" in out and "-priority" in out
