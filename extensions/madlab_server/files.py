"""Molecular files uploaded by an organization: a per-organization catalog.

Contents live in the artifact store (content-addressed, stored once); the
catalog keeps, per organization, one small JSON record per upload (name,
format, size, what validation found). Another organization's file id is
simply not in its catalog, so it is not found.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from madlab.errors import NotFoundError, ValidationError
from madlab.storage.base import ArtifactStore

_ID = re.compile(r"^[0-9a-f]{32}$")
_ORG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_NAME = re.compile(r"^[^/\\\x00]{1,255}$")


@dataclass(frozen=True)
class StoredFile:
    """An uploaded molecular file of an organization."""

    id: str
    organization_id: str
    name: str
    format: str
    size: int
    key: str
    uploaded_by: str
    created_at: str
    records: int = 0
    atoms: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def check_file_name(name: str | None) -> str:
    """A plain file name with its extension (the format is read from it).

    Raises
    ------
    madlab.errors.ValidationError
        For a missing name, a path, or a name without an extension.
    """
    if not name or not _NAME.match(name) or name in (".", ".."):
        raise ValidationError(
            "the file needs a plain name such as ligand.sdf",
            field="name",
            hint="pass ?name=<file name with extension>, without folders",
        )
    if "." not in name.strip("."):
        raise ValidationError(
            f"file name {name!r} has no extension to tell its format",
            field="name",
            hint="name it .pdb, .cif, .sdf, .mol2, .pdbqt or .smi",
        )
    return name


class FileCatalog:
    """Uploaded files per organization, recorded under ``root/<organization>/``.

    Parameters
    ----------
    root
        Folder of the catalog.
    artifacts
        Where contents are stored.
    """

    def __init__(self, root: Path, artifacts: ArtifactStore) -> None:
        self.root = root
        self.artifacts = artifacts

    def _folder(self, organization_id: str) -> Path:
        if not _ORG.match(organization_id):
            raise ValidationError(
                f"organization id {organization_id!r} is not a plain name", field="organization"
            )
        return self.root / organization_id

    def _record(self, organization_id: str, file_id: str) -> Path:
        if not _ID.match(file_id):
            raise NotFoundError("file", file_id)
        return self._folder(organization_id) / f"{file_id}.json"

    def add(
        self, organization_id: str, *, user: str, source: Path, name: str, report: dict[str, Any]
    ) -> StoredFile:
        """Store ``source`` (already validated) and record it for the organization."""
        ref = self.artifacts.put_file(source, name=name)
        stored = StoredFile(
            id=uuid.uuid4().hex,
            organization_id=organization_id,
            name=name,
            format=str(report.get("format", "")),
            size=ref.size,
            key=ref.key,
            uploaded_by=user,
            created_at=datetime.now(timezone.utc).isoformat(),
            records=int(report.get("records", 0)),
            atoms=int(report.get("atoms", 0)),
            warnings=[str(w) for w in report.get("warnings", [])],
        )
        folder = self._folder(organization_id)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{stored.id}.tmp"
        tmp.write_text(json.dumps(stored.to_dict()))
        os.replace(tmp, folder / f"{stored.id}.json")
        return stored

    def get(self, organization_id: str, file_id: str) -> StoredFile:
        """One file of the organization (``NotFoundError`` otherwise)."""
        path = self._record(organization_id, file_id)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise NotFoundError("file", file_id) from None
        return StoredFile(**data)

    def list(self, organization_id: str) -> list[StoredFile]:
        """The organization's files, newest first."""
        folder = self._folder(organization_id)
        if not folder.is_dir():
            return []
        files = [StoredFile(**json.loads(p.read_text())) for p in folder.glob("*.json")]
        return sorted(files, key=lambda f: (f.created_at, f.id), reverse=True)

    def delete(self, organization_id: str, file_id: str) -> None:
        """Forget a file; its content goes too unless another record uses it."""
        stored = self.get(organization_id, file_id)
        self._record(organization_id, file_id).unlink()
        still_used = any(
            json.loads(p.read_text()).get("key") == stored.key for p in self.root.glob("*/*.json")
        )
        if not still_used and self.artifacts.exists(stored.key):
            self.artifacts.delete(stored.key)
