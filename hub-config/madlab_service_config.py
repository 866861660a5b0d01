"""``jupyter server`` configuration of the madlab hub service (started by the hub).

Serves only the madlab API under ``/services/madlab/``, authenticated by the
hub (HubOAuth for browsers, hub API tokens for programs and user kernels).
"""

from madlab_server.hub import configure_service

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_service(c)
