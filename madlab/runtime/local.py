"""The embedded job queue: a supervised pool of local worker processes.

Embedded mode needs no service: the store is the queue. Each worker process
(started with the ``spawn`` method) takes the oldest ``queued`` job of the
highest priority that it can run and claims it with the ``queued -> running``
transition, which only one process can win; it then runs the job in a limited
child process (:class:`~madlab.runtime.executor.JobExecutor`).

Pipeline runs (jobs that require the :data:`~madlab.runtime.queue.COORDINATOR`
capability) never take a worker's slot: they mostly wait for their step jobs,
and a run holding the only worker while its steps wait for one would never
end. A coordinator process, started when the first such job is queued, runs
them side by side in threads, apart from the ``workers`` that run the steps;
so a pool of one worker runs a pipeline to its end.

The supervisor (a thread of the process that owns the :class:`LocalQueue`)
keeps the pool at its size, restarting a worker that died; registers the
workers in the service registry with their capabilities and heartbeats;
re-queues the jobs of dead workers (on start too: jobs left ``running`` by a
previous server are re-queued, or dead-lettered after their last attempt);
moves ``retrying`` jobs back to ``queued`` after their backoff; and relays the
events the workers publish to this process's event bus.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import select
import signal
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as connection_wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, cast

from madlab.domain.jobs import Job, JobStatus
from madlab.domain.workers import WorkerStatus
from madlab.errors import MadlabError, StoreError
from madlab.runtime.events import Event, EventBus, Subscription
from madlab.runtime.executor import JobExecutor
from madlab.runtime.queue import COORDINATOR, JobQueue, job_requires
from madlab.runtime.recovery import promote_retrying, recover_lost_jobs
from madlab.settings import Settings
from madlab.store.database import Store

log = logging.getLogger(__name__)

#: Builds a worker's executor in its own process: (settings, bus, worker name).
ExecutorFactory = Callable[[Settings, EventBus, str], JobExecutor]

#: Queued jobs a worker looks at each time it looks for work.
CANDIDATES = 100

#: Pipeline runs one coordinator process runs at once.
COORDINATED_RUNS = 16


def _executor(
    settings: Settings, events: EventBus, worker: str, capabilities: set[str] | None, **kw: Any
) -> JobExecutor:
    """An executor over services built from ``settings`` (``None``: the engines found here)."""
    from madlab.bootstrap import build_services

    services = build_services(settings, migrate=False)
    if capabilities is None:
        from madlab.runtime.queue import capability_tags
        from madlab.runtime.worker import detect_capabilities

        capabilities = capability_tags(detect_capabilities(services.engines))
    return JobExecutor(
        store=services.store,
        artifacts=services.artifacts,
        engine_factory=services.engine,
        tasks=services.tasks,
        events=events,
        work_root=services.work_root,
        worker=worker,
        capabilities=capabilities,
        org_concurrency=settings.org_concurrency,
        max_attempts=settings.max_attempts,
        **kw,
    )


def default_executor(settings: Settings, events: EventBus, worker: str) -> JobExecutor:
    """The executor of an embedded worker, built from ``settings``."""
    return _executor(settings, events, worker, None)


def coordinator_executor(settings: Settings, events: EventBus, worker: str) -> JobExecutor:
    """The executor of the coordinator process: pipeline runs, in its own threads.

    A run only submits and watches its step jobs, so it needs no limited
    child process (``isolate=False``); its cancellation is read from the store.
    """
    return _executor(settings, events, worker, {COORDINATOR}, isolate=False)


class RelayBus(EventBus):
    """Publishes by passing events to the supervisor's process (in worker processes).

    Each worker has a pipe of its own, so a worker killed in the middle of a
    message never blocks the others; a lock keeps the coordinator's threads
    from interleaving their messages.
    """

    def __init__(self, channel: Any) -> None:
        self._channel = channel
        self._lock = threading.Lock()

    def publish(self, event: Event) -> None:
        """Hand ``event`` to the supervisor, which publishes it on its bus."""
        with self._lock:
            self._channel.send(event.to_dict())

    def subscribe(
        self,
        organization_id: str,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
    ) -> Subscription:
        """Not available in a worker process."""
        raise NotImplementedError("worker processes publish events; the server follows them")


def is_coordinated(job: Job) -> bool:
    """Whether a job runs on the coordinator (a pipeline run), not on a worker."""
    return COORDINATOR in job_requires(job)


def claim_next(executor: JobExecutor, *, coordinator: bool = False) -> Job | None:
    """Claim the next queued job of this lane that ``executor`` can run; None when none.

    The workers' lane (``coordinator`` False) skips pipeline runs, and the
    coordinator's lane takes nothing else.
    """
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    with executor.store.unit_of_work() as uow:
        queued = uow.jobs.list_stale(updated_before=now, status=JobStatus.QUEUED, limit=CANDIDATES)
    queued.sort(key=lambda j: (-j.priority, j.created_at))
    for job in queued:
        if is_coordinated(job) != coordinator:
            continue  # the other lane runs it
        missing = executor.missing_capabilities(job)
        if missing:
            executor.note_waiting(job, f"no embedded worker offers {', '.join(missing)}")
            continue
        try:
            claim = executor.claim(job.organization_id, job.id)
        except MadlabError as err:
            log.warning("cannot claim job %s: %s", job.id, err)
            continue
        if claim.job is not None:
            return claim.job
    return None


def take_one(executor: JobExecutor) -> bool:
    """Claim and run the next queued job this worker can run; False when none."""
    job = claim_next(executor)
    if job is None:
        return False
    executor.execute(job)
    return True


def _process_start(
    settings: Settings, factory: ExecutorFactory, name: str, channel: Any, wake: Any
) -> tuple[JobExecutor, list[bool], int]:  # pragma: no cover - in the pool's processes
    """A pool process's executor, its stop flag (set by SIGTERM) and its wake-up fd."""
    stopping: list[bool] = []
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    executor = factory(settings, RelayBus(channel), name)
    executor.stopping = lambda: bool(stopping)
    wake_fd = wake.fileno()
    os.set_blocking(wake_fd, False)
    return executor, stopping, wake_fd


