"""The report of a pipeline run: a template notebook executed by papermill.

The executed notebook (step table, score distribution plot, top poses) is
stored in the artifact store, keyed in the run's outputs, and written next
to the run's working folders under ``reports/`` so JupyterLab and Voilà can
open it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from madlab.errors import NotebookError, NotFoundError
from madlab.pipelines.spec import PipelineSpec
from madlab.tasks.context import TaskContext

__all__ = ["DEFAULT_REPORT", "execute_template", "template_path", "templates_dir", "write_report"]

#: The template a run's report uses when its spec names none.
DEFAULT_REPORT = "pipeline_report"


def templates_dir() -> Path:
    """Folder of the notebook templates: ``MADLAB_TEMPLATES_DIR``, else the repository's."""
    configured = os.environ.get("MADLAB_TEMPLATES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "templates"


def template_path(name: str) -> Path:
    """The notebook of template ``name`` (with or without ``.ipynb``).

    Raises
    ------
    madlab.errors.NotFoundError
        No such notebook in :func:`templates_dir`.
    """
    folder = templates_dir()
    path = folder / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    if not path.is_file():
        available = sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        raise NotFoundError(
            "notebook template",
            name,
            hint=f"templates in {folder}: {', '.join(available) or 'none'}",
        )
    return path


def execute_template(
    template: Path, output: Path, parameters: dict[str, Any], *, cwd: Path | None = None
) -> Path:
    """Execute a notebook with papermill and return the executed notebook's path.

    Raises
    ------
    madlab.errors.NotebookError
        When a cell fails; the error names the cell's exception.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from madlab.pipelines.kernels import NOTEBOOK_RUN_OPTIONS

    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(template),
            str(output),
            parameters=parameters,
            kernel_name="python3",
            language="python",
            cwd=str(cwd or output.parent),
            progress_bar=False,
            log_output=False,
            **NOTEBOOK_RUN_OPTIONS,
        )
    except PapermillExecutionError as err:
        raise NotebookError(
            f"notebook {template.name} failed in cell {err.exec_count}: {err.ename}: {err.evalue}",
            hint=f"open {output} to see the failing cell",
            notebook=str(output),
        ) from None
    return output


def write_report(ctx: TaskContext, spec: PipelineSpec, outputs: dict[str, Any]) -> dict[str, Any]:
    """Execute the run's report notebook and store it; returns where it is."""
    name = spec.report or DEFAULT_REPORT
    template = template_path(name)
    executed = ctx.workdir / f"report-{ctx.job_id}.ipynb"
    parameters = {
        "title": spec.name,
        "run_id": ctx.job_id,
        "organization_id": ctx.organization_id,
        # a password never goes into the notebook: the kernel reads MADLAB_DATABASE_URL
        "database_url": ctx.store.engine.url.render_as_string(hide_password=True),
        "run_json": json.dumps(outputs, default=str),
    }
    execute_template(template, executed, parameters, cwd=ctx.workdir)
    ref = ctx.artifacts.put_file(executed, name=executed.name)
    reports = ctx.workdir.parent.parent / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    copy = reports / executed.name
    shutil.copyfile(executed, copy)
    if ctx.out_dir is not None:
        shutil.copyfile(executed, ctx.out_dir / executed.name)
    return {"template": template.stem, "artifact": ref.key, "path": str(copy)}
