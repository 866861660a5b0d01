"""Typed Python client of madlab's REST API (sync and async, over httpx).

Used by widgets, notebooks and the CLI. :func:`discover` finds the API and a
token wherever the code runs:

1. ``MADLAB_API_URL`` and ``MADLAB_API_TOKEN`` (the CLI, scripts, CI);
2. a JupyterHub user's kernel, with ``JUPYTERHUB_API_TOKEN``: the madlab hub
   service at ``MADLAB_HUB_SERVICE_URL``, else at
   ``<hub>/services/madlab/`` from the hub's public URL
   (``JUPYTERHUB_PUBLIC_HUB_URL``, set when the hub has a ``public_url``;
   ``MADLAB_HUB_SERVICE`` names another service), else the user's own server
   (``JUPYTERHUB_SERVICE_URL``, when it runs the extension itself);
3. a JupyterLab kernel: the running Jupyter server that started the kernel
   (``JPY_PARENT_PID``), read from its ``jpserver-<pid>.json`` runtime file.

Errors of the API come back as the madlab errors they were on the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict

from madlab.errors import (
    ConflictError,
    FileTooLargeError,
    MadlabError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    TimedOutError,
    ValidationError,
)

#: Path of the API under a Jupyter server's base URL.
API_PATH = "madlab/api/v1"

#: Name of the JupyterHub service serving the API in hub mode (``MADLAB_HUB_SERVICE``).
HUB_SERVICE = "madlab"

#: Seconds between checks of an event reader's stop flag.
STOP_POLL_S = 0.25

M = TypeVar("M", bound=BaseModel)


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class TaskInfo(_Model):
    """A task definition as the API returns it."""

    task_id: str
    version: str
    name: str
    category: str
    status: str
    builtin: bool
    interface_spec: dict[str, Any]
    service_config: dict[str, Any]
    description: str = ""


class JobInfo(_Model):
    """A job: status, progress, metrics (``history`` when read one by one)."""

    id: str
    organization_id: str
    user: str
    task_id: str
    task_version: str
    status: str
    created_at: str
    parameters: dict[str, Any] = {}
    progress: float | None = None
    error: dict[str, Any] | None = None
    name: str | None = None
    history: list[dict[str, Any]] = []

    @property
    def is_final(self) -> bool:
        """True once the job can no longer change."""
        return self.status in {"succeeded", "failed", "cancelled", "dead_lettered"}


class JobPage(_Model):
    """One page of jobs and the cursor of the next (``None`` on the last)."""

    jobs: list[JobInfo]
    next_cursor: str | None = None


class FileInfo(_Model):
    """An uploaded molecular file of the organization."""

    id: str
    name: str
    format: str
    size: int
    key: str
    records: int = 0
    atoms: int = 0
    warnings: list[str] = []


class PipelineInfo(_Model):
    """A saved pipeline."""

    id: str
    name: str
    version: str
    spec: dict[str, Any]
    created_by: str
    is_template: bool = False
    visibility: str = "private"


class ServiceInfo(_Model):
    """A registered worker and its health."""

    name: str
    status: str
    healthy: bool
    capabilities: dict[str, Any] = {}


@dataclass(frozen=True)
class Connection:
    """Where the API is (``url`` ends with ``/madlab/api/v1``) and the token to use."""

    url: str
    token: str | None = None
    source: str = "arguments"


def _api_url(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith(API_PATH) else f"{base}/{API_PATH}"


def _hub_service_url(public_hub_url: str, service: str) -> str:
    """``https://hub.example/hub/`` and ``madlab`` -> ``https://hub.example/services/madlab/``."""
    base = public_hub_url.rstrip("/")
    if base.endswith("/hub"):
        base = base[: -len("/hub")]
    return f"{base}/services/{service}/"


def _running_server(env: Mapping[str, str], runtime_dir: Path | None) -> Connection | None:
    if runtime_dir is None:
        try:
            from jupyter_core.paths import jupyter_runtime_dir
        except ImportError:  # pragma: no cover - jupyter_core comes with jupyter_server
            return None
        runtime_dir = Path(jupyter_runtime_dir())
    servers = []
    for path in sorted(runtime_dir.glob("jpserver-*.json")):
        try:
            servers.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    parent = env.get("JPY_PARENT_PID")
    mine = [s for s in servers if parent and str(s.get("pid")) == parent]
    chosen = (mine or servers or [None])[0]
    if chosen is None or not chosen.get("url"):
        return None
    return Connection(_api_url(str(chosen["url"])), chosen.get("token") or None, "jupyter-server")


def discover(
    env: Mapping[str, str] | None = None, *, runtime_dir: Path | None = None
) -> Connection:
    """Find the API's URL and token from the environment.

    Parameters
    ----------
    env
        Environment to read (default ``os.environ``).
    runtime_dir
        Jupyter runtime folder to look for running servers in (default: Jupyter's).

    Raises
    ------
    madlab.errors.ServiceUnavailableError
        When no API can be found; the hint names the variables to set.
    """
    env = os.environ if env is None else env
    if env.get("MADLAB_API_URL"):
        return Connection(
            _api_url(env["MADLAB_API_URL"]), env.get("MADLAB_API_TOKEN") or None, "MADLAB_API_URL"
        )
    hub_token = env.get("JUPYTERHUB_API_TOKEN") or None
    if env.get("MADLAB_HUB_SERVICE_URL"):
        url = env["MADLAB_HUB_SERVICE_URL"]
        return Connection(_api_url(url), hub_token, "MADLAB_HUB_SERVICE_URL")
    if hub_token and env.get("JUPYTERHUB_PUBLIC_HUB_URL"):
        service = env.get("MADLAB_HUB_SERVICE") or HUB_SERVICE
        url = _hub_service_url(env["JUPYTERHUB_PUBLIC_HUB_URL"], service)
        return Connection(_api_url(url), hub_token, "JUPYTERHUB_PUBLIC_HUB_URL")
    if env.get("JUPYTERHUB_SERVICE_URL"):
        url = env["JUPYTERHUB_SERVICE_URL"]
        return Connection(_api_url(url), hub_token, "JUPYTERHUB_SERVICE_URL")
    found = _running_server(env, runtime_dir)
    if found is not None:
        return found
    raise ServiceUnavailableError(
        "no madlab API found: not in a Jupyter kernel and MADLAB_API_URL is not set",
        service="madlab-api",
        hint="set MADLAB_API_URL (the Jupyter server's URL) and MADLAB_API_TOKEN",
    )


def _error(response: httpx.Response) -> MadlabError:
    try:
        body = response.json().get("error") or {}
    except (ValueError, AttributeError):
        body = {}
    message = str(body.get("message") or f"HTTP {response.status_code} from {response.url}")
    hint = body.get("hint")
    status = response.status_code
    if status == 404:
        return NotFoundError(str(body.get("kind", "resource")), body.get("key", response.url.path))
    if status == 413:
        return FileTooLargeError(message, hint=hint, limit=body.get("limit"))
    if status in (400, 422):
        return ValidationError(
            message, field=body.get("field"), hint=hint, errors=body.get("errors")
        )
    if status == 403:
        return PermissionDeniedError(message, hint=hint)
    if status == 409:
        return ConflictError(message, hint=hint)
    if status == 429:
        retry = float(response.headers.get("Retry-After") or body.get("retry_after") or 1)
        return RateLimitedError(message, retry_after=retry, hint=hint)
    if status in (502, 503, 504):
        return ServiceUnavailableError(message, hint=hint, service="madlab-api")
    return MadlabError(message, hint=hint, status=status)


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise _error(response)
    return response


def _unreachable(url: str, err: Exception) -> ServiceUnavailableError:
    return ServiceUnavailableError(
        f"cannot reach the madlab API at {url}: {err}",
        service="madlab-api",
        hint="check that the Jupyter server with the madlab extension is running",
    )


def _results_query(
    top: int | None,
    order_by: str,
    receptor: str | None,
    smarts: str | None,
    ranges: Mapping[str, tuple[float | None, float | None]] | None,
    fmt: str,
) -> dict[str, Any]:
    """Query arguments of ``GET /pipelines/{id}/runs/{run}/results``."""
    params: dict[str, Any] = {"order_by": order_by, "format": fmt}
    if top is not None:
        params["top"] = top
    if receptor:
        params["receptor"] = receptor
    if smarts:
        params["smarts"] = smarts
    for name, (low, high) in (ranges or {}).items():
        if low is not None:
            params[f"min_{name}"] = low
        if high is not None:
            params[f"max_{name}"] = high
    return params


