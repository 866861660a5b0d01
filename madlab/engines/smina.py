"""Smina (engine ``smina``): the smina program when installed, else smina built in on Vina.

Backends:

* ``smina-program`` (:class:`~madlab.engines.program_backend.ProgramBackend`):
  the ``smina`` executable found through ``MADLAB_SMINA_PATH`` or ``PATH``,
  run once per ligand, SDF in and out;
* ``smina-builtin`` (:class:`~madlab.engines.smina_builtin.SminaBuiltin`):
  smina's options and output on the ``vina`` bindings, no program needed.

``backend="auto"`` (the default) runs the program when it is found.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from madlab.engines.backend_choice import ProgramOrBuiltin
from madlab.engines.program_backend import DEFAULT_TIMEOUT_S, ProgramBackend
from madlab.engines.smina_builtin import SminaBuiltin

__all__ = ["SminaEngine"]


class SminaEngine(ProgramOrBuiltin):
    """Smina, by its program or built in.

    Parameters
    ----------
    cache_dir
        Folder of the built-in backend's receptor map cache.
    backend
        ``auto`` (program when found, else built in), ``program`` or ``builtin``.
    custom_scoring
        A smina custom scoring file (weight and term per line). The built-in
        backend supports the terms the Vina core evaluates
        (:mod:`madlab.engines.smina_scoring`) and names any other.
    atom_terms
        Program backend: ask for per-atom term values (``--atom_term_data``).
    timeout
        Program backend: seconds one ligand's run may take.
    env
        Environment used to find the program (default ``os.environ``).

    Raises
    ------
    madlab.errors.ValidationError
        For an unknown ``backend``, or (built in) a custom scoring term the Vina
        core does not support.
    """

    name = "smina"
    env_var = "MADLAB_SMINA_PATH"

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        *,
        backend: str = "auto",
        custom_scoring: str | Path | None = None,
        atom_terms: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT_S,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(backend=backend, env=env)
        self.cache_dir = cache_dir
        self.custom_scoring = custom_scoring
        self.atom_terms = atom_terms
        self.timeout = timeout
        if self.runs_builtin:
            _ = self.builtin  # a custom scoring file the core cannot use fails here

    def make_builtin(self) -> SminaBuiltin:
        """The built-in backend on the Vina core."""
        return SminaBuiltin(self.cache_dir, custom_scoring=self.custom_scoring)

    def make_program(self) -> ProgramBackend:
        """The program backend."""
        return ProgramBackend(
            self.name,
            self.program,
            custom_scoring=self.custom_scoring,
            atom_terms=self.atom_terms,
            timeout=self.timeout,
        )
