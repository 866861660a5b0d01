"""The smina and gnina programs as engine backends (``smina-program``, ``gnina-program``).

Each ligand is one program run: the prepared ligand (hydrogens, 3D) is written
as SDF, the program docks, scores or minimizes it against the receptor in the
box, and its SDF output is read back with its tags
(:mod:`madlab.engines.program_sdf`). The receptor given to the program is the
user's own file, less what preparation removed
(:func:`madlab.engines.receptor_view.program_receptor`).

The two programs share smina's command line; gnina adds its CNN options.
Options become arguments as follows:

==================  ==============================================
parameter           argument
==================  ==============================================
box                 ``--center_x/y/z``, ``--size_x/y/z``
exhaustiveness      ``--exhaustiveness``
seed                ``--seed``
cpu                 ``--cpu`` (left out for 0: all cores)
num_poses           ``--num_modes``
energy_range        ``--energy_range``
min_rmsd            ``--min_rmsd_filter``
scoring             ``--scoring vinardo`` / ``ad4_scoring`` (not for vina)
custom scoring      ``--custom_scoring FILE``
mode                ``--score_only``, ``--minimize``, ``--local_only``
atom terms          ``--atom_term_data``
==================  ==============================================

A run that cannot start, times out, ends with a non-zero status or writes no
output raises an :class:`~madlab.errors.EngineError` naming the ligand, with
the command and the program's standard error. Output that cannot be read is
reported as that ligand's error.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from rdkit import Chem

from madlab.domain import (
    Box,
    DockingParameters,
    DockMode,
    LigandResult,
    Pose,
    PreparedLigand,
    PreparedReceptor,
    ScoringFunction,
)
from madlab.engines.base import Availability, DockingEngine
from madlab.engines.program import Program, run_program
from madlab.engines.program_sdf import read_program_sdf
from madlab.engines.receptor_view import program_receptor
from madlab.engines.sdf_tags import Provenance, make_pose
from madlab.errors import EngineError, EngineUnavailableError, MadlabError

__all__ = ["DEFAULT_TIMEOUT_S", "ProgramBackend"]

log = logging.getLogger(__name__)

#: Seconds one program run may take by default (one ligand).
DEFAULT_TIMEOUT_S = 3600.0
_SCORING_ARGS = {ScoringFunction.VINARDO: "vinardo", ScoringFunction.AD4: "ad4_scoring"}
_MODE_ARGS = {
    DockMode.SCORE_ONLY: "--score_only",
    DockMode.MINIMIZE: "--minimize",
    DockMode.LOCAL_ONLY: "--local_only",
}


class ProgramBackend(DockingEngine):
    """Run the smina or gnina program on each ligand.

    Parameters
    ----------
    engine
        ``smina`` or ``gnina`` (the engine recorded with each result).
    program
        The executable (from :func:`madlab.engines.program.find_program`).
    options
        Extra arguments for every run, one sequence per option: the flag and
        its values (gnina's CNN options, e.g. ``("--cnn", "dense", "dense_3")``).
    custom_scoring
        A smina custom scoring file, passed with ``--custom_scoring``.
    atom_terms
        Ask for per-atom term values (``--atom_term_data``); each pose's
        ``energies`` then holds the terms summed over the ligand's atoms.
    timeout
        Seconds one ligand's run may take (``None``: no limit).
    """

    def __init__(
        self,
        engine: str,
        program: Program,
        *,
        options: Sequence[Sequence[str]] = (),
        custom_scoring: str | Path | None = None,
        atom_terms: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.name = engine
        self.backend = f"{engine}-program"
        self.program = program
        self.options = [tuple(o) for o in options]
        self.custom_scoring = Path(custom_scoring) if custom_scoring else None
        self.atom_terms = atom_terms
        self.timeout = timeout
        self._version: str | None = None

    @property
    def version(self) -> str:
        """The program's version line (asked once)."""
        if self._version is None:
            self._version = self.program.version()
        return self._version

    def availability(self) -> list[Availability]:
        """Whether the program was found, and its version."""
        if not self.program.found:
            return [Availability(self.name, self.backend, False, reason=self.program.reason)]
        return [Availability(self.name, self.backend, True, self.version)]

    def command(
        self,
        receptor: Path,
        ligand: Path,
        out: Path,
        box: Box,
        params: DockingParameters,
    ) -> list[str]:
        """The program's command line for one ligand.

        Raises
        ------
        madlab.errors.EngineUnavailableError
            When the program was not found.
        """
        if self.program.path is None:
            raise EngineUnavailableError(
                self.program.reason, engine=self.name, backend=self.backend
            )
        cmd = [str(self.program.path), "-r", str(receptor), "-l", str(ligand), "-o", str(out)]
        for axis, c, s in zip("xyz", box.center, box.size, strict=True):
            cmd += [f"--center_{axis}", f"{c:.4f}", f"--size_{axis}", f"{s:.4f}"]
        if params.mode in _MODE_ARGS:
            cmd.append(_MODE_ARGS[params.mode])
        else:
            cmd += ["--exhaustiveness", str(params.exhaustiveness)]
            cmd += ["--num_modes", str(params.num_poses)]
            cmd += ["--energy_range", f"{params.energy_range:g}"]
            cmd += ["--min_rmsd_filter", f"{params.min_rmsd:g}"]
        cmd += ["--seed", str(params.seed)]
        if params.cpu > 0:
            cmd += ["--cpu", str(params.cpu)]
        if self.custom_scoring is not None:
            cmd += ["--custom_scoring", str(self.custom_scoring)]
        elif params.scoring in _SCORING_ARGS:
            cmd += ["--scoring", _SCORING_ARGS[params.scoring]]
        if self.atom_terms:
            cmd.append("--atom_term_data")
        for option in self.options:
            cmd += list(option)
        return cmd

    def run(
        self,
        receptor: PreparedReceptor,
        ligands: Iterable[PreparedLigand],
        box: Box,
        params: DockingParameters,
    ) -> Iterator[LigandResult]:
        """Run the program on each ligand; yield each ligand's poses as they come.

        Raises
        ------
        madlab.errors.EngineUnavailableError
            When the program was not found.
        madlab.errors.EngineError
            When the program cannot start, times out or fails.
        """
        receptor_file = program_receptor(receptor)
        parameters: dict[str, Any] = {
            **params.to_dict(),
            "program": str(self.program.path),
            "receptor_file": str(receptor_file),
        }
        if self.custom_scoring is not None:
            parameters["custom_scoring"] = str(self.custom_scoring)
        parameters.update({o[0].lstrip("-"): " ".join(o[1:]) or True for o in self.options})
        provenance = Provenance(self.name, self.backend, self.version, parameters, box)
        for ligand in ligands:
            yield self._one(receptor_file, ligand, box, params, provenance)

    def _one(
        self,
        receptor_file: Path,
        ligand: PreparedLigand,
        box: Box,
        params: DockingParameters,
        provenance: Provenance,
    ) -> LigandResult:
        start = time.perf_counter()
        result = LigandResult(
            ligand=ligand.name,
            smiles=ligand.smiles,
            poses=[],
            engine=self.name,
            backend=self.backend,
            engine_version=self.version,
            parameters=dict(provenance.parameters),
            box=box,
        )
        with tempfile.TemporaryDirectory(prefix=f"madlab-{self.name}-") as tmp:
            ligand_file, out = Path(tmp) / "ligand.sdf", Path(tmp) / "poses.sdf"
            mol = Chem.Mol(ligand.mol)
            mol.SetProp("_Name", ligand.name)
            ligand_file.write_text(Chem.MolToMolBlock(mol) + "$$$$\n")
            command = self.command(receptor_file, ligand_file, out, box, params)
            try:
                run_program(
                    command,
                    engine=self.name,
                    backend=self.backend,
                    timeout=self.timeout,
                    cwd=Path(tmp),
                    output=out,
                )
                result.poses = self._poses(out, provenance)
            except EngineError as err:
                raise EngineError(
                    f"ligand '{ligand.name}': {err.message}",
                    engine=self.name,
                    backend=self.backend,
                    command=command,
                    stderr=err.stderr,
                    hint=err.hint,
                ) from None
            except MadlabError as err:  # output the program wrote but madlab cannot read
                result.error = f"ligand '{ligand.name}': {err.message}"
        if not result.poses and result.error is None:
            result.error = f"ligand '{ligand.name}': {Path(command[0]).name} wrote no pose"
        result.seconds = time.perf_counter() - start
        return result

    def _poses(self, out: Path, provenance: Provenance) -> list[Pose]:
        poses = []
        for rank, found in enumerate(read_program_sdf(out.read_text(), str(out)), start=1):
            energies: Mapping[str, float] = {"total": found.affinity, **found.term_totals}
            poses.append(
                make_pose(
                    found.mol,
                    rank=rank,
                    affinity=found.affinity,
                    energies=energies,
                    provenance=provenance,
                    scores=found.scores,
                )
            )
        return poses
