"""The madlab API in a live Jupyter server: tasks, jobs, pipelines, files, services."""

from __future__ import annotations

import json
from typing import Any

from tornado.httpclient import HTTPClientError

from tests.conftest import COMPLEXES

API = ("madlab", "api", "v1")

LIGAND = COMPLEXES / "184l" / "ligand.sdf"
RECEPTOR = COMPLEXES / "184l" / "receptor.pdb"

TASK = {
    "task_id": "acme-score",
    "version": "1",
    "name": "Acme scoring",
    "category": "analysis",
    "interface_spec": {
        "inputs": {
            "type": "object",
            "required": ["threshold"],
            "properties": {"threshold": {"type": "number", "minimum": 0}},
        }
    },
    "service_config": {"implementation": "acme.tasks:score"},
}


async def test_tasks_are_listed_and_shown_with_their_schema(api: Any) -> None:
    status, body, _ = await api("tok-alice").call("GET", "tasks")
    assert status == 200
    ids = {t["task_id"] for t in body["tasks"]}
    assert {"dock", "prepare_receptor", "prepare_ligands"} <= ids
    status, body, _ = await api("tok-alice").call("GET", "tasks", category="docking")
    assert status == 200 and body["tasks"]
    assert {t["category"] for t in body["tasks"]} == {"docking"}
    status, dock, _ = await api("tok-alice").call("GET", "tasks", "dock")
    assert status == 200
    assert dock["interface_spec"]["inputs"]["type"] == "object"
    assert "queue" in dock["service_config"]
    status, body, _ = await api("tok-alice").call("GET", "tasks", "no-such-task")
    assert status == 404
    assert body["error"]["code"] == "not_found"


async def test_only_admins_register_tasks_and_only_their_organization_sees_them(api: Any) -> None:
    status, body, _ = await api("tok-alice").call("POST", "tasks", body=TASK)
    assert status == 403
    assert "admins of organization acme" in body["error"]["message"]
    status, body, _ = await api("tok-carol").call("POST", "tasks", body=TASK)
    assert status == 201, body
    assert body["organization_id"] == "acme" and body["builtin"] is False
    status, body, _ = await api("tok-carol").call("POST", "tasks", body=TASK)
    assert status == 409
    status, _, _ = await api("tok-alice").call("GET", "tasks", "acme-score")
    assert status == 200
    status, _, _ = await api("tok-bob").call("GET", "tasks", "acme-score")
    assert status == 404
    bad = {**TASK, "version": "2", "interface_spec": {"outputs": {}}}
    status, body, _ = await api("tok-carol").call("POST", "tasks", body=bad)
    assert status == 422
    assert body["error"]["field"] == "interface_spec"


async def test_execute_validates_parameters_naming_the_field(api: Any) -> None:
    status, body, _ = await api("tok-alice").call(
        "POST", "tasks", "dock", "execute", body={"params": {"exhaustiveness": "lots"}}
    )
    assert status == 422
    assert "exhaustiveness" in body["error"]["message"]
    status, body, _ = await api("tok-alice").call(
        "POST", "tasks", "dock", "execute", body={"parameters": {}}
    )
    assert status == 422
    assert body["error"]["field"] == "parameters"
    status, body, _ = await api("tok-alice").call(
        "POST", "tasks", "dock", "execute", raw=b"{not json"
    )
    assert status == 422
    assert body["error"]["field"] == "body"


def _dock_params() -> dict[str, Any]:
    return {
        "receptor": str(RECEPTOR),
        "ligand_files": [str(LIGAND)],
        "autobox_ligand": str(LIGAND),
        "exhaustiveness": 1,
        "cpu": 1,
    }


async def _submit(caller: Any, name: str = "run") -> dict[str, Any]:
    status, body, headers = await caller.call(
        "POST", "tasks", "dock", "execute", body={"params": _dock_params(), "name": name}
    )
    assert status == 202, body
    assert headers["Location"].endswith(f"/jobs/{body['id']}")
    return body


