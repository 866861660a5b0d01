"""The Celery queue adapter: jobs go to Redis, workers run them.

:meth:`CeleryQueue.enqueue` sends one ``madlab.run_job`` message per job (the
message id is the job id) to the job's queue (``docking.high_priority``,
``docking.standard``, or a capability queue such as
``docking.standard.gpu``), with its priority and soft and hard time limits.

The store is the truth, the broker only carries news: Redis may restart and
forget its queues. :meth:`CeleryQueue.reconcile` compares the jobs ``queued``
in the store with the messages the broker holds (waiting in a queue, or
reserved by a worker) and sends again those it does not know; it also takes
back the jobs of lost workers. Sending a job twice is harmless: only one
delivery can claim it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from celery import Celery

from madlab.domain.jobs import Job, JobStatus
from madlab.errors import TransientError
from madlab.runtime.events import EventBus
from madlab.runtime.queue import JobQueue
from madlab.runtime.recovery import promote_retrying, recover_lost_jobs
from madlab.store.database import Store

log = logging.getLogger(__name__)

#: A queued job younger than this is not re-sent (its message may be on its way).
RESEND_GRACE_S = 5.0

#: Seconds between Celery's soft time limit and its hard one.
HARD_LIMIT_GRACE_S = 30.0


class CeleryQueue(JobQueue):
    """Jobs delivered through Celery.

    Parameters
    ----------
    app
        The Celery application (:func:`madlab.runtime.celery_app.make_app`).
    """

    kind = "celery"

    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue(self, job: Job) -> None:
        """Send the job's message.

        Raises
        ------
        madlab.errors.TransientError
            When the broker cannot be reached (the job stays ``queued`` in the
            store and :meth:`reconcile` sends it later).
        """
        from madlab.runtime.celery_app import TASK_NAME

        limit = (job.resource_usage.get("requested") or {}).get("time_limit_s")
        options: dict[str, Any] = {}
        if limit:  # the executor stops the job at its limit; Celery's limits back it up
            options["soft_time_limit"] = float(limit) + HARD_LIMIT_GRACE_S
            options["time_limit"] = float(limit) + 2 * HARD_LIMIT_GRACE_S
        try:
            self.app.send_task(
                TASK_NAME,
                kwargs={"organization_id": job.organization_id, "job_id": job.id},
                task_id=job.id,
                queue=job.queue,
                routing_key=job.queue,
                priority=_broker_priority(job.priority),
                **options,
            )
        except Exception as err:
            raise TransientError(
                f"cannot send job {job.id} to the broker: {err}",
                hint="the job stays queued and is sent when the broker is back",
                job_id=job.id,
            ) from err

    def revoke(self, job: Job) -> None:
        """Tell the workers to drop the job's message; the running one is stopped by its worker."""
        try:
            self.app.control.revoke(job.id)
        except Exception as err:
            log.warning("could not revoke job %s: %s", job.id, err)

    def broker_job_ids(self) -> set[str]:
        """Ids of the jobs whose messages the broker holds (queued or reserved)."""
        with self.app.connection_for_write() as conn:
            client = conn.default_channel.client
            ids: set[str] = set()
            for key in client.scan_iter(match="docking.*", count=500):
                if client.type(key) not in (b"list", "list"):
                    continue
                for raw in client.lrange(key, 0, -1):
                    ids.update(_message_ids(raw))
            for raw in client.hvals("unacked"):
                ids.update(_message_ids(raw))
        return ids

    def reconcile(
        self,
        store: Store,
        events: EventBus,
        *,
        worker_timeout_s: float,
        max_attempts: int,
    ) -> list[Job]:
        """Bring the broker in line with the store.

        Takes back running jobs of lost workers, moves retrying jobs whose
        backoff passed to queued, and sends every queued job the broker does
        not hold.

        Returns
        -------
        list[Job]
            The jobs sent again.
        """
        recovered = recover_lost_jobs(
            store, events, timeout_s=worker_timeout_s, max_attempts=max_attempts
        )
        promoted = promote_retrying(store, events)
        before = datetime.now(timezone.utc) - timedelta(seconds=RESEND_GRACE_S)
        with store.unit_of_work() as uow:
            queued = uow.jobs.list_stale(updated_before=before, status=JobStatus.QUEUED, limit=5000)
        fresh = [j for j in (*recovered, *promoted) if j.status is JobStatus.QUEUED]
        known = self.broker_job_ids()
        resend = {j.id: j for j in queued if j.id not in known}
        resend.update({j.id: j for j in fresh})
        for job in resend.values():
            self.enqueue(job)
        if resend:
            log.warning("sent %d queued jobs the broker did not hold", len(resend))
        return list(resend.values())


def _broker_priority(priority: int) -> int:
    """Redis queues take 0 first; madlab's priorities run higher first."""
    return max(0, min(9, 9 - int(priority)))


def _message_ids(raw: bytes | str) -> Iterable[str]:
    try:
        doc = json.loads(raw)
    except (TypeError, ValueError):
        return ()
    if isinstance(doc, list) and doc:  # reserved: [message, exchange, routing key]
        doc = doc[0]
    if not isinstance(doc, dict):
        return ()
    headers = doc.get("headers") or {}
    task_id = headers.get("id") or (doc.get("properties") or {}).get("correlation_id")
    return (str(task_id),) if task_id else ()
