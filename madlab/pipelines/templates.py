"""The built-in pipeline templates: YAML specs shipped in ``templates/pipelines/``.

Dock one ligand, screen a library, redocking benchmark, and consensus of
Vina and gnina. Every organization may run them or save a copy as its own
template.
"""

from __future__ import annotations

from pathlib import Path

from madlab.errors import NotFoundError
from madlab.pipelines.report import templates_dir
from madlab.pipelines.spec import PipelineSpec, load_spec

__all__ = ["builtin_template", "builtin_templates"]


def _folder() -> Path:
    return templates_dir() / "pipelines"


def builtin_templates() -> dict[str, PipelineSpec]:
    """Every built-in template by its file name (``screen_library``...)."""
    return {path.stem: load_spec(path) for path in sorted(_folder().glob("*.yaml"))}


def builtin_template(name: str) -> PipelineSpec:
    """One built-in template.

    Raises
    ------
    madlab.errors.NotFoundError
        No built-in template of that name (the hint lists them).
    """
    path = _folder() / f"{name}.yaml"
    if not path.is_file():
        names = ", ".join(p.stem for p in sorted(_folder().glob("*.yaml")))
        raise NotFoundError("pipeline template", name, hint=f"built-in templates: {names}")
    return load_spec(path)
