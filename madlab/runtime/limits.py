"""Resource limits of a job, enforced where it runs, and organization quotas.

Each job declares the CPUs and memory it may use (the task definition's
``service_config["resources"]``, ``{"cpus": 1, "memory_mb": 2048,
"time_limit_s": 3600}``). A worker runs each job in a child process of its own
(:func:`run_limited`): the child is pinned to that many CPUs, its resident
memory is watched and it is killed when it goes over its limit or its time,
so the job fails with a clear error while the worker lives on. A hard
address-space limit backs the watcher up against allocations faster than it.

The organization quota caps how many jobs of one organization run at once
(at least 100 by default); further jobs wait ``queued``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psutil

from madlab.errors import ValidationError

MB = 1024 * 1024

#: Address space a job may reserve beyond its memory limit before the hard
#: limit stops it: thread stacks and allocator arenas are reserved, not used.
ADDRESS_SPACE_SLACK_MB = 512

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ResourceLimits:
    """What one job may use.

    Attributes
    ----------
    cpus
        CPU cores the job's process is pinned to.
    memory_mb
        Resident memory in MB (``None``: no limit).
    time_limit_s
        Wall-clock seconds before the job is stopped (``None``: no limit).
    """

    cpus: int = 1
    memory_mb: int | None = None
    time_limit_s: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.cpus, bool) or not isinstance(self.cpus, int) or self.cpus < 1:
            raise ValidationError(
                f"resources.cpus must be an integer >= 1, not {self.cpus!r}",
                field="resources.cpus",
            )
        if self.memory_mb is not None and (
            isinstance(self.memory_mb, bool)
            or not isinstance(self.memory_mb, int)
            or self.memory_mb < 16
        ):
            raise ValidationError(
                f"resources.memory_mb must be an integer >= 16, not {self.memory_mb!r}",
                field="resources.memory_mb",
            )
        if self.time_limit_s is not None and (
            isinstance(self.time_limit_s, bool)
            or not isinstance(self.time_limit_s, (int, float))
            or self.time_limit_s <= 0
        ):
            raise ValidationError(
                f"resources.time_limit_s must be a number > 0, not {self.time_limit_s!r}",
                field="resources.time_limit_s",
            )

    @classmethod
    def from_config(
        cls, service_config: Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> ResourceLimits:
        """The limits a task definition declares.

        A task parameter ``cpu`` greater than zero (the engines' thread count)
        asks for that many CPUs instead of the declared number.
        """
        res = dict(service_config.get("resources") or {})
        cpus = res.get("cpus", 1)
        wanted = (params or {}).get("cpu")
        if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted > 0:
            cpus = wanted
        return cls(
            cpus=cpus,
            memory_mb=res.get("memory_mb"),
            time_limit_s=res.get("time_limit_s"),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResourceLimits:
        """Inverse of :meth:`to_dict`."""
        return cls(
            cpus=int(data.get("cpus", 1)),
            memory_mb=data.get("memory_mb"),
            time_limit_s=data.get("time_limit_s"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, kept with the job."""
        return {"cpus": self.cpus, "memory_mb": self.memory_mb, "time_limit_s": self.time_limit_s}


def quota_reason(running: int, quota: int, organization_id: str) -> str | None:
    """Why a job of ``organization_id`` must wait, or ``None`` when it may run."""
    if running < quota:
        return None
    return (
        f"organization {organization_id} already runs {running} jobs (its quota is {quota} at once)"
    )


@dataclass(frozen=True)
class ChildExit:
    """How a limited child process ended.

    ``reason`` is ``exited`` (it returned; ``exit_code`` tells how), ``memory``,
    ``time`` or ``stopped`` (killed by the watcher), or ``crashed`` (ended by
    ``signal``).
    """

    reason: str
    exit_code: int | None
    signal: int | None
    peak_rss_mb: float
    seconds: float


Send = Callable[[dict[str, Any]], None]


def run_limited(
    body: Callable[[Send], None],
    limits: ResourceLimits,
    *,
    on_message: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool] = lambda: False,
    poll_s: float = 0.05,
    stop_check_s: float = 0.5,
) -> ChildExit:
    """Run ``body`` in a forked child process held to ``limits``.

    The child is pinned to ``limits.cpus`` cores, dies with its parent, and
    gets a hard address-space limit; the parent watches its resident memory
    (with its own children) and its time, and kills it when it goes over
    either or when ``should_stop()`` says so. ``body`` receives a ``send``
    function whose JSON messages reach ``on_message`` in the parent.

    Parameters
    ----------
    body
        The work; it runs in the child and should catch its own errors.
    limits
        CPUs, memory and time.
    on_message
        Called in the parent with each message the child sends.
    should_stop
        Polled every ``stop_check_s`` seconds; true kills the child.
    poll_s
        How often memory is measured.
    stop_check_s
        How often ``should_stop`` is asked.

    Returns
    -------
    ChildExit
        How the child ended, its peak memory and run time.
    """
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; measured through its effects
        os.close(read_fd)
        code = 0
        try:
            _enter_child(limits, parent)
            body(_sender(write_fd))
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_fd)
    return _watch(pid, read_fd, limits, on_message, should_stop, poll_s, stop_check_s)


