"""A real docking job followed over the events socket, then its poses downloaded."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from madlab.client import MadlabClient
from tests.conftest import COMPLEXES
from tests.integration.server.live import live_server

COMPLEX = COMPLEXES / "184l"


async def _follow(url: str, token: str, job_id: str) -> list[dict[str, Any]]:
    request = HTTPRequest(
        url.replace("http://", "ws://") + f"madlab/api/v1/events?job_id={job_id}",
        headers={"Authorization": f"token {token}"},
    )
    ws = await websocket_connect(request)
    events: list[dict[str, Any]] = []
    try:
        while True:
            message = await asyncio.wait_for(ws.read_message(), 240)
            assert message is not None, f"socket closed after {events}"
            event = json.loads(message)
            events.append(event)
            if event["type"] == "job.state" and event["payload"]["status"] in (
                "succeeded",
                "failed",
                "cancelled",
                "dead_lettered",
            ):
                return events
    finally:
        ws.close()


@pytest.mark.slow
def test_docking_job_is_followed_live_and_its_poses_downloaded(tmp_path: Path) -> None:
    with (
        live_server(tmp_path, workers=True) as server,
        MadlabClient(server.url, server.token) as client,
    ):
        job = client.execute(
            "dock",
            {
                "receptor": str(COMPLEX / "receptor.pdb"),
                "ligand_files": [str(COMPLEX / "ligand.sdf")],
                "autobox_ligand": str(COMPLEX / "ligand.sdf"),
                "exhaustiveness": 2,
                "num_poses": 3,
                "cpu": 1,
                "seed": 1,
            },
        )
        events = asyncio.run(_follow(server.url, server.token, job.id))
        states = [e["payload"]["status"] for e in events if e["type"] == "job.state"]
        assert states[0] == "queued" and "running" in states
        assert states[-1] == "succeeded", events[-1]

        (result,) = client.results(job.id)
        assert result["ligand"] and result["binding_affinity"] < -3
        assert [p["rank"] for p in result["poses"]][:1] == [1]
        sdf = client.pose(job.id, result["id"], 1)
        assert "minimizedAffinity" in sdf and sdf.rstrip().endswith("$$$$")
        pdb = client.pose(job.id, result["id"], 1, format="pdb")
        assert "HETATM" in pdb or "ATOM" in pdb
        table = client.download(job.id, format="csv").splitlines()
        assert len(table) == 2 and table[1].startswith(result["ligand"])
        assert client.download(job.id).count("$$$$") == len(result["poses"])
        for role in result["files"]:
            data = client.request("GET", f"jobs/{job.id}/results/{result['id']}/files/{role}")
            assert data.content
