"""The kernel client of unattended notebook runs: waits that never sleep through a message.

papermill (through nbclient) waits for a cell's reply with one poll of the
kernel's socket as long as the cell may run (many minutes). A ZeroMQ socket
tells the event loop about new messages through an edge-triggered file
descriptor, and when that edge is missed the poll sleeps on with the reply
already waiting in the socket: the run stalls until the cell's time limit,
though the kernel finished long before (seen with cells that update widgets
from a background thread, as the apps' summary cells do; nbclient issue
312). The client here waits in slices of :data:`POLL_SLICE_S` seconds; each
slice ends by asking the socket itself, so a missed edge costs at most a
slice.

Use :data:`NOTEBOOK_RUN_OPTIONS` with ``papermill.execute_notebook``.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

#: Longest single wait on a kernel's socket, in seconds.
POLL_SLICE_S = 1.0


class SlicedChannel(AsyncZMQSocketChannel):
    """A kernel channel whose waits for a message are cut into short polls."""

    async def get_msg(  # type: ignore[override]
        self, timeout: float | None = None
    ) -> dict[str, Any]:
        """The next message, waiting up to ``timeout`` seconds (forever when None).

        Raises
        ------
        queue.Empty
            When none came in time.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await super().get_msg(
                    timeout=POLL_SLICE_S if left is None else min(POLL_SLICE_S, left)
                )
            except Empty:
                if left is not None and left <= POLL_SLICE_S:
                    raise


class SlicedKernelClient(AsyncKernelClient):
    """An asynchronous kernel client whose channels wait in slices."""

    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)
    stdin_channel_class = Type(SlicedChannel)
    control_channel_class = Type(SlicedChannel)


class SlicedKernelManager(AsyncKernelManager):
    """Starts kernels whose clients are :class:`SlicedKernelClient`."""

    client_class = DottedObjectName(f"{__name__}.SlicedKernelClient")
    client_factory = Type(SlicedKernelClient, klass=AsyncKernelClient)


#: Keyword arguments for ``papermill.execute_notebook`` (nbclient options).
NOTEBOOK_RUN_OPTIONS: dict[str, Any] = {"kernel_manager_class": SlicedKernelManager}
