"""The smina program backend: finding the program, its command line, its failures, its output.

The smina program cannot be installed here, so these tests run a stand-in
executable (``tests/unit/engines/standin.py``) that accepts smina's command
line and writes the program's real recorded output (``shared/data/peer-outputs``)
back; nothing in it computes a pose.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from madlab.domain import Box, DockingParameters, DockMode, PreparedReceptor, ScoringFunction
from madlab.engines.program import find_program, run_program
from madlab.engines.smina import SminaEngine
from madlab.errors import EngineError, EngineUnavailableError
from tests.unit.engines import helpers
from tests.unit.engines.standin import write_standin


@pytest.fixture()
def smina(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, peer_outputs: Path) -> Path:
    """A smina stand-in replaying smina's docking of 184l, logging its command lines."""
    exe = write_standin(tmp_path / "bin", "smina")
    monkeypatch.setenv("STANDIN_REPLAY", str(peer_outputs / "184l_smina_dock.sdf"))
    monkeypatch.setenv("STANDIN_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.delenv("STANDIN_MODE", raising=False)
    return exe


def _calls(tmp_path: Path) -> list[list[str]]:
    return [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]


def _value(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def _engine(exe: Path, **options: object) -> SminaEngine:
    return SminaEngine(env={"MADLAB_SMINA_PATH": str(exe), "PATH": ""}, **options)  # type: ignore[arg-type]


def test_the_program_is_found_through_its_variable_or_path(smina: Path, tmp_path: Path) -> None:
    found = find_program("smina", "MADLAB_SMINA_PATH", {"MADLAB_SMINA_PATH": str(smina)})
    assert found.found and found.path == smina.resolve()
    assert found.version().startswith("smina stand-in")
    on_path = find_program("smina", "MADLAB_SMINA_PATH", {"PATH": str(smina.parent)})
    assert on_path.path == smina
    missing = find_program("smina", "MADLAB_SMINA_PATH", {"PATH": str(tmp_path)})
    assert not missing.found
    assert missing.reason == "smina program: not found on PATH or MADLAB_SMINA_PATH"
    assert missing.version() == ""
    wrong = find_program("smina", "MADLAB_SMINA_PATH", {"MADLAB_SMINA_PATH": str(tmp_path)})
    assert "MADLAB_SMINA_PATH=" in wrong.reason and "not an executable file" in wrong.reason
    gone = find_program("smina", "MADLAB_SMINA_PATH", {"MADLAB_SMINA_PATH": "/no/such/smina"})
    assert gone.reason.endswith("does not exist")


def test_availability_lists_both_backends_and_why_one_cannot_run(smina: Path) -> None:
    found = {a.backend: a for a in _engine(smina).availability()}
    assert found["smina-program"].available
    assert found["smina-program"].version.startswith("smina stand-in")
    assert found["smina-builtin"].available
    absent = {a.backend: a for a in SminaEngine(env={"PATH": ""}).availability()}
    assert not absent["smina-program"].available
    assert absent["smina-program"].reason == (
        "smina program: not found on PATH or MADLAB_SMINA_PATH"
    )


def test_auto_runs_the_program_when_found_and_the_builtin_otherwise(smina: Path) -> None:
    assert getattr(_engine(smina).selected(), "backend", "") == "smina-program"
    assert getattr(SminaEngine(env={"PATH": ""}).selected(), "backend", "") == "smina-builtin"
    forced = _engine(smina, backend="builtin")
    assert getattr(forced.selected(), "backend", "") == "smina-builtin"
    assert forced.describe() == {"engine": "smina", "backend": "builtin", "runs": "smina-builtin"}


def test_asking_for_a_missing_program_says_why(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match="not found on PATH") as info:
        SminaEngine(backend="program", env={"PATH": str(tmp_path)})
    assert info.value.backend == "smina-program" and "MADLAB_SMINA_PATH" in (info.value.hint or "")


def test_docking_runs_the_program_and_reads_its_poses(
    smina: Path,
    tmp_path: Path,
    receptor_184l: PreparedReceptor,
    peer_outputs: Path,
) -> None:
    ligand = helpers.crystal_pose_ligand()
    box = Box(center=(27.0, 7.0, 4.0), size=(16.0, 18.0, 20.0))
    params = DockingParameters(exhaustiveness=4, seed=7, cpu=1, num_poses=9)
    (result,) = _engine(smina).run(receptor_184l, [ligand], box, params)
    assert result.error is None and result.backend == "smina-program"
    assert result.engine == "smina" and result.engine_version.startswith("smina stand-in")
    recorded = (peer_outputs / "184l_smina_dock.sdf").read_text().splitlines()
    affinities = [float(recorded[i + 1]) for i, ln in enumerate(recorded) if "minimizedAff" in ln]
    assert [p.affinity for p in result.poses] == affinities
    assert [p.rank for p in result.poses] == list(range(1, 10))
    assert "<minimizedAffinity>" in result.poses[0].molblock
    assert "<madlab_backend>\nsmina-program" in result.poses[0].molblock
    assert result.poses[0].energies == {"total": affinities[0]}
    (args,) = _calls(tmp_path)
    # the program gets the user's receptor file, the ligand as SDF, and every option
    assert _value(args, "-r") == str(receptor_184l.source_path)
    assert _value(args, "-l").endswith(".sdf") and _value(args, "-o").endswith(".sdf")
    assert [_value(args, f"--center_{a}") for a in "xyz"] == ["27.0000", "7.0000", "4.0000"]
    assert [_value(args, f"--size_{a}") for a in "xyz"] == ["16.0000", "18.0000", "20.0000"]
    assert _value(args, "--exhaustiveness") == "4" and _value(args, "--seed") == "7"
    assert _value(args, "--num_modes") == "9" and _value(args, "--energy_range") == "3"
    assert _value(args, "--cpu") == "1" and _value(args, "--min_rmsd_filter") == "1"
    assert "--scoring" not in args and "--score_only" not in args
    assert result.parameters["receptor_file"] == str(receptor_184l.source_path)


@pytest.mark.parametrize(
    ("mode", "flag"),
    [
        (DockMode.SCORE_ONLY, "--score_only"),
        (DockMode.MINIMIZE, "--minimize"),
        (DockMode.LOCAL_ONLY, "--local_only"),
    ],
)
def test_modes_scoring_and_terms_become_options(
    smina: Path, tmp_path: Path, receptor_184l: PreparedReceptor, mode: DockMode, flag: str
) -> None:
    custom = tmp_path / "terms.txt"
    custom.write_text("-0.035579 gauss(o=0,_w=0.5,_c=8)\n")
    engine = _engine(smina, custom_scoring=custom, atom_terms=True)
    params = DockingParameters(mode=mode, cpu=0, scoring=ScoringFunction.VINARDO)
    (result,) = engine.run(
        receptor_184l, [helpers.crystal_pose_ligand()], helpers.site_box(), params
    )
    assert result.error is None
    (args,) = _calls(tmp_path)
    assert flag in args and "--exhaustiveness" not in args and "--cpu" not in args
    assert _value(args, "--custom_scoring") == str(custom) and "--scoring" not in args
    assert "--atom_term_data" in args


def test_vinardo_becomes_a_scoring_option(
    smina: Path, tmp_path: Path, receptor_184l: PreparedReceptor
) -> None:
    params = DockingParameters(scoring=ScoringFunction.VINARDO, exhaustiveness=1)
    list(
        _engine(smina).run(
            receptor_184l, [helpers.crystal_pose_ligand()], helpers.site_box(), params
        )
    )
    assert _value(_calls(tmp_path)[0], "--scoring") == "vinardo"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("fail", "exit status 2: Parse error on line 12"),
        ("empty", "wrote no output to poses.sdf: WARNING: Could not find any conformations"),
    ],
)
def test_failures_are_engine_errors_with_the_command_and_stderr(
    smina: Path,
    receptor_184l: PreparedReceptor,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    message: str,
) -> None:
    monkeypatch.setenv("STANDIN_MODE", mode)
    ligand = helpers.crystal_pose_ligand()
    with pytest.raises(EngineError) as info:
        list(_engine(smina).run(receptor_184l, [ligand], helpers.site_box(), DockingParameters()))
    err = info.value
    assert message in err.message and f"ligand '{ligand.name}'" in err.message
    assert err.command is not None and err.command[0] == str(smina.resolve())
    assert "-r" in err.command and err.stderr and err.stderr.strip() in err.message
    assert err.to_dict()["command"].startswith(str(smina.resolve()))
    assert err.engine == "smina" and err.backend == "smina-program"


def test_a_program_that_runs_too_long_is_stopped(
    smina: Path, receptor_184l: PreparedReceptor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANDIN_MODE", "sleep")
    engine = _engine(smina, timeout=1.0)
    with pytest.raises(EngineError, match=r"did not finish within 1 s") as info:
        list(
            engine.run(
                receptor_184l,
                [helpers.crystal_pose_ligand()],
                helpers.site_box(),
                DockingParameters(),
            )
        )
    assert info.value.command is not None and "timeout" in (info.value.hint or "")


def test_output_madlab_cannot_read_is_that_ligands_error(
    smina: Path, receptor_184l: PreparedReceptor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANDIN_MODE", "garbage")
    (result,) = _engine(smina).run(
        receptor_184l, [helpers.crystal_pose_ligand()], helpers.site_box(), DockingParameters()
    )
    assert result.poses == [] and result.error and "record 1" in result.error


def test_a_program_that_cannot_start_is_an_engine_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="cannot run") as info:
        run_program([str(tmp_path / "nothing")], engine="smina", backend="smina-program", timeout=5)
    assert info.value.command == [str(tmp_path / "nothing")]
