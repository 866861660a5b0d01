"""Gnina (engine ``gnina``): the gnina program when installed, else gnina built in.

Backends:

* ``gnina-program`` (:class:`~madlab.engines.program_backend.ProgramBackend`):
  the ``gnina`` executable found through ``MADLAB_GNINA_PATH`` or ``PATH``;
  its SDF tags (``minimizedAffinity``, ``CNNscore``, ``CNNaffinity``,
  ``CNN_VS``, ``CNNaffinity_variance``) are read back, a missing CNN tag
  staying absent;
* ``gnina-builtin`` (:class:`~madlab.engines.gnina_builtin.GninaBuiltin`):
  gnina's default pipeline (Monte Carlo search with the Vina scoring function,
  CNN rescoring of every kept pose, ranking by ``CNNscore``) on the ``vina``
  bindings and madlab's gnina-compatible CNN scorer (``pip install
  'madlab[cnn]'``).

``backend="auto"`` (the default) runs the program when it is found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from madlab.engines.backend_choice import ProgramOrBuiltin
from madlab.engines.gnina_builtin import NUM_MC_SAVED, GninaBuiltin, check_cnn_options
from madlab.engines.program_backend import DEFAULT_TIMEOUT_S, ProgramBackend

__all__ = ["GninaEngine"]


class GninaEngine(ProgramOrBuiltin):
    """Gnina, by its program or built in.

    Parameters
    ----------
    cache_dir
        Folder of the built-in backend's receptor map cache.
    backend
        ``auto`` (program when found, else built in), ``program`` or ``builtin``.
    cnn
        CNN model or ensemble (gnina's ``--cnn``); ``default`` is gnina 1.0's
        default ensemble for the built-in backend. The program backend is given
        ``--cnn`` only when a model other than ``default`` is asked for, so the
        program otherwise runs its own default.
    cnn_scoring
        ``rescore`` (default) or ``none``; the program also takes gnina's other levels.
    pose_sort_order
        ``CNNscore`` (default), ``CNNaffinity`` or ``Energy``.
    num_mc_saved
        Built in: poses kept from the search for CNN rescoring.
    device
        ``cpu`` or a torch device such as ``cuda:0``; default a GPU when one is
        seen. For the program, ``cpu`` adds ``--no_gpu``.
    custom_scoring
        A smina custom scoring file for the empirical scoring.
    atom_terms, timeout
        Program backend: per-atom terms, and seconds per ligand.
    env
        Environment used to find the program (default ``os.environ``).

    Raises
    ------
    madlab.errors.ValidationError
        For an unknown backend, model, scoring level or sort order.
    """

    name = "gnina"
    env_var = "MADLAB_GNINA_PATH"

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        *,
        backend: str = "auto",
        cnn: str | Sequence[str] = "default",
        cnn_scoring: str = "rescore",
        pose_sort_order: str = "CNNscore",
        num_mc_saved: int = NUM_MC_SAVED,
        device: str | None = None,
        custom_scoring: str | Path | None = None,
        atom_terms: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT_S,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(backend=backend, env=env)
        self.cnn_scoring, self.pose_sort_order = check_cnn_options(
            cnn, cnn_scoring, pose_sort_order, builtin=self.runs_builtin
        )
        self.cnn = cnn if isinstance(cnn, str) else tuple(cnn)
        self.cache_dir = cache_dir
        self.num_mc_saved = num_mc_saved
        self.device = device
        self.custom_scoring = custom_scoring
        self.atom_terms = atom_terms
        self.timeout = timeout
        if self.runs_builtin:
            _ = self.builtin  # bad options for the built-in backend fail here

    def make_builtin(self) -> GninaBuiltin:
        """The built-in backend (Vina core and madlab's CNN scorer)."""
        return GninaBuiltin(
            self.cache_dir,
            cnn=self.cnn,
            cnn_scoring=self.cnn_scoring,
            pose_sort_order=self.pose_sort_order,
            num_mc_saved=self.num_mc_saved,
            device=self.device,
            custom_scoring=self.custom_scoring,
        )

    def make_program(self) -> ProgramBackend:
        """The program backend, with gnina's CNN options."""
        options: list[tuple[str, ...]] = []
        if self.cnn != "default":
            models = [self.cnn] if isinstance(self.cnn, str) else list(self.cnn)
            options.append(("--cnn", *models))
        options.append(("--cnn_scoring", self.cnn_scoring))
        options.append(("--pose_sort_order", self.pose_sort_order))
        if self.device == "cpu":
            options.append(("--no_gpu",))
        return ProgramBackend(
            self.name,
            self.program,
            options=options,
            custom_scoring=self.custom_scoring,
            atom_terms=self.atom_terms,
            timeout=self.timeout,
        )
