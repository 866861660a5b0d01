"""Finding the madlab hub service from a JupyterHub user's kernel."""

from __future__ import annotations

from pathlib import Path

from madlab.client import API_PATH, discover

KERNEL = {
    "JUPYTERHUB_API_TOKEN": "hubtok",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
    "JUPYTERHUB_SERVICE_PREFIX": "/user/ann/",
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:45123/user/ann/",
    "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub.example/hub/",
}


def test_a_hub_kernel_reaches_the_madlab_service_through_the_hubs_public_url(
    tmp_path: Path,
) -> None:
    conn = discover(KERNEL, runtime_dir=tmp_path)
    assert conn.url == f"https://hub.example/services/madlab/{API_PATH}"
    assert conn.token == "hubtok" and conn.source == "JUPYTERHUB_PUBLIC_HUB_URL"


def test_a_hub_under_a_base_url_and_another_service_name(tmp_path: Path) -> None:
    env = {
        **KERNEL,
        "JUPYTERHUB_PUBLIC_HUB_URL": "https://example.org/jhub/hub",
        "MADLAB_HUB_SERVICE": "docking",
    }
    conn = discover(env, runtime_dir=tmp_path)
    assert conn.url == f"https://example.org/jhub/services/docking/{API_PATH}"


def test_an_explicit_service_url_wins_and_without_a_public_url_the_users_server_is_used(
    tmp_path: Path,
) -> None:
    env = {**KERNEL, "MADLAB_HUB_SERVICE_URL": "http://10.0.0.5:8002/services/madlab/"}
    assert discover(env, runtime_dir=tmp_path).url == (
        f"http://10.0.0.5:8002/services/madlab/{API_PATH}"
    )
    env = {k: v for k, v in KERNEL.items() if k != "JUPYTERHUB_PUBLIC_HUB_URL"}
    conn = discover(env, runtime_dir=tmp_path)
    assert conn.url == f"http://127.0.0.1:45123/user/ann/{API_PATH}"
    assert conn.source == "JUPYTERHUB_SERVICE_URL"
