"""The apps' pure parts: SMILES lists, query strings, screen tables, plots, counts, nglview."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from madlab.client import JobInfo
from madlab.errors import ValidationError
from madlab.widgets import viewer3d
from madlab.widgets.dock_app import example_dir, parse_smiles, query_overrides
from madlab.widgets.job_follower import progress_of
from madlab.widgets.jobs_dashboard import counts_html
from madlab.widgets.screen_app import (
    EXAMPLE_LIBRARY,
    heavy_atom_count,
    histogram_png,
    ligand_efficiency,
    screen_rows,
    top_table_html,
)


def test_smiles_lines_keep_their_names_and_bad_ones_are_named_by_line() -> None:
    text = "CCO ethanol\n\n# a comment\nc1ccccc1   # benzene, unnamed\n"
    assert parse_smiles(text) == ["CCO ethanol", "c1ccccc1"]
    with pytest.raises(ValidationError, match="SMILES line 2: 'C1CC' is not a valid SMILES"):
        parse_smiles("CCO\nC1CC ring-not-closed\n")
    assert len(parse_smiles(EXAMPLE_LIBRARY)) == 5


def test_query_strings_override_the_parameters_they_name() -> None:
    defaults = {"auto_run": False, "exhaustiveness": 8, "engine": "vina", "padding": 4.0}
    got = query_overrides(
        "exhaustiveness=2&engine=smina&auto_run=1&token=abc&padding=5.5", defaults
    )
    assert got == {"auto_run": True, "exhaustiveness": 2, "engine": "smina", "padding": 5.5}
    assert query_overrides("", defaults) == defaults
    with pytest.raises(ValidationError, match="exhaustiveness='lots' is not a whole number") as err:
        query_overrides("exhaustiveness=lots", defaults)
    assert err.value.field == "exhaustiveness"
    with pytest.raises(ValidationError, match="padding='wide' is not a number"):
        query_overrides("padding=wide", defaults)


def test_the_example_complex_ships_with_the_package() -> None:
    folder = example_dir()
    assert (folder / "receptor.pdb").is_file() and (folder / "ligand.sdf").is_file()


def test_screen_rows_rank_by_affinity_with_ligand_efficiency_and_failures_last() -> None:
    results = [
        {"id": 1, "ligand": "weak", "smiles": "CCO", "binding_affinity": -3.0},
        {"id": 2, "ligand": "broken", "smiles": "", "binding_affinity": None, "error": "no atoms"},
        {"id": 3, "ligand": "strong", "smiles": "c1ccccc1O", "binding_affinity": -5.6},
    ]
    rows = screen_rows(results)
    assert [r.ligand for r in rows] == ["strong", "weak", "broken"]
    assert rows[0].heavy_atoms == 7 and rows[0].ligand_efficiency == pytest.approx(0.8)
    assert rows[2].ligand_efficiency is None and rows[2].error == "no atoms"
    assert ligand_efficiency(-6.0, 0) is None and heavy_atom_count("not smiles") == 0
    table = top_table_html(rows, 1)
    assert "strong" in table and "weak" not in table and "0.800" in table
    assert table.count("<tr>") == 2
    assert "no ligand" in top_table_html(rows[2:], 5)


def test_the_score_histogram_is_a_png_picture() -> None:
    png = histogram_png([-9.1, -8.4, -8.0, -7.2, -6.5, -6.4])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 300 and image.height > 200


def test_counts_show_each_state_and_task() -> None:
    html = counts_html(Counter({"succeeded": 3, "failed": 1, "odd": 2}), Counter({"dock": 6}))
    assert "<b>6 jobs</b>" in html
    assert html.index("succeeded") < html.index("failed") < html.index("odd")
    assert "<b>6</b> dock" in html
    assert "none yet" in counts_html(Counter(), Counter())


def test_progress_is_full_once_a_job_succeeded() -> None:
    base: dict[str, Any] = {
        "id": "j",
        "organization_id": "o",
        "user": "u",
        "task_id": "dock",
        "task_version": "1",
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    assert progress_of(JobInfo(**base, status="succeeded", progress=None)) == 1.0
    assert progress_of(JobInfo(**base, status="running", progress=0.25)) == 0.25
    assert progress_of(JobInfo(**base, status="queued")) == 0.0


def test_nglview_widgets_ask_for_the_installed_front_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = viewer3d.nglview_frontend_version()
    assert installed is not None  # nglview and its JupyterLab extension are installed here
    nglview = viewer3d.load_nglview()
    view = viewer3d.MolecularViewer3D(backend="nglview")
    view.add_ligand((example_dir() / "ligand.sdf").read_text(), "imatinib")
    widget = view.render()
    assert widget._model_module_version == widget._view_module_version == installed
    assert isinstance(widget, nglview.NGLWidget)
    assert nglview.color.ColormakerRegistry._model_module_version == installed
    # a front end elsewhere on the path, with its version
    ext = tmp_path / "labextensions" / "nglview-js-widgets"
    ext.mkdir(parents=True)
    (ext / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    monkeypatch.setattr(
        "jupyter_core.paths.jupyter_path", lambda *_: [str(tmp_path / "labextensions")]
    )
    assert viewer3d.nglview_frontend_version() == "9.9.9"
    (ext / "package.json").write_text("{broken")
    assert viewer3d.nglview_frontend_version() is None
