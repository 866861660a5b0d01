"""Notebook tasks registered at start-up: idempotent, versioned by content, broken ones named."""

from __future__ import annotations

from pathlib import Path

import nbformat
from click.testing import CliRunner

from madlab.bootstrap import build_services
from madlab.cli import main
from madlab.pipelines.notebook_tasks import register_notebook_tasks
from madlab.settings import Settings

from .test_notebook_tasks import write_notebook


def test_start_up_registers_changed_notebooks_only_and_reports_broken_ones(
    tmp_path: Path,
) -> None:
    extra = tmp_path / "tasks"
    extra.mkdir()
    write_notebook(extra / "square.ipynb", "n: int = 3", "print(n * n)")
    write_notebook(extra / "typo.ipynb", "n = 3\nlimit = = 4", "print(n)")
    (extra / "truncated.ipynb").write_text('{"cells": [')
    write_notebook(extra / "pipeline_report.ipynb", "x = 1", "print(x)")  # name taken
    nbformat.write(nbformat.v4.new_notebook(), extra / "plain.ipynb")  # no parameters cell
    settings = Settings.from_env(
        {"MADLAB_HOME": str(tmp_path / "home"), "MADLAB_NOTEBOOK_TASKS_DIR": str(extra)}
    )
    services = build_services(settings)
    try:
        first = services.register_notebook_tasks()
        versions = {d.task_id: d.version for d in first.tasks}
        assert versions == {"notebook-pipeline_report": "1", "notebook-square": "1"}
        assert sorted(first.registered) == ["notebook-pipeline_report", "notebook-square"]
        messages = {Path(p["path"]).name: p["message"] for p in first.problems}
        assert set(messages) == {"typo.ipynb", "truncated.ipynb", "pipeline_report.ipynb"}
        assert "cell 2 (the parameters cell), line 2" in messages["typo.ipynb"]
        assert messages["typo.ipynb"].startswith(str(extra / "typo.ipynb"))
        assert "not a readable notebook" in messages["truncated.ipynb"]
        assert "comes from" in messages["pipeline_report.ipynb"]
        # every organization sees the tasks
        square = services.tasks.get("notebook-square", organization_id="anyone")
        assert square.interface_spec["inputs"]["properties"]["n"]["default"] == 3
        # same content, same version: nothing registered again
        again = services.register_notebook_tasks()
        assert again.registered == []
        assert {d.task_id: d.version for d in again.tasks} == versions
        # a changed notebook is the task's next version; the first stays
        write_notebook(extra / "square.ipynb", "n: int = 3\npower: int = 2", "print(n**power)")
        changed = services.register_notebook_tasks()
        assert changed.registered == ["notebook-square"]
        new = services.tasks.get("notebook-square", organization_id="anyone")
        assert new.version == "2" and "power" in new.interface_spec["inputs"]["properties"]
        old = services.tasks.get("notebook-square", "1", organization_id="anyone")
        assert "power" not in old.interface_spec["inputs"]["properties"]
    finally:
        services.store.dispose()


def test_a_folder_of_the_organization_and_the_command_line_report(tmp_path: Path) -> None:
    folder = tmp_path / "nbs"
    folder.mkdir()
    write_notebook(folder / "greet.ipynb", 'name = "world"', "print(name)")
    write_notebook(folder / "bad.ipynb", "x = (", "print(x)")
    env = {"MADLAB_HOME": str(tmp_path / "home"), "MADLAB_ORGANIZATION": "acme"}
    result = CliRunner().invoke(main, ["pipelines", "notebooks", "--folder", str(folder)], env=env)
    assert result.exit_code == 2, result.output
    assert "notebook-greet v1  (name)  (new version)" in result.stdout
    assert f"error: {folder / 'bad.ipynb'}: cell 2 (the parameters cell), line 1" in result.stderr
    services = build_services(Settings.from_env(env))
    try:
        acme = services.tasks.get("notebook-greet", organization_id="acme")
        assert acme.version == "1" and acme.service_config["notebook"].endswith("greet.ipynb")
        # the same name for every organization is refused, naming the notebook
        shared = register_notebook_tasks(services.tasks, services.store, [folder])
        assert shared.tasks == []
        problems = {Path(p["path"]).name: p["message"] for p in shared.problems}
        assert "registered already" in problems["greet.ipynb"]
        assert "line 1" in problems["bad.ipynb"]
    finally:
        services.store.dispose()


def test_parameters_are_read_as_papermill_reads_them(tmp_path: Path) -> None:
    import ast

    import papermill as pm

    from madlab.pipelines.notebook_tasks import infer_schema
    from madlab.pipelines.report import templates_dir

    mine = write_notebook(
        tmp_path / "mixed.ipynb",
        'n: int = 3  # how many\ntitle = "a # not a comment"\nratio: float = 0.5\n'
        "items = [1, 2]  # the items\nlimit = None\nwhen = len('ab')\nx, y = 1, 2\n",
        "print(n)",
    )
    for path in (mine, templates_dir() / "pipeline_report.ipynb"):
        schema = infer_schema(path)
        assert schema is not None
        theirs = pm.inspect_notebook(str(path))
        assert list(schema["properties"]) == list(theirs)
        for name, info in theirs.items():
            if name == "title":  # papermill's line parser takes the '#' in the string for a comment
                continue
            prop = schema["properties"][name]
            assert prop.get("description", "") == info["help"]
            try:
                default = ast.literal_eval(info["default"])
            except ValueError:
                assert "default" not in prop
            else:
                expected = list(default) if isinstance(default, tuple) else default
                assert prop.get("default") == expected
    title = infer_schema(mine)["properties"]["title"]  # type: ignore[index]
    assert title == {"type": "string", "default": "a # not a comment"}
