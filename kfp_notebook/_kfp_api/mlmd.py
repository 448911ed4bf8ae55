"""ML Metadata beside KFP's API, as a real deployment offers it: its UI proxies `/ml_metadata.*`
to MLMD's envoy (kubeflow/pipelines frontend/server/app.ts; the Istio route matches the prefix
`/ml_metadata` too), which speaks gRPC-Web, so MetadataStoreService's methods answer at
`<host>/ml_metadata.MetadataStoreService/<Method>`. `kfp-notebook serve` answers there (and at
`/ml_metadata/ml_metadata.MetadataStoreService/<Method>`, the form issue 19 first named) from an
MLMD SQLite store `<root>/.kfp-mlmd.sqlite` in MLMD's own schema (the real ml-metadata library
can open it).

The store is filled from the run records (`_store`), as KFP's driver and launcher fill MLMD on a
cluster (`_mlmd/fill.py`), lazily: when a request names a run (GetContextByTypeAndName of a
`system.PipelineRun`) or one of its contexts (GetExecutionsByContext, GetArtifactsByContext),
that run is written again if its tasks changed since. An execution's `pod_name` is its executor
pod in the task details this API sends (`tasks.py`), which the v1alpha1 log route accepts.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from tornado.ioloop import IOLoop

from kfp_notebook._kfp_api import tasks as task_nodes
from kfp_notebook._mlmd.answer import answer
from kfp_notebook._mlmd.fill import PIPELINE_RUN, fill_run
from kfp_notebook._mlmd.grpcweb import GrpcError, split_frames, trailers
from kfp_notebook._mlmd.grpcweb import frame as grpc_frame
from kfp_notebook._mlmd.schema import SchemaError
from kfp_notebook._mlmd.service import SERVICE, ByTypeAndName, InContext
from kfp_notebook._mlmd.sqlstore import SqliteMetadata
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import RunRecord, TaskRecord

__all__ = ["MLMD_FILE", "MetadataMirror", "executor_pod", "mlmd_routes"]

MLMD_FILE = ".kfp-mlmd.sqlite"


def executor_pod(run: RunRecord, tasks: list[TaskRecord], t: TaskRecord) -> str:
    """The node id of `t`'s executor pod in the task details (its last attempt's when retried),
    as KFP's launcher records its own pod's name."""
    key = task_nodes._key(t, tasks)
    suffix = "/exec" if t.attempts <= 1 else f"/exec({t.attempts - 1})"
    return task_nodes.node_id(task_nodes.workflow_name(run), key + suffix)


class MetadataMirror:
    """The MLMD store of one pipeline root, kept up to date with its runs on demand."""

    def __init__(self, root: Path, reader: StoreReader) -> None:
        self.root, self.reader = root, reader
        self.md = SqliteMetadata(root / MLMD_FILE)
        self._seen: dict[str, tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    def sync(self, run_id: str) -> None:
        """Write the run again if its records changed since (read under the lock: a slower
        request never writes an older state over a newer one)."""
        with self._lock:
            run = self.reader.get_run(run_id)
            if run is None:
                return
            tasks = self.reader.get_tasks(run_id)
            seen = (run.status, run.finished, json.dumps(run.outputs, sort_keys=True), *(
                (t.task_id, t.status, t.attempts, len(t.artifacts)) for t in tasks
            ))  # fmt: skip
            if self._seen.get(run_id) == seen:
                return
            fill_run(self.md, run, tasks, lambda t: executor_pod(run, tasks, t), str(self.root))
            self._seen[run_id] = seen

    def handle(self, method: str, request: bytes) -> bytes:
        """The response message for one call (GrpcError when refused)."""
        run_id = None
        if method == "GetContextByTypeAndName":
            asked = ByTypeAndName.decode(request)
            run_id = asked.context_name if asked.type_name == PIPELINE_RUN else None
        elif method in ("GetExecutionsByContext", "GetArtifactsByContext"):
            run_id = self._run_of(InContext.decode(request).context_id)
        if run_id:
            self.sync(run_id)
        return answer(self.md, method, request)

    def _run_of(self, context_id: int) -> str | None:
        with self.md.lock:
            row = self.md.db.execute(
                "SELECT c.name FROM Context c JOIN Type t ON t.id = c.type_id"
                " WHERE c.id = ? AND t.name = ?",
                (context_id, PIPELINE_RUN),
            ).fetchone()
        return str(row[0]) if row else None

    def close(self) -> None:
        self.md.close()


_TYPES = ("application/grpc-web", "application/grpc-web-text")


class _GrpcWeb:
    """POST <prefix>/ml_metadata.MetadataStoreService/<Method>, unary calls only."""

    async def post(self: Any, method: str) -> None:
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        text = kind.startswith(_TYPES[1])
        if not kind.startswith(_TYPES[0]):
            self.set_status(415)
            self.finish(f"expected a gRPC-Web request ({_TYPES[0]}+proto), not {kind!r}")
            return
        mirror = self.settings["kfp_mlmd"]
        body = self.request.body or b""
        try:
            if not isinstance(mirror, MetadataMirror):  # a factory: open the store on first use
                mirror = self.settings["kfp_mlmd"] = mirror()
        except SchemaError as exc:  # FAILED_PRECONDITION, as MLMD answers a schema it can't use
            out = trailers(9, str(exc))
        else:
            out = await IOLoop.current().run_in_executor(None, _respond, mirror, method, body, text)
        self.set_header("Content-Type", _TYPES[1] if text else _TYPES[0] + "+proto")
        self.finish(base64.b64encode(out) if text else out)


def _respond(mirror: MetadataMirror, method: str, body: bytes, text: bool) -> bytes:
    try:
        messages, _ = split_frames(base64.b64decode(body) if text else body)
        reply = mirror.handle(method, messages[0] if messages else b"")
        return grpc_frame(reply) + trailers(0)
    except GrpcError as exc:
        return trailers(exc.status, exc.message)
    except ValueError as exc:  # base64 or a malformed message met while syncing the request
        return trailers(3, f"malformed request: {exc}")
    except sqlite3.Error as exc:  # the store file damaged or locked past the busy timeout
        return trailers(13, f"the MLMD store could not be read: {exc}")


def mlmd_routes(prefix: str, base: type) -> list[tuple[str, type]]:
    """The gRPC-Web routes on `base` (whose prepare() authenticates); the app's settings need
    `kfp_mlmd`: a MetadataMirror, or a callable making one."""
    handler = type("MlmdGrpcWebHandler", (_GrpcWeb, base), {})
    service = SERVICE.replace(".", "[.]")
    return [(prefix + f"{at}/{service}/([A-Za-z]+)", handler) for at in ("", "/ml_metadata")]