def _wait_for_wake(wake_fd: int, idle_s: float) -> bool:  # pragma: no cover - as above
    """Sleep until woken or ``idle_s`` passed; False once the supervisor is gone."""
    ready, _, _ = select.select([wake_fd], [], [], idle_s)
    if ready:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            if not os.read(wake_fd, 65536):
                return False
    return True


def _worker_main(
    settings: Settings,
    factory: ExecutorFactory,
    name: str,
    channel: Any,
    wake: Any,
    idle_s: float,
) -> None:  # pragma: no cover - runs in the worker processes; tested through them
    executor, stopping, wake_fd = _process_start(settings, factory, name, channel, wake)
    while not stopping:
        try:
            busy = take_one(executor)
        except MadlabError as err:
            log.warning("worker %s: %s", name, err)
            busy = False
        if not busy and not stopping and not _wait_for_wake(wake_fd, idle_s):
            return  # the supervisor is gone


def _coordinator_main(
    settings: Settings,
    factory: ExecutorFactory,
    name: str,
    channel: Any,
    wake: Any,
    idle_s: float,
) -> None:  # pragma: no cover - runs in the coordinator process; tested through it
    executor, stopping, wake_fd = _process_start(settings, factory, name, channel, wake)
    runs: list[threading.Thread] = []
    while not stopping:
        runs = [t for t in runs if t.is_alive()]
        job = None
        if len(runs) < COORDINATED_RUNS:
            try:
                job = claim_next(executor, coordinator=True)
            except MadlabError as err:
                log.warning("coordinator %s: %s", name, err)
        if job is not None:
            run = threading.Thread(
                target=executor.execute, args=(job,), name=f"run-{job.id[:8]}", daemon=True
            )
            run.start()
            runs.append(run)
            continue
        if not _wait_for_wake(wake_fd, idle_s):
            return  # the supervisor is gone


