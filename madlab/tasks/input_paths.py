"""Which local paths a task may read when its parameters name files.

On one's own machine (the command line, a single-user server) a job may read
any file its worker can. A shared service (a JupyterHub service used by many
organizations) must not: a parameter such as ``/home/other/secret.pdb`` or
another organization's folder would be read on the caller's behalf. There,
``MADLAB_INPUT_ROOTS`` lists the folders local paths may lie in (for example
the shipped examples) and everything else travels as an uploaded file's
artifact key, which the organization's file catalog hands out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from madlab.errors import PermissionDeniedError

#: Environment variable: folders (``os.pathsep``-separated) local input paths
#: must lie in. Unset: any path; set but empty: no local path at all.
INPUT_ROOTS_VARIABLE = "MADLAB_INPUT_ROOTS"


def input_roots(env: Mapping[str, str] | None = None) -> tuple[Path, ...] | None:
    """The configured roots, resolved; ``None`` when any path may be read."""
    env = os.environ if env is None else env
    raw = env.get(INPUT_ROOTS_VARIABLE)
    if raw is None:
        return None
    return tuple(Path(p).expanduser().resolve() for p in raw.split(os.pathsep) if p.strip())


def check_input_path(
    path: str | Path,
    field: str,
    roots: Iterable[Path] | None,
    *,
    also: Iterable[Path] = (),
) -> Path:
    """``path`` if a task may read it, resolved through symbolic links.

    Parameters
    ----------
    path
        The local path a parameter names.
    field
        The parameter, named in the error.
    roots
        Folders the path must lie in, or ``None`` for no restriction.
    also
        Further folders allowed under a restriction (the job's own scratch
        space, where a pipeline writes the chunks of a library).

    Raises
    ------
    madlab.errors.PermissionDeniedError
        For a path outside every allowed folder, naming the parameter.
    """
    given = Path(path).expanduser()
    if roots is None:
        return given
    allowed = [*roots, *(Path(a).resolve() for a in also)]
    real = given.resolve()
    if any(real == root or real.is_relative_to(root) for root in allowed):
        return real
    raise PermissionDeniedError(
        f"parameter {field} names a local path this service does not read",
        hint="upload the file and pass the artifact key the upload returns",
        field=field,
        path=str(given),
    )