class _Base:
    def __init__(
        self,
        url: str | None,
        token: str | None,
        organization: str | None,
        env: Mapping[str, str] | None,
    ) -> None:
        conn = Connection(_api_url(url), token) if url else discover(env)
        self.url = conn.url
        self.headers = {"Accept": "application/json"}
        if token or conn.token:
            self.headers["Authorization"] = f"token {token or conn.token}"
        if organization:
            self.headers["X-Madlab-Organization"] = organization

    def _events_url(self, job_id: str | None, pipeline_id: str | None) -> str:
        query = httpx.QueryParams(self._filters({"job_id": job_id, "pipeline_id": pipeline_id}))
        base = "ws" + self.url.removeprefix("http")
        return f"{base}/events" + (f"?{query}" if query else "")

    @staticmethod
    def _filters(filters: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in filters.items():
            if value is None:
                continue
            if key == "status" and not isinstance(value, str):
                value = ",".join(value)
            out["q" if key == "text" else key] = value
        return out


class MadlabClient(_Base):
    """Synchronous client.

    Parameters
    ----------
    url
        The Jupyter server's URL (or the API's); found by :func:`discover` if omitted.
    token
        The Jupyter token.
    organization
        For users of several organizations: the one to work in.
    timeout
        Seconds per request.
    env
        Environment for :func:`discover`.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        organization: str | None = None,
        timeout: float = 30.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(url, token, organization, env)
        self._http = httpx.Client(base_url=self.url + "/", headers=self.headers, timeout=timeout)

    def __enter__(self) -> MadlabClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call; errors come back as madlab errors."""
        try:
            return _check(self._http.request(method, path, **kwargs))
        except httpx.TransportError as err:
            raise _unreachable(self.url, err) from None

    def _get(self, model: type[M], path: str, **kwargs: Any) -> M:
        return model.model_validate(self.request("GET", path, **kwargs).json())

    def tasks(self, category: str | None = None) -> list[TaskInfo]:
        """Task definitions of the organization, optionally of one category."""
        data = self.request("GET", "tasks", params=self._filters({"category": category})).json()
        return [TaskInfo.model_validate(t) for t in data["tasks"]]

    def task(self, task_id: str, version: str | None = None) -> TaskInfo:
        """One task definition (the newest active version by default)."""
        return self._get(TaskInfo, f"tasks/{task_id}", params=self._filters({"version": version}))

    def register_task(self, definition: Mapping[str, Any]) -> TaskInfo:
        """Register a task or a new version (organization admins)."""
        return TaskInfo.model_validate(self.request("POST", "tasks", json=definition).json())

    def execute(self, task_id: str, params: Mapping[str, Any], **options: Any) -> JobInfo:
        """Submit a job (``version``, ``priority``, ``requires``, ``name`` as options)."""
        body = {"params": dict(params), **options}
        return JobInfo.model_validate(
            self.request("POST", f"tasks/{task_id}/execute", json=body).json()
        )

    def jobs(self, sort: str | None = None, **filters: Any) -> JobPage:
        """One page of jobs: ``status``, ``task_id``, ``engine``, ``user``, ``since``,
        ``until``, ``text``, ``limit``, ``after``; ``sort`` is one of ``-created_at``
        (the default), ``created_at``, ``-updated_at``, ``updated_at``, ``status``,
        ``-status``, ``-priority``, ``priority`` (keep it for every page)."""
        return self._get(JobPage, "jobs", params=self._filters({**filters, "sort": sort}))

    def iter_jobs(self, **filters: Any) -> Iterator[JobInfo]:
        """Every job matching the filters, page after page."""
        while True:
            page = self.jobs(**filters)
            yield from page.jobs
            if not page.next_cursor:
                return
            filters["after"] = page.next_cursor

    def job(self, job_id: str) -> JobInfo:
        """One job with its history."""
        return self._get(JobInfo, f"jobs/{job_id}")

    def cancel(self, job_id: str) -> JobInfo:
        """Cancel a job."""
        return JobInfo.model_validate(self.request("POST", f"jobs/{job_id}/cancel").json())

    def wait(self, job_id: str, timeout: float = 600.0, poll_s: float = 1.0) -> JobInfo:
        """Poll until the job ends (``TimedOutError`` after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job.is_final:
                return job
            if time.monotonic() >= deadline:
                raise TimedOutError(f"job {job_id} is still {job.status} after {timeout:g} s")
            time.sleep(poll_s)

    def results(self, job_id: str, *, poses: bool = True) -> list[dict[str, Any]]:
        """Per-ligand results, best first, with poses unless ``poses=False``."""
        params = {"poses": "true" if poses else "false"}
        data: list[dict[str, Any]] = self.request(
            "GET", f"jobs/{job_id}/results", params=params
        ).json()["results"]
        return data

    def download(self, job_id: str, format: str = "sdf") -> str:
        """Every pose of a job as SDF, or its table as CSV."""
        return self.request("GET", f"jobs/{job_id}/download", params={"format": format}).text

    def pose(self, job_id: str, result_id: int, rank: int = 1, format: str = "sdf") -> str:
        """One pose as SDF or PDB text."""
        path = f"jobs/{job_id}/results/{result_id}/poses/{rank}"
        return self.request("GET", path, params={"format": format}).text

    def upload(self, path: str | Path, name: str | None = None) -> FileInfo:
        """Upload a molecular file (streamed); the server validates it."""
        path = Path(path)
        with path.open("rb") as stream:
            response = self.request(
                "POST",
                "files",
                params={"name": name or path.name},
                content=stream,
                # the server may answer (413, 429) before reading the whole body and
                # drop the connection: never reuse it for the next request
                headers={"Content-Type": "application/octet-stream", "Connection": "close"},
            )
        return FileInfo.model_validate(response.json())

    def files(self) -> list[FileInfo]:
        """The organization's files, newest first."""
        return [FileInfo.model_validate(f) for f in self.request("GET", "files").json()["files"]]

    def file_content(self, file_id: str) -> bytes:
        """A file's bytes as uploaded."""
        return self.request("GET", f"files/{file_id}/content").content

    def delete_file(self, file_id: str) -> None:
        """Delete a file of the organization."""
        self.request("DELETE", f"files/{file_id}")

    def create_pipeline(self, name: str, spec: Mapping[str, Any], **options: Any) -> PipelineInfo:
        """Save a pipeline (``version``, ``description``, ``tags`` as options)."""
        body = {"name": name, "spec": dict(spec), **options}
        return PipelineInfo.model_validate(self.request("POST", "pipelines", json=body).json())

    def pipelines(self) -> list[PipelineInfo]:
        """The organization's pipelines."""
        data = self.request("GET", "pipelines").json()["pipelines"]
        return [PipelineInfo.model_validate(p) for p in data]

    def pipeline(self, pipeline_id: str) -> PipelineInfo:
        """One saved pipeline."""
        return self._get(PipelineInfo, f"pipelines/{pipeline_id}")

    def execute_pipeline(self, pipeline_id: str, **body: Any) -> JobInfo:
        """Run a pipeline (``parameters``, ``optimization``, ``mode``, ``name``)."""
        response = self.request("POST", f"pipelines/{pipeline_id}/execute", json=body)
        return JobInfo.model_validate(response.json())

    def save_as_template(self, pipeline_id: str, visibility: str = "private") -> PipelineInfo:
        """Save a copy of a pipeline as a template: ``private`` (you), ``organization``
        or ``public`` (read-only to every organization)."""
        response = self.request(
            "POST", f"pipelines/{pipeline_id}/template", json={"visibility": visibility}
        )
        return PipelineInfo.model_validate(response.json())

    def templates(self) -> list[PipelineInfo]:
        """Templates you may use: the organization's, then public ones."""
        data = self.request("GET", "pipelines/templates").json()["templates"]
        return [PipelineInfo.model_validate(p) for p in data]

    def run_results(
        self,
        pipeline_id: str,
        run_id: str,
        *,
        top: int | None = None,
        order_by: str = "score",
        receptor: str | None = None,
        smarts: str | None = None,
        ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    ) -> list[dict[str, Any]]:
        """A pipeline run's docked ligands, ranked and filtered like Ringtail.

        ``order_by`` is ``score`` or ``ligand_efficiency``; ``ranges`` maps a
        property (``affinity``, ``ligand_efficiency``, ``heavy_atoms``, ``mw``,
        ``logp``, ``hbd``, ``hba``, ``rotatable_bonds``) to ``(low, high)``,
        either end ``None``; ``smarts`` keeps ligands with that substructure.
        """
        params = _results_query(top, order_by, receptor, smarts, ranges, "json")
        path = f"pipelines/{pipeline_id}/runs/{run_id}/results"
        data: list[dict[str, Any]] = self.request("GET", path, params=params).json()["results"]
        return data

    def export_run_results(
        self, pipeline_id: str, run_id: str, format: str = "sdf", **query: Any
    ) -> str:
        """The same selection as :meth:`run_results`, as SDF (best poses) or CSV text."""
        params = _results_query(
            query.get("top"),
            query.get("order_by", "score"),
            query.get("receptor"),
            query.get("smarts"),
            query.get("ranges"),
            format,
        )
        path = f"pipelines/{pipeline_id}/runs/{run_id}/results"
        return self.request("GET", path, params=params).text

    def services(self) -> list[ServiceInfo]:
        """Registered workers and their health."""
        data = self.request("GET", "services").json()["services"]
        return [ServiceInfo.model_validate(s) for s in data]

    def events(
        self,
        *,
        job_id: str | None = None,
        pipeline_id: str | None = None,
        timeout: float | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Live events over the ``events`` WebSocket, one JSON object each.

        Parameters
        ----------
        job_id, pipeline_id
            Follow one job or one pipeline run (default: the whole organization).
        timeout
            Stop when no event came for this many seconds (default: never).
        stop
            Stop soon after this flag is set (for a reader in another thread).

        Raises
        ------
        madlab.errors.ServiceUnavailableError
            When the socket cannot be opened.
        """
        from websockets.exceptions import ConnectionClosed, InvalidStatus
        from websockets.sync.client import connect

        url = self._events_url(job_id, pipeline_id)
        headers = {k: v for k, v in self.headers.items() if k != "Accept"}
        try:
            socket = connect(url, additional_headers=headers, open_timeout=30)
        except InvalidStatus as err:
            raise _error(
                httpx.Response(
                    err.response.status_code,
                    content=bytes(err.response.body or b""),
                    headers={"Content-Type": "application/json"},
                    request=httpx.Request("GET", url),
                )
            ) from None
        except OSError as err:
            raise _unreachable(self.url, err) from None
        wait = timeout if stop is None else min(timeout or STOP_POLL_S, STOP_POLL_S)
        with socket:
            idle = 0.0
            while stop is None or not stop.is_set():
                try:
                    message = socket.recv(timeout=wait)
                except TimeoutError:
                    idle += wait or 0.0
                    if timeout is not None and idle >= timeout:
                        return
                    continue
                except ConnectionClosed:
                    return
                idle = 0.0
                yield json.loads(message)


class AsyncMadlabClient(_Base):
    """Asynchronous client (same parameters as :class:`MadlabClient`)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        organization: str | None = None,
        timeout: float = 30.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(url, token, organization, env)
        self._http = httpx.AsyncClient(
            base_url=self.url + "/", headers=self.headers, timeout=timeout
        )

    async def __aenter__(self) -> AsyncMadlabClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call; errors come back as madlab errors."""
        try:
            return _check(await self._http.request(method, path, **kwargs))
        except httpx.TransportError as err:
            raise _unreachable(self.url, err) from None

    async def tasks(self, category: str | None = None) -> list[TaskInfo]:
        """Task definitions of the organization."""
        params = self._filters({"category": category})
        data = (await self.request("GET", "tasks", params=params)).json()
        return [TaskInfo.model_validate(t) for t in data["tasks"]]

    async def execute(self, task_id: str, params: Mapping[str, Any], **options: Any) -> JobInfo:
        """Submit a job."""
        body = {"params": dict(params), **options}
        response = await self.request("POST", f"tasks/{task_id}/execute", json=body)
        return JobInfo.model_validate(response.json())

    async def jobs(self, sort: str | None = None, **filters: Any) -> JobPage:
        """One page of jobs (filters and sort as :meth:`MadlabClient.jobs`)."""
        params = self._filters({**filters, "sort": sort})
        response = await self.request("GET", "jobs", params=params)
        return JobPage.model_validate(response.json())

    async def job(self, job_id: str) -> JobInfo:
        """One job with its history."""
        return JobInfo.model_validate((await self.request("GET", f"jobs/{job_id}")).json())

    async def cancel(self, job_id: str) -> JobInfo:
        """Cancel a job."""
        response = await self.request("POST", f"jobs/{job_id}/cancel")
        return JobInfo.model_validate(response.json())

    async def wait(self, job_id: str, timeout: float = 600.0, poll_s: float = 1.0) -> JobInfo:
        """Poll until the job ends (``TimedOutError`` after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            job = await self.job(job_id)
            if job.is_final:
                return job
            if time.monotonic() >= deadline:
                raise TimedOutError(f"job {job_id} is still {job.status} after {timeout:g} s")
            await asyncio.sleep(poll_s)

    async def results(self, job_id: str, *, poses: bool = True) -> list[dict[str, Any]]:
        """Per-ligand results, best first."""
        params = {"poses": "true" if poses else "false"}
        response = await self.request("GET", f"jobs/{job_id}/results", params=params)
        data: list[dict[str, Any]] = response.json()["results"]
        return data

    async def run_results(
        self,
        pipeline_id: str,
        run_id: str,
        *,
        top: int | None = None,
        order_by: str = "score",
        receptor: str | None = None,
        smarts: str | None = None,
        ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    ) -> list[dict[str, Any]]:
        """A pipeline run's docked ligands, ranked and filtered (see the sync client)."""
        params = _results_query(top, order_by, receptor, smarts, ranges, "json")
        path = f"pipelines/{pipeline_id}/runs/{run_id}/results"
        response = await self.request("GET", path, params=params)
        data: list[dict[str, Any]] = response.json()["results"]
        return data

    async def export_run_results(
        self, pipeline_id: str, run_id: str, format: str = "sdf", **query: Any
    ) -> str:
        """The same selection as :meth:`run_results`, as SDF (best poses) or CSV text."""
        params = _results_query(
            query.get("top"),
            query.get("order_by", "score"),
            query.get("receptor"),
            query.get("smarts"),
            query.get("ranges"),
            format,
        )
        path = f"pipelines/{pipeline_id}/runs/{run_id}/results"
        return (await self.request("GET", path, params=params)).text

    async def files(self) -> list[FileInfo]:
        """The organization's files."""
        data = (await self.request("GET", "files")).json()["files"]
        return [FileInfo.model_validate(f) for f in data]

    async def upload(self, path: str | Path, name: str | None = None) -> FileInfo:
        """Upload a molecular file."""
        path = Path(path)
        response = await self.request(
            "POST",
            "files",
            params={"name": name or path.name},
            content=path.read_bytes(),
            headers={"Content-Type": "application/octet-stream", "Connection": "close"},
        )
        return FileInfo.model_validate(response.json())

    async def services(self) -> list[ServiceInfo]:
        """Registered workers and their health."""
        data = (await self.request("GET", "services")).json()["services"]
        return [ServiceInfo.model_validate(s) for s in data]

    async def events(
        self, *, job_id: str | None = None, pipeline_id: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Live events over the ``events`` WebSocket (see :meth:`MadlabClient.events`)."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidStatus

        url = self._events_url(job_id, pipeline_id)
        headers = {k: v for k, v in self.headers.items() if k != "Accept"}
        try:
            socket = await connect(url, additional_headers=headers, open_timeout=30)
        except InvalidStatus as err:
            raise _error(
                httpx.Response(
                    err.response.status_code,
                    content=bytes(err.response.body or b""),
                    headers={"Content-Type": "application/json"},
                    request=httpx.Request("GET", url),
                )
            ) from None
        except OSError as err:
            raise _unreachable(self.url, err) from None
        async with socket:
            while True:
                try:
                    message = await socket.recv()
                except ConnectionClosed:
                    return
                yield json.loads(message)
