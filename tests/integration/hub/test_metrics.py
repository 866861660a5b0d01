"""The Prometheus endpoint of a live API server: who may read it and what it says."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from madlab.client import MadlabClient
from tests.conftest import COMPLEXES
from tests.integration.server.live import live_server

LIGAND = COMPLEXES / "184l" / "ligand.sdf"
SCRAPE_TOKEN = "scrape-secret-123"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_count_jobs_queue_and_latency_for_the_scraper_and_the_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MADLAB_METRICS_TOKEN", SCRAPE_TOKEN)
    with live_server(tmp_path) as server, MadlabClient(server.url, server.token) as client:
        metrics = f"{server.api}/metrics"
        assert httpx.get(metrics).status_code == 401
        wrong = httpx.get(metrics, headers={"Authorization": "Bearer not-it"})
        assert wrong.status_code == 401
        # no workers in this server: both jobs wait in the queue
        for _ in range(2):
            client.execute("dock", {"receptor": "r.pdb", "ligand_files": [str(LIGAND)]})
        client.jobs()
        scraped = httpx.get(metrics, headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
        assert scraped.status_code == 200, scraped.text
        assert scraped.headers["Content-Type"].startswith("text/plain")
        samples = _samples(scraped.text)
        waiting = sum(
            v
            for (name, labels), v in samples.items()
            if name == "madlab_jobs" and dict(labels)["state"] in ("submitted", "queued")
        )
        assert waiting == 2
        assert samples[("madlab_queue_depth", ())] == 2
        assert samples[("madlab_workers_live", ())] == 0
        execute = (
            "madlab_api_request_duration_seconds_count",
            (("method", "POST"), ("route", "tasks/{}/execute"), ("status", "2xx")),
        )
        assert samples[execute] == 2
        # one after the other: each recorded in a transaction of its own
        assert samples[("madlab_submission_batch_size_count", ())] == 2
        assert samples[("madlab_submission_batch_size_sum", ())] == 2
        listed = (
            "madlab_api_request_duration_seconds_count",
            (("method", "GET"), ("route", "jobs"), ("status", "2xx")),
        )
        assert samples[listed] >= 1
        # the server's owner (an admin of its organization) reads it with the user token
        as_owner = httpx.get(metrics, headers={"Authorization": f"token {server.token}"})
        assert as_owner.status_code == 200 and "madlab_queue_depth 2.0" in as_owner.text


def test_workers_are_reported_live_with_their_heartbeat_age(tmp_path: Path) -> None:
    with live_server(tmp_path, workers=True) as server:
        headers = {"Authorization": f"token {server.token}"}
        deadline = time.monotonic() + 60
        samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        while time.monotonic() < deadline:
            text = httpx.get(f"{server.api}/metrics", headers=headers).text
            samples = _samples(text)
            if samples.get(("madlab_workers_live", ()), 0) >= 1:
                break
            time.sleep(1)
        assert samples[("madlab_workers_live", ())] >= 1
        ages = [v for (name, _), v in samples.items() if name.startswith("madlab_worker_heart")]
        assert ages and all(0 <= age < 60 for age in ages)


def test_a_user_who_is_not_an_admin_may_not_read_the_metrics(tmp_path: Path) -> None:
    with live_server(tmp_path, "--MadlabExtension.owner_is_admin=False") as server:
        answer = httpx.get(
            f"{server.api}/metrics", headers={"Authorization": f"token {server.token}"}
        )
        assert answer.status_code == 403
        assert "admin" in answer.json()["error"]["message"]
