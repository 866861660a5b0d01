"""Settings of the core library, read from ``MADLAB_*`` environment variables.

The composition root builds everything from one :class:`Settings`. The Jupyter
side (traitlets) only feeds these same values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_home() -> Path:
    return Path(os.environ.get("MADLAB_HOME", Path.home() / ".madlab")).expanduser()


@dataclass(frozen=True)
class Settings:
    """Where madlab keeps its state and which services it uses.

    Attributes
    ----------
    home
        The madlab home folder (``MADLAB_HOME``, default ``~/.madlab``).
    database_url
        SQLAlchemy URL (``MADLAB_DATABASE_URL``); default SQLite in ``home``.
    artifacts_dir
        Root of the local artifact store (``MADLAB_ARTIFACTS_DIR``).
    cache_dir
        Cache of receptor grid maps (``MADLAB_CACHE_DIR``).
    max_upload_bytes
        Largest molecular file accepted (``MADLAB_MAX_UPLOAD_MB``, default 200).
    organization
        Organization used by the CLI and a single-user server
        (``MADLAB_ORGANIZATION``, default ``default``).
    """

    home: Path = field(default_factory=_default_home)
    database_url: str = ""
    artifacts_dir: Path = Path()
    cache_dir: Path = Path()
    max_upload_bytes: int = 200 * 1024 * 1024
    organization: str = "default"
    user: str = "local"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default: ``os.environ``)."""
        env = dict(os.environ if env is None else env)
        home = Path(env.get("MADLAB_HOME", str(Path.home() / ".madlab"))).expanduser()
        db = env.get("MADLAB_DATABASE_URL") or f"sqlite:///{home / 'madlab.db'}"
        return cls(
            home=home,
            database_url=db,
            artifacts_dir=Path(env.get("MADLAB_ARTIFACTS_DIR", str(home / "artifacts"))),
            cache_dir=Path(env.get("MADLAB_CACHE_DIR", str(home / "cache"))),
            max_upload_bytes=int(float(env.get("MADLAB_MAX_UPLOAD_MB", "200")) * 1024 * 1024),
            organization=env.get("MADLAB_ORGANIZATION", "default"),
            user=env.get("MADLAB_USER", env.get("USER", "local")),
        )
