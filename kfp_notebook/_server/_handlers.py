"""REST handlers for roots, runs, logs, delete and re-run. Every method is authenticated and
authorized on the `kfp-notebook` resource; every response says `X-Content-Type-Options: nosniff`.

The handlers only read the index (a read-only SQLite connection per request), except DELETE,
which removes one finished run's rows and folder.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from kfp_notebook._errors import RunStillRunningError
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
from kfp_notebook._server._rerun import RerunError, rerun_in_progress, start_rerun
from kfp_notebook._store import operations
from kfp_notebook._store.index import (
    change_token,
    connect_readonly,
    count_runs,
    get_run,
    get_tasks,
    page_runs,
    pipeline_names,
)
from kfp_notebook._store.records import RunRecord
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


class ApiError(web.HTTPError):
    """An error the client caused, with the message that tells it what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message.replace("%", "%%"))
        self.message = message


class BaseHandler(APIHandler):
    """Shared lookups: the root from its id, the index, a run's folder, errors as JSON."""

    auth_resource = AUTH_RESOURCE

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("X-Content-Type-Options", "nosniff")

    @property
    def ext(self) -> KfpNotebookServer:
        ext: KfpNotebookServer = self.settings["kfp_notebook"]
        return ext

    def fail(self, status: int, message: str) -> web.HTTPError:
        return ApiError(status, message)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        if not isinstance(exc, ApiError):
            super().write_error(status_code, **kwargs)
            return
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"message": exc.message, "reason": None}))

    def server_root(self) -> Path:
        return Path(self.settings.get("server_root_dir", "/")).expanduser().resolve()

    def roots(self) -> list[Root]:
        return list_roots(self.ext.roots, self.ext.registered_roots)

    def root(self, rid: str) -> Root:
        root = find_root(rid, self.roots())
        if root is None or not root.exists:
            raise self.fail(404, f"no pipeline root with id {rid}; list them at .../api/roots")
        return root

    @contextmanager
    def index(self, root: Root) -> Iterator[sqlite3.Connection | None]:
        db = connect_readonly(root.path)
        try:
            yield db
        finally:
            if db is not None:
                db.close()

    def run_record(self, db: sqlite3.Connection | None, run_id: str) -> RunRecord:
        self.check_segment(run_id)
        record = get_run(db, run_id) if db is not None else None
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
        out = []
        server_root = self.server_root()
        for root in ordered_for(self.roots(), server_root):
            token, runs = None, 0
            if root.exists:
                with self.index(root) as db:
                    token = change_token(root.path, db)
                    runs = count_runs(db) if db is not None else 0
            out.append(
                {"id": root.id, "path": str(root.path), "name": root_label(root.path, server_root),
                 "exists": root.exists, "token": token, "runs": runs}
            )  # fmt: skip
        self.send_json({"roots": out})


class TokenHandler(BaseHandler):
    """A string that changes when anything in the root's index changes: poll this, then re-read."""

    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        with self.index(root) as db:
            self.send_json({"token": change_token(root.path, db)})


class PipelinesHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        with self.index(root) as db:
            self.send_json({"pipelines": pipeline_names(db) if db is not None else {}})


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
        with self.index(root) as db:
            if db is None:
                self.send_json({"runs": [], "total": 0, "next_cursor": None, "token": "none"})
                return
            token = change_token(root.path, db)
            try:
                page = page_runs(db, limit, cursor, statuses, pipeline, text, experiment)
            except ValueError:
                raise self.fail(400, "cursor is not one this API returned") from None
        self.send_json(
            {
                "runs": [run_json(r, root.path) for r in page.runs],
                "total": page.total,
                "next_cursor": page.next_cursor,
                "token": token,
            }
        )


class RunHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self, rid: str, run_id: str) -> None:
        root = self.root(rid)
        with self.index(root) as db:
            record = self.run_record(db, run_id)
            assert db is not None
            tasks = get_tasks(db, run_id)
            token = change_token(root.path, db)
        views = [task_json(t, root.path, self.server_root()) for t in tasks]
        self.send_json({"run": run_json(record, root.path), "tasks": views, "token": token})

    @web.authenticated
    @authorized
    def delete(self, rid: str, run_id: str) -> None:
        root = self.root(rid)
        with self.index(root) as db:
            record = self.run_record(db, run_id)
        running = (root.path / run_id).is_dir() and rerun_in_progress(
            self.confined(root.path, run_id, root=root.path)
        )
        if running or not record.status.terminal:
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
    """POST {"from_task": "train", "runner": "subprocess"|"docker"}: resume the run from that
    task in a detached CLI process."""

    @web.authenticated
    @authorized
    def post(self, rid: str, run_id: str) -> None:
        if not self.ext.allow_rerun:
            raise self.fail(403, "re-running is turned off (KfpNotebookServer.allow_rerun)")
        root = self.root(rid)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise self.fail(400, 'the body must be JSON like {"from_task": "train"}') from None
        from_task = body.get("from_task") if isinstance(body, dict) else None
        if not isinstance(from_task, str) or not from_task:
            raise self.fail(400, 'give the task to start from: {"from_task": "train"}')
        with self.index(root) as db:
            record = self.run_record(db, run_id)
            assert db is not None
            tasks = get_tasks(db, run_id)
        run_dir = self.confined(root.path, run_id, root=root.path)
        try:
            runner = body.get("runner", "subprocess")
            started = start_rerun(root.path, run_dir, record, tasks, from_task, str(runner))
        except RerunError as exc:
            raise self.fail(exc.status, str(exc)) from None
        self.send_json(started, status=202)


class CancelHandler(BaseHandler):
    """POST: ask the engine running this run, in whatever process, to cancel it (the request
    is a file in the run's folder that the engine polls). 202, or 409 when it is not running."""

    @web.authenticated
    @authorized
    def post(self, rid: str, run_id: str) -> None:
        root = self.root(rid)
        with self.index(root) as db:
            record = self.run_record(db, run_id)
        if record.status is not RunState.RUNNING:
            raise self.fail(409, f"run {run_id} is {record.status.value}, not running")
        self.confined(root.path, run_id, root=root.path)
        if not operations.request_cancel(root.path, run_id):
            raise self.fail(409, f"run {run_id} is not running")
        self.send_json({"run_id": run_id, "cancel_requested": True}, status=202)