def _sender(fd: int) -> Send:  # pragma: no cover - runs in the child
    def send(message: dict[str, Any]) -> None:
        data = (json.dumps(message, default=str) + "\n").encode()
        while data:
            data = data[os.write(fd, data) :]

    return send


def _enter_child(limits: ResourceLimits, parent: int) -> None:  # pragma: no cover - child
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # the watcher can stop the job with every program it started
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # die with the worker
    if os.getppid() != parent:
        os._exit(75)  # the worker died before the job started
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        allowed = sorted(os.sched_getaffinity(0))
        if limits.cpus < len(allowed):
            start = (os.getpid() * limits.cpus) % len(allowed)
            chosen = {allowed[(start + i) % len(allowed)] for i in range(limits.cpus)}
            os.sched_setaffinity(0, chosen)
    threads = str(limits.cpus)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
    if limits.memory_mb is not None:
        vms = psutil.Process().memory_info().vms
        slack = ADDRESS_SPACE_SLACK_MB + 80 * (os.cpu_count() or 1)
        cap = vms + (limits.memory_mb + slack) * MB
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _own_memory(proc: psutil.Process) -> int:
    """Memory a job's processes hold of their own (USS), in bytes.

    A job runs in a child forked from the worker, which shares the worker's
    pages (the loaded libraries and models) until it writes to them; those
    shared pages count in the child's RSS but are not the job's. The unique
    set size counts only what the job itself added.
    """
    total = 0
    try:
        total += _uss(proc)
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += _uss(child)
    except psutil.Error:
        pass
    return total


def _uss(proc: psutil.Process) -> int:
    try:
        return int(proc.memory_full_info().uss)
    except (psutil.AccessDenied, AttributeError):  # no smaps: resident size instead
        return int(proc.memory_info().rss)


def _kill(pid: int) -> None:
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill()


def _watch(
    pid: int,
    read_fd: int,
    limits: ResourceLimits,
    on_message: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool],
    poll_s: float,
    stop_check_s: float,
) -> ChildExit:
    started = time.monotonic()
    proc = psutil.Process(pid)
    peak = 0
    reason: str | None = None
    buffer = b""
    last_stop_check = started
    limit_bytes = limits.memory_mb * MB if limits.memory_mb is not None else None
    status = 0
    pipe_open = True
    try:
        while True:
            ready, _, _ = select.select([read_fd] if pipe_open else [], [], [], poll_s)
            if ready:
                chunk = os.read(read_fd, 65536)
                pipe_open = bool(chunk)
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        on_message(json.loads(line))
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if reason is not None:
                continue  # killed: wait for it to go
            rss = _own_memory(proc)
            peak = max(peak, rss)
            now = time.monotonic()
            if limit_bytes is not None and rss > limit_bytes:
                reason = "memory"
            elif limits.time_limit_s is not None and now - started > limits.time_limit_s:
                reason = "time"
            elif now - last_stop_check >= stop_check_s:
                last_stop_check = now
                if should_stop():
                    reason = "stopped"
            if reason is not None:
                _kill(pid)
        for line in (buffer + _drain(read_fd)).split(b"\n"):
            if line.strip():
                on_message(json.loads(line))
    finally:
        os.close(read_fd)
        if reason is None and not _reaped(pid):
            _kill(pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    seconds = time.monotonic() - started
    peak_mb = round(peak / MB, 1)
    if reason is not None:
        return ChildExit(reason, None, signal.SIGKILL, peak_mb, seconds)
    if os.WIFSIGNALED(status):
        return ChildExit("crashed", None, os.WTERMSIG(status), peak_mb, seconds)
    return ChildExit("exited", os.WEXITSTATUS(status), None, peak_mb, seconds)


def _drain(fd: int) -> bytes:
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            return out
        chunk = os.read(fd, 65536)
        if not chunk:
            return out
        out += chunk


def _reaped(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done != 0
