"""Uploads of molecular files: validated, size-limited, listed, downloaded, deleted."""

from __future__ import annotations

from typing import Any

from tests.conftest import COMPLEXES

LIGAND = COMPLEXES / "184l" / "ligand.sdf"
RECEPTOR = COMPLEXES / "184l" / "receptor.pdb"


async def test_good_files_are_stored_listed_downloaded_and_deleted(api: Any) -> None:
    alice = api("tok-alice")
    status, ligand, _ = await alice.call("POST", "files", raw=LIGAND.read_bytes(), name="l.sdf")
    assert status == 201, ligand
    assert ligand["format"] == "sdf" and ligand["records"] == 1 and ligand["atoms"] >= 10
    assert ligand["size"] == LIGAND.stat().st_size and ligand["uploaded_by"] == "alice"
    status, listed, _ = await alice.call("GET", "files")
    assert [f["id"] for f in listed["files"]] == [ligand["id"]]
    status, content, headers = await alice.call("GET", "files", ligand["id"], "content")
    assert status == 200 and content == LIGAND.read_text()
    assert 'filename="l.sdf"' in headers["Content-Disposition"]
    status, _, _ = await alice.call("DELETE", "files", ligand["id"])
    assert status == 204
    status, _, _ = await alice.call("GET", "files", ligand["id"])
    assert status == 404
    status, listed, _ = await alice.call("GET", "files")
    assert listed["files"] == []


async def test_bad_files_are_refused_with_what_to_do(api: Any) -> None:
    alice = api("tok-alice")
    status, body, _ = await alice.call("POST", "files", raw=b"", name="empty.sdf")
    assert status == 422
    assert body["error"]["code"] == "invalid_file"
    assert "empty" in body["error"]["message"] and body["error"]["path"] == "empty.sdf"
    assert "madlab-upload" not in body["error"]["message"]  # no server paths leak

    status, body, _ = await alice.call("POST", "files", raw=b"hello world\n", name="x.sdf")
    assert status == 422
    assert body["error"]["code"] == "invalid_file" and body["error"]["record"] == 1

    status, body, _ = await alice.call("POST", "files", raw=b"\x00\x01\x02", name="l.bin")
    assert status == 422
    assert body["error"]["code"] == "invalid_file"

    status, body, _ = await alice.call("POST", "files", raw=LIGAND.read_bytes())
    assert status == 422 and body["error"]["field"] == "name"
    status, body, _ = await alice.call("POST", "files", raw=b"x", name="../../etc/passwd")
    assert status == 422 and body["error"]["field"] == "name"

    status, listed, _ = await alice.call("GET", "files")
    assert listed["files"] == []


async def test_files_over_the_limit_get_413(api: Any) -> None:
    # the server under test allows 0.05 MB; the 184l receptor is larger
    assert RECEPTOR.stat().st_size > 0.05 * 1024 * 1024
    status, body, _ = await api("tok-alice").call(
        "POST", "files", raw=RECEPTOR.read_bytes(), name="receptor.pdb"
    )
    assert status == 413
    assert body["error"]["code"] == "file_too_large"
    assert "MB" in body["error"]["message"] and body["error"]["hint"]


async def test_uploads_are_rate_limited(api: Any) -> None:
    bob = api("tok-bob")
    for _ in range(5):
        status, _, _ = await bob.call("POST", "files", raw=LIGAND.read_bytes(), name="l.sdf")
        assert status == 201
    status, body, headers = await bob.call("POST", "files", raw=LIGAND.read_bytes(), name="l.sdf")
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert body["error"]["code"] == "rate_limited"
