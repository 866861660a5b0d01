"""Vina objects holding a receptor's grid maps, built once and handed out again.

A Vina object's grid maps depend on the receptor, the box and the scoring
function; its seed, CPU count and refinement mode are fixed when it is made. A
:class:`GridPool` keeps the objects it built, keyed by all of these, so every
ligand of a batch, and every later batch with the same settings in the same
process, is set on an object whose maps are already computed.

How the ``vina`` 1.2.7 bindings behave, and what follows from it:

* maps computed before any ligand is set cover every X-Score atom type; maps
  computed after a ligand is set cover only that ligand's types, and a later
  ligand with another type makes Vina end the process. The pool therefore
  always computes maps on a receptor-only object.
* maps read with ``load_maps`` cannot be combined with the receptor atoms that
  Vina uses by default to refine and score the final poses (``set_receptor``
  after ``load_maps`` discards the maps; before it, docking crashes the
  process). So maps come from the disk cache only in ``no_refine`` mode, where
  Vina refines and scores on the grid; there the maps are always read back from
  the cache files, so a run gives the same poses whether the cache was cold or
  warm.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from madlab.domain import Box, DockingParameters
from madlab.engines.maps import MapCache, map_key
from madlab.engines.vina_terms import TypedAtoms, read_pdbqt_atoms, type_atoms
from madlab.errors import EngineError

__all__ = ["GRID_SPACING", "MAP_TYPES", "GridPool", "GridStats", "VinaGrid"]

log = logging.getLogger(__name__)

#: Grid spacing in Å (Vina's default).
GRID_SPACING = 0.375
#: The map types Vina writes for the vina and vinardo scoring functions.
MAP_TYPES = (
    "At", "Br_H", "C_H", "C_P", "Cl_H", "F_H", "I_H", "Met_D", "N_A", "N_D",
    "N_DA", "N_P", "O_A", "O_D", "O_DA", "O_P", "P_P", "S_P", "Si", "W",
)  # fmt: skip
_CUTOFF = 8.0


@dataclass
class GridStats:
    """How the pool got its grid maps (counters since the pool was made)."""

    computed: int = 0  # computed from the receptor
    loaded: int = 0  # read from the disk cache
    reused: int = 0  # a Vina object with maps already in memory handed out again


@dataclass
class VinaGrid:
    """A Vina object with a receptor's maps, and the receptor's typed atoms."""

    vina: Any
    pool_key: tuple[Any, ...]
    map_key: str
    receptor: TypedAtoms
    seed: int
    source: str  # "computed" or "disk"
    released: bool = field(default=False, repr=False)


class GridPool:
    """Builds Vina objects with receptor maps and keeps them for reuse.

    Parameters
    ----------
    make_vina
        ``make_vina(scoring, cpu, seed, no_refine)`` returns a new ``vina.Vina``.
    version
        The Vina version (part of the map cache key).
    cache
        Disk cache of maps, used in ``no_refine`` mode.
    keep
        How many idle Vina objects to keep in memory.
    engine
        Name of the engine, for error messages.
    """

    def __init__(
        self,
        make_vina: Callable[[str, int, int, bool], Any],
        *,
        version: str,
        cache: MapCache | None,
        keep: int = 2,
        engine: str = "vina",
        backend: str = "",
    ) -> None:
        self._make_vina = make_vina
        self._version = version
        self._cache = cache
        self._keep = max(keep, 0)
        self._engine = engine
        self._backend = backend
        self._idle: OrderedDict[tuple[Any, ...], VinaGrid] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = GridStats()

    def _error(self, message: str, **kw: Any) -> EngineError:
        return EngineError(message, engine=self._engine, backend=self._backend, **kw)

    def acquire(
        self, pdbqt_path: Path, box: Box, params: DockingParameters, *, no_refine: bool
    ) -> VinaGrid:
        """A Vina object with maps for this receptor, box and settings (yours until released).

        Raises
        ------
        madlab.errors.EngineError
            When the receptor cannot be read or the box holds no receptor atom.
        """
        path = Path(pdbqt_path)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise self._error(
                f"cannot read the receptor PDBQT {path}: {err.strerror or err}", path=str(path)
            ) from err
        scoring = params.scoring.value
        key = map_key(
            data, box, scoring=scoring, spacing=GRID_SPACING, engine_version=self._version
        )
        pool_key = (key, params.seed, params.cpu, no_refine)
        with self._lock:
            grid = self._idle.pop(pool_key, None)
            if grid is not None:
                self.stats.reused += 1
                grid.released = False
                return grid
        receptor = self._receptor_atoms(data, path, box)
        vina = self._make_vina(scoring, params.cpu, params.seed, no_refine)
        if no_refine:
            source = self._load_cached(vina, path, box, params, key)
        else:
            self._set_receptor(vina, path)
            self._compute(vina, box, force_even=False)
            source = "computed"
        return VinaGrid(vina, pool_key, key, receptor, int(vina.info()["seed"]), source)

    def release(self, grid: VinaGrid) -> None:
        """Give a Vina object back for later runs with the same settings."""
        if grid.released:
            return
        grid.released = True
        with self._lock:
            self._idle[grid.pool_key] = grid
            self._idle.move_to_end(grid.pool_key)
            while len(self._idle) > self._keep:
                self._idle.popitem(last=False)

    def _receptor_atoms(self, data: bytes, path: Path, box: Box) -> TypedAtoms:
        try:
            coords, types = read_pdbqt_atoms(data.decode("utf-8", errors="replace"))
        except ValueError as err:
            raise self._error(
                f"cannot read the receptor PDBQT {path}: {err}",
                path=str(path),
                hint="prepare the receptor again (madlab prepare receptor)",
            ) from err
        if len(types) == 0:
            raise self._error(
                f"the receptor PDBQT {path} has no atoms",
                path=str(path),
                hint="prepare the receptor again (madlab prepare receptor)",
            )
        heavy = coords[[t not in ("H", "HD") for t in types]]
        lo = np.array(box.center) - np.array(box.size) / 2 - _CUTOFF
        hi = np.array(box.center) + np.array(box.size) / 2 + _CUTOFF
        if not np.all((heavy >= lo) & (heavy <= hi), axis=1).any():
            raise self._error(
                f"the box (center {box.to_dict()['center']}, size {box.to_dict()['size']} Å) "
                f"has no atom of the receptor {path.name} within {_CUTOFF:g} Å: it lies outside "
                "the receptor",
                hint="center the box on the binding site (for example on a reference ligand)",
                path=str(path),
            )
        return type_atoms(coords, types)

    def _set_receptor(self, vina: Any, path: Path) -> None:
        if path.suffix != ".pdbqt":
            raise self._error(f"the receptor file {path} must be a .pdbqt file", path=str(path))
        try:
            vina.set_receptor(str(path))
        except (RuntimeError, TypeError, ValueError) as err:
            raise self._error(
                f"Vina cannot read the receptor {path}: {vina_reason(err)}",
                path=str(path),
                hint="prepare the receptor again (madlab prepare receptor)",
            ) from err

    def _compute(self, vina: Any, box: Box, *, force_even: bool) -> None:
        vina.compute_vina_maps(
            list(box.center), list(box.size), spacing=GRID_SPACING, force_even_voxels=force_even
        )
        self.stats.computed += 1

    def _load_cached(
        self, vina: Any, path: Path, box: Box, params: DockingParameters, key: str
    ) -> str:
        prefix = self._cache.lookup(key) if self._cache is not None else None
        if prefix is not None:
            vina.load_maps(prefix)
            self.stats.loaded += 1
            return "disk"
        builder = self._make_vina(params.scoring.value, params.cpu, params.seed, True)
        self._set_receptor(builder, path)
        self._compute(builder, box, force_even=True)

        def write(where: str) -> None:
            builder.write_maps(where, overwrite=True)

        if self._cache is not None:
            try:
                prefix = self._cache.store(
                    key,
                    write,
                    receptor=str(path),
                    box=box.to_dict(),
                    scoring=params.scoring.value,
                    spacing=GRID_SPACING,
                    vina=self._version,
                )
                vina.load_maps(prefix)
                return "computed"
            except OSError as err:
                log.warning(
                    "cannot write the receptor map cache in %s (%s): maps kept for this run only",
                    self._cache.root,
                    err,
                )
        with tempfile.TemporaryDirectory(prefix="madlab-maps-") as tmp:
            write(str(Path(tmp) / "maps"))
            vina.load_maps(str(Path(tmp) / "maps"))
        return "computed"


def vina_reason(err: BaseException) -> str:
    """Vina's error message on one line, without its boilerplate."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    kept = []
    for ln in lines:
        if ln.startswith("Additional information"):
            break
        kept.append(ln.removeprefix("Vina runtime error:").strip())
    return " ".join(k for k in kept if k) or type(err).__name__
