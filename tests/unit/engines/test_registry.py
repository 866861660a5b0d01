"""The engine registry: register, get by name, entry points, availability."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from madlab.domain import Box, DockingParameters, LigandResult, PreparedLigand, PreparedReceptor
from madlab.engines import registry as registry_module
from madlab.engines.base import Availability, DockingEngine
from madlab.engines.registry import EngineRegistry, default_registry, engines
from madlab.engines.vina import VinaEngine
from madlab.errors import EngineUnavailableError, NotFoundError


class NullEngine(DockingEngine):
    """An engine that docks nothing (a test double of the port)."""

    name = "null"

    def __init__(self, **options: Any) -> None:
        self.options = options

    def availability(self) -> list[Availability]:
        return [Availability("null", "none", True, "0")]

    def run(
        self,
        receptor: PreparedReceptor,
        ligands: Iterable[PreparedLigand],
        box: Box,
        params: DockingParameters,
    ) -> Iterator[LigandResult]:
        yield from ()


class BrokenEngine(NullEngine):
    name = "broken"

    def __init__(self, **options: Any) -> None:
        raise RuntimeError("library missing")


def test_register_and_get_by_name() -> None:
    reg = EngineRegistry()
    reg.register("null", NullEngine)
    engine = reg.get("null", cache_dir="/tmp/x")
    assert isinstance(engine, NullEngine)
    assert engine.options == {"cache_dir": "/tmp/x"}
    assert reg.get("null", cache_dir="/tmp/x") is engine  # one instance per name and options
    assert reg.get("null") is not engine
    assert reg.get("null", opts=["unhashable"]) is not reg.get("null", opts=["unhashable"])
    assert reg.names() == ["null"]


def test_registering_again_replaces_the_factory_and_its_instances() -> None:
    reg = EngineRegistry()
    reg.register("null", NullEngine)
    first = reg.get("null")
    reg.register("null", NullEngine)
    assert reg.get("null") is not first


def test_unknown_engine_is_a_not_found_error_listing_the_known_ones() -> None:
    reg = EngineRegistry()
    reg.register("null", NullEngine)
    with pytest.raises(NotFoundError) as info:
        reg.get("smina2")
    assert info.value.kind == "engine"
    assert "known engines: null" in str(info.value)


def test_entry_points_register_vina() -> None:
    reg = EngineRegistry()
    reg.register_entry_points()
    assert "vina" in reg.names()
    assert isinstance(reg.get("vina"), VinaEngine)


def test_explicit_registration_wins_over_entry_points() -> None:
    reg = EngineRegistry(load_entry_points=True)
    reg.register("vina", NullEngine)
    assert isinstance(reg.get("vina"), NullEngine)


def test_the_default_registry_fills_itself_from_entry_points() -> None:
    assert default_registry() is engines
    assert "vina" in engines.names()
    rows = engines.availability()
    vina = [a for a in rows if a.engine == "vina"]
    assert any(a.available and a.backend == "vina-python" and a.version == "1.2.7" for a in vina)
    ad4 = [a for a in vina if not a.available]
    assert ad4 and "AutoGrid" in ad4[0].reason


def test_availability_reports_engines_that_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    reg = EngineRegistry()
    reg.register("null", NullEngine)
    reg.register("broken", BrokenEngine)
    rows = {a.engine: a for a in reg.availability()}
    assert rows["null"].available
    assert not rows["broken"].available and "library missing" in rows["broken"].reason


def test_a_broken_entry_point_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = EntryPoint("ghost", "madlab.engines.no_such_module:Ghost", "madlab.engines")
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [bad])
    reg = EngineRegistry(load_entry_points=True)
    assert reg.names() == ["ghost"]
    with pytest.raises(EngineUnavailableError, match="no_such_module"):
        reg.get("ghost")
    (row,) = reg.availability()
    assert not row.available and "no_such_module" in row.reason
