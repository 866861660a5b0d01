"""Job states shared by the store, the runtime and the API."""

from __future__ import annotations

from enum import Enum


class JobStatus(str, Enum):
    """The one state machine of a task execution (a job)."""

    SUBMITTED = "submitted"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RETRYING = "retrying"
    DEAD_LETTERED = "dead_lettered"

    @property
    def is_final(self) -> bool:
        """True for states a job never leaves."""
        return self in {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED,
                        JobStatus.DEAD_LETTERED}