async def test_jobs_are_filtered_paged_shown_and_cancelled(api: Any) -> None:
    alice = api("tok-alice")
    first = await _submit(alice, "first")
    second = await _submit(alice, "second")
    assert first["status"] == "queued" and first["organization_id"] == "acme"

    status, page, _ = await alice.call("GET", "jobs", limit="1")
    assert status == 200
    assert [j["id"] for j in page["jobs"]] == [second["id"]]
    status, page2, _ = await alice.call("GET", "jobs", limit="1", after=page["next_cursor"])
    assert [j["id"] for j in page2["jobs"]] == [first["id"]]
    status, found, _ = await alice.call("GET", "jobs", q="first")
    assert [j["id"] for j in found["jobs"]] == [first["id"]]
    status, found, _ = await alice.call("GET", "jobs", status="queued,running", task_id="dock")
    assert {j["id"] for j in found["jobs"]} == {first["id"], second["id"]}
    status, found, _ = await alice.call("GET", "jobs", since="2999-01-01T00:00:00Z")
    assert found["jobs"] == []
    status, body, _ = await alice.call("GET", "jobs", status="finished")
    assert status == 422 and body["error"]["field"] == "status"
    status, body, _ = await alice.call("GET", "jobs", limit="0")
    assert status == 422 and body["error"]["field"] == "limit"
    status, body, _ = await alice.call("GET", "jobs", since="yesterday")
    assert status == 422 and body["error"]["field"] == "since"

    status, job, _ = await alice.call("GET", "jobs", first["id"])
    assert status == 200
    assert [h["to_status"] for h in job["history"]] == ["submitted", "queued"]
    assert job["resource_usage"]["requested"]

    status, job, _ = await alice.call("POST", "jobs", first["id"], "cancel")
    assert status == 200 and job["status"] == "cancelled"
    status, job, _ = await alice.call("POST", "jobs", first["id"], "cancel")
    assert status == 200 and job["status"] == "cancelled"

    status, body, _ = await alice.call("GET", "jobs", first["id"], "results")
    assert status == 200 and body["results"] == []
    status, text, headers = await alice.call("GET", "jobs", first["id"], "download", format="csv")
    assert status == 200 and text.splitlines()[0].startswith("ligand,smiles,binding_affinity")
    assert headers["Content-Type"].startswith("text/csv")
    status, body, _ = await alice.call("GET", "jobs", first["id"], "download", format="xlsx")
    assert status == 422 and body["error"]["field"] == "format"
    status, body, _ = await alice.call("GET", "jobs", first["id"], "results", "1", "poses", "1")
    assert status == 404


