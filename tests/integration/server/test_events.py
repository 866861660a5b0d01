"""The events WebSocket: subscribe, receive job events, disconnect."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.conftest import COMPLEXES

LIGAND = COMPLEXES / "184l" / "ligand.sdf"
PARAMS = {"receptor": "r.pdb", "ligand_files": [str(LIGAND)]}


async def _next(ws: Any, timeout: float = 10.0) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.read_message(), timeout)
    assert message is not None, "the socket closed"
    data: dict[str, Any] = json.loads(message)
    return data


async def test_job_subscription_gets_current_state_then_changes(
    api: Any, jp_ws_fetch: Any, jp_serverapp: Any
) -> None:
    alice = api("tok-alice")
    _, job, _ = await alice.call("POST", "tasks", "dock", "execute", body={"params": PARAMS})
    ws = await jp_ws_fetch(
        "madlab",
        "api",
        "v1",
        "events",
        params={"job_id": job["id"]},
        headers={"Authorization": "token tok-alice"},
    )
    first = await _next(ws)
    assert first["type"] == "job.state" and first["job_id"] == job["id"]
    assert first["payload"]["status"] == "queued"
    await alice.call("POST", "jobs", job["id"], "cancel")
    change = await _next(ws)
    assert change["type"] == "job.state"
    assert change["payload"]["status"] == "cancelled"
    assert change["payload"]["previous"] == "queued"
    ws.close()
    # the server lets go of the subscription once the socket is closed
    hub = jp_serverapp.web_app.settings["madlab"].services.events._hub
    for _ in range(50):
        if len(hub) == 0:
            break
        await asyncio.sleep(0.1)
    assert len(hub) == 0


async def test_organization_subscription_sees_its_jobs_only(api: Any, jp_ws_fetch: Any) -> None:
    ws = await jp_ws_fetch(
        "madlab", "api", "v1", "events", headers={"Authorization": "token tok-alice"}
    )
    _, bobs, _ = await api("tok-bob").call(
        "POST", "tasks", "dock", "execute", body={"params": PARAMS}
    )
    _, alices, _ = await api("tok-alice").call(
        "POST", "tasks", "dock", "execute", body={"params": PARAMS}
    )
    seen = [await _next(ws), await _next(ws)]
    assert {e["job_id"] for e in seen} == {alices["id"]}
    assert [e["payload"]["status"] for e in seen] == ["submitted", "queued"]
    assert all(e["organization_id"] == "acme" for e in seen)
    assert bobs["id"] not in {e["job_id"] for e in seen}
    ws.close()


async def test_unknown_job_is_refused_before_the_upgrade(jp_ws_fetch: Any) -> None:
    from tornado.httpclient import HTTPClientError

    try:
        await jp_ws_fetch(
            "madlab",
            "api",
            "v1",
            "events",
            params={"job_id": "00000000-0000-0000-0000-000000000000"},
            headers={"Authorization": "token tok-alice"},
        )
    except HTTPClientError as err:
        assert err.code == 404
    else:  # pragma: no cover
        raise AssertionError("a socket opened for a job that does not exist")
