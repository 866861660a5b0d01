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
    broker_url
        Celery broker (``MADLAB_BROKER_URL``, a ``redis://`` URL); empty for the
        embedded queue of local worker processes.
    events_url
        Redis of the event bus (``MADLAB_EVENTS_URL``); defaults to ``broker_url``
        when that is a Redis URL, else events stay in the process.
    local_workers
        Worker processes of the embedded queue (``MADLAB_LOCAL_WORKERS``, default 2).
    org_concurrency
        Most jobs of one organization running at once (``MADLAB_ORG_CONCURRENCY``,
        default 100); further jobs wait queued.
    max_attempts
        Runs of a job before it is dead-lettered after transient failures or
        lost workers (``MADLAB_JOB_MAX_ATTEMPTS``, default 3).
    notebook_tasks_dir
        A folder of notebooks registered as tasks at start-up beside those of
        ``templates/`` (``MADLAB_NOTEBOOK_TASKS_DIR``; unset: none).
    heartbeat_s, worker_timeout_s
        How often workers report to the service registry
        (``MADLAB_WORKER_HEARTBEAT_S``, default 10) and after how long a silent
        worker is unhealthy and its jobs re-queued (``MADLAB_WORKER_TIMEOUT_S``,
        default 60).
    """

    home: Path = field(default_factory=_default_home)
    database_url: str = ""
    artifacts_dir: Path = Path()
    cache_dir: Path = Path()
    max_upload_bytes: int = 200 * 1024 * 1024
    organization: str = "default"
    user: str = "local"
    broker_url: str = ""
    events_url: str = ""
    local_workers: int = 2
    org_concurrency: int = 100
    max_attempts: int = 3
    heartbeat_s: float = 10.0
    worker_timeout_s: float = 60.0
    notebook_tasks_dir: Path | None = None

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
            broker_url=env.get("MADLAB_BROKER_URL", ""),
            events_url=env.get("MADLAB_EVENTS_URL", ""),
            local_workers=int(env.get("MADLAB_LOCAL_WORKERS", "2")),
            org_concurrency=int(env.get("MADLAB_ORG_CONCURRENCY", "100")),
            max_attempts=int(env.get("MADLAB_JOB_MAX_ATTEMPTS", "3")),
            heartbeat_s=float(env.get("MADLAB_WORKER_HEARTBEAT_S", "10")),
            worker_timeout_s=float(env.get("MADLAB_WORKER_TIMEOUT_S", "60")),
            notebook_tasks_dir=(
                Path(env["MADLAB_NOTEBOOK_TASKS_DIR"]).expanduser()
                if env.get("MADLAB_NOTEBOOK_TASKS_DIR")
                else None
            ),
        )
