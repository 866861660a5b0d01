"""The artifact store: the port, its local adapter and the factory from settings."""

from __future__ import annotations

from madlab.settings import Settings
from madlab.storage.base import ArtifactRef, ArtifactStore, guess_media_type, make_key, parse_key
from madlab.storage.local import LocalArtifactStore

__all__ = [
    "ArtifactRef",
    "ArtifactStore",
    "LocalArtifactStore",
    "artifact_store_from_settings",
    "guess_media_type",
    "make_key",
    "parse_key",
]


def artifact_store_from_settings(settings: Settings) -> ArtifactStore:
    """The artifact store of ``settings`` (a local folder, ``MADLAB_ARTIFACTS_DIR``)."""
    return LocalArtifactStore(settings.artifacts_dir)
