"""Benchmark: 500 small jobs through Celery with 2 workers.

Starts two ``madlab worker`` processes (one job at a time each) on Redis and
PostgreSQL (a fresh schema), submits the jobs as fast as the service takes
them, and waits for every one to end. Checks that all completed, that none
was lost and none ran twice (each job has exactly one ``running`` transition
in the store and ran at its first attempt), and records the throughput.

Run ``python benchmarks/runtime_celery.py [--jobs 500]`` (``make bench``);
results go to ``benchmarks/results/runtime.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import redis
from runtime_tasks import (
    ORG,
    REDIS,
    celery_workers,
    machine,
    postgres_schema,
    prepare,
    write_section,
)

from madlab.domain.jobs import JobStatus
from madlab.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    redis.Redis.from_url(REDIS).flushdb()
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as url:
        env = {
            **os.environ,
            "MADLAB_HOME": str(Path(tmp) / "home"),
            "MADLAB_DATABASE_URL": url,
            "MADLAB_BROKER_URL": REDIS,
            "MADLAB_WORKER_HEARTBEAT_S": "2",
        }
        settings = Settings.from_env(env)
        services = prepare(settings)
        with celery_workers(services, env, args.workers):
            started = time.perf_counter()
            ids = [
                services.jobs.submit(ORG, "bench", "noop", {"n": i}).id for i in range(args.jobs)
            ]
            submitted = time.perf_counter() - started
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                with services.store.unit_of_work() as uow:
                    counts = uow.jobs.counts(ORG)
                if counts.get(JobStatus.SUCCEEDED, 0) + counts.get(JobStatus.FAILED, 0) >= len(ids):
                    break
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
        with services.store.unit_of_work() as uow:
            jobs = [uow.jobs.get(ORG, i) for i in ids]
            runs = Counter()
            for job in jobs:
                runs[job.id] = sum(
                    e.to_status is JobStatus.RUNNING for e in uow.jobs.events(ORG, job.id)
                )
        statuses = Counter(j.status.value for j in jobs)
        per_worker = Counter(j.resource_usage.get("worker", "?").split("-")[0] for j in jobs)
        lost = len(ids) - statuses.get("succeeded", 0)
        twice = sum(1 for n in runs.values() if n != 1)
        services.store.dispose()
    redis.Redis.from_url(REDIS).flushdb()
    throughput = len(ids) / elapsed
    print(f"{statuses}, lost {lost}, ran twice {twice}, {elapsed:.1f} s, {throughput:.1f} jobs/s")
    body = f"""`python benchmarks/runtime_celery.py --jobs {args.jobs} --workers {args.workers}`, \
{dt.date.today().isoformat()}, {machine()}.

{args.jobs} jobs of a small task (one unit of progress, no docking) submitted at once to
{args.workers} `madlab worker` processes with one job at a time each (each job runs in its
own limited child process), on Redis and PostgreSQL.

| measure | value |
| --- | --- |
| jobs succeeded | {statuses.get("succeeded", 0)} of {len(ids)} |
| jobs lost (not succeeded) | {lost} |
| jobs run more than once | {twice} |
| time to submit all | {submitted:.1f} s |
| time from first submit to last end | {elapsed:.1f} s |
| throughput | {throughput:.1f} jobs/s |
| jobs per worker | {", ".join(f"{n}" for _, n in sorted(per_worker.items()))} |
"""
    write_section("Celery throughput", body)
    if lost or twice:
        raise SystemExit(f"{lost} jobs lost, {twice} run more than once")


if __name__ == "__main__":
    main()
