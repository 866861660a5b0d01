"""Notebook tasks: a notebook with a parameters cell is a task with an inferred schema."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from madlab.bootstrap import Services
from madlab.domain.jobs import JobStatus
from madlab.errors import InputFileError, ValidationError
from madlab.pipelines.notebook_tasks import infer_schema, sync_notebook_tasks
from madlab.pipelines.report import templates_dir
from madlab.pipelines.service import PipelineService
from madlab.runtime.local import LocalQueue

from .conftest import ORG

Platform = tuple[Services, PipelineService, LocalQueue]


def write_notebook(path: Path, parameters: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# A task"), cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def test_schema_is_inferred_from_the_parameters_cell(tmp_path: Path) -> None:
    nb = write_notebook(
        tmp_path / "scale.ipynb",
        'n: int = 3\ntitle = "scores"  # the plot title\nratio = 0.5\nflags = [1, 2]\n'
        "strict = False\nlimit = None\nwhen = len('ab')",
        "print(n * ratio)",
    )
    schema = infer_schema(nb)
    assert schema is not None
    props = schema["properties"]
    assert props["n"] == {"type": "integer", "default": 3}
    assert props["title"] == {
        "type": "string",
        "default": "scores",
        "description": "the plot title",
    }
    assert props["ratio"]["type"] == "number" and props["flags"]["type"] == "array"
    assert props["strict"] == {"type": "boolean", "default": False}
    assert props["limit"] == {"default": None}
    assert props["when"] == {}
    plain = nbformat.v4.new_notebook()
    nbformat.write(plain, tmp_path / "plain.ipynb")
    assert infer_schema(tmp_path / "plain.ipynb") is None
    (tmp_path / "broken.ipynb").write_text("{")
    with pytest.raises(InputFileError, match="not a readable notebook"):
        infer_schema(tmp_path / "broken.ipynb")


def test_a_notebook_task_runs_with_its_parameters(platform: Platform, tmp_path: Path) -> None:
    services, _, _ = platform
    folder = tmp_path / "templates"
    folder.mkdir()
    write_notebook(folder / "square.ipynb", "n: int = 3", "print('square is', n * n)")
    nbformat.write(nbformat.v4.new_notebook(), folder / "no_parameters.ipynb")
    [definition] = sync_notebook_tasks(services.tasks, services.store, folder, organization_id=ORG)
    assert definition.task_id == "notebook-square" and definition.version == "1"
    assert (
        sync_notebook_tasks(services.tasks, services.store, folder, organization_id=ORG)[0].version
        == "1"
    )
    with pytest.raises(ValidationError):
        services.jobs.submit(ORG, "alice", "notebook-square", {"n": "seven"})
    job = services.jobs.submit(ORG, "alice", "notebook-square", {"n": 7})
    final = services.jobs.wait(ORG, job.id, timeout=120)
    assert final.status is JobStatus.SUCCEEDED, final.error
    executed = nbformat.read(final.execution_metrics["outputs"]["path"], 4)
    assert "square is 49" in json.dumps([c.get("outputs", []) for c in executed.cells])
    # a changed parameters cell is a new version
    write_notebook(folder / "square.ipynb", "n: int = 3\npower: int = 2", "print(n ** power)")
    assert (
        sync_notebook_tasks(services.tasks, services.store, folder, organization_id=ORG)[0].version
        == "2"
    )


def test_the_shipped_templates_are_notebook_tasks() -> None:
    names = {p.stem for p in templates_dir().glob("*.ipynb")}
    assert "pipeline_report" in names
    schema = infer_schema(templates_dir() / "pipeline_report.ipynb")
    assert schema is not None and schema["properties"]["top"] == {"type": "integer", "default": 10}
