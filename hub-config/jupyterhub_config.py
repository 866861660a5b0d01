"""JupyterHub configuration of the multi-tenant madlab platform.

Start it with ``make run`` (or ``.venv/bin/jupyterhub -f hub-config/jupyterhub_config.py``).

- Users log in at http://127.0.0.1:8000 (demo users below; passwords in the README).
- Organizations are hub groups ``org-<name>``; ``org-<name>-admins`` are their admins.
- Each user gets a JupyterLab server (madlab widgets, Voilà) with the example
  notebooks copied into their home folder; idle servers are stopped.
- The madlab API is the hub-managed service ``madlab`` (``/services/madlab/``):
  it alone holds the store and broker settings (``MADLAB_*``); user servers get
  none and reach the API with their hub token.

Every setting can be moved with an environment variable (defaults in brackets):
``MADLAB_HUB_DIR`` state folder [``$MADLAB_HOME/hub``], ``MADLAB_HUB_IP``
[127.0.0.1], ``MADLAB_HUB_PORT`` [8000], ``MADLAB_HUB_API_PORT`` [8081],
``MADLAB_PROXY_API_PORT`` [8001], ``MADLAB_SERVICE_PORT`` [8002],
``MADLAB_HUB_PUBLIC_URL`` [http://<ip>:<port>/], ``MADLAB_CULL_IDLE_S`` [3600].
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from demo_auth import DemoAuthenticator  # noqa: E402

from madlab.tasks.dock import load_example  # noqa: E402

c = get_config()  # type: ignore[name-defined]  # noqa: F821
env = os.environ

MADLAB_HOME = Path(env.get("MADLAB_HOME") or "~/.madlab").expanduser().resolve()
HUB_DIR = Path(env.get("MADLAB_HUB_DIR") or MADLAB_HOME / "hub").expanduser().resolve()
HUB_DIR.mkdir(parents=True, exist_ok=True)
IP = env.get("MADLAB_HUB_IP", "127.0.0.1")
PORT = int(env.get("MADLAB_HUB_PORT", "8000"))
HUB_API_PORT = int(env.get("MADLAB_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(env.get("MADLAB_PROXY_API_PORT", "8001"))
SERVICE_PORT = int(env.get("MADLAB_SERVICE_PORT", "8002"))
PUBLIC_HOST = "127.0.0.1" if IP in ("", "0.0.0.0", "::") else IP
PUBLIC_URL = env.get("MADLAB_HUB_PUBLIC_URL") or f"http://{PUBLIC_HOST}:{PORT}/"
CULL_IDLE_S = int(env.get("MADLAB_CULL_IDLE_S", "3600"))
BIN = Path(sys.executable).parent

# -- hub, proxy, state ------------------------------------------------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}/"
c.JupyterHub.public_url = PUBLIC_URL
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{HUB_API_PORT}"
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [str(REPO / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "jupyterhub-proxy.pid")

# -- users and organizations ------------------------------------------------
# Demo users with their own passwords (README: "Deploying on JupyterHub").
# Production: OAuthenticator or LDAPAuthenticator, with groups from the identity provider.
c.JupyterHub.authenticator_class = DemoAuthenticator
c.DemoAuthenticator.password_hashes = {
    "alice": "pbkdf2_sha256$600000$6+CLB6LA3vNgmy52Mm5V3g==$lFgViEzqrzf+7xzFXI9xC6xD4YWeLCo0GNPnHG6F9xI=",  # noqa: E501
    "bob": "pbkdf2_sha256$600000$zDgrKnZaYVhKdOwyggJnAw==$T4K6lR8D8UmCnaQiGN7B33ytoi/+1r5Et677Z1WSpxc=",  # noqa: E501
    "carol": "pbkdf2_sha256$600000$peVEhadAhWkvLyLXoH68aw==$6pJmRwRRtoqv9ig8+MMxRu11Fd5JglyBMz08pfFJ190=",  # noqa: E501
    "admin": "pbkdf2_sha256$600000$v3dGnCLL+VropI4kA9D5Lw==$PgtmNIXGC6CxOkzuMW9BOVt7CI4E3h2fGYI0vlc0SOw=",  # noqa: E501
}
c.Authenticator.allowed_users = set(c.DemoAuthenticator.password_hashes)
c.Authenticator.admin_users = {"admin"}
c.JupyterHub.load_groups = {
    "org-alpha": {"users": ["alice", "bob"]},
    "org-alpha-admins": {"users": ["alice", "admin"]},
    "org-beta": {"users": ["carol"]},
    "org-beta-admins": {"users": ["admin"]},
}

# -- roles and scopes -------------------------------------------------------
c.JupyterHub.load_roles = [
    # every user reaches the madlab API
    {"name": "user", "scopes": ["self", "access:services!service=madlab"]},
    # the API reads who belongs to which organization
    {
        "name": "madlab-service",
        "services": ["madlab"],
        "scopes": ["read:users:name", "read:users:groups", "read:groups:name"],
    },
    {
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    },
]
# The token in a user's server and kernels: its own server, the madlab API, its groups.
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:services!service=madlab",
    "read:users:name!user",
    "read:users:groups!user",
]

# -- the madlab API service -------------------------------------------------
# It alone gets the store and broker settings: every MADLAB_* of the hub's environment.
service_env = {key: value for key, value in env.items() if key.startswith("MADLAB_")}
service_env["MADLAB_HOME"] = str(MADLAB_HOME)
service_env["MADLAB_SERVICE_ROOT"] = str(HUB_DIR / "service")
# A service shared by organizations reads no local path a user names (another
# user's home, another organization's files): files travel as uploads
# (artifact keys); only the shipped examples may be named by path.
service_env.setdefault(
    "MADLAB_INPUT_ROOTS", str(Path(load_example()[0]).parent.parent.resolve())
)
(HUB_DIR / "service").mkdir(exist_ok=True)
c.JupyterHub.services = [
    {
        "name": "madlab",
        "display": True,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--config={HERE / 'madlab_service_config.py'}",
        ],
        "cwd": str(HUB_DIR / "service"),
        "environment": service_env,
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": ["read:users:groups!user"],
    },
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={CULL_IDLE_S}",
            "--cull-every=60",
        ],
    },
]

# -- user servers -----------------------------------------------------------
# Local processes under the hub's account, one home folder per user.
# Production: DockerSpawner or KubeSpawner (README).
USERS_DIR = HUB_DIR / "users"
NOTEBOOKS = REPO / "notebooks"
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(USERS_DIR / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    # The API runs in the madlab service, not in user servers.
    "--ServerApp.jpserver_extensions=madlab_server=False",
    f"--config={HERE / 'singleuser_config.py'}",
    *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "TZ"]


def _prepare_home(spawner: object) -> None:
    """Create the user's home folder and copy in the example notebooks they lack."""
    name = spawner.user.name  # type: ignore[attr-defined]
    home = USERS_DIR / name
    home.mkdir(parents=True, exist_ok=True)
    if NOTEBOOKS.is_dir():
        shutil.copytree(
            NOTEBOOKS, home / "notebooks", dirs_exist_ok=True, copy_function=_copy_if_missing
        )


def _copy_if_missing(src: str, dst: str) -> str:
    if not os.path.exists(dst):
        shutil.copy2(src, dst)
    return dst


c.Spawner.pre_spawn_hook = _prepare_home
