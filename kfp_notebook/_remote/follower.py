"""Following a run on a KFP cluster: poll it, and emit the same events a local run emits
(`_model/events.py`) on the session's EventBus, so the store, the widget and the CLI printer
follow it unchanged.

Polls `GET /apis/v2beta1/runs/{id}` (every `poll_interval` while something changes, backing off
to `max_poll_interval` while nothing does), maps its task details to KFP tasks
(`_remote/mapping.py`), emits what changed, reads running tasks' pod logs (`_remote/podlog.py`)
and emits only the lines not seen yet. What the task details lack on a real backend
(pod names, a task's artifacts and their metadata) comes from ML Metadata
(`_remote/metadata.py`), read only while a task needs it; without MLMD, the task details alone.
CANCELED ends the run like SUCCEEDED and FAILED (kfp.Client.wait_for_run_completion forgets it).
A cancel asked here, or through the store by another process, terminates the run on the cluster.

A follower that takes over from one that stopped (`_remote/reattach.py`) starts from what the
store holds: `Seen` (the tasks' last states, the log lines each task has), so nothing recorded
is emitted twice."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kfp_notebook._errors import RemoteError
from kfp_notebook._model.events import (
    ArtifactProduced,
    EventBus,
    LogLine,
    RunFinished,
    RunUnfollowed,
    TaskCreated,
    TaskFinished,
    TaskInputs,
    TaskStarted,
)
from kfp_notebook._model.states import RunState, TaskState
from kfp_notebook._remote.connection import Connection, KubeflowRunner
from kfp_notebook._remote.mapping import RUN_STATES, RemoteTask, artifact_entries, map_tasks
from kfp_notebook._remote.metadata import MetadataSource
from kfp_notebook._remote.podlog import LogPacer, archived_log
from kfp_notebook._remote.spec_walk import as_declared
from kfp_notebook._store.liveness import NOT_FOLLOWED
from kfp_notebook._store.reader import StoreReader

__all__ = ["RemoteLiveRun", "Seen", "follow"]

_GIVE_UP_AFTER = 20  # consecutive failed polls (about a minute and a half at the longest interval)


@dataclass
class Seen:
    """What the store holds of a run already followed: task states, log lines per task."""

    states: dict[str, TaskState] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class RemoteLiveRun:
    """A remote run followed by this process (what `Run` waits on and cancels)."""

    run_id: str  # local: events and the store use it
    pipeline_name: str
    remote_id: str  # the cluster's
    ui_url: str = ""
    done: threading.Event = field(default_factory=threading.Event)
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancel_requested.set()
        self.wake.set()


class _Follower:
    def __init__(
        self,
        connection: Connection,
        store: StoreReader,
        bus: EventBus,
        live: RemoteLiveRun,
        spec: dict[str, Any],
        seen: Seen | None = None,
    ) -> None:
        self.conn, self.store, self.bus, self.live, self.spec = connection, store, bus, live, spec
        self.runner: KubeflowRunner = connection.runner
        self.pipeline: dict[str, Any] = spec.get("pipeline_spec", spec)  # the latest known
        seen = seen or Seen()
        self.states: dict[str, TaskState] = dict(seen.states)
        self.task_lines = dict(seen.lines)  # task id -> lines recorded before this follower
        self.lines: dict[str, int] = {}  # pod -> log lines emitted
        self.pacer = LogPacer()  # when a long log is read again
        self.cancel_sent = False
        self.given: set[str] = set()  # tasks whose inputs are recorded
        self.metadata = MetadataSource(connection.endpoint, connection.bearer_token(),
                                       live.remote_id)  # fmt: skip

    def run(self) -> None:
        interval, failures = self.runner.poll_interval, 0
        try:
            while True:
                self._forward_cancel()
                try:
                    data = self.conn.get_run(self.live.remote_id)
                    failures = 0
                except RemoteError as exc:
                    failures += 1
                    if failures >= _GIVE_UP_AFTER:  # the run may well go on: not an end
                        self.bus.emit(RunUnfollowed(self.live.run_id, f"{NOT_FOLLOWED} ({exc})"))
                        self.live.done.set()
                        return
                    data = None
                if data is not None:
                    changed = self._apply(data)
                    state = RUN_STATES.get(str(data.get("state")))
                    if state is not None:
                        message = str((data.get("error") or {}).get("message") or "")
                        self._end(state, message, self._outputs(data, state))
                        return
                    fast = changed or self.cancel_sent
                    interval = self.runner.poll_interval if fast else interval * 1.5
                interval = min(interval, self.runner.max_poll_interval)
                self.live.wake.wait(interval)
                self.live.wake.clear()
        except BaseException as exc:  # keep the record honest on a bug
            self._end(RunState.FAILED, f"internal error while following: {exc!r}")
            raise

    def _forward_cancel(self) -> None:
        if self.cancel_sent:
            return
        if self.live.cancel_requested.is_set() or self.store.cancel_requested(self.live.run_id):
            self.cancel_sent = True
            (self.store.run_dir(self.live.run_id) / "cancel-requested").unlink(missing_ok=True)
            try:
                self.conn.terminate(self.live.remote_id)
            except RemoteError as exc:
                self.bus.emit(LogLine(self.live.run_id, "(kubeflow)", f"cancel failed: {exc}"))

    def _apply(self, data: dict[str, Any]) -> bool:
        details = (data.get("run_details") or {}).get("task_details") or []
        spec = data.get("pipeline_spec") or self.spec
        spec = self.pipeline = spec.get("pipeline_spec", spec)
        changed = False
        tasks = map_tasks(details, spec)
        if any(self._needs_metadata(t) for t in tasks):
            self.metadata.refresh()
        for task in tasks:
            changed |= self._task(task)
        return changed

    def _needs_metadata(self, t: RemoteTask) -> bool:
        """A task that runs without a known pod, or that ends now (its artifacts)."""
        if self.states.get(t.task_id, TaskState.PENDING).terminal or not t.kind.is_leaf:
            return False
        if t.state.terminal:
            return True
        unknown = t.pod is None and self.metadata.pod(t.task_id) is None
        return unknown and t.state is not TaskState.PENDING

    def _task(self, t: RemoteTask) -> bool:
        run_id, before = self.live.run_id, self.states.get(t.task_id)
        if before is None:
            self.bus.emit(TaskCreated(
                run_id, t.task_id, t.name, t.parent_id, t.kind, t.component, t.dependencies
            ))  # fmt: skip
            before = self.states[t.task_id] = TaskState.PENDING
        changed = before is not t.state and not before.terminal
        attempts = max(t.attempts, 1)
        if before is TaskState.PENDING and t.state not in (TaskState.PENDING, TaskState.SKIPPED):
            started, (params, given) = t.started or time.time(), self._inputs(t)
            self.given.update([t.task_id] if params or given else [])
            self.bus.emit(TaskStarted(
                run_id, t.task_id, attempts, params, time=started, input_artifacts=given
            ))  # fmt: skip
        changed |= self._logs(t)
        if t.state.terminal and not before.terminal:
            from_metadata = self.metadata.entries(t.task_id, self.live.ui_url)
            for name, uri, title, metadata in from_metadata:  # the deployment's own record
                self.bus.emit(ArtifactProduced(run_id, t.task_id, name, uri, title, metadata))
            for name, produced in (t.artifacts or {}).items() if not from_metadata else ():
                self._artifact(t, name, produced)
            params, given = self._inputs(t) if t.task_id not in self.given else ({}, {})
            if params or given:  # ML Metadata had not its execution when it started
                self.bus.emit(TaskInputs(run_id, t.task_id, params, given))
            finished = t.finished or time.time()
            outputs = self.metadata.outputs(t.task_id)
            outputs = as_declared(self.pipeline, t.component, "outputDefinitions", outputs)
            self.bus.emit(
                TaskFinished(
                    run_id, t.task_id, t.state, outputs, t.message, attempts, time=finished
                )
            )
        if not before.terminal:
            self.states[t.task_id] = t.state
        return changed

    def _inputs(self, t: RemoteTask) -> tuple[dict[str, Any], dict[str, Any]]:
        """What its driver resolved (ML Metadata), so a spin can give the task the same."""
        params, given = self.metadata.inputs(t.task_id)
        return as_declared(self.pipeline, t.component, "inputDefinitions", params), given

    def _logs(self, t: RemoteTask) -> bool:
        """New lines of the task's pod log (read again from its start, counted past what was
        emitted, paced by its length); once it has ended and the pod's log is gone (or never
        named), the log the launcher archived in the object store."""
        if self.states.get(t.task_id, TaskState.PENDING).terminal or t.state is TaskState.PENDING:
            return False
        ended, pod = t.state.terminal, t.pod or self.metadata.pod(t.task_id)
        if not self.pacer.due(pod or t.task_id, ended):
            return False
        started = time.monotonic()
        stream = self.conn.logs.open(self.live.remote_id, pod) if pod is not None else None
        if stream is None and ended:
            archive = self.metadata.log_uri(t.task_id)
            stream = archived_log(archive) if archive else None
            pod = pod or t.task_id  # lines emitted are counted per pod: the task's, unnamed
        if stream is None or pod is None:
            return False
        if pod not in self.lines:
            self.lines[pod] = self.task_lines.pop(t.task_id, 0)
        new = 0
        for line in stream.lines(seen=self.lines[pod], final=ended):
            self.bus.emit(LogLine(self.live.run_id, t.task_id, line))
            new += 1
        self.lines[pod] += new
        self.pacer.read(pod, started)
        return bool(new)

    def _artifact(self, t: RemoteTask, name: str, produced: Any) -> None:
        for uri, title, metadata in artifact_entries(produced, self.live.ui_url):
            self.bus.emit(ArtifactProduced(self.live.run_id, t.task_id, name, uri, title, metadata))

    def _outputs(self, data: dict[str, Any], state: RunState) -> dict[str, Any]:
        """The run's outputs from ML Metadata (where the deployment offers it)."""
        if state is not RunState.SUCCEEDED:
            return {}
        spec = data.get("pipeline_spec") or self.spec
        self.metadata.refresh(wait=True)
        return self.metadata.pipeline_outputs(spec.get("pipeline_spec", spec))

    def _end(self, state: RunState, message: str, outputs: dict[str, Any] | None = None) -> None:
        for task_id, before in list(self.states.items()):
            if not before.terminal:
                left = TaskState.CANCELLED if state is not RunState.SUCCEEDED else TaskState.SKIPPED
                self.bus.emit(TaskFinished(self.live.run_id, task_id, left, {}, message))
                self.states[task_id] = left
        self.bus.emit(RunFinished(self.live.run_id, state, outputs or {}, message))
        self.live.done.set()


def follow(
    connection: Connection,
    store: StoreReader,
    bus: EventBus,
    live: RemoteLiveRun,
    spec: dict[str, Any],
    seen: Seen | None = None,
) -> threading.Thread:
    """Follow `live` on a background thread until the run ends on the cluster."""
    follower = _Follower(connection, store, bus, live, spec, seen)
    thread = threading.Thread(target=follower.run, name=f"kfpnb-follow-{live.run_id}", daemon=True)
    thread.start()
    return thread
