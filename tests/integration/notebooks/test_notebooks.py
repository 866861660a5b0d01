"""Every notebook of notebooks/ and templates/, executed by papermill against one live server.

The kernels find the server as a script would, through ``MADLAB_API_URL`` and
``MADLAB_API_TOKEN``. Each app and example notebook ends with a cell tagged
``summary`` that prints one JSON line; the tests read it and the outputs a
reader would look at (plots, tables).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest

from madlab.client import MadlabClient
from madlab.pipelines.kernels import NOTEBOOK_RUN_OPTIONS
from tests.conftest import REPO_ROOT
from tests.integration.server.live import LiveServer, live_server

pytestmark = pytest.mark.slow

NOTEBOOKS = REPO_ROOT / "notebooks"
TEMPLATES = REPO_ROOT / "templates"
#: Every notebook a test below executes (a new notebook needs a test).
COVERED = {
    "notebooks/dock_a_ligand.ipynb",
    "notebooks/screen_a_library.ipynb",
    "notebooks/my_jobs.ipynb",
    "notebooks/examples/01_getting_started.ipynb",
    "notebooks/examples/02_pipelines.ipynb",
    "notebooks/examples/03_analysing_a_screen.ipynb",
    "templates/pipeline_report.ipynb",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server with a local worker; kernels started from here find it in the environment."""
    with (
        live_server(tmp_path_factory.mktemp("notebooks"), workers=True) as live,
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv("MADLAB_API_URL", live.url)
        env.setenv("MADLAB_API_TOKEN", live.token)
        yield live


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where executed notebooks are written."""
    return tmp_path_factory.mktemp("executed")


class Executed:
    """An executed notebook: its cells' outputs and the JSON line of its summary cell."""

    def __init__(self, path: Path) -> None:
        self.notebook = nbformat.read(path, as_version=4)
        self.path = path

    def outputs(self) -> list[dict[str, Any]]:
        """Every output of every code cell, in order."""
        return [o for c in self.notebook.cells if c.cell_type == "code" for o in c.outputs]

    def text(self) -> str:
        """All printed text."""
        return "".join(
            o.get("text", "") for o in self.outputs() if o.get("output_type") == "stream"
        )

    def mime_types(self) -> list[str]:
        """The MIME types of the rich outputs (plots, tables, widgets)."""
        return [m for o in self.outputs() for m in (o.get("data") or {})]

    def summary(self) -> dict[str, Any]:
        """The JSON line printed by the cell tagged ``summary``."""
        for cell in self.notebook.cells:
            if "summary" in cell.metadata.get("tags", []):
                text = "".join(o.get("text", "") for o in cell.outputs)
                lines = [ln for ln in text.splitlines() if ln.startswith("{")]
                assert lines, f"{self.path}: the summary cell printed no JSON: {text!r}"
                data: dict[str, Any] = json.loads(lines[-1])
                return data
        raise AssertionError(f"{self.path}: no cell tagged 'summary'")


def execute(relative: str, out: Path, **parameters: Any) -> Executed:
    """Run one notebook of the repository with papermill (in its own folder)."""
    source = REPO_ROOT / relative
    target = out / relative.replace("/", "__")
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=parameters,
        cwd=str(source.parent),
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=900,
        **NOTEBOOK_RUN_OPTIONS,
    )
    return Executed(target)


@pytest.fixture(scope="module")
def screen(server: LiveServer, outputs: Path) -> Executed:
    """The "Screen a library" app run on its example library."""
    return execute(
        "notebooks/screen_a_library.ipynb", outputs, auto_run=True, exhaustiveness=1, seed=1, top=3
    )


@pytest.fixture(scope="module")
def pipelines(server: LiveServer, outputs: Path) -> Executed:
    """The pipelines example (a two-point sweep)."""
    return execute("notebooks/examples/02_pipelines.ipynb", outputs)


def test_every_notebook_is_executed_by_a_test() -> None:
    found = {
        str(p.relative_to(REPO_ROOT))
        for folder in (NOTEBOOKS, TEMPLATES)
        for p in folder.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    }
    assert found == COVERED


