"""Gnina built in: gnina's default pipeline on the Vina core and madlab's CNN scorer.

Backend ``gnina-builtin`` of engine ``gnina``. What the gnina program does by
default (``--cnn_scoring rescore``), and how this backend repeats it:

1. Monte Carlo search with the empirical (Vina) scoring function. Gnina keeps
   ``max(num_modes, num_mc_saved)`` poses (``num_mc_saved`` is 50 in current
   gnina), refines each on the receptor atoms and scores it. Here the Vina core
   searches keeping the same number of poses and refines them the same way.
2. CNN rescoring of every kept pose: all poses of a ligand go through the
   networks in one batch (:class:`~madlab.engines.cnn.CnnScorer`). The CNN sees
   the receptor as the program does: the user's own file, typed by OpenBabel's
   rules, not madlab's rebuilt-hydrogen PDB
   (:func:`~madlab.engines.receptor_view.program_receptor`).
3. Poses sorted by ``CNNscore`` (or ``CNNaffinity``, or ``Energy``:
   ``pose_sort_order``), near-duplicates removed (a pose within ``min_rmsd``
   of a better-ranked one, symmetry-aware heavy-atom RMSD as current gnina),
   and the first ``num_modes`` kept.

``cnn_scoring="none"`` skips steps 2 and 3's CNN part: poses are ranked by
energy and carry no CNN tags. The default ``cnn`` model is ``default``: gnina
1.0's default ensemble (dense, general_default2018_3, dense_3,
crossdock_default2018, redock_default2018_2), the closest to the program's
current default that the shipped weights allow (gnina 1.3's newer default
models are not among them). Poses carry ``minimizedAffinity``, ``CNNscore``,
``CNNaffinity``, ``CNN_VS`` and, for an ensemble, ``CNNaffinity_variance``.
The CNN runs on a GPU when torch sees one, else on the CPU.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from madlab.domain import (
    Box,
    DockingParameters,
    DockMode,
    LigandResult,
    Pose,
    PreparedLigand,
    PreparedReceptor,
)
from madlab.engines.base import Availability
from madlab.engines.cnn.models import resolve
from madlab.engines.receptor_view import program_receptor
from madlab.engines.sdf_tags import Provenance
from madlab.engines.smina_builtin import UNBOUNDED, SminaBuiltin, pose_record, reissue
from madlab.errors import MadlabError, ValidationError

__all__ = [
    "BACKEND",
    "CNN_SCORING",
    "NUM_MC_SAVED",
    "SORT_ORDERS",
    "GninaBuiltin",
    "check_cnn_options",
    "rank_poses",
]

BACKEND = "gnina-builtin"
#: Poses gnina keeps from the Monte Carlo search (its ``--num_mc_saved`` default).
NUM_MC_SAVED = 50
#: ``pose_sort_order`` values, as gnina spells them.
SORT_ORDERS = ("CNNscore", "CNNaffinity", "Energy")
#: ``cnn_scoring`` levels the built-in backend runs.
CNN_SCORING = ("none", "rescore")


def check_cnn_options(
    cnn: str | Sequence[str], cnn_scoring: str, pose_sort_order: str, *, builtin: bool = True
) -> tuple[str, str]:
    """Validate gnina's CNN options; return ``cnn_scoring`` and ``pose_sort_order`` normalized.

    Raises
    ------
    madlab.errors.ValidationError
        For an unknown model, scoring level or sort order (naming the field).
    """
    for name in [cnn] if isinstance(cnn, str) else cnn:
        resolve(name)  # raises ValidationError with the known names
    levels = CNN_SCORING if builtin else (*CNN_SCORING, "refinement", "metrorescore", "all")
    scoring = cnn_scoring.strip().lower()
    if scoring not in levels:
        extra = " (refinement and all need the gnina program)" if builtin else ""
        raise ValidationError(
            f"cnn_scoring {cnn_scoring!r} is not one of {', '.join(levels)}{extra}",
            field="cnn_scoring",
        )
    orders = {o.lower(): o for o in SORT_ORDERS}
    order = orders.get(pose_sort_order.strip().lower())
    if order is None:
        raise ValidationError(
            f"pose_sort_order {pose_sort_order!r} is not one of {', '.join(SORT_ORDERS)}",
            field="pose_sort_order",
        )
    return scoring, order


def _sort_key(order: str) -> Any:
    if order == "Energy":
        return lambda p: p.affinity
    if order == "CNNaffinity":
        return lambda p: -p.scores.get("CNNaffinity", -math.inf)
    return lambda p: -p.scores.get("CNNscore", -math.inf)


def rank_poses(poses: Sequence[Pose], order: str, keep: int, min_rmsd: float = 1.0) -> list[Pose]:
    """Rank poses as gnina does: sort, drop near-duplicates, keep the first ``keep``.

    Parameters
    ----------
    poses
        Poses with ``affinity`` and, for CNN orders, ``CNNscore``/``CNNaffinity`` scores.
    order
        ``CNNscore`` or ``CNNaffinity`` (highest first) or ``Energy`` (lowest first).
    keep
        Most poses returned.
    min_rmsd
        A pose within this symmetry-corrected heavy-atom RMSD (Å) of a better
        ranked one is dropped.

    Returns
    -------
    list of Pose
        The same pose objects, best first (their ``rank`` is not changed).
    """
    from rdkit import Chem

    from madlab.molecules.rmsd import heavy_atom_rmsd

    ordered = sorted(poses, key=_sort_key(order))  # stable: ties keep the search's order
    kept: list[tuple[Pose, Any]] = []
    for pose in ordered:
        if len(kept) >= keep:
            break
        mol = Chem.MolFromMolBlock(pose.molblock, removeHs=False)
        if mol is not None and any(heavy_atom_rmsd(mol, m) < min_rmsd for _, m in kept):
            continue
        kept.append((pose, mol))
    return [p for p, _ in kept]


class GninaBuiltin(SminaBuiltin):
    """Gnina's docking and CNN rescoring without the gnina program.

    Parameters
    ----------
    cache_dir
        Folder of the receptor map cache.
    cnn
        CNN model or ensemble name (gnina's ``--cnn``), or several single
        models used as an ensemble; ``default`` is gnina 1.0's default ensemble.
    cnn_scoring
        ``rescore`` (default) or ``none``.
    pose_sort_order
        ``CNNscore`` (default), ``CNNaffinity`` or ``Energy``.
    num_mc_saved
        Poses kept from the search for rescoring (at least ``num_modes``).
    device
        Torch device of the CNN (default: a GPU when torch sees one).
    custom_scoring
        A smina custom scoring file for the empirical part.

    Raises
    ------
    madlab.errors.ValidationError
        For an unknown model, scoring level or sort order.
    """

    name = "gnina"
    backend = BACKEND

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        *,
        cnn: str | Sequence[str] = "default",
        cnn_scoring: str = "rescore",
        pose_sort_order: str = "CNNscore",
        num_mc_saved: int = NUM_MC_SAVED,
        device: str | None = None,
        custom_scoring: str | Path | None = None,
        keep: int = 2,
    ) -> None:
        self.cnn_scoring, self.pose_sort_order = check_cnn_options(
            cnn, cnn_scoring, pose_sort_order
        )
        if num_mc_saved < 1:
            raise ValidationError("num_mc_saved must be 1 or more", field="num_mc_saved")
        super().__init__(cache_dir, custom_scoring=custom_scoring, keep=keep)
        self.cnn = cnn if isinstance(cnn, str) else tuple(cnn)
        self.num_mc_saved = num_mc_saved
        self.device = device
        self._scorer: Any = None
        self._scorer_lock = threading.Lock()

    @property
    def scorer(self) -> Any:
        """The CNN scorer (made on first use: importing torch takes seconds)."""
        with self._scorer_lock:
            if self._scorer is None:
                from madlab.engines.cnn.scorer import CnnScorer

                self._scorer = CnnScorer(self.cnn, device=self.device, batch_size=256)
            return self._scorer

    def availability(self) -> list[Availability]:
        """Available when the Vina core and the CNN's libraries (torch, gninatorch) are."""
        core = super().availability()[0]
        missing = [m for m in ("torch", "gninatorch") if importlib.util.find_spec(m) is None]
        if not core.available or missing:
            reason = core.reason or (
                f"the CNN needs {' and '.join(missing)}: pip install 'madlab[cnn]'"
            )
            return [Availability(self.name, self.backend, False, core.version, reason)]
        version = f"{core.version}, torch {importlib.metadata.version('torch')}"
        return [Availability(self.name, self.backend, True, version)]

    def saved_poses(self, params: DockingParameters) -> int:
        """Poses the search keeps: ``max(num_modes, num_mc_saved)``, as gnina."""
        return max(params.num_poses, self.num_mc_saved)

    def kept_poses(self, params: DockingParameters) -> tuple[int, float]:
        """Every saved pose goes on to CNN rescoring."""
        return self.saved_poses(params), UNBOUNDED

    def cnn_parameters(self) -> dict[str, Any]:
        """The CNN settings recorded with each result."""
        return {
            "cnn": self.cnn if isinstance(self.cnn, str) else list(self.cnn),
            "cnn_scoring": self.cnn_scoring,
            "pose_sort_order": self.pose_sort_order,
            "num_mc_saved": self.num_mc_saved,
        }

    def run(
        self,
        receptor: PreparedReceptor,
        ligands: Iterable[PreparedLigand],
        box: Box,
        params: DockingParameters,
    ) -> Iterator[LigandResult]:
        """Search with the Vina core, rescore every pose with the CNN, rank; yield per ligand.

        Raises
        ------
        madlab.errors.ValidationError, madlab.errors.EngineError
            As :meth:`SminaBuiltin.run`.
        """
        cnn_receptor = program_receptor(receptor) if self.cnn_scoring != "none" else None
        for result in super().run(receptor, ligands, box, params):
            result.parameters.update(self.cnn_parameters())
            if cnn_receptor is not None:
                result.parameters["cnn_receptor"] = str(cnn_receptor)
            search = result.seconds
            result.timings["search"] = search
            if not result.error and result.poses:
                start = time.perf_counter()
                try:
                    result.poses = self._rescore(result, cnn_receptor, params)
                except MadlabError as err:
                    named = f"'{result.ligand}'" in err.message
                    result.error = (
                        err.message if named else f"ligand '{result.ligand}': {err.message}"
                    )
                    result.poses = []
                rescoring = time.perf_counter() - start
                if cnn_receptor is not None:
                    result.timings["cnn"] = rescoring
                result.seconds = search + rescoring  # the time reported is the parts' sum
            yield result

    def _rescore(
        self, result: LigandResult, cnn_receptor: Path | None, params: DockingParameters
    ) -> list[Pose]:
        poses = result.poses
        records = {id(p): pose_record(p) for p in poses}
        if cnn_receptor is not None:
            mols = [records[id(p)] for p in poses]
            for pose, cnn in zip(poses, self.scorer.score(cnn_receptor, mols), strict=True):
                pose.scores["CNNscore"] = cnn.cnn_score
                pose.scores["CNNaffinity"] = cnn.cnn_affinity
                pose.scores["CNN_VS"] = cnn.cnn_vs
                if cnn.cnn_affinity_variance is not None:
                    pose.scores["CNNaffinity_variance"] = cnn.cnn_affinity_variance
        order = self.pose_sort_order if cnn_receptor is not None else "Energy"
        if params.mode is DockMode.DOCK:
            poses = rank_poses(poses, order, params.num_poses, params.min_rmsd)
        provenance = Provenance(
            result.engine, result.backend, result.engine_version, result.parameters, result.box
        )
        return [
            reissue(p, rank=i, provenance=provenance, record=records[id(p)])
            for i, p in enumerate(poses, start=1)
        ]
