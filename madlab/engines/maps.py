"""A disk cache of Vina receptor grid maps, keyed by what they are computed from.

An entry is a folder ``<root>/<key>/`` holding Vina's map files
(``maps.<type>.map``, one per X-Score atom type) and ``manifest.json`` with the
SHA-256 of each file. An entry is written in a temporary folder and renamed into
place only when complete, so readers never see half an entry; on reading, an
entry whose manifest is missing, names the wrong key, lacks a map or whose files
do not match their checksums is deleted and reported as a miss, so the maps are
computed again. Vina's own map reader is never given a file that was not checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from madlab.domain import Box

__all__ = ["MAP_PREFIX", "MapCache", "map_key"]

log = logging.getLogger(__name__)

#: File name prefix of the maps inside an entry (``maps.C_H.map``...).
MAP_PREFIX = "maps"
_MANIFEST = "manifest.json"
#: Bump when the layout or the way maps are computed changes.
_FORMAT = 1


def map_key(
    receptor_pdbqt: bytes,
    box: Box,
    *,
    scoring: str,
    spacing: float,
    engine_version: str,
) -> str:
    """The cache key of one set of receptor maps.

    Parameters
    ----------
    receptor_pdbqt
        The receptor PDBQT file's bytes (its content, not its path).
    box
        The box the maps cover.
    scoring
        The scoring function (``vina``, ``vinardo``).
    spacing
        Grid spacing in Å.
    engine_version
        Version of the program that computes the maps.

    Returns
    -------
    str
        A hex SHA-256 digest of all of the above.
    """
    identity = {
        "format": _FORMAT,
        "receptor_sha256": hashlib.sha256(receptor_pdbqt).hexdigest(),
        "center": [round(c, 3) for c in box.center],
        "size": [round(s, 3) for s in box.size],
        "scoring": scoring,
        "spacing": round(spacing, 4),
        "engine_version": engine_version,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MapCache:
    """Receptor grid maps on disk, one checked folder per key.

    Parameters
    ----------
    root
        The folder holding the entries (created when first written).
    map_types
        The map types an entry must hold (all types a ligand can bring), so an
        entry missing one is never used.
    """

    def __init__(self, root: str | Path, map_types: Iterable[str]) -> None:
        self.root = Path(root)
        self.map_types = tuple(sorted(map_types))

    def entry(self, key: str) -> Path:
        """The folder of the entry ``key`` (whether or not it exists)."""
        return self.root / key

    def prefix(self, key: str) -> str:
        """The map file prefix Vina reads for the entry ``key``."""
        return str(self.entry(key) / MAP_PREFIX)

    def _files(self) -> list[str]:
        return [f"{MAP_PREFIX}.{t}.map" for t in self.map_types]

    def lookup(self, key: str) -> str | None:
        """The checked map prefix of ``key``, or ``None`` on a miss.

        A damaged entry (partial, corrupt, or for another key) is removed.
        """
        folder = self.entry(key)
        if not folder.is_dir():
            return None
        problem = self._check(folder, key)
        if problem is None:
            return self.prefix(key)
        log.warning(
            "receptor map cache entry %s is unusable (%s): computing the maps again",
            folder,
            problem,
        )
        shutil.rmtree(folder, ignore_errors=True)
        return None

    def _check(self, folder: Path, key: str) -> str | None:
        try:
            manifest: dict[str, Any] = json.loads((folder / _MANIFEST).read_text())
        except (OSError, ValueError) as err:
            return f"manifest unreadable: {err}"
        if manifest.get("key") != key or manifest.get("format") != _FORMAT:
            return "manifest is for another key or format"
        files = manifest.get("files")
        if not isinstance(files, dict) or sorted(files) != sorted(self._files()):
            return "manifest does not list every map"
        for name, digest in files.items():
            path = folder / name
            if not path.is_file():
                return f"{name} is missing"
            if _sha256(path) != digest:
                return f"{name} does not match its checksum"
        return None

    def store(self, key: str, write: Callable[[str], None], **info: Any) -> str:
        """Write the maps of ``key`` and return their checked prefix.

        Parameters
        ----------
        key
            The entry's key (from :func:`map_key`).
        write
            Called with a file prefix; it must write every map there (Vina's
            ``write_maps``).
        **info
            Extra JSON-ready facts recorded in the manifest (box, receptor...).

        Returns
        -------
        str
            The prefix of the stored maps.

        Raises
        ------
        OSError
            When the cache folder cannot be written.
        ValueError
            When ``write`` did not write every map type.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=self.root))
        try:
            write(str(staging / MAP_PREFIX))
            missing = [n for n in self._files() if not (staging / n).is_file()]
            if missing:
                raise ValueError(f"map writer left out {', '.join(missing)}")
            manifest = {
                "key": key,
                "format": _FORMAT,
                "files": {n: _sha256(staging / n) for n in self._files()},
                **info,
            }
            (staging / _MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
            final = self.entry(key)
            try:
                os.rename(staging, final)
            except OSError:
                # Another process stored the same key first: keep theirs if sound.
                if self.lookup(key) is None:
                    shutil.rmtree(final, ignore_errors=True)
                    os.rename(staging, final)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return self.prefix(key)
