"""Artifact preview and raw download: ?task=ID&name=OUTPUT[&path=FILE-IN-A-FOLDER-ARTIFACT].
An artifact on an object store is read from its local copy, fetched through the ETag cache (a
storage error is a 502; an object not there a 404).

Raw bytes are shown inline only when a browser cannot be tricked by them: images by their magic
bytes, UTF-8 text as text/plain, HTML only under `Content-Security-Policy: sandbox allow-scripts`
(its scripts run in an opaque origin that cannot reach the server). Everything else, and anything
with ?download=1, is an attachment of type application/octet-stream.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path, PurePosixPath

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.ioloop import IOLoop

from kfp_notebook._server._handlers import BaseHandler
from kfp_notebook._server._paths import PathRefused, Root, confine_uri
from kfp_notebook._store import objects
from kfp_notebook._store.layout import PARTIAL_DIR
from kfp_notebook._store.objroot import is_object_uri
from kfp_notebook._store.records import ArtifactRecord, is_metadata_kind
from kfp_notebook._views.preview import preview_artifact

__all__ = ["PreviewHandler", "RawHandler", "raw_disposition"]

_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_HTML_CSP = "sandbox allow-scripts; frame-ancestors 'self'"
_SVG_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
_CHUNK = 1 << 16


def raw_disposition(path: Path, schema_title: str) -> tuple[str, str | None] | None:
    """(content type, CSP) to show the file inline, or None to send it as an attachment."""
    with path.open("rb") as f:
        head = f.read(8192)
    for magic, mime in _IMAGES:
        if head.startswith(magic):
            return mime, None
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return None
        text = head[: exc.start].decode("utf-8")
    suffix = path.suffix.lower()
    start = text.lstrip()[:512].lower()
    if suffix == ".svg" or start.startswith("<svg") or ("<svg" in start and "<?xml" in start):
        return "image/svg+xml", _SVG_CSP
    if schema_title.endswith(".HTML") or suffix in (".html", ".htm", ".xhtml"):
        return "text/html; charset=utf-8", _HTML_CSP
    return "text/plain; charset=utf-8", None


class _ArtifactHandler(BaseHandler):
    def artifact(
        self, rid: str, run_id: str, metadata_ok: bool = False
    ) -> tuple[Root, ArtifactRecord, Path]:
        """The artifact named by the query, and its file (or the file at ?path= inside it).
        `metadata_ok`: a metrics artifact without a file is fine (its preview is metadata)."""
        root = self.root(rid)
        task_id = self.get_query_argument("task", "")
        name = self.get_query_argument("name", "")
        if not task_id or not name:
            raise self.fail(400, "give the artifact as ?task=TASK_ID&name=OUTPUT_NAME")
        with self.reader(root) as reader:
            self.run_record(reader, run_id)
            tasks = {t.task_id: t for t in reader.get_tasks(run_id)}
        if task_id not in tasks:
            raise self.fail(404, f"run {run_id} has no task {task_id}")
        found = [a for a in tasks[task_id].artifacts if a.name == name]
        if not found:
            raise self.fail(404, f"task {task_id} has no output artifact {name}")
        sub = self.get_query_argument("path", "")
        if is_object_uri(found[0].uri):
            return self._from_store(root, found[0], run_id, sub, metadata_ok)
        try:
            target = confine_uri(found[0].uri, root.path)
        except PathRefused as exc:
            raise self.fail(403, str(exc)) from None
        except FileNotFoundError:
            if metadata_ok and not sub and is_metadata_kind(found[0].schema_title):
                # Metrics live in the index's metadata; their file is often never written. The
                # preview reads only the metadata and this name (inside the run folder).
                return root, found[0], root.path / run_id / PurePosixPath(found[0].uri).name
            raise self.fail(404, f"the file of {name} is gone (deleted or never written)") from None
        if sub:
            target = self.confined(target, sub, root=root.path)
        if PARTIAL_DIR in target.parts:  # written by a task that did not succeed: never offered
            raise self.fail(404, f"{name} is incomplete: its task did not finish writing it")
        return root, found[0], target

    def _from_store(
        self, root: Root, art: ArtifactRecord, run_id: str, sub: str, metadata_ok: bool
    ) -> tuple[Root, ArtifactRecord, Path]:
        """The local copy of an artifact on an object store (run on a worker thread)."""
        try:
            target = objects.download(art.uri).path
        except objects.ObjectMissingError as exc:
            if metadata_ok and not sub and is_metadata_kind(art.schema_title):
                # a Metrics artifact has no object at all: KFP's launcher uploads only files
                return root, art, root.path / run_id / PurePosixPath(art.uri).name
            raise self.fail(404, str(exc)) from None
        except objects.ObjectStoreError as exc:
            raise self.fail(502, str(exc)) from None
        if sub:
            target = self.confined(target, sub, root=target)
        return root, art, target


class PreviewHandler(_ArtifactHandler):
    """The same JSON preview the run widget shows, read under the configured byte cap."""

    @web.authenticated
    @authorized
    async def get(self, rid: str, run_id: str) -> None:
        _, artifact, target = await IOLoop.current().run_in_executor(
            None, lambda: self.artifact(rid, run_id, metadata_ok=True)
        )
        try:
            max_rows = max(1, min(int(self.get_query_argument("max_rows", "20")), 200))
        except ValueError:
            raise self.fail(400, "max_rows must be a whole number") from None
        kind = "system.Artifact" if self.get_query_argument("path", "") else artifact.schema_title
        preview = await IOLoop.current().run_in_executor(
            None,
            lambda: preview_artifact(
                target,
                kind,
                artifact.metadata,
                max_bytes=self.ext.preview_max_bytes,
                max_rows=max_rows,
            ),
        )
        self.send_json(preview)


class RawHandler(_ArtifactHandler):
    """The artifact's bytes, streamed; ?download=1 always makes it an attachment."""

    @web.authenticated
    @authorized
    async def get(self, rid: str, run_id: str) -> None:
        _, artifact, target = await IOLoop.current().run_in_executor(
            None, lambda: self.artifact(rid, run_id)
        )
        if target.is_dir():
            raise self.fail(400, "this artifact is a folder; pick a file in it with ?path=")
        download = self.get_query_argument("download", "") not in ("", "0")
        shown = None if download else raw_disposition(target, artifact.schema_title)
        quoted = urllib.parse.quote(target.name)
        if shown is None:
            self.set_header("Content-Type", "application/octet-stream")
            self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quoted}")
        else:
            mime, csp = shown
            self.set_header("Content-Type", mime)
            self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quoted}")
            if csp is not None:
                self.set_header("Content-Security-Policy", csp)
        self.set_header("Content-Length", str(target.stat().st_size))
        self.set_header("Cache-Control", "no-store")
        with target.open("rb") as f:
            while chunk := f.read(_CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()
