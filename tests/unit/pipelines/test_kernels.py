"""Unattended notebook runs: a kernel reply waiting in the socket is read within a second.

The stall being guarded against: the event loop is not told about a message
(a missed edge of ZeroMQ's file descriptor), so a poll resolves only when its
time is up, and then finds the message. Here every poll behaves that way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from queue import Empty
from typing import Any

import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from madlab.pipelines.kernels import (
    NOTEBOOK_RUN_OPTIONS,
    POLL_SLICE_S,
    SlicedChannel,
    SlicedKernelClient,
    SlicedKernelManager,
)


@pytest.fixture()
def pair() -> Iterator[tuple[zmq.asyncio.Socket, zmq.asyncio.Socket]]:
    context = zmq.asyncio.Context()
    kernel, client = context.socket(zmq.PAIR), context.socket(zmq.PAIR)
    address = f"inproc://kernel-{id(kernel)}"
    kernel.bind(address)
    client.connect(address)
    yield kernel, client
    kernel.close(linger=0)
    client.close(linger=0)
    context.term()


def _deaf(socket: zmq.asyncio.Socket) -> list[float]:
    """Make every poll of ``socket`` wake only when its time is up (a missed edge)."""
    waits: list[float] = []
    real_poll = socket.poll

    async def poll(timeout: int | None = None, flags: int = zmq.POLLIN) -> Any:
        waits.append(timeout or 0)
        await asyncio.sleep((timeout or 0) / 1000)
        return await real_poll(0, flags)

    socket.poll = poll  # type: ignore[method-assign]
    return waits


def _send(session: Session, kernel: zmq.asyncio.Socket) -> dict[str, Any]:
    message = session.msg("execute_reply", {"status": "ok"})
    kernel.send_multipart(session.serialize(message))
    return message


def test_a_waiting_reply_is_read_after_one_slice_not_at_the_end_of_the_wait(
    pair: tuple[zmq.asyncio.Socket, zmq.asyncio.Socket],
) -> None:
    kernel, client = pair
    session = Session()
    waits = _deaf(client)

    async def run() -> tuple[float, dict[str, Any], float]:
        _send(session, kernel)
        start = time.monotonic()
        reply = await SlicedChannel(client, session).get_msg(timeout=600)
        sliced = time.monotonic() - start
        _send(session, kernel)
        start = time.monotonic()
        await AsyncZMQSocketChannel(client, session).get_msg(timeout=3)  # one long poll
        return sliced, reply, time.monotonic() - start

    sliced, reply, whole = asyncio.run(run())
    assert reply["msg_type"] == "execute_reply" and reply["content"] == {"status": "ok"}
    assert sliced < 2 * POLL_SLICE_S
    assert whole >= 3  # the plain channel slept through the whole wait
    assert waits[0] == POLL_SLICE_S * 1000


def test_no_message_is_still_empty_once_the_whole_wait_is_over(
    pair: tuple[zmq.asyncio.Socket, zmq.asyncio.Socket],
) -> None:
    _, client = pair
    waits = _deaf(client)

    async def run() -> float:
        start = time.monotonic()
        with pytest.raises(Empty):
            await SlicedChannel(client, Session()).get_msg(timeout=2.5)
        return time.monotonic() - start

    elapsed = asyncio.run(run())
    assert 2.4 < elapsed < 4
    assert waits[:2] == [1000, 1000] and len(waits) == 3 and 0 < waits[2] <= 500


def test_papermill_runs_get_kernels_whose_clients_wait_in_slices() -> None:
    manager = NOTEBOOK_RUN_OPTIONS["kernel_manager_class"]
    assert manager is SlicedKernelManager
    client = manager(kernel_name="python3").client()
    assert type(client) is SlicedKernelClient
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(SlicedKernelClient, f"{name}_channel_class").default_value is SlicedChannel
