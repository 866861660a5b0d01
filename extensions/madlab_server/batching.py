"""Group commit of execute requests.

Each submission is a transaction: a commit, a few round trips to the
database, and the ORM's work around them. Under load most of a request's
time went there, once per request. The server instead records the
submissions that arrive while the store is busy together, in one
transaction (:meth:`madlab.runtime.service.JobService.submit_many`): a
lone request is written at once, as before, and fifty concurrent ones
share a handful of commits. Every request still gets its answer only after
its job is committed, and a bad submission gets its own error, never
another's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from madlab.domain.jobs import Job
from madlab.errors import MadlabError
from madlab.runtime.service import Submission

#: Most submissions recorded in one transaction.
MAX_BATCH = 200

SubmitMany = Callable[[Sequence[Submission]], list[Job | MadlabError]]
RunBlocking = Callable[..., Awaitable[Any]]


class SubmissionBatcher:
    """Submissions queued on the event loop and written a batch at a time.

    Parameters
    ----------
    submit_many
        Records a batch; one outcome (job or error) per submission, in order.
    run_blocking
        Runs it off the event loop, or inline (``ServerContext.run_blocking``).
    max_batch
        Most submissions in one batch.
    on_batch
        Told the size of each batch written (the server's metrics).
    """

    def __init__(
        self,
        submit_many: SubmitMany,
        run_blocking: RunBlocking,
        max_batch: int = MAX_BATCH,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._submit_many = submit_many
        self._run_blocking = run_blocking
        self._max_batch = max_batch
        self._pending: list[tuple[Submission, asyncio.Future[Job]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.on_batch = on_batch

    async def submit(self, submission: Submission) -> Job:
        """Record ``submission`` with whatever else is waiting; its job once committed.

        Raises
        ------
        madlab.errors.MadlabError
            This submission's own error (bad parameters, unknown task...).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Job] = loop.create_future()
        self._pending.append((submission, future))
        if self._writer is None:
            self._writer = loop.create_task(self._write())
        return await future

    async def _write(self) -> None:
        """Write batches until nothing waits (one writer at a time)."""
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: len(batch)]
                outcomes: Sequence[Job | BaseException]
                try:
                    outcomes = list(
                        await self._run_blocking(
                            self._submit_many, [submission for submission, _ in batch]
                        )
                    )
                    if len(outcomes) != len(batch):
                        raise RuntimeError(
                            f"{len(outcomes)} outcomes for a batch of {len(batch)} submissions"
                        )
                except Exception as err:  # not a refusal: every caller sees the failure
                    outcomes = [err] * len(batch)
                if self.on_batch is not None:
                    self.on_batch(len(batch))
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # its caller is gone
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._writer = None
