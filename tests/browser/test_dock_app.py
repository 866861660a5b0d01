"""The Voila "Dock a ligand" app in headless Chromium: run the example, see the pose in 3D."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.driver import ARTIFACTS, REPO, pixel_spread, run_script
from tests.integration.server.live import LiveServer, live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Voila loads every installed JupyterLab extension; Notebook 7's needs JupyterLab's
#: document registry, which Voila does not provide, and fails in the console. The
#: installed configuration (jupyter-config/voila.json)
#: turns it off; the test runs on that configuration, as users do.


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A Jupyter server with madlab, Voila and a local worker, serving a copy of notebooks/."""
    root = tmp_path_factory.mktemp("voila")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    with live_server(root, workers=True) as live:
        yield live


def test_the_dock_app_runs_the_example_and_draws_the_pose_in_3d(server: LiveServer) -> None:
    out = ARTIFACTS
    out.mkdir(parents=True, exist_ok=True)
    report = run_script(
        "dock_app.mjs",
        {
            "MADLAB_SERVER_URL": server.url,
            "MADLAB_TOKEN": server.token,
            "MADLAB_ARTIFACTS": str(out),
            # small search for the test; the app's own default is exhaustiveness 8
            "MADLAB_QUERY": "exhaustiveness=2&seed=1&num_poses=3",
        },
        timeout=900,
    )
    print(f"screenshots: {report['screenshot']} {report['viewer_png']}")
    assert report["failure"] is None, report
    assert report["steps"][:2] == ["app shown", "run clicked"]
    assert "succeeded" in report["summary"], report["summary"]
    assert "RMSD of the top pose" in report["summary"]
    assert report["canvases"] and all(
        c["width"] > 0 and c["height"] > 0 and c["visible"] for c in report["canvases"]
    )
    spread, drawn = pixel_spread(Path(report["viewer_png"]))
    # the receptor's cartoon and the ligand's sticks cover part of the canvas
    assert spread > 5 and drawn > 0.02, (spread, drawn)
    assert Path(report["screenshot"]).stat().st_size > 10_000
    assert report["errors"] == [], report["errors"]
    for ignored in report["ignored"]:
        print(f"ignored console message: {ignored['text']} ({ignored['why']})")
