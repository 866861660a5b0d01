"""Benchmark: submit latency (p50, p95) of the job service for 1,000 jobs.

Each submit validates the parameters against the task's schema, records the
job, moves it to ``queued`` and hands it to the queue, as a user's submit
does. Measured in both modes, with no worker running (so that only submission
is timed):

* **embedded**: SQLite in a temporary folder, the local queue;
* **distributed**: PostgreSQL (a fresh schema) and Celery on Redis.

Run ``python benchmarks/runtime_submit.py [--jobs 1000]`` (``make bench``);
results go to ``benchmarks/results/runtime.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import redis
from runtime_tasks import ORG, REDIS, machine, postgres_schema, prepare, summary, write_section

from madlab.settings import Settings


def measure(settings: Settings, jobs: int) -> list[float]:
    services = prepare(settings)
    services.jobs.submit(ORG, "bench", "noop", {"n": -1})  # warm caches and connections
    times = []
    for i in range(jobs):
        started = time.perf_counter()
        services.jobs.submit(ORG, "bench", "noop", {"n": i})
        times.append(time.perf_counter() - started)
    queued = services.jobs.list(ORG, status="queued", limit=1000).items
    assert len(queued) == min(jobs + 1, 1000), "a submitted job is missing"
    services.store.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"MADLAB_HOME": str(Path(tmp) / "home")})
        embedded = measure(settings, args.jobs)
        rows.append(("embedded (SQLite, local queue)", embedded))
        print("embedded:", summary(embedded))
        redis.Redis.from_url(REDIS).flushdb()
        with postgres_schema() as url:
            settings = Settings.from_env(
                {
                    "MADLAB_HOME": str(Path(tmp) / "home2"),
                    "MADLAB_DATABASE_URL": url,
                    "MADLAB_BROKER_URL": REDIS,
                }
            )
            distributed = measure(settings, args.jobs)
        redis.Redis.from_url(REDIS).flushdb()
        rows.append(("distributed (PostgreSQL, Celery on Redis)", distributed))
        print("distributed:", summary(distributed))
    body = [
        f"`python benchmarks/runtime_submit.py --jobs {args.jobs}`, "
        f"{dt.date.today().isoformat()}, {machine()}.",
        "",
        f"Latency of `JobService.submit` for {args.jobs} jobs of a small task, one after "
        "another (schema validation, the job and its two transitions written to the store, "
        "the message sent); no worker running.",
        "",
        "| mode | p50 | p95 | mean | max |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, times in rows:
        parts = [p.split(" ", 1)[1] for p in summary(times).split(", ")]
        body.append(f"| {name} | " + " | ".join(parts) + " |")
    write_section("Submit latency", "\n".join(body))


if __name__ == "__main__":
    main()
