"""Local input paths: free on one's own machine, confined on a shared service."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from madlab.errors import PermissionDeniedError
from madlab.tasks.input_paths import check_input_path, input_roots


def test_without_roots_any_path_is_given_back(tmp_path: Path) -> None:
    assert input_roots({}) is None
    assert check_input_path("/etc/hosts", "receptor", None) == Path("/etc/hosts")


def test_roots_are_read_from_the_environment(tmp_path: Path) -> None:
    env = {"MADLAB_INPUT_ROOTS": f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}{os.pathsep}"}
    assert input_roots(env) == ((tmp_path / "a").resolve(), (tmp_path / "b").resolve())
    assert input_roots({"MADLAB_INPUT_ROOTS": ""}) == ()


def test_a_path_inside_a_root_is_read(tmp_path: Path) -> None:
    (tmp_path / "examples").mkdir()
    receptor = tmp_path / "examples" / "r.pdb"
    receptor.write_text("END\n")
    assert check_input_path(str(receptor), "receptor", [tmp_path / "examples"]) == receptor


@pytest.mark.parametrize("value", ["/etc/passwd", "examples/../secret.pdb"])
def test_a_path_outside_the_roots_is_refused_naming_the_parameter(
    tmp_path: Path, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").mkdir()
    with pytest.raises(PermissionDeniedError, match="parameter receptor") as info:
        check_input_path(value, "receptor", [(tmp_path / "examples").resolve()])
    assert info.value.details["field"] == "receptor"
    assert "artifact key" in (info.value.hint or "")


def test_a_symbolic_link_out_of_a_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "examples"
    root.mkdir()
    (tmp_path / "secret.pdb").write_text("secret\n")
    (root / "link.pdb").symlink_to(tmp_path / "secret.pdb")
    with pytest.raises(PermissionDeniedError):
        check_input_path(root / "link.pdb", "ligand_files[0]", [root.resolve()])


def test_no_root_at_all_refuses_every_path(tmp_path: Path) -> None:
    with pytest.raises(PermissionDeniedError):
        check_input_path(tmp_path, "receptor", ())


def test_the_extra_folders_are_allowed_under_a_restriction(tmp_path: Path) -> None:
    chunk = tmp_path / "pipelines" / "run" / "chunk.sdf"
    chunk.parent.mkdir(parents=True)
    chunk.write_text("$$$$\n")
    assert check_input_path(chunk, "ligands", (), also=[tmp_path / "pipelines"]) == chunk
