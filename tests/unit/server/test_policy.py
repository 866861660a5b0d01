"""Who is calling, for which organization, how often, and which status an error gets."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from madlab_server.errors import http_status
from madlab_server.identity import OrganizationPolicy
from madlab_server.ratelimit import RateLimiter

from madlab.errors import (
    ConflictError,
    FileTooLargeError,
    InputFileError,
    MadlabError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    StoreError,
    TimedOutError,
    ValidationError,
)


def hub(name: str, *groups: str) -> SimpleNamespace:
    return SimpleNamespace(username=name, hub_user={"name": name, "groups": list(groups)})


def test_hub_groups_map_to_organizations_and_admins() -> None:
    policy = OrganizationPolicy()
    caller = policy.resolve(hub("ann", "org-acme", "org-acme-admins", "staff", "org-beta"))
    assert caller.user == "ann"
    assert caller.organizations == ("acme", "beta")
    assert caller.organization_id == "acme" and caller.is_admin
    other = policy.resolve(hub("ann", "org-acme", "org-acme-admins", "org-beta"), "beta")
    assert other.organization_id == "beta" and not other.is_admin
    with pytest.raises(PermissionDeniedError):
        other.require_admin("register tasks")
    with pytest.raises(PermissionDeniedError) as err:
        policy.resolve(hub("ann", "org-acme"), "gamma")
    assert "acme" in str(err.value.hint)
    with pytest.raises(PermissionDeniedError):
        policy.resolve(hub("zed", "staff"))


def test_custom_prefix_and_admin_users() -> None:
    policy = OrganizationPolicy(
        group_prefix="lab:", admin_suffix=":leads", admin_users=frozenset({"bo"})
    )
    assert policy.resolve(hub("cy", "lab:x:leads")).is_admin
    assert policy.resolve(hub("bo", "lab:x")).is_admin
    assert not policy.resolve(hub("di", "lab:x", "org-x-admins")).is_admin


def test_single_user_server_is_its_owner_in_the_configured_organization() -> None:
    policy = OrganizationPolicy(default_organization="solo", owner="me")
    caller = policy.resolve(SimpleNamespace(username="Anonymous Io"))
    assert (caller.user, caller.organization_id, caller.is_admin) == ("me", "solo", True)
    assert policy.resolve(SimpleNamespace(username="x"), "solo").organization_id == "solo"
    with pytest.raises(PermissionDeniedError):
        policy.resolve(SimpleNamespace(username="x"), "other")
    assert not OrganizationPolicy(owner_is_admin=False).resolve(SimpleNamespace()).is_admin


def test_rate_limit_counts_per_key_in_a_sliding_window() -> None:
    now = [100.0]
    limiter = RateLimiter(2, window_s=10, clock=lambda: now[0])
    limiter.check("ann")
    limiter.check("ann")
    limiter.check("bo")
    with pytest.raises(RateLimitedError) as err:
        limiter.check("ann", "upload")
    assert err.value.retry_after == 10 and "uploads" in err.value.message
    now[0] += 10.5
    limiter.check("ann")
    RateLimiter(0).check("anyone")  # 0 disables the limit


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (FileTooLargeError("big", path="a.pdb"), 413),
        (InputFileError("bad", path="a.sdf"), 422),
        (ValidationError("bad", field="x"), 422),
        (NotFoundError("job", "j"), 404),
        (ConflictError("dup"), 409),
        (PermissionDeniedError("no"), 403),
        (RateLimitedError("slow down", retry_after=3), 429),
        (ServiceUnavailableError("redis down"), 503),
        (StoreError("db down"), 503),
        (TimedOutError("late"), 504),
        (MadlabError("other"), 400),
    ],
)
def test_every_error_of_the_tree_has_its_status(error: MadlabError, status: int) -> None:
    assert http_status(error) == status
