"""The receptor map cache: keyed by content, written whole, never trusted when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from madlab.domain import Box
from madlab.engines.maps import MapCache, map_key

TYPES = ("C_H", "N_A", "O_DA")
BOX = Box((1.0, 2.0, 3.0), (10.0, 12.0, 14.0))


def _writer(calls: list[str], *, skip: str | None = None):  # type: ignore[no-untyped-def]
    def write(prefix: str) -> None:
        calls.append(prefix)
        for t in TYPES:
            if t != skip:
                Path(f"{prefix}.{t}.map").write_text(f"SPACING 0.375\n{t}\n0.1\n")

    return write


def _key(receptor: bytes = b"ATOM receptor", box: Box = BOX, **kw: object) -> str:
    args: dict = {"scoring": "vina", "spacing": 0.375, "engine_version": "1.2.7", **kw}
    return map_key(receptor, box, **args)


def test_key_depends_on_content_box_scoring_spacing_and_version() -> None:
    base = _key()
    assert base == _key()  # stable
    assert len(base) == 64
    others = {
        _key(b"ATOM other receptor"),
        _key(box=Box((1.0, 2.0, 3.5), BOX.size)),
        _key(box=Box(BOX.center, (10.0, 12.0, 15.0))),
        _key(scoring="vinardo"),
        _key(spacing=0.5),
        _key(engine_version="1.2.6"),
    }
    assert base not in others and len(others) == 6


def test_store_then_lookup_returns_the_checked_prefix(tmp_path: Path) -> None:
    cache = MapCache(tmp_path / "maps", TYPES)
    key = _key()
    assert cache.lookup(key) is None
    calls: list[str] = []
    prefix = cache.store(key, _writer(calls), box=BOX.to_dict())
    assert prefix == str(tmp_path / "maps" / key / "maps")
    assert len(calls) == 1 and calls[0] != prefix  # written aside, then moved into place
    assert cache.lookup(key) == prefix
    manifest = json.loads((tmp_path / "maps" / key / "manifest.json").read_text())
    assert manifest["key"] == key and manifest["box"] == BOX.to_dict()
    assert sorted(manifest["files"]) == [f"maps.{t}.map" for t in sorted(TYPES)]
    assert [p.name for p in (tmp_path / "maps").iterdir()] == [key]  # no staging left over


@pytest.mark.parametrize(
    "damage",
    ["corrupt-map", "missing-map", "no-manifest", "bad-manifest", "other-key", "partial-list"],
)
def test_a_damaged_entry_is_a_miss_and_is_removed(tmp_path: Path, damage: str) -> None:
    cache = MapCache(tmp_path, TYPES)
    key = _key()
    cache.store(key, _writer([]))
    entry = cache.entry(key)
    manifest_path = entry / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if damage == "corrupt-map":
        (entry / "maps.N_A.map").write_text("SPACING 0.375\nN_A\n0.1")  # truncated
    elif damage == "missing-map":
        (entry / "maps.O_DA.map").unlink()
    elif damage == "no-manifest":
        manifest_path.unlink()
    elif damage == "bad-manifest":
        manifest_path.write_text("{not json")
    elif damage == "other-key":
        manifest_path.write_text(json.dumps({**manifest, "key": "0" * 64}))
    else:
        del manifest["files"]["maps.C_H.map"]
        manifest_path.write_text(json.dumps(manifest))
    assert cache.lookup(key) is None
    assert not entry.exists()
    cache.store(key, _writer([]))  # computed and stored again
    assert cache.lookup(key) is not None


def test_a_writer_that_leaves_out_a_map_stores_nothing(tmp_path: Path) -> None:
    cache = MapCache(tmp_path, TYPES)
    with pytest.raises(ValueError, match="N_A"):
        cache.store(_key(), _writer([], skip="N_A"))
    assert list(tmp_path.iterdir()) == []


def test_a_concurrent_store_of_the_same_key_keeps_one_sound_entry(tmp_path: Path) -> None:
    cache = MapCache(tmp_path, TYPES)
    key = _key()
    calls: list[str] = []

    def write_racing(prefix: str) -> None:
        _writer(calls)(prefix)
        if len(calls) == 1:  # another process finishes the same entry meanwhile
            cache.store(key, _writer(calls))

    prefix = cache.store(key, write_racing)
    assert cache.lookup(key) == prefix
    assert [p.name for p in tmp_path.iterdir()] == [key]


def test_an_unwritable_cache_location_raises_oserror(tmp_path: Path) -> None:
    (tmp_path / "maps").write_text("a file where the cache folder should be")
    with pytest.raises(OSError):
        MapCache(tmp_path / "maps", TYPES).store(_key(), _writer([]))
