"""The OpenAPI contract against the live server: no 500s, no responses outside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    missing_required_header,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.integration.server.live import LiveServer

SPEC = Path(__file__).resolve().parents[3] / "extensions" / "madlab_server" / "openapi.yaml"

schema = schemathesis.openapi.from_path(SPEC)

#: No 500s and nothing outside the contract (status, media type, body, headers),
#: and unauthenticated or unknown-method requests refused. Whether a schema-valid
#: request is accepted depends on the data (an unknown task id is a 404), so
#: schemathesis' acceptance checks are not among them.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    missing_required_header,
    unsupported_method,
]


@schema.exclude(path="/events").parametrize()
@settings(
    max_examples=int(os.environ.get("MADLAB_CONTRACT_EXAMPLES", "8")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_contract(case: Any, live: LiveServer) -> None:
    case.call_and_validate(
        base_url=live.api,
        headers={"Authorization": f"token {live.token}"},
        timeout=30,
        checks=CHECKS,
    )


def test_served_document_is_the_repository_file(live: LiveServer) -> None:
    import httpx
    import yaml

    served = httpx.get(
        f"{live.api}/openapi.json", headers={"Authorization": f"token {live.token}"}
    ).json()
    assert served == yaml.safe_load(SPEC.read_text())
