"""Two organizations on the madlab JupyterHub, end to end in headless Chromium.

alice (organization alpha) docks the example in the Voilà app, sees the pose in
3D and reads the job with ``madlab.client`` in a JupyterLab kernel; carol
(organization beta) finds no trace of it in her JupyterLab, the job monitor or
the API. The browser is driven by ``tests/e2e/hub_journey.mjs`` (Playwright with
Debian's Chromium); screenshots of every step land in ``tests/artifacts/e2e-hub/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import nbformat
import pytest

from tests.integration.hub.harness import REPO, Hub, running_hub

SCRIPT = REPO / "tests" / "e2e" / "hub_journey.mjs"
ARTIFACTS = REPO / "tests" / "artifacts" / "e2e-hub"
QUERY = "exhaustiveness=1&num_poses=3&seed=1"

pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.slow]

READ_JOB = """\
from madlab.client import MadlabClient
from madlab.widgets.job_monitor import JobMonitor

client = MadlabClient()  # finds the madlab hub service from the kernel's environment
print("API at", client.url)
job = next(j for j in client.iter_jobs() if j.name == "dock a ligand")
(result,) = client.results(job.id)
roles = ",".join(result["files"])
print(f"MADLAB-JOB {job.id} {job.status} result={result['id']} roles={roles}")
JobMonitor(client, follow=False)
"""

LOOK_FOR_JOB = """\
from madlab.client import MadlabClient
from madlab.errors import NotFoundError
from madlab.widgets.job_monitor import JobMonitor

JOB_ID = {job_id!r}
client = MadlabClient()
visible = [j.id for j in client.iter_jobs()]
try:
    client.job(JOB_ID)
    found = "FOUND"
except NotFoundError:
    found = "NOTFOUND"
print(f"MADLAB-LOOKUP {{found}} visible={{len(visible)}} listed={{JOB_ID in visible}}")
JobMonitor(client, follow=False)
"""


def _notebook(hub: Hub, user: str, name: str, source: str) -> None:
    home = hub.folder / "users" / user
    home.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, home / name)


def _journey(hub: Hub, phase: str, **extra: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "MADLAB_HUB_URL": hub.url,
        "MADLAB_ARTIFACTS": str(ARTIFACTS),
        "MADLAB_E2E_PHASE": phase,
        "MADLAB_QUERY": QUERY,
        **extra,
    }
    done = subprocess.run(
        ["node", str(SCRIPT)], cwd=REPO, env=env, capture_output=True, text=True, timeout=1200
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(
            f"the browser journey of {phase} failed ({done.returncode}); screenshots in "
            f"{ARTIFACTS}\n{done.stderr[-4000:]}\n--- hub log ---\n{hub.log_tail(80)}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    (ARTIFACTS / f"{phase}.json").write_text(json.dumps(result, indent=2))
    print(f"{phase}: screenshots in {ARTIFACTS}: {[s['screenshot'] for s in result['steps']]}")
    return result


@pytest.mark.timeout(2400)
def test_alice_docks_in_the_browser_and_carol_sees_nothing_of_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if shutil.which("node") is None:
        pytest.fail("node is missing: install Node.js (make browser installs the browser tools)")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with running_hub(tmp_path_factory.mktemp("hub-e2e")) as hub:
        _notebook(hub, "alice", "read_job.ipynb", READ_JOB)
        alice = _journey(hub, "alice")
        assert "succeeded" in alice["summary"], alice
        assert alice["canvases"] and all(c["width"] > 0 for c in alice["canvases"])
        assert alice["errors"] == [], alice["errors"]
        parts = alice["job_line"].split()
        assert parts[0] == "MADLAB-JOB" and parts[2] == "succeeded", alice["job_line"]
        job_id = parts[1]
        assert job_id.startswith(alice["prefix"])
        result_id = parts[3].removeprefix("result=")
        roles = parts[4].removeprefix("roles=")

        _notebook(hub, "carol", "look_for_job.ipynb", LOOK_FOR_JOB.format(job_id=job_id))
        carol = _journey(
            hub,
            "carol",
            MADLAB_JOB_ID=job_id,
            MADLAB_RESULT_ID=result_id,
            MADLAB_FILE_ROLES=roles,
        )
        assert carol["lookup"] == ["NOTFOUND", "0", "False"], carol["lookup"]
        assert not carol["monitor_mentions_job"]
        assert len(carol["statuses"]) >= 4, carol["statuses"]
        assert set(carol["statuses"].values()) == {404}, carol["statuses"]
        assert job_id not in carol["listed_ids"]
        assert carol["errors"] == [], carol["errors"]
