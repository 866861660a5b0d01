"""Artifact storage of molecular files and results (content-addressed, local folder by default)."""

from madlab.storage.artifacts import (
    ArtifactRef,
    ArtifactStore,
    LocalArtifactStore,
    artifact_store_from_settings,
)

__all__ = ["ArtifactRef", "ArtifactStore", "LocalArtifactStore", "artifact_store_from_settings"]
