"""The docking engine port.

An engine docks, scores or minimizes prepared ligands against one prepared
receptor in one box. Adapters (Vina, Smina, Gnina, each with one or more
backends) subclass :class:`DockingEngine`; test fakes subclass it too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from madlab.domain import Box, DockingParameters, LigandResult, PreparedLigand, PreparedReceptor


@dataclass(frozen=True)
class Availability:
    """Whether an engine backend can run here, its version, and why not."""

    engine: str
    backend: str
    available: bool
    version: str = ""
    reason: str = ""


class DockingEngine(ABC):
    """Port: dock a batch of ligands against one receptor.

    The batch form lets an adapter compute receptor grid maps once and reuse
    them for every ligand. Results are yielded ligand by ligand, as each
    finishes, so callers can record progress and partial results.
    """

    name: str = ""

    @abstractmethod
    def availability(self) -> list[Availability]:
        """Each backend of this engine and whether it can run here."""

    @abstractmethod
    def run(
        self,
        receptor: PreparedReceptor,
        ligands: Iterable[PreparedLigand],
        box: Box,
        params: DockingParameters,
    ) -> Iterator[LigandResult]:
        """Dock (or score, or minimize, per ``params.mode``) each ligand.

        Raises
        ------
        madlab.errors.EngineError
            When the engine fails on valid input. A failure confined to one
            ligand is reported in that ligand's ``LigandResult.error`` instead,
            so one bad ligand does not stop a batch.
        """
