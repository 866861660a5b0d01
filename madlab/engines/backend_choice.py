"""Engines with two backends: the installed program, or built in on madlab's components.

``backend="auto"`` runs the program when it is found (``MADLAB_<NAME>_PATH`` or
``PATH``) and the built-in backend otherwise; ``program`` and ``builtin`` insist
on one. Every result records which backend ran (``LigandResult.backend``).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from madlab.domain import Box, DockingParameters, LigandResult, PreparedLigand, PreparedReceptor
from madlab.engines.base import Availability, DockingEngine
from madlab.engines.program import Program, find_program
from madlab.engines.program_backend import ProgramBackend
from madlab.errors import EngineUnavailableError, ValidationError

__all__ = ["BACKEND_CHOICES", "ProgramOrBuiltin"]

#: The accepted values of ``backend``.
BACKEND_CHOICES = ("auto", "program", "builtin")


class ProgramOrBuiltin(DockingEngine):
    """An engine run by its program when found, else by its built-in backend.

    Parameters
    ----------
    backend
        ``auto``, ``program`` or ``builtin``.
    env
        Environment used to find the program (default ``os.environ``).

    Raises
    ------
    madlab.errors.ValidationError
        For another ``backend`` value.
    madlab.errors.EngineUnavailableError
        For ``backend="program"`` when the program is not found.
    """

    #: Environment variable naming the program's executable.
    env_var: str = ""

    def __init__(self, *, backend: str = "auto", env: Mapping[str, str] | None = None) -> None:
        choice = backend.strip().lower()
        if choice not in BACKEND_CHOICES:
            raise ValidationError(
                f"backend {backend!r} is not one of {', '.join(BACKEND_CHOICES)}",
                field="backend",
            )
        self.choice = choice
        self.program: Program = find_program(self.name, self.env_var, dict(env) if env else None)
        self._builtin: DockingEngine | None = None
        self._program: ProgramBackend | None = None
        if choice == "program" and not self.program.found:
            raise EngineUnavailableError(
                self.program.reason,
                engine=self.name,
                backend=f"{self.name}-program",
                hint=f"install {self.name}, set {self.env_var}, or use backend auto or builtin",
            )

    @abstractmethod
    def make_builtin(self) -> DockingEngine:
        """Build the built-in backend."""

    @abstractmethod
    def make_program(self) -> ProgramBackend:
        """Build the program backend."""

    @property
    def builtin(self) -> DockingEngine:
        """The built-in backend (made on first use)."""
        if self._builtin is None:
            self._builtin = self.make_builtin()
        return self._builtin

    @property
    def program_backend(self) -> ProgramBackend:
        """The program backend (made on first use)."""
        if self._program is None:
            self._program = self.make_program()
        return self._program

    def builtin_availability(self) -> list[Availability]:
        """The built-in backend's availability."""
        return self.builtin.availability()[:1]

    def availability(self) -> list[Availability]:
        """Both backends, whether each can run here, and why not."""
        return [*self.program_backend.availability(), *self.builtin_availability()]

    @property
    def runs_builtin(self) -> bool:
        """Whether the built-in backend runs (asked for, or ``auto`` without the program)."""
        return self.choice == "builtin" or (self.choice == "auto" and not self.program.found)

    def selected(self) -> DockingEngine:
        """The backend that runs: the program when found (``auto``), or the one asked for."""
        return self.builtin if self.runs_builtin else self.program_backend

    def run(
        self,
        receptor: PreparedReceptor,
        ligands: Iterable[PreparedLigand],
        box: Box,
        params: DockingParameters,
    ) -> Iterator[LigandResult]:
        """Run the selected backend (see :meth:`selected`)."""
        yield from self.selected().run(receptor, ligands, box, params)

    def describe(self) -> dict[str, Any]:
        """The choice and what it resolves to, for logs and the CLI."""
        runs = f"{self.name}-builtin" if self.runs_builtin else f"{self.name}-program"
        return {"engine": self.name, "backend": self.choice, "runs": runs}
