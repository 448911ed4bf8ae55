"""REST handlers for roots, runs, logs, delete and re-run. Every method is authenticated and
authorized on the `kfp-notebook` resource; every response says `X-Content-Type-Options: nosniff`.

The handlers only read the root, through one `StoreReader` per request (a read-only SQLite
connection), except DELETE, which removes one finished run's rows and folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from kfp_notebook._errors import RequestError, RunStillRunningError
from kfp_notebook._model.states import RunState
from kfp_notebook._server._config import KfpNotebookServer
from kfp_notebook._server._paths import (
    PathRefused,
    Root,
    confine,
    find_root,
    list_roots,
    ordered_for,
    root_label,
)
from kfp_notebook._server._rerun import STARTER, start_rerun
from kfp_notebook._store import operations
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import RunRecord
from kfp_notebook._views.envelopes import (
    CancelJSON,
    ErrorJSON,
    PipelinesJSON,
    RootJSON,
    RootsJSON,
    RunDetailJSON,
    RunsPageJSON,
    TokenJSON,
)
from kfp_notebook._views.shape import run_json, task_json

__all__ = [
    "AUTH_RESOURCE",
    "BaseHandler",
    "CancelHandler",
    "PipelinesHandler",
    "RerunHandler",
    "RootsHandler",
    "RunHandler",
    "RunsHandler",
    "TokenHandler",
]

AUTH_RESOURCE = "kfp-notebook"
_STATES = {s.value for s in RunState}


class BaseHandler(APIHandler):
    """Shared lookups: the root from its id, the index, a run's folder, errors as JSON."""

    auth_resource = AUTH_RESOURCE

    def launch(self, rid: str, run_id: str, key: str, what: str, start: Any) -> None:
        """A re-run or a spin of one task of a finished run: checks the body's `key` (a task),
        then answers 202 with what `start(root, record, tasks, task, runner)` started."""
        if not self.ext.allow_rerun:
            raise self.fail(403, "re-running is turned off (KfpNotebookServer.allow_rerun)")
        root = self.root(rid)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise self.fail(400, f'the body must be JSON like {{"{key}": "train"}}') from None
        task = body.get(key) if isinstance(body, dict) else None
        if not isinstance(task, str) or not task:
            raise self.fail(400, f'give {what}: {{"{key}": "train"}}')
        with self.reader(root) as reader:
            record = self.run_record(reader, run_id)
            tasks = reader.get_tasks(run_id)
        self.confined(root.path, run_id, root=root.path)
        self.send_json(start(root.path, record, tasks, task, body.get("runner")), status=202)

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("X-Content-Type-Options", "nosniff")

    @property
    def ext(self) -> KfpNotebookServer:
        ext: KfpNotebookServer = self.settings["kfp_notebook"]
        return ext

    def fail(self, status: int, message: str) -> RequestError:
        """The error to raise for a request the client got wrong (answered in `write_error`)."""
        return RequestError(status, message)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, RequestError):  # the client's mistake, not the server's
            self.log.info("%s %s: %d %s", self.request.method, self.request.path,
                          value.status, value.message)  # fmt: skip
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        if not isinstance(exc, RequestError):
            super().write_error(status_code, **kwargs)
            return
        self.set_status(exc.status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(ErrorJSON(message=exc.message, reason=None)))

    def server_root(self) -> Path:
        return Path(self.settings.get("server_root_dir", "/")).expanduser().resolve()

    def roots(self) -> list[Root]:
        return list_roots(self.ext.roots, self.ext.registered_roots)

    def root(self, rid: str) -> Root:
        root = find_root(rid, self.roots())
        if root is None or not root.exists:
            raise self.fail(404, f"no pipeline root with id {rid}; list them at .../api/roots")
        return root

    def reader(self, root: Root) -> StoreReader:
        """The root's reader for this request: `with self.reader(root) as reader: ...`."""
        return StoreReader(root.path)

    def run_record(self, reader: StoreReader, run_id: str) -> RunRecord:
        self.check_segment(run_id)
        record = reader.get_run(run_id)
        if record is None:
            raise self.fail(404, f"no run {run_id} in this pipeline root")
        return record

    def check_segment(self, name: str) -> None:
        if name in ("", ".", "..") or "/" in name or "\x00" in name or "\\" in name:
            raise self.fail(403, "a run id is one plain folder name")

    def confined(self, base: Path, *parts: str, root: Path) -> Path:
        try:
            return confine(base, *parts, root=root)
        except PathRefused as exc:
            raise self.fail(403, str(exc)) from None
        except FileNotFoundError:
            raise self.fail(404, "no such file in this run") from None

    def send_json(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, allow_nan=False))


class RootsHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        out: list[RootJSON] = []
        server_root = self.server_root()
        for root in ordered_for(self.roots(), server_root):
            token, runs = None, 0
            if root.exists:
                with self.reader(root) as reader:
                    token, runs = reader.change_token(), reader.count_runs()
            out.append(
                {"id": root.id, "path": str(root.path), "name": root_label(root.path, server_root),
                 "exists": root.exists, "token": token, "runs": runs}
            )  # fmt: skip
        body: RootsJSON = {"roots": out}
        self.send_json(body)


class TokenHandler(BaseHandler):
    """A string that changes when anything in the root's index changes: poll this, then re-read."""

    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        with self.reader(root) as reader:
            body: TokenJSON = {"token": reader.change_token()}
        self.send_json(body)


class PipelinesHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        with self.reader(root) as reader:
            body: PipelinesJSON = {"pipelines": reader.pipeline_names()}
        self.send_json(body)


class RunsHandler(BaseHandler):
    """Runs newest first: ?limit=50&cursor=...&status=FAILED,CANCELLED&pipeline=name&q=text
    &experiment=name (q: a substring of the run id or pipeline name)."""

    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        try:
            limit = int(self.get_query_argument("limit", "50"))
        except ValueError:
            raise self.fail(400, "limit must be a whole number") from None
        if not 1 <= limit <= 500:
            raise self.fail(400, "limit must be between 1 and 500")
        statuses = [s.strip().upper() for s in self.get_query_argument("status", "").split(",")]
        statuses = [s for s in statuses if s]
        unknown = sorted(set(statuses) - _STATES)
        if unknown:
            raise self.fail(400, f"unknown status {unknown[0]}; use one of {sorted(_STATES)}")
        pipeline = self.get_query_argument("pipeline", "") or None
        text = self.get_query_argument("q", "").strip() or None
        experiment = self.get_query_argument("experiment", "") or None
        cursor = self.get_query_argument("cursor", "") or None
        with self.reader(root) as reader:
            token = reader.change_token()
            try:
                page = reader.page_runs(limit, cursor, statuses, pipeline, text, experiment)
            except ValueError:
                raise self.fail(400, "cursor is not one this API returned") from None
        body: RunsPageJSON = {
            "runs": [run_json(r, root.path) for r in page.runs],
            "total": page.total,
            "next_cursor": page.next_cursor,
            "token": token,
        }
        self.send_json(body)


class RunHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self, rid: str, run_id: str) -> None:
        root = self.root(rid)
        with self.reader(root) as reader:
            record = self.run_record(reader, run_id)
            tasks = reader.get_tasks(run_id)
            token = reader.change_token()
        views = [task_json(t, root.path, self.server_root()) for t in tasks]
        body: RunDetailJSON = {"run": run_json(record, root.path), "tasks": views, "token": token}
        self.send_json(body)

    @web.authenticated
    @authorized
    def delete(self, rid: str, run_id: str) -> None:
        root = self.root(rid)
        with self.reader(root) as reader:
            record = self.run_record(reader, run_id)
        if STARTER.running(root.path, run_id) or not record.status.terminal:
            raise self.fail(409, f"run {run_id} is still running; cancel it before deleting it")
        if (root.path / run_id).is_dir() and not (root.path / run_id).is_symlink():
            self.confined(root.path, run_id, root=root.path)
        try:
            operations.delete_run(root.path, run_id)
        except RunStillRunningError as exc:
            raise self.fail(409, str(exc)) from None
        self.set_status(204)
        self.finish()


class RerunHandler(BaseHandler):
    """POST {"from_task": "train"[, "runner": R]}: resume the run from that task in a detached
    CLI process, with the runner (unless R is given), workers and environment mode the run
    recorded."""

    @web.authenticated
    @authorized
    def post(self, rid: str, run_id: str) -> None:
        self.launch(rid, run_id, "from_task", "the task to start from", start_rerun)


class CancelHandler(BaseHandler):
    """POST: ask the engine running this run, in whatever process, to cancel it (the request
    is a file in the run's folder that the engine polls). 202, or 409 when it is not running."""

    @web.authenticated
    @authorized
    def post(self, rid: str, run_id: str) -> None:
        root = self.root(rid)
        with self.reader(root) as reader:
            record = self.run_record(reader, run_id)
        if record.status is not RunState.RUNNING:
            raise self.fail(409, f"run {run_id} is {record.status.value}, not running")
        self.confined(root.path, run_id, root=root.path)
        if not operations.request_cancel(root.path, run_id):
            raise self.fail(409, f"run {run_id} is not running")
        self.send_json(CancelJSON(run_id=run_id, cancel_requested=True), status=202)
