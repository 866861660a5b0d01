"""``madlab tasks``: list, show, register and deprecate from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from madlab.cli import main

DEFINITION = {
    "task_id": "count",
    "version": "1",
    "name": "Count atoms",
    "category": "analysis",
    "description": "Counts things.",
    "interface_spec": {
        "inputs": {
            "type": "object",
            "required": ["n"],
            "properties": {"n": {"type": "integer", "description": "how many"}},
        }
    },
    "service_config": {"implementation": "mypackage.tasks:count", "requires": ["gpu"]},
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_list_shows_the_builtin_tasks(madlab_env: Path) -> None:
    code, out = run("tasks", "list")
    assert code == 0
    for task in ("dock", "prepare_ligands", "prepare_receptor", "redock_benchmark", "rescore"):
        assert task in out
    code, out = run("tasks", "list", "--json", "--category", "docking")
    assert code == 0
    assert [t["task_id"] for t in json.loads(out)] == ["dock"]


def test_show_prints_parameters_and_resources(madlab_env: Path) -> None:
    code, out = run("tasks", "show", "prepare_receptor")
    assert code == 0
    assert "receptor" in out and "keep_hetero" in out and "7.4" in out
    assert "docking.standard" in out and "MB" in out
    code, out = run("tasks", "show", "dock", "--version", "1", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["task_id"] == "dock" and shown["builtin"] is True
    assert "exhaustiveness" in shown["interface_spec"]["inputs"]["properties"]


def test_register_show_and_deprecate(madlab_env: Path, tmp_path: Path) -> None:
    path = tmp_path / "count.json"
    path.write_text(json.dumps(DEFINITION))
    code, out = run("tasks", "register", str(path))
    assert code == 0 and "registered task count version 1" in out
    code, out = run("tasks", "show", "count")
    assert code == 0 and "Count atoms" in out and "how many" in out and "gpu" in out
    code, out = run("tasks", "register", str(path))
    assert code == 2 and "already registered" in out
    code, out = run("tasks", "deprecate", "count", "1")
    assert code == 0 and "deprecated" in out
    code, out = run("tasks", "list")
    assert "count" not in out
    code, out = run("tasks", "list", "--all")
    assert "count" in out and "deprecated" in out


def test_bad_input_is_one_clear_line(madlab_env: Path, tmp_path: Path) -> None:
    code, out = run("tasks", "register", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in out and "no such file" in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**DEFINITION, "version": "one"}))
    code, out = run("tasks", "register", str(bad))
    assert code == 2 and "bad.json" in out and "version" in out
    code, out = run("tasks", "show", "nope")
    assert code == 2 and "nope" in out
    code, out = run("tasks", "deprecate", "dock", "1")
    assert code == 2 and "built into madlab" in out
