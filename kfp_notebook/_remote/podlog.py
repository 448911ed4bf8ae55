"""A task's log as a KFP deployment gives it, streamed: the follower and the reading commands
read it here and nowhere else.

The routes (kubeflow/pipelines): the API server's `GET /apis/v1alpha1/runs/{run}/nodes/{pod}/log`
(`backend/src/apiserver/server/run_log_server.go`), which reads the pod of that name, or its
archive; the KFP UI host's `GET /k8s/pod/logs?podname=&podnamespace=`
(`frontend/server/handlers/pod-logs.ts`), which reads archived logs too; and once the pod is
gone, the launcher's `executor-logs` artifact in the object store. Neither route takes an
offset: the API server reads the pod's log whole each time (its handler looks `follow` up among
the path's variables, where it never is), so a log is read again from its start and the lines
already seen are counted past, never held (`LineSplitter`): memory stays at one block and one
line whatever the log's size, and the follower reads a long log less often (`LogPacer`).

The API server answers a log it cannot read with the body `{"error_message": ...,
"error_details": ...}`: with status 200 where it writes the header before reading (older
releases), with 500 where it does not (newer ones). Either is no log: that body is told from a
log, and an error status sends the reader to the other route."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._store import objects
from kfp_notebook._store.logread import CHUNK, LineSplitter, chunks

if TYPE_CHECKING:
    from kfp_notebook._remote.connection import Connection

__all__ = ["LogPacer", "LogRoutes", "LogStream", "archived_log"]

_ERROR_BODY = b'{"error_message"'


class LogStream:
    """A log's bytes in blocks, once; `complete` tells a stream read to its end from one that
    broke off (its last line, without a newline, may then be cut)."""

    def __init__(self, blocks: Iterator[bytes], close: Any = None) -> None:
        self._blocks, self._close, self.complete = blocks, close, False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._blocks
            self.complete = True
        except Exception:  # a connection dropped mid-log: what came is kept, the rest next time
            return
        finally:
            if self._close is not None:
                self._close()

    def lines(self, seen: int = 0, final: bool = True) -> Iterator[str]:
        """The lines after the first `seen`; the last one without its newline only when
        `final` (the task has ended: nothing will be added to it)."""
        splitter = LineSplitter(skip=seen)
        for block in self:
            yield from splitter.feed(block)
        if final and self.complete:
            yield from splitter.end()


class LogRoutes:
    """A pod's log from the deployment's two log routes; the route that answered for a pod is
    tried first the next time (the UI host's takes a pod's name, ML Metadata's `pod_name`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._ui_pods: set[str] = set()

    def open(self, run_id: str, pod: str) -> LogStream | None:
        """The pod's log, or None when no route has it (not started, or gone and not archived)."""
        node: tuple[str, list[tuple[str, str]]] = (
            f"/apis/v1alpha1/runs/{run_id}/nodes/{pod}/log",
            [],
        )
        namespace = self.conn.runner.namespace
        in_namespace = [("podnamespace", namespace)] if namespace else []
        ui = ("/k8s/pod/logs", [("podname", pod), *in_namespace])
        for path, query in [ui, node] if pod in self._ui_pods else [node, ui]:
            stream = self._get(path, query)
            if stream is not None:
                if path == ui[0]:
                    self._ui_pods.add(pod)
                return stream
        return None

    def _get(self, path: str, query: list[tuple[str, str]]) -> LogStream | None:
        api = self.conn.client._run_api.api_client
        try:
            response = api.call_api(
                path, "GET", query_params=query, auth_settings=["Bearer"],
                _preload_content=False, _return_http_data_only=True, _request_timeout=30,
            )  # fmt: skip
            blocks = response.stream(CHUNK, decode_content=True)
            first = next(blocks, b"")
        except Exception:  # a pod without a log yet, a route this host lacks: try later
            return None
        if first.startswith(_ERROR_BODY) and _is_error(first):
            response.release_conn()
            return None
        return LogStream(_prepend(first, blocks), response.release_conn)


def _is_error(block: bytes) -> bool:
    try:
        body = json.loads(block)
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) <= {"error_message", "error_details"}


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def archived_log(uri: str) -> LogStream | None:
    """A task's log archived in the object store (None when it cannot be read here: gone, or
    no credentials for that store), downloaded once into the cache and read in blocks."""
    try:
        path = objects.download(uri).path
        path.stat()
    except (KfpNotebookError, OSError):
        return None
    return LogStream(chunks(path))


class LogPacer:
    """When a running task's log is read again: a log that takes `d` seconds to read is read at
    most every `spacing * d` seconds, so reading logs from their start takes at most
    1/(1 + spacing) of the follower's time however long they grow. An ended task's log is
    always read (its last lines)."""

    def __init__(self, spacing: float = 4.0) -> None:
        self.spacing = spacing
        self._next: dict[str, float] = {}

    def due(self, pod: str, ended: bool) -> bool:
        return ended or time.monotonic() >= self._next.get(pod, 0.0)

    def read(self, pod: str, started: float) -> None:
        now = time.monotonic()
        self._next[pod] = now + self.spacing * (now - started)
