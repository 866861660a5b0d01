"""A demo authenticator: a fixed list of users, each with their own password.

Passwords are kept as salted PBKDF2-SHA256 hashes (``pbkdf2_sha256$<rounds>$<salt>$<hash>``),
never in clear text. For anything beyond a demo use OAuthenticator or
LDAPAuthenticator (see the README's "Deploying on JupyterHub").

Make a hash for a new user with::

    python hub-config/demo_auth.py 'their password'
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import sys
from typing import Any

from jupyterhub.auth import Authenticator
from traitlets import Dict, Unicode

#: PBKDF2 rounds of new hashes (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
ROUNDS = 600_000


def hash_password(password: str, *, salt: bytes | None = None, rounds: int = ROUNDS) -> str:
    """A salted PBKDF2-SHA256 hash of ``password`` in ``pbkdf2_sha256$rounds$salt$hash`` form."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
    b64 = base64.b64encode
    return f"pbkdf2_sha256${rounds}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (a :func:`hash_password` string).

    Raises
    ------
    ValueError
        When ``stored`` is not a hash of that form (a clear-text password in the config).
    """
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256" or not parts[1].isdigit():
        raise ValueError(
            "a DemoAuthenticator.password_hashes value is not a pbkdf2_sha256$rounds$salt$hash "
            "string: make one with `python hub-config/demo_auth.py PASSWORD`"
        )
    salt = base64.b64decode(parts[2])
    expected = base64.b64decode(parts[3])
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(parts[1]))
    return hmac.compare_digest(digest, expected)


class DemoAuthenticator(Authenticator):
    """Log in the users of ``password_hashes``, each with their own password."""

    password_hashes = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="User name -> pbkdf2_sha256 hash of the user's password",
    ).tag(config=True)

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
        """The user name when the form's password matches that user's hash, else ``None``."""
        name = (data.get("username") or "").strip()
        # An unknown user costs the same time as a known one: no enumeration by timing.
        stored = self.password_hashes.get(name, _DUMMY)
        # PBKDF2 releases the GIL: hash in a thread, keep the hub's event loop free.
        ok = await asyncio.to_thread(check_password, data.get("password") or "", stored)
        return name if ok and name in self.password_hashes else None


_DUMMY = hash_password("not a password", salt=b"madlab-demo-salt", rounds=ROUNDS)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python hub-config/demo_auth.py PASSWORD")
    print(hash_password(sys.argv[1]))
