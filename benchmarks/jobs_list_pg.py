"""Benchmark: job listings on 1,000,000 jobs in PostgreSQL, through the repository and the API.

The generator fills ``task_executions`` of a fresh schema (made by the
store's own migrations) inside PostgreSQL with ``INSERT ... SELECT`` over
``generate_series``: the listing indexes are dropped for the load and built
again afterwards (as one does for a bulk load), then the table is analyzed.
The data look like a busy installation's year:

* 5 organizations of very different sizes (50 %, 25 %, 12.5 %, 8 %, 4.5 % of
  the jobs), 40 users each;
* tasks: dock 70 %, prepare_ligands 10 %, prepare_receptor 10 %, pipeline 5 %,
  score 5 %; engines: vina 60 %, smina 20 %, gnina 15 %, none 5 %;
* states: succeeded 80 %, failed 8 %, queued 5 %, cancelled 4 %, running 1 %,
  submitted 1 %, retrying 0.5 %, dead_lettered 0.5 %; 10 % high priority;
* creation times spread over 365 days, updates minutes to hours later;
* names on 60 % of the jobs (``kinase screen 123``, ``GPCR batch 45``...).

Each listing is a page of 50 of the largest organization's jobs (500,000
rows), timed ``--repeat`` times: the first page and, following the cursor,
the fifth. Directly through ``uow.jobs.list`` and through ``GET /jobs`` of a
live Jupyter server (one client, no other load besides the machine's).

Run ``python benchmarks/jobs_list_pg.py [--jobs 1000000] [--repeat 20]``;
results go to ``benchmarks/results/jobs_list_pg.md``. ``--keep SCHEMA``
keeps (or reuses) the filled schema.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from api_latency import server  # noqa: E402

from madlab.store import Store  # noqa: E402

RESULTS = HERE / "results" / "jobs_list_pg.md"
POSTGRES = os.environ.get("MADLAB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ORGS = [("org-a", 0.5), ("org-b", 0.25), ("org-c", 0.125), ("org-d", 0.08), ("org-e", 0.045)]
BIG = ORGS[0][0]
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)

#: The rows, made inside PostgreSQL; n is the number of jobs.
FILL_SQL = """
INSERT INTO task_executions (
    id, organization_id, user_name, name, task_id, task_version, parameters, status,
    engine_used, queue, priority, progress_done, progress_total, attempt, error,
    execution_metrics, resource_usage, pipeline_id, parent_id, created_at, started_at,
    finished_at, updated_at, version)
SELECT
    md5(r.g::text || %(seed)s)::uuid::text,
    CASE WHEN r.o < 0.5 THEN 'org-a' WHEN r.o < 0.75 THEN 'org-b' WHEN r.o < 0.875 THEN 'org-c'
         WHEN r.o < 0.955 THEN 'org-d' ELSE 'org-e' END,
    'user' || (floor(r.u * 40))::int,
    CASE WHEN r.nm < 0.6 THEN
        (ARRAY['kinase screen', 'GPCR batch', 'protease redock', 'fragment sweep',
               'covalent hits', 'lead series'])[1 + floor(r.nm / 0.1)::int] || ' '
        || (floor(r.u * 1000))::int END,
    CASE WHEN r.t < 0.7 THEN 'dock' WHEN r.t < 0.8 THEN 'prepare_ligands'
         WHEN r.t < 0.9 THEN 'prepare_receptor' WHEN r.t < 0.95 THEN 'pipeline'
         ELSE 'score' END,
    '1',
    '{"exhaustiveness": 8, "num_poses": 9}'::jsonb,
    s.status,
    CASE WHEN r.e < 0.6 THEN 'vina' WHEN r.e < 0.8 THEN 'smina' WHEN r.e < 0.95 THEN 'gnina' END,
    'docking.default',
    CASE WHEN r.p < 0.1 THEN 9 ELSE 0 END,
    CASE WHEN s.status = 'succeeded' THEN 10 ELSE floor(r.p * 10)::int END,
    10,
    CASE WHEN s.status IN ('submitted', 'queued') THEN 0 ELSE 1 END,
    CASE WHEN s.status IN ('failed', 'dead_lettered') THEN
        '{"code": "engine_error", "message": "vina exited with status 1"}'::jsonb END,
    '{}'::jsonb,
    '{}'::jsonb,
    NULL, NULL,
    c.created,
    CASE WHEN s.status NOT IN ('submitted', 'queued') THEN c.created + interval '5 seconds' END,
    CASE WHEN s.status IN ('succeeded', 'failed', 'cancelled', 'dead_lettered')
         THEN c.created + r.d * interval '3 hours' END,
    c.created + r.d * interval '3 hours' + interval '5 seconds',
    1
FROM (SELECT g, random() AS o, random() AS u, random() AS nm, random() AS t, random() AS e,
             random() AS p, random() AS d, random() AS st, random() AS c
      FROM generate_series(1, %(n)s) AS g) AS r,
