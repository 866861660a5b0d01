"""The hub in distributed mode: the madlab service on PostgreSQL, jobs run by a Celery worker.

The README's steps: the hub's environment holds ``MADLAB_DATABASE_URL`` and
``MADLAB_BROKER_URL`` (passed to the madlab service only), the store is
migrated once, and a ``madlab worker`` started elsewhere runs the jobs. The
service starts no worker of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import COMPLEXES
from tests.integration.hub.harness import HubUser, running_hub
from tests.integration.runtime.conftest import ensure_redis
from tests.postgres import UNREACHABLE, fresh_schema, reachable_postgres

COMPLEX = COMPLEXES / "184l"
REDIS_URL = "redis://127.0.0.1:6379/11"

pytestmark = [pytest.mark.slow, pytest.mark.hub, pytest.mark.postgres]


@pytest.fixture()
def database_url() -> Iterator[str]:
    """A fresh schema in the PostgreSQL test database (dropped afterwards)."""
    base = reachable_postgres() or pytest.fail(UNREACHABLE)
    with fresh_schema(base, "hub") as url:
        yield url


def test_a_job_submitted_through_the_hub_is_run_by_a_celery_worker(
    tmp_path: Path, database_url: str
) -> None:
    ensure_redis()
    shared = {
        "MADLAB_DATABASE_URL": database_url,
        "MADLAB_BROKER_URL": REDIS_URL,
        # one artifact store for the service and the worker (a shared folder)
        "MADLAB_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
    }
    env = {**os.environ, **shared, "MADLAB_HOME": str(tmp_path / "worker-home")}
    madlab = [sys.executable, "-c", "from madlab.cli import main; main()"]
    subprocess.run([*madlab, "db", "upgrade"], env=env, check=True, capture_output=True)
    worker: subprocess.Popen[bytes] | None = None
    with running_hub(tmp_path / "hub", env=shared) as hub, HubUser(hub, "alice") as alice:
        try:
            assert alice.login().status_code == 302
            keys = []
            for name in ("receptor.pdb", "ligand.sdf"):
                body = (COMPLEX / name).read_bytes()
                answer = alice.api("POST", "files", params={"name": name}, content=body)
                assert answer.status_code == 201, answer.text
                keys.append(answer.json()["key"])
            params = {
                "receptor": keys[0],
                "ligand_files": [keys[1]],
                "autobox_ligand": keys[1],
                "exhaustiveness": 1,
                "num_poses": 1,
                "cpu": 1,
                "seed": 1,
            }
            answer = alice.api("POST", "tasks/dock/execute", json={"params": params})
            assert answer.status_code == 202, answer.text
            job_id = answer.json()["id"]
            # the service runs no worker of its own: nothing is registered yet
            assert alice.api("GET", "services").json()["services"] == []

            log = (tmp_path / "worker.log").open("wb")
            worker = subprocess.Popen(
                [*madlab, "worker", "--name", "hub-celery-1", "--concurrency", "1"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            deadline = time.monotonic() + 300
            job = answer.json()
            while job["status"] not in ("succeeded", "failed", "dead_lettered"):
                assert time.monotonic() < deadline, job
                time.sleep(1)
                job = alice.api("GET", f"jobs/{job_id}").json()
            assert job["status"] == "succeeded", (job, (tmp_path / "worker.log").read_text())
            services = alice.api("GET", "services").json()["services"]
            assert [s["name"] for s in services] == ["hub-celery-1"]
            (result,) = alice.api("GET", f"jobs/{job_id}/results").json()["results"]
            assert result["binding_affinity"] < -3
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