async def test_execute_is_rate_limited_per_user_with_retry_after(api: Any) -> None:
    alice = api("tok-alice")
    for _ in range(5):
        await _submit(alice)
    status, body, headers = await alice.call(
        "POST", "tasks", "dock", "execute", body={"params": _dock_params()}
    )
    assert status == 429
    assert body["error"]["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 60
    # another user is not slowed down by alice
    await _submit(api("tok-carol"))


async def test_pipelines_are_saved_listed_shown_and_checked(api: Any) -> None:
    alice = api("tok-alice")
    spec = {"name": "screen", "steps": [{"id": "dock", "task": "dock", "parameters": {}}]}
    status, saved, _ = await alice.call("POST", "pipelines", body={"name": "screen", "spec": spec})
    assert status == 201, saved
    assert saved["organization_id"] == "acme" and saved["created_by"] == "alice"
    status, body, _ = await alice.call("POST", "pipelines", body={"name": "screen", "spec": spec})
    assert status == 409
    status, body, _ = await alice.call("POST", "pipelines", body={"name": "x", "spec": {}})
    assert status == 422
    status, listed, _ = await alice.call("GET", "pipelines")
    assert [p["id"] for p in listed["pipelines"]] == [saved["id"]]
    status, shown, _ = await alice.call("GET", "pipelines", saved["id"])
    assert status == 200 and shown["spec"] == spec
    status, body, _ = await alice.call(
        "POST", "pipelines", saved["id"], "execute", body={"mode": "fastest"}
    )
    assert status == 422 and body["error"]["field"] == "mode"
    status, body, _ = await alice.call(
        "POST", "pipelines", saved["id"], "execute", body={"mode": "parallel"}
    )
    assert status == 202, body
    assert body["task_id"] == "pipeline"
    assert body["parameters"]["pipeline_id"] == saved["id"]
    assert body["parameters"]["spec"]["mode"] == "parallel"
    status, run, _ = await alice.call("GET", "jobs", body["id"])
    assert status == 200, run
    assert run["task_id"] == "pipeline" and run["user"] == "alice"
    assert run["status"] in ("queued", "running", "succeeded", "failed")
    assert run["history"][0]["to_status"] == "submitted"
    status, listed, _ = await alice.call("GET", "jobs", task_id="pipeline")
    assert [j["id"] for j in listed["jobs"]] == [body["id"]]


async def test_services_lists_registered_workers(api: Any, jp_serverapp: Any) -> None:
    store = jp_serverapp.web_app.settings["madlab"].services.store
    with store.unit_of_work() as uow:
        uow.workers.heartbeat("worker-1", capabilities={"engines": {"vina": "1.2.7"}})
    status, body, _ = await api("tok-bob").call("GET", "services")
    assert status == 200
    (worker,) = body["services"]
    assert worker["name"] == "worker-1" and worker["healthy"] is True
    assert worker["capabilities"]["engines"]["vina"] == "1.2.7"


async def test_openapi_document_is_served(api: Any) -> None:
    status, doc, _ = await api("tok-alice").call("GET", "openapi.json")
    assert status == 200
    assert doc["openapi"].startswith("3.")
    assert "/jobs/{job_id}/cancel" in doc["paths"]


async def test_single_user_server_uses_its_configured_organization(
    api: Any, jp_auth_header: dict[str, str]
) -> None:
    owner = api(jp_auth_header["Authorization"].split(" ", 1)[1])
    status, body, _ = await owner.call("POST", "tasks", body={**TASK, "task_id": "solo-task"})
    assert status == 201
    assert body["organization_id"] == "solo"
    job = await _submit(owner)
    assert job["organization_id"] == "solo" and job["user"] == "owner"


async def test_user_in_no_organization_is_refused(api: Any) -> None:
    status, body, _ = await api("tok-nobody").call("GET", "tasks")
    assert status == 403
    assert "org-" in body["error"]["hint"]


async def test_jobs_are_sorted_and_paged_in_that_order(api: Any) -> None:
    carol = api("tok-carol")
    jobs = []
    for priority in ("standard", "high", "standard"):
        status, body, _ = await carol.call(
            "POST",
            "tasks",
            "dock",
            "execute",
            body={"params": _dock_params(), "priority": priority},
        )
        assert status == 202, body
        jobs.append(body)
    newest_first = [j["id"] for j in reversed(jobs)]

    async def pages(sort: str) -> list[str]:
        listed: list[str] = []
        cursor = None
        while True:
            query = {"sort": sort, "limit": "1", **({"after": cursor} if cursor else {})}
            status, page, _ = await carol.call("GET", "jobs", **query)
            assert status == 200, page
            listed += [j["id"] for j in page["jobs"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return listed

    assert await pages("-created_at") == newest_first
    assert await pages("created_at") == [j["id"] for j in jobs]
    high = jobs[1]["id"]
    assert await pages("-priority") == [high] + [i for i in newest_first if i != high]
    assert await pages("priority") == [jobs[0]["id"], jobs[2]["id"], high]

    status, body, _ = await carol.call("GET", "jobs", sort="name")
    assert status == 422
    assert body["error"]["field"] == "sort"
    assert "-created_at" in body["error"]["hint"] and "-priority" in body["error"]["hint"]
    status, first, _ = await carol.call("GET", "jobs", sort="status", limit="1")
    status, body, _ = await carol.call("GET", "jobs", sort="-priority", after=first["next_cursor"])
    assert status == 422 and body["error"]["field"] == "after"


async def test_task_listing_answers_its_etag_with_304_until_a_task_is_registered(
    jp_fetch: Any,
) -> None:
    alice = {"Authorization": "token tok-alice"}
    first = await jp_fetch(*API, "tasks", headers=alice)
    etag = first.headers["Etag"]

    async def status_with(tag: str) -> int:
        try:
            response = await jp_fetch(*API, "tasks", headers={**alice, "If-None-Match": tag})
        except HTTPClientError as err:
            return err.code
        return int(response.code)

    assert await status_with(etag) == 304
    carol = {"Authorization": "token tok-carol"}
    await jp_fetch(*API, "tasks", method="POST", body=json.dumps(TASK), headers=carol)
    assert await status_with(etag) == 200
    listed = await jp_fetch(*API, "tasks", headers=alice)
    assert "acme-score" in {t["task_id"] for t in json.loads(listed.body)["tasks"]}
    assert listed.headers["Etag"] != etag
