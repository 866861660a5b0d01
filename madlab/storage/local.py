"""Artifact store in a local folder: one file per content, written atomically."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from madlab.errors import InputFileError, NotFoundError, StoreError
from madlab.storage.base import ArtifactRef, ArtifactStore, guess_media_type, make_key, parse_key

_CHUNK = 1 << 20
_GZIP_LEVEL = 6


class LocalArtifactStore(ArtifactStore):
    """Content-addressed artifacts under ``root``.

    The content with SHA-256 digest ``abcd…`` lives in
    ``root/sha256/ab/cd…`` (``.gz`` when compressed) beside a small
    ``.meta.json`` with its name and media type. Writes go to a temporary
    file in ``root/tmp`` and are renamed into place, so a crash never leaves
    a partial artifact behind a key.

    Parameters
    ----------
    root
        The store's folder (created when missing), ``MADLAB_ARTIFACTS_DIR``.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self._tmp = self.root / "tmp"
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(
                f"cannot create the artifact folder {self.root}: {err.strerror}",
                hint="set MADLAB_ARTIFACTS_DIR to a writable folder",
                path=str(self.root),
            ) from err

    def __repr__(self) -> str:
        return f"LocalArtifactStore({str(self.root)!r})"

    # -- writing -------------------------------------------------------------

    def put_bytes(
        self,
        data: bytes,
        *,
        name: str,
        media_type: str | None = None,
        compress: bool = False,
    ) -> ArtifactRef:
        """Store ``data``; content already stored is not written again."""
        digest = hashlib.sha256(data).hexdigest()
        media = media_type or guess_media_type(name)
        existing = self._existing(digest, name=name, media_type=media, size=len(data))
        if existing is not None:
            return existing
        return self._write(digest, [data], name=name, media_type=media, compress=compress)

    def put_stream(
        self,
        stream: BinaryIO,
        *,
        name: str,
        media_type: str | None = None,
        compress: bool = False,
    ) -> ArtifactRef:
        """Store a stream's content, read in chunks."""
        media = media_type or guess_media_type(name)
        return self._write(None, _chunks(stream), name=name, media_type=media, compress=compress)

    def put_file(
        self,
        path: str | Path,
        *,
        name: str | None = None,
        media_type: str | None = None,
        compress: bool = False,
    ) -> ArtifactRef:
        """Store the file at ``path``, streamed in chunks."""
        source = Path(path)
        label = name or source.name
        media = media_type or guess_media_type(label)
        try:
            handle = source.open("rb")
        except OSError as err:
            raise InputFileError(
                f"cannot read the file: {err.strerror}",
                path=str(source),
                hint="check that the file exists and is readable",
            ) from err
        with handle:
            return self.put_stream(handle, name=label, media_type=media, compress=compress)

    # -- reading -------------------------------------------------------------

    def get_bytes(self, key: str) -> bytes:
        """The content of ``key``, decompressed."""
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> io.BufferedIOBase:
        """A binary stream of the content of ``key``."""
        path = self._blob(key)
        _, compressed = parse_key(key)
        if compressed:
            return gzip.GzipFile(filename=path, mode="rb")
        return path.open("rb")

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""
        digest, compressed = parse_key(key)
        return self._path(digest, compressed).is_file()

    def info(self, key: str) -> ArtifactRef:
        """The reference of a stored artifact."""
        path = self._blob(key)
        digest, compressed = parse_key(key)
        meta = self._read_meta(digest)
        return ArtifactRef(
            key=key,
            name=str(meta.get("name", digest)),
            size=int(meta.get("size", path.stat().st_size)),
            sha256=digest,
            compressed=compressed,
            media_type=str(meta.get("media_type", "application/octet-stream")),
            stored_size=path.stat().st_size,
        )

    def verify(self, key: str) -> bool:
        """Whether the stored content still has the digest its key names."""
        digest, _ = parse_key(key)
        hasher = hashlib.sha256()
        with self.open(key) as stream:
            while chunk := stream.read(_CHUNK):
                hasher.update(chunk)
        return hasher.hexdigest() == digest

    def delete(self, key: str) -> None:
        """Remove ``key`` and, when no other form of the content is left, its metadata."""
        path = self._blob(key)
        digest, compressed = parse_key(key)
        path.unlink()
        if not self._path(digest, not compressed).is_file():
            with contextlib.suppress(FileNotFoundError):
                self._meta_path(digest).unlink()

    def keys(self) -> Iterator[str]:
        """Every stored key (for maintenance: sizes, garbage collection)."""
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for folder in sorted(base.iterdir()):
            for blob in sorted(folder.iterdir()):
                if not blob.name.endswith(".meta.json"):
                    yield f"sha256/{folder.name}/{blob.name}"

    # -- helpers -------------------------------------------------------------

    def _path(self, digest: str, compressed: bool) -> Path:
        return self.root / make_key(digest, compressed=compressed)

    def _meta_path(self, digest: str) -> Path:
        return self.root / "sha256" / digest[:2] / f"{digest[2:]}.meta.json"

    def _blob(self, key: str) -> Path:
        digest, compressed = parse_key(key)
        path = self._path(digest, compressed)
        if not path.is_file():
            raise NotFoundError("artifact", key)
        return path

    def _read_meta(self, digest: str) -> dict[str, Any]:
        try:
            meta = json.loads(self._meta_path(digest).read_text())
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _existing(
        self, digest: str, *, name: str, media_type: str, size: int
    ) -> ArtifactRef | None:
        for compressed in (False, True):
            path = self._path(digest, compressed)
            if path.is_file():
                return ArtifactRef(
                    key=make_key(digest, compressed=compressed),
                    name=name,
                    size=size,
                    sha256=digest,
                    compressed=compressed,
                    media_type=media_type,
                    stored_size=path.stat().st_size,
                )
        return None

    def _write(
        self,
        digest: str | None,
        chunks: Iterable[bytes],
        *,
        name: str,
        media_type: str,
        compress: bool,
    ) -> ArtifactRef:
        """Stream ``chunks`` into a temporary file, then rename it to its key."""
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        tmp = Path(tmp_name)
        try:
            hasher = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as raw:
                gz = None
                if compress:
                    gz = gzip.GzipFile(
                        filename="", mode="wb", fileobj=raw, compresslevel=_GZIP_LEVEL, mtime=0
                    )
                write = gz.write if gz is not None else raw.write
                for chunk in chunks:
                    hasher.update(chunk)
                    size += len(chunk)
                    write(chunk)
                if gz is not None:
                    gz.close()
                raw.flush()
                os.fsync(raw.fileno())
            digest = digest or hasher.hexdigest()
            existing = self._existing(digest, name=name, media_type=media_type, size=size)
            if existing is not None:
                return existing
            final = self._path(digest, compress)
            final.parent.mkdir(parents=True, exist_ok=True)
            self._write_meta(digest, {"name": name, "media_type": media_type, "size": size})
            os.replace(tmp, final)
            return ArtifactRef(
                key=make_key(digest, compressed=compress),
                name=name,
                size=size,
                sha256=digest,
                compressed=compress,
                media_type=media_type,
                stored_size=final.stat().st_size,
            )
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _write_meta(self, digest: str, meta: dict[str, object]) -> None:
        path = self._meta_path(digest)
        if path.is_file():
            return
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="meta-")
        with os.fdopen(fd, "w") as out:
            json.dump(meta, out)
        os.replace(tmp_name, path)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk
