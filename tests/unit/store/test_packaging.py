"""The migrations ship with the package, whichever way it is installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from madlab.store.migrate import MIGRATIONS_DIR, head_revision

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib needs Python 3.11")
def test_package_data_covers_every_migration_file() -> None:
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["madlab"]
    package = REPO / "madlab"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    files = {
        path
        for path in MIGRATIONS_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert files, f"no migration files under {MIGRATIONS_DIR}"
    assert files <= shipped, sorted(str(p.relative_to(package)) for p in files - shipped)


def test_the_migrations_folder_has_an_environment_and_a_head() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert head_revision() == "0003"
