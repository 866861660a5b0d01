"""The local artifact store: byte-exact, compressed on request, stored once, never half-written."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

import pytest

from madlab.errors import InputFileError, NotFoundError, StoreError, ValidationError
from madlab.settings import Settings
from madlab.storage import ArtifactStore, LocalArtifactStore, artifact_store_from_settings
from madlab.storage.base import guess_media_type


@pytest.fixture()
def store(tmp_path: Path) -> LocalArtifactStore:
    return LocalArtifactStore(tmp_path / "artifacts")


@pytest.fixture()
def receptor(complexes: Path) -> Path:
    return complexes / "184l" / "receptor.pdb"


def _blobs(store: LocalArtifactStore) -> list[Path]:
    return [
        p
        for p in (store.root / "sha256").rglob("*")
        if p.is_file() and not p.name.endswith(".meta.json")
    ]


def test_a_file_round_trips_byte_for_byte(store: LocalArtifactStore, receptor: Path) -> None:
    data = receptor.read_bytes()
    ref = store.put_file(receptor)
    digest = hashlib.sha256(data).hexdigest()
    assert ref.key == f"sha256/{digest[:2]}/{digest[2:]}"
    assert (ref.name, ref.size, ref.sha256, ref.compressed) == ("receptor.pdb", len(data), digest,
                                                                False)  # fmt: skip
    assert ref.media_type == "chemical/x-pdb" and ref.stored_size == len(data)
    assert store.get_bytes(ref.key) == data
    assert store.exists(ref.key) and store.verify(ref.key)
    assert store.info(ref.key) == ref


def test_compressed_artifacts_are_smaller_on_disk_and_read_back_whole(
    store: LocalArtifactStore, receptor: Path
) -> None:
    data = receptor.read_bytes()
    ref = store.put_bytes(data, name="rec.pdbqt", media_type="chemical/x-pdbqt", compress=True)
    assert ref.compressed and ref.key.endswith(".gz")
    [blob] = _blobs(store)
    assert blob.stat().st_size == ref.stored_size < len(data) / 2
    assert gzip.decompress(blob.read_bytes()) == data
    assert store.get_bytes(ref.key) == data
    with store.open(ref.key) as stream:
        assert b"".join(iter(lambda: stream.read(4096), b"")) == data
    info = store.info(ref.key)
    assert (info.name, info.size, info.media_type) == ("rec.pdbqt", len(data), "chemical/x-pdbqt")


def test_the_same_content_is_stored_once(store: LocalArtifactStore, receptor: Path) -> None:
    data = receptor.read_bytes()
    first = store.put_file(receptor, compress=True)
    second = store.put_bytes(data, name="copy.pdb", compress=True)
    third = store.put_bytes(data, name="plain.pdb")  # already stored compressed: reused
    assert first.key == second.key == third.key
    assert third.compressed and third.name == "plain.pdb"
    assert len(_blobs(store)) == 1
    assert store.info(first.key).name == "receptor.pdb"  # the first name is kept
    other = store.put_bytes(b"other content", name="x.txt")
    assert other.key != first.key and len(_blobs(store)) == 2
    assert sorted(store.keys()) == sorted([first.key, other.key])


def test_binary_content_and_empty_files(store: LocalArtifactStore) -> None:
    data = bytes(range(256)) * 1000 + os.urandom(4096)
    for compress in (False, True):
        ref = store.put_bytes(data, name=f"blob{compress}", compress=compress)
        assert store.get_bytes(ref.key) == data
    empty = store.put_bytes(b"", name="empty.sdf")
    assert store.get_bytes(empty.key) == b"" and empty.size == 0


def test_a_failed_write_leaves_nothing_behind(store: LocalArtifactStore) -> None:
    class BrokenUpload(io.RawIOBase):
        """A stream whose connection drops after the first megabyte."""

        def __init__(self) -> None:
            self.sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            if self.sent >= 1 << 20:
                raise ConnectionResetError("upload interrupted")
            n = min(len(buffer), 65536)
            buffer[:n] = b"A" * n
            self.sent += n
            return n

    for compress in (False, True):
        with pytest.raises(ConnectionResetError):
            store.put_stream(io.BufferedReader(BrokenUpload()), name="big.sdf", compress=compress)
    assert _blobs(store) == []
    assert list((store.root / "tmp").iterdir()) == []


def test_streams_and_files_can_be_written_back(store: LocalArtifactStore, tmp_path: Path) -> None:
    data = b"$$$$\n" * 10_000
    ref = store.put_stream(io.BytesIO(data), name="poses.sdf", compress=True)
    assert ref.media_type == "chemical/x-mdl-sdfile"
    out = store.get_file(ref.key, tmp_path / "out" / "poses.sdf")
    assert out.read_bytes() == data


def test_unknown_and_malformed_keys(store: LocalArtifactStore) -> None:
    missing = "sha256/ab/" + "0" * 62
    assert not store.exists(missing)
    for call in (store.get_bytes, store.open, store.info, store.delete, store.verify):
        with pytest.raises(NotFoundError) as info:
            call(missing)
        assert info.value.kind == "artifact"
    for bad in ("../../etc/passwd", "sha256/ab/short", "sha256/AB/" + "0" * 62, "md5/ab/cd"):
        with pytest.raises(ValidationError) as err:
            store.get_bytes(bad)
        assert err.value.field == "key"


def test_delete_removes_the_artifact(store: LocalArtifactStore) -> None:
    ref = store.put_bytes(b"temporary", name="t.txt")
    store.delete(ref.key)
    assert not store.exists(ref.key) and _blobs(store) == []
    with pytest.raises(NotFoundError):
        store.get_bytes(ref.key)
    again = store.put_bytes(b"temporary", name="t2.txt")
    assert again.key == ref.key and store.info(again.key).name == "t2.txt"


def test_corruption_is_detected(store: LocalArtifactStore) -> None:
    ref = store.put_bytes(b"ATOM      1  N   MET A   1", name="a.pdb")
    [blob] = _blobs(store)
    blob.write_bytes(b"ATOM      1  N   MET A   2")
    assert not store.verify(ref.key)


def test_missing_input_files_name_the_path(store: LocalArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as info:
        store.put_file(tmp_path / "nope.sdf")
    assert info.value.path == str(tmp_path / "nope.sdf")


def test_a_root_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="MADLAB_ARTIFACTS_DIR"):
        LocalArtifactStore(blocker / "artifacts")


def test_settings_choose_the_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"MADLAB_HOME": str(tmp_path / "home")})
    store = artifact_store_from_settings(settings)
    assert isinstance(store, ArtifactStore) and isinstance(store, LocalArtifactStore)
    assert store.root == tmp_path / "home" / "artifacts"
    assert "home/artifacts" in repr(store)


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("ligands.SDF", "chemical/x-mdl-sdfile"),
        ("rec.pdbqt", "chemical/x-pdbqt"),
        ("summary.json", "application/json"),
        ("report.html", "text/html"),
        ("blob", "application/octet-stream"),
    ],
)
def test_media_types_are_guessed_from_names(name: str, media_type: str) -> None:
    assert guess_media_type(name) == media_type