def test_the_dock_app_docks_the_example_back_into_its_crystal_pose(
    server: LiveServer, outputs: Path
) -> None:
    run = execute(
        "notebooks/dock_a_ligand.ipynb",
        outputs,
        auto_run=True,
        exhaustiveness=2,
        seed=1,
        num_poses=3,
    )
    summary = run.summary()
    assert summary["status"] == "succeeded", summary
    assert summary["ligands"] == 1 and 1 <= summary["poses"] <= 3
    assert summary["best_affinity"] < -9
    assert summary["top_pose_rmsd"] < 2.0
    assert "application/vnd.jupyter.widget-view+json" in run.mime_types()


def test_the_screen_app_ranks_the_library(screen: Executed) -> None:
    summary = screen.summary()
    assert summary["status"] == "succeeded", summary
    assert summary["ligands"] == 5 and summary["docked"] == 5 and summary["failed"] == 0
    top = summary["top"]
    assert len(top) == 3
    assert [t["affinity"] for t in top] == sorted(t["affinity"] for t in top)
    assert top[0]["affinity"] == summary["best_affinity"] < -6
    assert all(0.1 < t["ligand_efficiency"] < 1.0 for t in top)


def test_my_jobs_counts_the_jobs_and_opens_the_newest_results(
    screen: Executed, outputs: Path
) -> None:
    summary = execute("notebooks/my_jobs.ipynb", outputs, open_latest=True).summary()
    assert summary["by_state"].get("succeeded", 0) >= 1
    assert summary["listed"] >= 1
    assert summary["opened"] is not None and summary["poses"] >= 1


def test_getting_started_docks_and_downloads_a_pose(server: LiveServer, outputs: Path) -> None:
    run = execute(
        "notebooks/examples/01_getting_started.ipynb",
        outputs,
        exhaustiveness=1,
        num_poses=2,
        ligand_smiles="Cc1ccc(NC(=O)c2ccccc2)cc1 tolylbenzamide",
        out_dir=str(outputs),
    )
    summary = run.summary()
    assert summary["job_status"] == "succeeded"
    assert summary["tasks"] >= 3 and "dock" in run.text()
    assert "(found through MADLAB_API_URL)" in run.text()
    assert summary["poses"] >= 1 and summary["best_affinity"] < -6
    assert summary["top_pose_rmsd"] is None  # no reference for a ligand given as SMILES
    pose = Path(summary["pose_file"]).read_text()
    assert "minimizedAffinity" in pose and pose.rstrip().endswith("$$$$")


def test_the_pipeline_example_runs_its_sweep(pipelines: Executed) -> None:
    summary = pipelines.summary()
    assert summary["status"] == "succeeded", summary
    assert summary["trials"] == 2
    assert summary["best_objective"] < -5
    assert summary["report"] is True
    assert "trial 1: {'exhaustiveness': 2} -> succeeded" in pipelines.text()


def test_the_screen_analysis_plots_and_ranks_an_existing_screen(
    screen: Executed, outputs: Path
) -> None:
    job_id = screen.summary()["job_id"]
    run = execute("notebooks/examples/03_analysing_a_screen.ipynb", outputs, job_id=job_id, top=3)
    summary = run.summary()
    assert summary["job_id"] == job_id and summary["docked"] == 5
    assert [t["ligand"] for t in summary["top"]] == [t["ligand"] for t in screen.summary()["top"]]
    types = run.mime_types()
    assert "image/png" in types  # the histogram and the efficiency plot
    assert "image/svg+xml" in types  # the top ligands drawn


def test_the_pipeline_report_template_reports_a_run(
    server: LiveServer, pipelines: Executed, outputs: Path
) -> None:
    run_id = pipelines.summary()["run_id"]
    with MadlabClient(server.url, server.token) as client:
        job = client.job(run_id)
    run_outputs = (job.model_extra or {})["execution_metrics"]["outputs"]
    report = execute(
        "templates/pipeline_report.ipynb",
        outputs,
        title="notebook test",
        run_id=run_id,
        organization_id=job.organization_id,
        database_url=f"sqlite:///{server.home / 'madlab.db'}",
        run_json=json.dumps(run_outputs),
        top=5,
    )
    text = report.text()
    assert "2 docked ligands" in text, text
    html = "".join(str(o["data"].get("text/html", "")) for o in report.outputs() if "data" in o)
    assert "<td>prep</td><td>succeeded</td>" in html.replace("\n", "")
    assert "Sweep trials" in "".join(
        str(o["data"].get("text/markdown", "")) for o in report.outputs() if "data" in o
    )
    assert "image/png" in report.mime_types()
