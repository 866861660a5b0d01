"""Prometheus metrics of the API: ``GET <base>/madlab/api/v1/metrics``.

- ``madlab_jobs{organization,state}``: jobs per state, read from the store at
  each scrape (the store is the truth, so every server and worker agrees);
- ``madlab_queue_depth``: jobs waiting for a worker (submitted, queued, retrying);
- ``madlab_api_request_duration_seconds{route,method,status}``: latency of
  this process's API requests per route pattern, method and status class;
- ``madlab_submission_batch_size``: how many execute requests each store
  transaction recorded (:mod:`madlab_server.batching`; 1 when idle, more
  under load);
- ``madlab_workers_live`` and ``madlab_worker_heartbeat_age_seconds{worker}``:
  worker health from the service registry.

Who may read it: a scraper sending ``Authorization: Bearer <token>`` with the
metrics token (``MADLAB_METRICS_TOKEN``; unset: no token works), or an
authenticated user who administers their organization. Everyone else gets 401
or 403.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from tornado import web

from madlab.bootstrap import Services
from madlab.domain.jobs import JobStatus
from madlab.domain.workers import WorkerStatus
from madlab_server.handlers.base import MadlabHandler

#: Settings key of the :class:`ApiMetrics` in the Tornado application.
SETTINGS_KEY = "madlab_metrics"

#: Environment variable holding the scrapers' bearer token.
TOKEN_VARIABLE = "MADLAB_METRICS_TOKEN"

#: Latency buckets (seconds): from a cached read to a slow upload.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: Batch size buckets (submissions per transaction).
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200)

_WAITING = (JobStatus.SUBMITTED, JobStatus.QUEUED, JobStatus.RETRYING)
_GROUP = re.compile(r"\([^)]*\)")


def route_label(pattern: str) -> str:
    """``jobs/([^/]+)/results`` -> ``jobs/{}/results``: a route's label without its ids."""
    return _GROUP.sub("{}", pattern)


class StoreCollector(Collector):
    """Jobs per organization and state, queue depth and worker health, from the store."""

    def __init__(self, services: Services, clock: Callable[[], datetime] | None = None) -> None:
        self.services = services
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges as of now (one short read transaction)."""
        jobs = GaugeMetricFamily(
            "madlab_jobs", "Jobs per organization and state", labels=["organization", "state"]
        )
        depth = GaugeMetricFamily(
            "madlab_queue_depth", "Jobs waiting for a worker (submitted, queued or retrying)"
        )
        live = GaugeMetricFamily(
            "madlab_workers_live", "Workers online or busy with a recent heartbeat"
        )
        age = GaugeMetricFamily(
            "madlab_worker_heartbeat_age_seconds",
            "Seconds since each registered worker's last heartbeat",
            labels=["worker", "status"],
        )
        now = self.clock()
        cutoff = now - timedelta(seconds=self.services.settings.worker_timeout_s)
        waiting = 0
        healthy = 0
        with self.services.store.unit_of_work() as uow:
            for org in uow.organizations.list():
                for state, count in sorted(uow.jobs.counts(org.id).items()):
                    jobs.add_metric([org.id, state.value], count)
                    waiting += count if state in _WAITING else 0
            for worker in uow.workers.list():
                seen = worker.last_heartbeat
                if seen.tzinfo is None:
                    seen = seen.replace(tzinfo=timezone.utc)
                age.add_metric([worker.name, worker.status.value], (now - seen).total_seconds())
                if worker.status in (WorkerStatus.ONLINE, WorkerStatus.BUSY) and seen >= cutoff:
                    healthy += 1
        depth.add_metric([], waiting)
        live.add_metric([], healthy)
        yield from (jobs, depth, live, age)


class ApiMetrics:
    """The metrics of one API process: its own registry, latency histogram and store gauges.

    Parameters
    ----------
    services
        The core services (store, settings).
    routes
        The API's ``(pattern, handler class)`` pairs; only their requests are timed.
    token
        Bearer token of scrapers (default ``MADLAB_METRICS_TOKEN``; empty: none).
    """

    def __init__(
        self,
        services: Services,
        routes: Iterable[tuple[str, Any]],
        token: str | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.token = os.environ.get(TOKEN_VARIABLE, "") if token is None else token
        self.latency = Histogram(
            "madlab_api_request_duration_seconds",
            "API request latency in this process, per route pattern, method and status class",
            ["route", "method", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "madlab_submission_batch_size",
            "Execute requests recorded per store transaction in this process",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(StoreCollector(services))
        self._routes = {handler: route_label(pattern) for pattern, handler in routes}

    def observe(self, handler: web.RequestHandler) -> None:
        """Record one finished request of an API route (others are ignored)."""
        route = self._routes.get(type(handler))
        if route is None:
            return
        status = f"{handler.get_status() // 100}xx"
        method = handler.request.method or "GET"
        self.latency.labels(route, method, status).observe(handler.request.request_time())

    def install(self, app: web.Application) -> None:
        """Time every request of ``app`` through its log function (kept as it was)."""
        logger = app.settings.get("log_function")

        def log_and_observe(handler: web.RequestHandler) -> None:
            self.observe(handler)
            if logger is not None:
                logger(handler)
            else:  # pragma: no cover - jupyter_server always sets one
                app.log_request(handler)

        app.settings["log_function"] = log_and_observe

    def is_scraper(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header carries the metrics token."""
        if not self.token or not authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode(), self.token.encode())

    def render(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return bytes(generate_latest(self.registry))


class MetricsHandler(MadlabHandler):
    """``GET /metrics``: for the metrics token's bearer or an organization admin."""

    @property
    def metrics(self) -> ApiMetrics:
        """The process's metrics."""
        metrics: ApiMetrics = self.settings[SETTINGS_KEY]
        return metrics

    async def prepare(self) -> None:  # type: ignore[override]
        """Let the scraper's token through; otherwise require an admin user."""
        if self.metrics.is_scraper(self.request.headers.get("Authorization")):
            self._scraper = True
            self.current_user = self._jupyter_current_user = None
            return
        self._scraper = False
        await super().prepare()
        if self.request.method != "OPTIONS":  # CORS preflight: no user, nothing served
            self.caller.require_admin("read the metrics")

    def check_xsrf_cookie(self) -> None:
        """GET only: nothing to forge."""

    def get(self) -> None:
        """The metrics as of now."""
        started = time.perf_counter()
        body = self.metrics.render()
        self.set_header("X-Madlab-Render-Seconds", f"{time.perf_counter() - started:.4f}")
        self.finish(body, set_content_type=CONTENT_TYPE_LATEST)
