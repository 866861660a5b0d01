"""madlab.client against a live server: the same calls a notebook or the CLI makes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from madlab.client import AsyncMadlabClient, MadlabClient
from madlab.errors import (
    ConflictError,
    FileTooLargeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    TimedOutError,
    ValidationError,
)
from tests.conftest import COMPLEXES
from tests.integration.server.live import LiveServer, live_server

LIGAND = COMPLEXES / "184l" / "ligand.sdf"
PARAMS = {"receptor": "r.pdb", "ligand_files": [str(LIGAND)]}


@pytest.fixture
def client(live: LiveServer) -> MadlabClient:
    return MadlabClient(env={"MADLAB_API_URL": live.url, "MADLAB_API_TOKEN": live.token})


def test_tasks_jobs_and_cancel(client: MadlabClient) -> None:
    tasks = client.tasks()
    assert "dock" in {t.task_id for t in tasks}
    assert {t.category for t in client.tasks(category="docking")} == {"docking"}
    dock = client.task("dock")
    assert dock.interface_spec["inputs"]["required"] == ["receptor"]

    job = client.execute("dock", PARAMS, name="client-run")
    assert job.status == "queued" and job.organization_id == "default"
    assert client.job(job.id).history[-1]["to_status"] == "queued"
    assert job.id in {j.id for j in client.iter_jobs(text="client-run", limit=1)}
    page = client.jobs(status=["queued"], task_id="dock", limit=1)
    assert len(page.jobs) == 1
    urgent = client.execute("dock", PARAMS, priority="high", name="client-run-urgent")
    by_priority = client.iter_jobs(text="client-run", sort="-priority", limit=1)
    assert [j.id for j in by_priority] == [urgent.id, job.id]
    oldest_first = client.iter_jobs(text="client-run", sort="created_at", limit=1)
    assert [j.id for j in oldest_first] == [job.id, urgent.id]
    client.cancel(urgent.id)
    with pytest.raises(TimedOutError):
        client.wait(job.id, timeout=0.2, poll_s=0.1)
    assert client.cancel(job.id).status == "cancelled"
    assert client.wait(job.id, timeout=5).is_final
    assert client.results(job.id, poses=False) == []
    assert client.download(job.id, format="csv").startswith("ligand,")
    with pytest.raises(NotFoundError):
        client.pose(job.id, 1, 1)


def test_errors_come_back_typed(client: MadlabClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.job("00000000-0000-0000-0000-000000000000")
    assert missing.value.kind == "job"
    with pytest.raises(ValidationError) as bad:
        client.execute("dock", {"exhaustiveness": "lots"})
    assert "exhaustiveness" in bad.value.message
    job = client.execute("dock", PARAMS)
    client.cancel(job.id)
    with pytest.raises(ValidationError) as bad_filter:
        client.jobs(status="finished")
    assert bad_filter.value.field == "status"
    with pytest.raises(ValidationError) as bad_sort:
        client.jobs(sort="fastest")
    assert bad_sort.value.field == "sort" and "-priority" in (bad_sort.value.hint or "")
    with pytest.raises(ConflictError):
        definition = {
            "task_id": "dock",
            "version": "1",
            "name": "x",
            "category": "docking",
            "interface_spec": {"inputs": {"type": "object"}},
        }
        client.register_task(definition)


def test_files_and_pipelines(client: MadlabClient, tmp_path: Path) -> None:
    stored = client.upload(LIGAND, name="ligand.sdf")
    assert stored.format == "sdf" and stored.records == 1
    assert stored.id in {f.id for f in client.files()}
    assert client.file_content(stored.id) == LIGAND.read_bytes()
    client.delete_file(stored.id)
    assert stored.id not in {f.id for f in client.files()}
    empty = tmp_path / "empty.sdf"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError) as err:
        client.upload(empty)
    assert "empty" in err.value.message

    spec = {"name": "screen", "steps": [{"id": "dock", "task": "dock"}]}
    saved = client.create_pipeline("screen", spec, description="one step")
    assert client.pipeline(saved.id).spec == spec
    assert [p.id for p in client.pipelines()] == [saved.id]
    try:
        run = client.execute_pipeline(saved.id, parameters={}, mode="sequential")
    except ServiceUnavailableError:
        pass  # no pipeline task on this installation
    else:
        assert run.task_id == "pipeline"
    assert client.services() == []


def test_async_client(live: LiveServer) -> None:
    async def scenario() -> None:
        async with AsyncMadlabClient(live.url, live.token) as client:
            assert "dock" in {t.task_id for t in await client.tasks()}
            job = await client.execute("dock", PARAMS)
            assert (await client.job(job.id)).status == "queued"
            assert job.id in {j.id for j in (await client.jobs(limit=50)).jobs}
            await client.cancel(job.id)
            assert (await client.wait(job.id, timeout=5, poll_s=0.1)).status == "cancelled"
            assert await client.results(job.id) == []
            stored = await client.upload(LIGAND)
            assert stored.id in {f.id for f in await client.files()}
            assert await client.services() == []
            with pytest.raises(NotFoundError):
                await client.job("nope")

    asyncio.run(scenario())


def test_limits_and_permissions_are_typed(tmp_path: Path) -> None:
    extra = (
        "--MadlabExtension.execute_rate=1",
        "--MadlabExtension.max_upload_mb=0.001",
        "--MadlabExtension.owner_is_admin=False",
    )
    with live_server(tmp_path, *extra) as server, MadlabClient(server.url, server.token) as c:
        c.execute("dock", PARAMS)
        with pytest.raises(RateLimitedError) as limited:
            c.execute("dock", PARAMS)
        assert limited.value.retry_after >= 1
        with pytest.raises(FileTooLargeError):
            c.upload(COMPLEXES / "184l" / "receptor.pdb")
        with pytest.raises(PermissionDeniedError):
            c.register_task({"task_id": "t", "version": "1", "name": "t", "category": "x"})
