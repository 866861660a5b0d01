"""Molecular files of an organization: streaming upload with validation, list, get, delete."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from tornado import web
from tornado.ioloop import IOLoop

from madlab.errors import FileTooLargeError, InputFileError, MadlabError
from madlab.molecules.formats import validate_file
from madlab_server.files import check_file_name
from madlab_server.handlers.base import MadlabHandler


@web.stream_request_body
class FilesHandler(MadlabHandler):
    """``GET /files`` (list) and ``POST /files?name=ligand.sdf`` (upload the raw body).

    The body is streamed to a temporary file, counted against the size limit
    as it arrives (nothing over the limit is kept), then validated as the
    molecules module reads it for docking before it is stored.
    """

    _tmpdir: Path | None = None
    _sink: IO[bytes] | None = None
    _received = 0
    _too_large = False

    async def prepare(self) -> None:  # type: ignore[override]
        """Authenticate, then open the upload's temporary file (POST only)."""
        await super().prepare()
        if self.request.method != "POST":
            return
        try:
            self.madlab.upload_limit.check(self.caller.user, "upload")
            name = check_file_name(self.get_query_argument("name", None))
        except MadlabError as err:
            self._refuse_unread(err)
            raise web.Finish() from None
        limit = self.madlab.services.settings.max_upload_bytes
        declared = self.request.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            self._refuse_unread(self._too_large_error(name, int(declared)))
            raise web.Finish()
        self._tmpdir = Path(tempfile.mkdtemp(prefix="madlab-upload-"))
        self._sink = (self._tmpdir / name).open("wb")

    def _refuse_unread(self, err: MadlabError) -> None:
        """Answer before the body is read; the server then drops the connection,
        so the client is told not to reuse it for its next request."""
        self.set_header("Connection", "close")
        self.send_madlab_error(err)

    def data_received(self, chunk: bytes) -> None:
        """Write one chunk of the upload, or stop keeping it once over the limit."""
        if self._sink is None:
            return
        self._received += len(chunk)
        if self._received > self.madlab.services.settings.max_upload_bytes:
            self._too_large = True
            return
        self._sink.write(chunk)

    def on_finish(self) -> None:
        """Remove the temporary file whatever happened."""
        self._cleanup()

    def on_connection_close(self) -> None:
        """A client that went away mid-upload leaves nothing behind."""
        self._cleanup()
        super().on_connection_close()

    def _cleanup(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def _too_large_error(self, name: str, size: int) -> FileTooLargeError:
        limit = self.madlab.services.settings.max_upload_bytes
        return FileTooLargeError(
            f"the upload is over the limit of {limit / 1e6:.1f} MB",
            path=name,
            size=size,
            limit=limit,
            hint="split it into smaller files or ask for a higher MADLAB_MAX_UPLOAD_MB",
        )

    def get(self) -> None:
        """The organization's files, newest first."""
        files = self.madlab.files.list(self.caller.organization_id)
        self.send_json({"files": [f.to_dict() for f in files]})

    async def post(self) -> None:
        """Validate the uploaded file and store it (201 with what was found)."""
        assert self._sink is not None and self._tmpdir is not None
        self._sink.close()
        path = next(self._tmpdir.iterdir())
        if self._too_large:
            raise self._too_large_error(path.name, self._received)
        limit = self.madlab.services.settings.max_upload_bytes
        report = await IOLoop.current().run_in_executor(None, _validate, path, limit)
        stored = self.madlab.files.add(
            self.caller.organization_id,
            user=self.caller.user,
            source=path,
            name=path.name,
            report=report,
        )
        self.send_json(stored.to_dict(), status=201)


def _validate(path: Path, limit: int) -> dict[str, Any]:
    """Validate the upload, naming it by its file name (not the temporary path)."""
    try:
        report = validate_file(path, max_bytes=limit).to_dict()
    except InputFileError as err:
        fixed = {"path", "format", "line", "record", "hint"}
        extra = {k: v for k, v in err.details.items() if k not in fixed}
        raise type(err)(
            err.reason,
            path=path.name,
            format=err.format,
            line=err.line,
            record=err.record,
            hint=err.hint,
            **extra,
        ) from None
    report["path"] = path.name
    return report


class FileHandler(MadlabHandler):
    """``GET /files/{id}`` (description) and ``DELETE /files/{id}``."""

    def get(self, file_id: str) -> None:
        """What is known about one file."""
        self.send_json(self.madlab.files.get(self.caller.organization_id, file_id).to_dict())

    def delete(self, file_id: str) -> None:
        """Delete a file of the organization (204)."""
        self.madlab.files.delete(self.caller.organization_id, file_id)
        self.set_status(204)
        self.finish()


class FileContentHandler(MadlabHandler):
    """``GET /files/{id}/content``: download the file as uploaded."""

    def get(self, file_id: str) -> None:
        """The file's bytes, with its name and media type."""
        stored = self.madlab.files.get(self.caller.organization_id, file_id)
        artifacts = self.madlab.services.artifacts
        ref = artifacts.info(stored.key)
        self.set_header("Content-Disposition", f'attachment; filename="{stored.name}"')
        with artifacts.open(stored.key) as stream:
            while chunk := stream.read(1 << 16):
                self.write(chunk)
        self.finish(set_content_type=ref.media_type)
