"""The dock, screen and jobs apps against a live server, driven as a user drives them."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from madlab.client import MadlabClient
from madlab.errors import TimedOutError, ValidationError
from madlab.widgets.dock_app import DockApp
from madlab.widgets.job_follower import JobFollower
from madlab.widgets.jobs_dashboard import JobsDashboard
from madlab.widgets.screen_app import ScreenApp
from tests.integration.server.live import LiveServer, live_server

pytestmark = pytest.mark.slow

#: Centre of imatinib's pocket in 1IEP (the crystal ligand's box centre).
POCKET = (15.19, 53.90, 16.92)
WATER_ONLY = "HETATM    1  O   HOH A   1      15.000  54.000  17.000  1.00  0.00           O\nEND\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("apps"), workers=True) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[MadlabClient]:
    with MadlabClient(server.url, server.token) as c:
        yield c


def _pocket_box(app: DockApp, side: float = 16.0) -> None:
    app.box_mode.value = "coordinates"
    for widget, value in zip(app.center, POCKET, strict=True):
        widget.value = value
    for widget in app.size:
        widget.value = side


def test_the_dock_app_refuses_incomplete_input_by_field(client: MadlabClient) -> None:
    app = DockApp(client, exhaustiveness=1, backend="py3dmol")
    assert app.engine.options[0] == "vina" and "gnina" in app.engine.options
    assert app.receptor.value == "example" and app.box_ligand.value == "example"
    with pytest.raises(ValidationError, match="no job was started"):
        app.wait()
    app.ligand_source.value = "smiles"
    assert app.ligand_area.children == (app.smiles,)
    assert app.run() is None and "no SMILES given" in app.status.value
    app.smiles.value = "CCO\nC1CC(\n"
    assert app.run() is None and "SMILES line 2" in app.status.value
    app.ligand_source.value = "files"
    assert app.ligand_area.children == (app.ligand_files,)
    assert app.run() is None and "no ligand file picked" in app.status.value
    app.ligand_source.value = "example"
    _pocket_box(app, side=0.0)
    assert app.run() is None and "box size must be positive" in app.status.value
    assert app.job is None and app.summary() == {"status": "not started"}


def test_the_dock_app_docks_a_smiles_in_a_box_and_shows_its_poses(client: MadlabClient) -> None:
    app = DockApp(client, exhaustiveness=1, num_poses=2, seed=3, backend="py3dmol")
    app.ligand_source.value = "smiles"
    app.smiles.value = "c1ccccc1O phenol"
    _pocket_box(app)
    params = app.parameters()
    assert params["smiles"] == ["c1ccccc1O phenol"] and params["size"] == [16.0] * 3
    assert params["receptor"].startswith("sha256/") and "reference" not in params
    job = app.run()
    assert job is not None and app.run_button.disabled
    assert app.run() is None and "already running" in app.status.value
    done = app.wait(600)
    assert done.status == "succeeded", done.error
    assert app.progress.value == 1.0 and not app.run_button.disabled
    assert app.follower is not None and app.follower.events_seen >= 1
    summary = app.summary()
    assert summary["status"] == "succeeded" and summary["ligands"] == 1
    assert 1 <= summary["poses"] <= 2 and summary["best_affinity"] < -3
    assert summary["top_pose_rmsd"] is None
    (viewer,) = app.results.children
    assert app.viewer is not None and viewer is app.viewer
    assert app.viewer.rows[0].ligand == "phenol"
    assert "succeeded" in app.summary_html.value
    assert f"{summary['poses']} poses of 1 ligand(s)" in app.summary_html.value
    # the example files were uploaded once and are reused by the next run
    assert set(app._examples) == {"receptor.pdb"}


def test_a_failed_job_is_reported_with_its_reason(client: MadlabClient) -> None:
    app = DockApp(client, exhaustiveness=1, backend="py3dmol")
    info = app.files.upload_bytes("water.pdb", WATER_ONLY.encode())
    assert info is not None
    app.files.refresh()
    assert info.key in [value for _, value in app.receptor.options]
    app.receptor.value = info.key
    app.ligand_source.value = "smiles"
    app.smiles.value = "CCO"
    _pocket_box(app)
    assert app.run() is not None
    done = app.wait(300)
    assert done.status in ("failed", "dead_lettered")
    assert "failed" in app.status.value or "dead_lettered" in app.status.value
    assert app.progress.bar_style == "danger" and app.results.children == ()
    assert app.follower is not None and app.follower.wait(0) == done  # already ended
    with pytest.raises(TimedOutError, match="still"):
        JobFollower(client, done.model_copy(update={"status": "queued"})).wait(0.1)


def test_the_screen_app_ranks_a_small_library(client: MadlabClient) -> None:
    app = ScreenApp(client, exhaustiveness=1, top=2, backend="py3dmol")
    assert app.ligand_source.value == "smiles" and "phenylaminopyrimidine" in app.smiles.value
    app.smiles.value = "c1ccccc1O phenol\nCc1ccc(NC(=O)c2ccccc2)cc1 tolylbenzamide\n"
    _pocket_box(app)
    assert app.run() is not None
    assert app.wait(600).status == "succeeded"
    screen = app.screen
    assert screen is not None and app.results.children == (screen,)
    scores = [r.affinity for r in screen.rows]
    assert None not in scores and scores == sorted(a for a in scores if a is not None)
    assert {r.ligand for r in screen.rows} == {"phenol", "tolylbenzamide"}
    assert screen.table.value.count("<tr>") == 3  # header and two ligands
    screen.top.value = 1
    assert screen.table.value.count("<tr>") == 2
    assert Image.open(io.BytesIO(screen.plot.value)).format == "PNG"
    viewer = screen.open_poses()
    assert {r.ligand for r in viewer.rows} == {"phenol", "tolylbenzamide"}
    summary = app.summary()
    assert summary["docked"] == 2 and summary["failed"] == 0 and len(summary["top"]) == 2
    assert "2 of 2 ligands docked" in app.summary_html.value


def test_the_jobs_dashboard_counts_and_opens_the_newest_results(client: MadlabClient) -> None:
    board = JobsDashboard(client, follow=False)
    try:
        counts = board.recount()
        assert sum(counts.values()) == sum(board.by_task.values()) >= 1
        assert "jobs</b>" in board.counts.value
        viewer = board.open_latest()
        if counts.get("succeeded"):
            assert viewer is not None and viewer.rows
            assert board.monitor.results_area.children == (viewer,)
        assert board.open_latest(task_id="no-such-task") is None
    finally:
        board.stop()
