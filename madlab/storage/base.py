"""The artifact store port: content-addressed storage of molecular files and results."""

from __future__ import annotations

import io
import mimetypes
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from madlab.errors import ValidationError

#: Keys are ``sha256/<2 hex>/<62 hex>``, with ``.gz`` when stored compressed.
KEY_PATTERN = re.compile(r"^sha256/([0-9a-f]{2})/([0-9a-f]{62})(\.gz)?$")

_MEDIA_TYPES = {
    ".sdf": "chemical/x-mdl-sdfile",
    ".mol": "chemical/x-mdl-molfile",
    ".mol2": "chemical/x-mol2",
    ".pdb": "chemical/x-pdb",
    ".pdbqt": "chemical/x-pdbqt",
    ".cif": "chemical/x-cif",
    ".mmcif": "chemical/x-mmcif",
    ".smi": "chemical/x-daylight-smiles",
    ".json": "application/json",
    ".csv": "text/csv",
}


@dataclass(frozen=True)
class ArtifactRef:
    """What the store returns for a stored artifact.

    Attributes
    ----------
    key
        The artifact's address: ``sha256/ab/cdef…`` (``.gz`` appended when
        stored compressed). Keep it in the database; it never changes.
    name
        File name for people and downloads (``poses.sdf``).
    size
        Size of the content in bytes (as :meth:`ArtifactStore.get_bytes`
        returns it).
    sha256
        Hex digest of the content; the key is derived from it.
    compressed
        Whether it is stored gzip-compressed.
    media_type
        MIME type (``chemical/x-mdl-sdfile``...).
    stored_size
        Bytes it takes in the store.
    """

    key: str
    name: str
    size: int
    sha256: str
    compressed: bool
    media_type: str = "application/octet-stream"
    stored_size: int = 0


def parse_key(key: str) -> tuple[str, bool]:
    """The content digest of a key and whether it names a compressed artifact.

    Raises
    ------
    madlab.errors.ValidationError
        For a string that is not an artifact key.
    """
    match = KEY_PATTERN.match(key) if isinstance(key, str) else None
    if match is None:
        raise ValidationError(
            f"{key!r} is not an artifact key",
            field="key",
            hint="artifact keys look like sha256/ab/cdef… as returned when the file was stored",
        )
    return match.group(1) + match.group(2), match.group(3) is not None


def make_key(digest: str, *, compressed: bool) -> str:
    """The key of content with hex ``digest``."""
    return f"sha256/{digest[:2]}/{digest[2:]}" + (".gz" if compressed else "")


def guess_media_type(name: str) -> str:
    """MIME type from a file name, knowing the molecular formats."""
    suffix = Path(name).suffix.lower()
    if suffix in _MEDIA_TYPES:
        return _MEDIA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


class ArtifactStore(ABC):
    """Content-addressed storage of files: the same content is stored once.

    Adapters: :class:`~madlab.storage.local.LocalArtifactStore` (a folder).
    Every method taking a key raises :class:`~madlab.errors.NotFoundError` for
    a key that is not stored and :class:`~madlab.errors.ValidationError` for
    a string that is not a key.
    """

    @abstractmethod
    def put_bytes(
        self,
        data: bytes,
        *,
        name: str,
        media_type: str | None = None,
        compress: bool = False,
    ) -> ArtifactRef:
        """Store ``data`` (atomically) and return its reference.

        Parameters
        ----------
        data
            The content.
        name
            File name kept with it (for downloads and viewers).
        media_type
            MIME type; guessed from ``name`` by default.
        compress
            Store it gzip-compressed (reads decompress transparently). Content
            already stored keeps the form it was stored in.
        """

    @abstractmethod
    def put_stream(
        self,
        stream: BinaryIO,
        *,
        name: str,
        media_type: str | None = None,
        compress: bool = False,
    ) -> ArtifactRef:
        """Store what ``stream`` yields until its end, in chunks (for uploads).

        If reading fails midway, nothing is stored and the error propagates.
        """

    @abstractmethod
    def put_file(
        self,
        path: str | Path,
        *,
        name: str | None = None,
        media_type: str | None = None,
        compress: bool = False,
    ) -> ArtifactRef:
        """Store the file at ``path``, streamed (``name`` defaults to its file name).

        Raises :class:`~madlab.errors.InputFileError` when the file cannot be read.
        """

    @abstractmethod
    def get_bytes(self, key: str) -> bytes:
        """The content of ``key``, decompressed."""

    @abstractmethod
    def open(self, key: str) -> io.BufferedIOBase:
        """A binary stream of the content of ``key`` (decompressed); close it after use."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""

    @abstractmethod
    def info(self, key: str) -> ArtifactRef:
        """The reference of a stored artifact (name and media type as first stored)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; every reference to the same content goes with it."""

    def get_file(self, key: str, dest: str | Path) -> Path:
        """Write the content of ``key`` to ``dest`` (decompressed) and return the path."""
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self.open(key) as src, target.open("wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        return target