class LocalQueue(JobQueue):
    """A pool of local worker processes fed from the store.

    Parameters
    ----------
    settings
        Settings the worker processes build their services from (the
        database must be a file or a server, not an in-memory SQLite).
    events
        This process's bus; the workers' events are published on it.
    workers
        Number of worker processes (``settings.local_workers`` by default).
    executor_factory
        Builds each worker's executor (top-level function, for ``spawn``).
    coordinator_factory
        Builds the coordinator process's executor (pipeline runs).
    capabilities
        The workers' registry record (detected from the engines by default).
    idle_s
        How long an idle worker waits before looking at the store again
        (a submit wakes it at once).
    tick_s
        Period of the supervisor: heartbeats, restarts, recovery.
    """

    kind = "local"

    def __init__(
        self,
        settings: Settings,
        *,
        events: EventBus,
        workers: int | None = None,
        executor_factory: ExecutorFactory = default_executor,
        coordinator_factory: ExecutorFactory = coordinator_executor,
        capabilities: dict[str, Any] | None = None,
        idle_s: float = 1.0,
        tick_s: float = 1.0,
    ) -> None:
        self.settings = settings
        self.events = events
        self.size = workers if workers is not None else settings.local_workers
        self.executor_factory = executor_factory
        self.coordinator_factory = coordinator_factory
        self.capabilities = capabilities
        self.idle_s = idle_s
        self.tick_s = tick_s
        self.store = Store(settings.database_url)
        self._mp = multiprocessing.get_context("spawn")
        # the workers' slots, then the coordinator's (started on demand)
        self._procs: list[BaseProcess | None] = [None] * (self.size + 1)
        self._threads: list[threading.Thread] = []
        self._halt = threading.Event()
        self._lock = threading.RLock()
        self._readers: list[Any] = []
        self._wakers: dict[int, Any] = {}
        self._stopping = False
        self.restarts = 0
        prefix = f"local@{socket.gethostname()}:{os.getpid()}"
        self.names = [f"{prefix}/{i}" for i in range(self.size)]
        self.coordinator_name = f"{prefix}/coordinator"

    # -- port ---------------------------------------------------------------

    def enqueue(self, job: Job) -> None:
        """Wake the idle workers (the job is already ``queued`` in the store).

        A pipeline run starts the coordinator process, if it is not running.
        """
        if is_coordinated(job) and self.running:
            self._start_coordinator()
        self._wake_all()

    def revoke(self, job: Job) -> None:
        """Nothing to drop: the worker sees the cancellation in the store and kills the job."""
        self._wake_all()

    def _wake_all(self) -> None:
        with self._lock:
            wakers = list(self._wakers.values())
        for writer in wakers:
            # one byte, never blocking: a worker with wake-ups pending needs no more
            with contextlib.suppress(OSError):
                os.write(writer.fileno(), b"!")

    # -- life cycle ---------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`close`."""
        return bool(self._threads)

    def start(self) -> None:
        """Re-queue jobs of dead workers, start the pool and its supervisor."""
        if self._threads:
            return
        url = self.store.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise StoreError(
                "the embedded queue needs a database its worker processes can open",
                hint="use a SQLite file (the default in MADLAB_HOME) or PostgreSQL",
            )
        if self.capabilities is None:
            from madlab.engines.registry import default_registry
            from madlab.runtime.worker import detect_capabilities

            self.capabilities = detect_capabilities(default_registry())
        self._stopping = False
        self._halt.clear()
        self._recover()
        for slot in range(self.size):
            self._spawn(slot)
        if self._coordinated_waiting():  # runs left queued or running by a previous pool
            self._start_coordinator()
        self._heartbeat()
        for target, name in ((self._relay, "relay"), (self._supervise, "supervisor")):
            thread = threading.Thread(target=target, name=f"madlab-local-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self, timeout: float = 15.0) -> None:
        """Stop the pool: running jobs are stopped and re-queued for a later run."""
        if not self._threads:
            return
        self._stopping = True
        self._halt.set()
        with self._lock:
            for proc in self._procs:
                if proc is not None and proc.is_alive():
                    proc.terminate()  # the worker stops its job, which goes back to the queue
        for proc in self._procs:
            if proc is not None:
                proc.join(timeout)
                if proc.is_alive():
                    proc.kill()
                    proc.join(5)
        self._recover()
        with contextlib.suppress(MadlabError), self.store.unit_of_work() as uow:
            for name in [*self.names, self.coordinator_name]:
                uow.workers.heartbeat(name, status=WorkerStatus.OFFLINE)
        for thread in self._threads:
            thread.join(5)
        self._threads = []
        self._procs = [None] * (self.size + 1)
        with self._lock:
            for conn in [*self._wakers.values(), *self._readers]:
                conn.close()
            self._wakers, self._readers = {}, []
        self.store.dispose()

    def __enter__(self) -> LocalQueue:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def worker_pids(self) -> list[int]:
        """Process ids of the live worker processes (not the coordinator's)."""
        return [p.pid for p in self._procs[: self.size] if p is not None and p.pid and p.is_alive()]

    def coordinator_pid(self) -> int | None:
        """Process id of the coordinator (pipeline runs), when it runs."""
        proc = self._procs[self.size]
        return proc.pid if proc is not None and proc.is_alive() else None

    # -- supervisor ---------------------------------------------------------

    def _start_coordinator(self) -> None:
        with self._lock:
            proc = self._procs[self.size]
            if proc is None or not proc.is_alive():
                self._spawn(self.size)

    def _coordinated_waiting(self) -> bool:
        """Whether a pipeline run is queued (submitted by another process, or recovered)."""
        now = datetime.now(timezone.utc) + timedelta(seconds=1)
        try:
            with self.store.unit_of_work() as uow:
                queued = uow.jobs.list_stale(
                    updated_before=now, status=JobStatus.QUEUED, limit=CANDIDATES
                )
        except MadlabError as err:
            log.warning("cannot look for queued pipeline runs: %s", err)
            return False
        return any(is_coordinated(j) for j in queued)

    def _spawn(self, slot: int) -> None:
        reader, writer = self._mp.Pipe(duplex=False)
        wake_reader, wake_writer = self._mp.Pipe(duplex=False)
        coordinator = slot == self.size
        proc = self._mp.Process(
            target=_coordinator_main if coordinator else _worker_main,
            args=(
                self.settings,
                self.coordinator_factory if coordinator else self.executor_factory,
                self.coordinator_name if coordinator else self.names[slot],
                writer,
                wake_reader,
                self.idle_s,
            ),
            name="madlab-coordinator" if coordinator else f"madlab-worker-{slot}",
            daemon=True,
        )
        proc.start()
        writer.close()  # the worker holds the only writing end: its death closes the pipe
        wake_reader.close()
        os.set_blocking(wake_writer.fileno(), False)
        with self._lock:
            self._readers.append(reader)
            old = self._wakers.pop(slot, None)
            self._wakers[slot] = wake_writer
        if old is not None:
            old.close()
        self._procs[slot] = proc

    def _recover(self) -> None:
        try:
            recover_lost_jobs(
                self.store,
                self.events,
                timeout_s=self.settings.worker_timeout_s,
                max_attempts=self.settings.max_attempts,
            )
            if promote_retrying(self.store, self.events):
                self._wake_all()
        except MadlabError as err:
            log.warning("job recovery failed: %s", err)

    def _heartbeat(self) -> None:
        host = socket.gethostname()
        with contextlib.suppress(MadlabError), self.store.unit_of_work() as uow:
            for slot, name in enumerate(self.names):
                proc = self._procs[slot]
                alive = proc is not None and proc.is_alive()
                caps = {**(self.capabilities or {}), "queue": "local", "pid": proc and proc.pid}
                uow.workers.heartbeat(
                    name,
                    capabilities=caps,
                    status=WorkerStatus.ONLINE if alive else WorkerStatus.OFFLINE,
                    hostname=host,
                )
            # started on demand: it offers pipeline runs while the pool runs
            proc = self._procs[self.size]
            uow.workers.heartbeat(
                self.coordinator_name,
                capabilities={"queue": "local", "extra": [COORDINATOR], "pid": proc and proc.pid},
                status=WorkerStatus.OFFLINE if self._stopping else WorkerStatus.ONLINE,
                hostname=host,
            )

    def _supervise(self) -> None:
        while not self._halt.wait(self.tick_s):
            with self._lock:
                for slot, proc in enumerate(self._procs):
                    if proc is not None and not proc.is_alive() and not self._stopping:
                        log.warning(
                            "worker %s ended (exit code %s); starting another",
                            self.names[slot] if slot < self.size else self.coordinator_name,
                            proc.exitcode,
                        )
                        self.restarts += 1
                        self._spawn(slot)
            self._recover()
            if self._procs[self.size] is None and self._coordinated_waiting():
                self._start_coordinator()
            self._heartbeat()

    def _relay(self) -> None:
        while not self._halt.is_set():
            self._relay_once(0.2)
        self._relay_once(0.0)  # what the workers sent before they stopped

    def _relay_once(self, timeout: float) -> None:
        readers = self._current_readers()
        if not readers:
            self._halt.wait(timeout)
            return
        for ready in connection_wait(readers, timeout=timeout):
            reader = cast(Connection, ready)
            try:
                item = reader.recv()
            except (EOFError, OSError):
                self._drop_reader(reader)
                continue
            try:
                self.events.publish(Event.from_dict(item))
            except Exception as err:
                log.warning("could not publish a worker's event: %s", err)

    def _current_readers(self) -> list[Any]:
        with self._lock:
            return [r for r in self._readers if not r.closed]

    def _drop_reader(self, reader: Any) -> None:
        with self._lock:
            self._readers = [r for r in self._readers if r is not reader]
        with contextlib.suppress(OSError):
            reader.close()