LATERAL (SELECT CASE WHEN r.st < 0.80 THEN 'succeeded' WHEN r.st < 0.88 THEN 'failed'
                     WHEN r.st < 0.93 THEN 'queued' WHEN r.st < 0.97 THEN 'cancelled'
                     WHEN r.st < 0.98 THEN 'running' WHEN r.st < 0.99 THEN 'submitted'
                     WHEN r.st < 0.995 THEN 'retrying' ELSE 'dead_lettered' END AS status) AS s,
LATERAL (SELECT CAST(%(now)s AS timestamptz) - r.c * interval '365 days' AS created) AS c
"""


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def schema_url(schema: str) -> str:
    """The benchmark database URL with ``schema`` first in the search path."""
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


def fill(schema: str, jobs: int) -> dict[str, float]:
    """Create ``schema``, migrate it, and load ``jobs`` jobs; seconds of each step."""
    timings: dict[str, float] = {}
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    store = Store(schema_url(schema))
    store.upgrade()
    with store.unit_of_work() as uow:
        for org, _ in ORGS:
            uow.organizations.ensure(org)
    store.dispose()
    with psycopg.connect(schema_url(schema), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
            "AND tablename = 'task_executions' AND indexname NOT LIKE 'pk_%%'",
            (schema,),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{schema}"."{name}"')
        started = time.perf_counter()
        conn.execute(FILL_SQL, {"n": jobs, "seed": schema, "now": NOW})
        timings["insert"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        timings["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("ANALYZE task_executions")
        timings["analyze"] = time.perf_counter() - started
    return timings


def cases(sample_id: str) -> dict[str, dict[str, Any]]:
    """The listings timed: repository keyword arguments (API query derived from them)."""
    week = NOW - dt.timedelta(days=7)
    month = NOW - dt.timedelta(days=30)
    quarter_start, quarter_end = NOW - dt.timedelta(days=200), NOW - dt.timedelta(days=110)
    return {
        "newest first, no filter": {},
        "status=failed": {"status": ["failed"]},
        "status=running,queued": {"status": ["running", "queued"]},
        "status=dead_lettered (0.5 %)": {"status": ["dead_lettered"]},
        "task_id=prepare_receptor": {"task_id": "prepare_receptor"},
        "engine=gnina": {"engine": "gnina"},
        "user=user7": {"user": "user7"},
        "last 7 days": {"since": week},
        "a 90-day window in the past": {"since": quarter_start, "until": quarter_end},
        "failed + smina + last 30 days": {
            "status": ["failed"],
            "engine": "smina",
            "since": month,
        },
        "text 'kinase' (10 % of jobs)": {"text": "kinase"},
        "text 'protease redock 77' (rare)": {"text": "protease redock 77"},
        "text = 8 characters of one job id": {"text": sample_id[:8]},
        "text 'lead' + status=failed": {"text": "lead", "status": ["failed"]},
        "sort=created_at (oldest first)": {"sort": "created_at"},
        "sort=-updated_at": {"sort": "-updated_at"},
        "sort=status": {"sort": "status"},
        "sort=-priority": {"sort": "-priority"},
        "sort=-priority + engine=vina": {"sort": "-priority", "engine": "vina"},
    }


def api_query(filters: dict[str, Any]) -> dict[str, str]:
    """The ``GET /jobs`` query of repository filters."""
    names = {"text": "q"}
    query: dict[str, str] = {}
    for key, value in filters.items():
        if isinstance(value, list):
            value = ",".join(value)
        elif isinstance(value, dt.datetime):
            value = value.isoformat()
        query[names.get(key, key)] = str(value)
    return query


def timed(call: Callable[[str | None], str | None], repeat: int) -> dict[str, list[float]]:
    """Seconds of the first page and of the fifth (the cursor followed), ``repeat`` times."""
    first: list[float] = []
    fifth: list[float] = []
    call(None)  # warm the connection and the plan cache
    for _ in range(repeat):
        started = time.perf_counter()
        cursor = call(None)
        first.append(time.perf_counter() - started)
        for _ in range(3):
            cursor = call(cursor) if cursor else None
        if cursor:
            started = time.perf_counter()
            call(cursor)
            fifth.append(time.perf_counter() - started)
    return {"first": first, "fifth": fifth}


def api_timings(
    http: httpx.Client, filters: dict[str, Any], repeat: int
) -> tuple[dict[str, list[float]], int]:
    """:func:`timed` through ``GET /jobs``, and the most jobs one page had."""
    query = api_query(filters)
    counts: list[int] = []

    def call(after: str | None) -> str | None:
        params = {**query, "limit": "50", **({"after": after} if after else {})}
        response = http.get("jobs", params=params)
        response.raise_for_status()
        body = response.json()
        counts.append(len(body["jobs"]))
        cursor: str | None = body["next_cursor"]
        return cursor

    return timed(call, repeat), max(counts)


def ms(values: list[float]) -> str:
    """``p50 / p95`` in milliseconds."""
    if not values:
        return "(no 5th page)"
    return f"{percentile(values, 50) * 1000:.1f} / {percentile(values, 95) * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", help="schema to keep (reused when it is already filled)")
    args = parser.parse_args()
    schema = args.keep or f"bench_jobs_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    url = schema_url(schema)
    store = Store(url)
    try:
        timings = {} if exists else fill(schema, args.jobs)
        with store.engine.connect() as db:
            total = db.exec_driver_sql("SELECT count(*) FROM task_executions").scalar_one()
            big = db.exec_driver_sql(
                "SELECT count(*) FROM task_executions WHERE organization_id = %(o)s", {"o": BIG}
            ).scalar_one()
            sample = db.exec_driver_sql(
                "SELECT id FROM task_executions WHERE organization_id = %(o)s "
                "ORDER BY created_at LIMIT 1 OFFSET 12345",
                {"o": BIG},
            ).scalar_one()
        rows: list[tuple[str, dict[str, list[float]], dict[str, list[float]], int]] = []
        floor: list[float] = []
        listings = cases(sample)

        def repo_call(filters: dict[str, Any]) -> Callable[[str | None], str | None]:
            def call(after: str | None) -> str | None:
                with store.unit_of_work() as uow:
                    page = uow.jobs.list(BIG, limit=50, after=after, **filters)
                return page.next_cursor

            return call

        direct = {}
        for name, filters in listings.items():
            direct[name] = timed(repo_call(filters), args.repeat)
            print("repository", name, ms(direct[name]["first"]), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            env = {"MADLAB_DATABASE_URL": url, "MADLAB_ORGANIZATION": BIG}
            with server(Path(tmp), env) as (base, token, _):
                headers = {"Authorization": f"token {token}"}
                with httpx.Client(base_url=f"{base}madlab/api/v1/", headers=headers) as http:
                    for _ in range(args.repeat * 5):  # the server's cost of any request
                        started = time.perf_counter()
                        http.get("tasks").raise_for_status()
                        floor.append(time.perf_counter() - started)
                    for name, filters in listings.items():
                        through_api, count = api_timings(http, filters, args.repeat)
                        rows.append((name, direct[name], through_api, count))
                        print("api", name, ms(through_api["first"]), flush=True)
    finally:
        store.dispose()
        if not args.keep:
            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    with psycopg.connect(POSTGRES) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        trgm = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm'"
        ).fetchone()
    all_api = [t for _, _, api, _ in rows for t in api["first"] + api["fifth"]]
    all_repo = [t for _, repo, _, _ in rows for t in repo["first"] + repo["fifth"]]
    lines = [
        "# Job listings on 1,000,000 jobs in PostgreSQL",
        "",
        f"Run {dt.date.today()} on {platform.machine()}, {os.cpu_count()} CPUs (shared with other "
        f"work), Python {platform.python_version()}, PostgreSQL {version[0] if version else '?'}"
        f" (shared_buffers 128 MB), pg_trgm {trgm[0] if trgm else 'not installed'}.",
        "",
        f"{total:,} jobs in 5 organizations; every listing reads the largest, {BIG} "
        f"({big:,} jobs), 50 a page, {args.repeat} times. Data as described in "
        "`benchmarks/jobs_list_pg.py` (a year of jobs, realistic state/engine/task mixes).",
    ]
    if timings:
        lines.append(
            f"Fill: insert {timings['insert']:.0f} s, indexes {timings['indexes']:.0f} s, "
            f"analyze {timings['analyze']:.0f} s."
        )
    lines += [
        "",
        "p50 / p95 in ms; *page 5* follows the cursor from page 1. API: `GET /jobs` of a live "
        "Jupyter server, one client (HTTP, auth, JSON of 50 jobs included).",
        "",
        "| listing | repository page 1 | repository page 5 | API page 1 | API page 5 | rows |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, repo, api, count in rows:
        lines.append(
            f"| {name} | {ms(repo['first'])} | {ms(repo['fifth'])} | {ms(api['first'])} "
            f"| {ms(api['fifth'])} | {count} |"
        )
    lines += [
        "",
        f"Over every listing and page: repository p50 {percentile(all_repo, 50) * 1000:.1f} ms, "
        f"p95 {percentile(all_repo, 95) * 1000:.1f} ms, max {max(all_repo) * 1000:.1f} ms; "
        f"API p50 {percentile(all_api, 50) * 1000:.1f} ms, p95 "
        f"{percentile(all_api, 95) * 1000:.1f} ms, max {max(all_api) * 1000:.1f} ms "
        f"(goal: p95 under 100 ms).",
        "",
        f"For scale, `GET /tasks` (a cached body, no database) through the same server and "
        f"client: p50 {percentile(floor, 50) * 1000:.1f} ms, p95 "
        f"{percentile(floor, 95) * 1000:.1f} ms: the part of an API time that is HTTP, "
        "authentication and the machine's scheduling, not the listing.",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    print(f"mean API page: {statistics.fmean(all_api) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
