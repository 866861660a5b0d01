"""The multi-tenant hub of ``hub-config/``: login, the madlab service, organization isolation.

One hub for the module (starting it takes a while): users of two
organizations log in through the proxy like a browser does, an organization
A user docks a small ligand through the madlab service, and the organization
B user cannot see the job, its results or its files.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from madlab.client import MadlabClient, discover
from madlab.errors import NotFoundError
from tests.conftest import COMPLEXES
from tests.integration.hub.harness import API_PATH, Hub, HubUser, running_hub

COMPLEX = COMPLEXES / "184l"
FINAL = {"succeeded", "failed", "cancelled", "dead_lettered"}

pytestmark = [pytest.mark.slow, pytest.mark.hub]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running_hub(tmp_path_factory.mktemp("hub")) as running:
        yield running


@pytest.fixture(scope="module")
def alice(hub: Hub) -> Iterator[HubUser]:
    with HubUser(hub, "alice") as user:
        assert user.login().status_code == 302, hub.log_tail()
        yield user


@pytest.fixture(scope="module")
def carol(hub: Hub) -> Iterator[HubUser]:
    with HubUser(hub, "carol") as user:
        assert user.login().status_code == 302, hub.log_tail()
        yield user


def _upload(user: HubUser, path: Path) -> dict[str, Any]:
    answer = user.api("POST", "files", params={"name": path.name}, content=path.read_bytes())
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture(scope="module")
def docked(alice: HubUser) -> dict[str, Any]:
    """A finished docking job of organization alpha, with its uploaded files."""
    receptor = _upload(alice, COMPLEX / "receptor.pdb")
    ligand = _upload(alice, COMPLEX / "ligand.sdf")
    params = {
        "receptor": receptor["key"],
        "ligand_files": [ligand["key"]],
        "autobox_ligand": ligand["key"],
        "exhaustiveness": 1,
        "num_poses": 2,
        "cpu": 1,
        "seed": 1,
    }
    answer = alice.api("POST", "tasks/dock/execute", json={"params": params, "name": "hub-dock"})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    deadline = time.monotonic() + 300
    while job["status"] not in FINAL and time.monotonic() < deadline:
        time.sleep(1)
        job = alice.api("GET", f"jobs/{job['id']}").json()
    assert job["status"] == "succeeded", job
    results = alice.api("GET", f"jobs/{job['id']}/results").json()["results"]
    return {"job": job, "results": results, "files": [receptor, ligand]}


def test_wrong_password_and_unknown_user_are_refused(hub: Hub) -> None:
    with HubUser(hub, "alice", password="not-hers") as user:
        assert user.login().status_code == 403
    with HubUser(hub, "mallory", password="x") as user:
        assert user.login().status_code == 403


def test_requests_without_a_user_are_refused(hub: Hub) -> None:
    anonymous = httpx.Client(base_url=hub.url, timeout=30)
    for method, path in [("GET", "jobs"), ("GET", "tasks"), ("POST", "tasks/dock/execute")]:
        answer = anonymous.request(method, API_PATH.lstrip("/") + path, json={})
        assert answer.status_code in (401, 403), (method, path, answer.status_code)
    forged = anonymous.get(API_PATH.lstrip("/") + "jobs", headers={"Authorization": "token x"})
    assert forged.status_code in (401, 403)


def test_the_services_root_logs_a_browser_in_and_shows_the_api(alice: HubUser) -> None:
    answer = alice.client.get("services/madlab/")
    assert answer.status_code == 200
    assert answer.url.path == API_PATH + "openapi.json"
    assert "/jobs" in answer.json()["paths"]


def test_the_service_serves_the_madlab_api_and_nothing_else(alice: HubUser) -> None:
    for path in ("api/contents", "api/kernels", "api/sessions", "api/terminals"):
        answer = alice.client.get(f"services/madlab/{path}")
        assert answer.status_code in (403, 404), (path, answer.status_code)
    assert alice.client.post("services/madlab/api/kernels", json={}).status_code in (403, 404)


def test_a_user_without_the_xsrf_token_cannot_write(alice: HubUser) -> None:
    before = alice.api("GET", "jobs").json()["jobs"]
    answer = alice.client.post(
        API_PATH.lstrip("/") + "tasks/dock/execute", json={"params": {"receptor": "x"}}
    )
    # the cookie alone does not count as a login for a write (a forged cross-site request)
    assert answer.status_code in (401, 403)
    assert alice.api("GET", "jobs").json()["jobs"] == before


def test_org_alpha_docks_and_org_beta_sees_nothing_of_it(
    alice: HubUser, carol: HubUser, docked: dict[str, Any]
) -> None:
    job_id = docked["job"]["id"]
    (result,) = docked["results"]
    assert result["poses"] and result["binding_affinity"] < -3
    listed = alice.api("GET", "jobs").json()
    assert job_id in {j["id"] for j in listed["jobs"]}

    assert carol.api("GET", f"jobs/{job_id}").status_code == 404
    assert carol.api("GET", f"jobs/{job_id}/results").status_code == 404
    assert carol.api("GET", f"jobs/{job_id}/download").status_code == 404
    assert carol.api("POST", f"jobs/{job_id}/cancel").status_code == 404
    pose = f"jobs/{job_id}/results/{result['id']}/poses/1"
    assert alice.api("GET", pose).status_code == 200
    assert carol.api("GET", pose).status_code == 404
    for role in result["files"]:
        path = f"jobs/{job_id}/results/{result['id']}/files/{role}"
        assert alice.api("GET", path).status_code == 200
        assert carol.api("GET", path).status_code == 404
    assert job_id not in {j["id"] for j in carol.api("GET", "jobs").json()["jobs"]}
    for uploaded in docked["files"]:
        assert carol.api("GET", f"files/{uploaded['id']}").status_code == 404
        assert carol.api("GET", f"files/{uploaded['id']}/content").status_code == 404
    carol_files = {f["id"] for f in carol.api("GET", "files").json()["files"]}
    assert not carol_files & {f["id"] for f in docked["files"]}


def test_a_colleague_in_the_same_organization_sees_the_job(
    hub: Hub, docked: dict[str, Any]
) -> None:
    with HubUser(hub, "bob") as bob:
        assert bob.login().status_code == 302
        assert bob.api("GET", f"jobs/{docked['job']['id']}").json()["status"] == "succeeded"


def test_madlab_client_with_a_hub_token_found_from_a_kernel_environment(
    hub: Hub, alice: HubUser, carol: HubUser, docked: dict[str, Any]
) -> None:
    # What a user's kernel has: the hub's public URL and the server's hub token.
    kernel_env = {
        "JUPYTERHUB_API_URL": "http://127.0.0.1:1/hub/api",
        "JUPYTERHUB_PUBLIC_HUB_URL": hub.url + "hub/",
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:1/user/alice/",
        "JUPYTERHUB_API_TOKEN": alice.token(),
    }
    assert discover(kernel_env).url == hub.api.rstrip("/")
    with MadlabClient(env=kernel_env) as client:
        job = client.job(docked["job"]["id"])
        assert job.status == "succeeded" and job.name == "hub-dock"
        # writes with a token need no XSRF token (there is no cookie to forge)
        uploaded = client.upload(COMPLEX / "ligand.sdf", "from-a-kernel.sdf")
        assert uploaded.name == "from-a-kernel.sdf"
    carol_env = {**kernel_env, "JUPYTERHUB_API_TOKEN": carol.token()}
    with MadlabClient(env=carol_env) as client, pytest.raises(NotFoundError):
        client.job(docked["job"]["id"])


def test_the_service_reads_no_server_path_a_user_names(alice: HubUser, hub: Hub) -> None:
    """Files travel as uploads: a path on the service's machine fails the job, naming it."""
    secret = hub.madlab_home / "madlab.db"  # the store itself, readable by the service
    assert secret.is_file()
    params = {
        "receptor": str(secret),
        "smiles": ["CCO"],
        "center": [0, 0, 0],
        "size": [10, 10, 10],
        "exhaustiveness": 1,
    }
    answer = alice.api("POST", "tasks/dock/execute", json={"params": params})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    deadline = time.monotonic() + 120
    while job["status"] not in FINAL and time.monotonic() < deadline:
        time.sleep(1)
        job = alice.api("GET", f"jobs/{job['id']}").json()
    assert job["status"] in ("failed", "dead_lettered"), job
    assert "parameter receptor" in str(job.get("error")), job
