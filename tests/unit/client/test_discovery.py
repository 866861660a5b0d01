"""Finding the madlab API from the environment a client runs in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from madlab.client import API_PATH, MadlabClient, discover
from madlab.errors import ServiceUnavailableError


def test_cli_variables_come_first(tmp_path: Path) -> None:
    env = {
        "MADLAB_API_URL": "http://lab.example:8888/",
        "MADLAB_API_TOKEN": "secret",
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:9999/user/ann/",
    }
    conn = discover(env, runtime_dir=tmp_path)
    assert conn.url == f"http://lab.example:8888/{API_PATH}"
    assert conn.token == "secret" and conn.source == "MADLAB_API_URL"


def test_an_api_url_is_kept_as_given(tmp_path: Path) -> None:
    conn = discover({"MADLAB_API_URL": f"http://h/{API_PATH}/"}, runtime_dir=tmp_path)
    assert conn.url == f"http://h/{API_PATH}"
    assert conn.token is None


def test_hub_kernel_uses_the_madlab_service_then_the_users_server(tmp_path: Path) -> None:
    env = {
        "JUPYTERHUB_API_TOKEN": "hubtok",
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:9999/user/ann/",
    }
    conn = discover(env, runtime_dir=tmp_path)
    assert conn.url == f"http://127.0.0.1:9999/user/ann/{API_PATH}"
    assert conn.token == "hubtok"
    env["MADLAB_HUB_SERVICE_URL"] = "https://hub.example/services/madlab/"
    conn = discover(env, runtime_dir=tmp_path)
    assert conn.url == f"https://hub.example/services/madlab/{API_PATH}"
    assert conn.source == "MADLAB_HUB_SERVICE_URL" and conn.token == "hubtok"


def test_lab_kernel_finds_the_server_that_started_it(tmp_path: Path) -> None:
    for pid, port in ((101, 8888), (202, 8889)):
        info = {"pid": pid, "url": f"http://localhost:{port}/lab-base/", "token": f"t{pid}"}
        (tmp_path / f"jpserver-{pid}.json").write_text(json.dumps(info))
    (tmp_path / "jpserver-303.json").write_text("{not json")
    conn = discover({"JPY_PARENT_PID": "202"}, runtime_dir=tmp_path)
    assert conn.url == f"http://localhost:8889/lab-base/{API_PATH}"
    assert conn.token == "t202" and conn.source == "jupyter-server"
    # a kernel of an unknown parent takes the first running server
    assert discover({}, runtime_dir=tmp_path).token == "t101"


def test_nothing_found_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ServiceUnavailableError) as err:
        discover({}, runtime_dir=tmp_path)
    assert "MADLAB_API_URL" in str(err.value.hint)


def test_client_sends_token_and_organization() -> None:
    with MadlabClient("http://h:1", "tok", organization="acme") as client:
        assert client.url == f"http://h:1/{API_PATH}"
        assert client.headers["Authorization"] == "token tok"
        assert client.headers["X-Madlab-Organization"] == "acme"


def test_unreachable_server_is_a_typed_error() -> None:
    client = MadlabClient("http://127.0.0.1:9", "tok", timeout=2)
    with client, pytest.raises(ServiceUnavailableError) as err:
        client.tasks()
    assert "cannot reach the madlab API" in err.value.message
