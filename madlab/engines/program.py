"""Docking programs run as subprocesses: finding them, running them, their failures.

The smina and gnina program backends run the user's installed executable. It is
found through an environment variable naming the file (``MADLAB_SMINA_PATH``,
``MADLAB_GNINA_PATH``) or else on ``PATH``. A run that times out, ends with a
non-zero status, cannot start, or writes no output raises an
:class:`~madlab.errors.EngineError` carrying the command line and the tail of
the program's standard error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from madlab.errors import EngineError

__all__ = ["Program", "ProgramRun", "find_program", "run_program"]

#: Most characters of a program's standard error kept in an error.
STDERR_TAIL = 4000


@dataclass(frozen=True)
class Program:
    """Where an engine's executable is, or why it was not found.

    Attributes
    ----------
    name
        The executable's name (``smina``).
    env_var
        The environment variable that may name the executable.
    path
        The executable, when found.
    reason
        Why it is not usable, when it is not.
    """

    name: str
    env_var: str
    path: Path | None
    reason: str = ""

    @property
    def found(self) -> bool:
        """True when the executable can be run."""
        return self.path is not None

    def version(self, timeout: float = 10.0) -> str:
        """The first line the program prints for ``--version`` (empty when it prints none)."""
        if self.path is None:
            return ""
        try:
            done = subprocess.run(
                [str(self.path), "--version"],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        for line in (done.stdout + "\n" + done.stderr).splitlines():
            if line.strip():
                return line.strip()[:80]
        return ""


def find_program(name: str, env_var: str, env: dict[str, str] | None = None) -> Program:
    """Find an executable through ``env_var`` (a file path) or on ``PATH``.

    Parameters
    ----------
    name
        The executable's name on ``PATH``.
    env_var
        Environment variable that, when set, names the executable file; it
        takes precedence over ``PATH``.
    env
        The environment (default ``os.environ``).

    Returns
    -------
    Program
        With ``path`` set when found, else ``reason`` saying where it was looked for.
    """
    env = dict(os.environ if env is None else env)
    configured = env.get(env_var, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return Program(name, env_var, path.resolve())
        problem = "does not exist" if not path.exists() else "is not an executable file"
        return Program(name, env_var, None, f"{env_var}={configured} {problem}")
    found = shutil.which(name, path=env.get("PATH"))
    if found:
        return Program(name, env_var, Path(found))
    return Program(name, env_var, None, f"{name} program: not found on PATH or {env_var}")


@dataclass(frozen=True)
class ProgramRun:
    """A finished program run: its command, output streams and wall time."""

    command: list[str]
    stdout: str
    stderr: str
    seconds: float


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= STDERR_TAIL else "..." + text[-STDERR_TAIL:]


def run_program(
    command: list[str],
    *,
    engine: str,
    backend: str,
    timeout: float | None,
    cwd: Path | None = None,
    output: Path | None = None,
) -> ProgramRun:
    """Run a program to its end and check that it succeeded.

    Parameters
    ----------
    command
        The executable and its arguments.
    engine, backend
        Named in errors.
    timeout
        Seconds before the program is stopped (``None``: no limit).
    cwd
        Working folder of the program.
    output
        A file the program must write; missing or empty, the run failed.

    Returns
    -------
    ProgramRun
        The command, standard output and error, and wall time.

    Raises
    ------
    madlab.errors.EngineError
        When the program cannot start, runs past ``timeout``, ends with a
        non-zero status, or leaves ``output`` missing or empty. The error
        carries the ``command`` and the program's ``stderr``.
    """
    start = time.perf_counter()

    def fail(message: str, stderr: str = "", hint: str | None = None) -> EngineError:
        return EngineError(
            message,
            engine=engine,
            backend=backend,
            command=command,
            stderr=_tail(stderr) or None,
            hint=hint,
        )

    name = Path(command[0]).name
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False
        )
    except subprocess.TimeoutExpired as err:
        raw = err.stderr or ""
        stderr = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        raise fail(
            f"{name} did not finish within {timeout:g} s and was stopped",
            stderr,
            "raise the engine's timeout, or lower exhaustiveness",
        ) from None
    except OSError as err:
        raise fail(
            f"cannot run {command[0]}: {err.strerror or err}",
            hint="check the program's path and permissions",
        ) from None
    run = ProgramRun(command, done.stdout, done.stderr, time.perf_counter() - start)
    last = next((ln.strip() for ln in reversed(done.stderr.splitlines()) if ln.strip()), "")
    said = f": {last}" if last else ""
    if done.returncode != 0:
        raise fail(f"{name} ended with exit status {done.returncode}{said}", done.stderr)
    if output is not None and (not output.is_file() or output.stat().st_size == 0):
        raise fail(
            f"{name} wrote no output to {output.name}{said}",
            done.stderr,
            "is the ligand inside the box and made of atoms the program can type?",
        )
    return run
