"""A docking job on a shared service reads no file outside its input roots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from madlab.errors import PermissionDeniedError
from madlab.tasks.dock import load_example

from .conftest import Run


def test_a_path_outside_the_roots_fails_the_job_and_an_upload_key_works(
    run_task: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receptor, ligand = load_example()
    allowed = tmp_path / "examples"
    allowed.mkdir()
    monkeypatch.setenv("MADLAB_INPUT_ROOTS", str(allowed))
    run = run_task("dock")
    with pytest.raises(PermissionDeniedError, match="parameter receptor"):
        run("dock", {"receptor": str(receptor), "smiles": ["CCO"], "whole_receptor": True})

    # the same files uploaded (artifact keys) dock as usual
    keys = {
        f.name: run.ctx.artifacts.put_file(f, name=f.name, media_type="chemical/x-mdl-sdfile").key
        for f in (receptor, ligand)
    }
    out = run(
        "dock",
        {
            "receptor": keys[receptor.name],
            "smiles": ["CCO"],
            "autobox_ligand": keys[ligand.name],
            "exhaustiveness": 1,
        },
    )
    assert out["docked"] == 1 and out["failed"] == 0
