"""`run_details.task_details` in the KFP backend's shape, from our task records.

The backend builds task details from the run's Argo workflow nodes
(kubeflow/pipelines backend/src/apiserver/server/api_converter.go, `toModelTasks` on an
ExecutionSpec, then `toApiPipelineTaskDetail`): one detail per node, `display_name` the node's
display name, `state` its phase in RuntimeState terms, `create_time` the workflow's creation time,
`child_tasks` the node's children as `pod_name` references. The nodes are the ones the KFP Argo
compiler makes (backend/src/v2/compiler/argocompiler/dag.go, container.go): per task a
`<task>-driver` pod and the task's node (display name: the KFP task name) whose child is the
`executor` pod (a Retry node with `executor(0)`, `executor(1)`... when it was retried); a
`root-driver` and a `root` DAG under the workflow's node; per loop an `iteration-driver` and an
`iteration-iterations` group with one `iteration-iterations(i:i)` node per iteration, which holds
`iteration-item-driver` and `iteration-item`, the iteration's DAG.

Two extras, left out with `extras=False` (`serve --backend-shape`), which answers exactly as the
backend does, so a client must find pod names and artifacts in ML Metadata as on a cluster: the
backend leaves `pod_name` empty; here every node carries its node id as `pod_name` (Argo's v1
pod naming, where pod name and node id are the same), so a client can link `child_tasks` to
their nodes and read a pod's log from `/apis/v1alpha1/.../nodes/{pod}/log`; and the backend's
`outputs` are empty for v2 runs, here a task's node lists its artifacts (`outputs()`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from kfp_notebook._model.states import TaskKind, TaskState
from kfp_notebook._store.records import RunRecord, TaskRecord

__all__ = [
    "TASK_STATES",
    "log_task_for",
    "node_id",
    "outputs",
    "rfc3339",
    "task_details",
    "workflow_name",
]

TASK_STATES = {
    TaskState.PENDING: "PENDING",
    TaskState.RUNNING: "RUNNING",
    TaskState.SUCCEEDED: "SUCCEEDED",
    TaskState.CACHED: "SUCCEEDED",
    TaskState.FAILED: "FAILED",
    TaskState.SKIPPED: "SKIPPED",
    TaskState.CANCELLED: "FAILED",  # Argo marks terminated pods Failed; the run says CANCELED
}


def rfc3339(seconds: float | None) -> str:
    """A protobuf Timestamp as JSON; an unset time is the epoch, as the backend sends it."""
    moment = datetime.fromtimestamp(seconds or 0, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}Z"


def workflow_name(run: RunRecord) -> str:
    stem = re.sub(r"[^a-z0-9-]+", "-", run.pipeline_name.lower()).strip("-")[:40] or "pipeline"
    return f"{stem}-{run.run_id[:5]}"


def node_id(workflow: str, key: str) -> str:
    """An Argo-like node id: the workflow name and a number derived from the node's path."""
    digest = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16)
    return f"{workflow}-{digest}"


class _Builder:
    def __init__(self, run: RunRecord, tasks: list[TaskRecord], extras: bool = True) -> None:
        self.run, self.wf, self.extras = run, workflow_name(run), extras
        self.children: dict[str | None, list[TaskRecord]] = {}
        for t in tasks:
            self.children.setdefault(t.parent_id, []).append(t)
        self.out: list[dict[str, Any]] = []

    def node(
        self,
        key: str,
        name: str,
        state: str,
        start: float | None,
        end: float | None,
        children: list[str],
        message: str = "",
    ) -> str:
        nid = node_id(self.wf, key)
        detail: dict[str, Any] = {
            "run_id": self.run.run_id,
            "task_id": nid,
            "display_name": name,
            "create_time": rfc3339(self.run.created),
            "start_time": rfc3339(start),
            "end_time": rfc3339(end),
            "state": state,
            "execution_id": "0",
            "pod_name": nid if self.extras else "",
            "child_tasks": [{"pod_name": c} for c in children] or None,
        }
        if message:
            detail["error"] = {"code": 2, "message": message, "details": []}
        self.out.append(detail)
        return nid

    def driver(self, key: str, name: str, t: TaskRecord) -> str:
        ran = t.status is not TaskState.PENDING
        state = "SUCCEEDED" if ran else "PENDING"
        return self.node(key + "/driver", name + "-driver", state, t.started, t.started, [])

    def task(self, t: TaskRecord, key: str) -> list[str]:
        """Node ids this task contributes to its parent DAG (driver and task node)."""
        state = TASK_STATES[t.status]
        if t.kind is TaskKind.LOOP:
            iterations = [self.iteration(i, key) for i in self.children.get(t.task_id, [])]
            group = self.node(
                key + "/iterations", "iteration-iterations", state, t.started, t.finished,
                iterations,
            )  # fmt: skip
            inner = [self.driver(key + "/iter", "iteration", t), group]
            return [self.node(key, t.name, state, t.started, t.finished, inner, t.message)]
        inner = [self.executor(t, key)] if t.kind.is_leaf else self.members(t.task_id, key)
        own = self.node(key, t.name, state, t.started, t.finished, inner, t.message)
        if t.artifacts and self.extras:
            self.out[-1]["outputs"] = outputs(t)
        return [self.driver(key, t.name, t), own]

    def iteration(self, t: TaskRecord, loop_key: str) -> str:
        index = t.task_id.rsplit("[", 1)[-1].rstrip("]")
        key = f"{loop_key}[{index}]"
        state = TASK_STATES[t.status]
        item = self.node(
            key + "/item", "iteration-item", state, t.started, t.finished,
            self.members(t.task_id, key),
        )  # fmt: skip
        inner = [self.driver(key + "/item", "iteration-item", t), item]
        name = f"iteration-iterations({index}:{index})"
        return self.node(key, name, state, t.started, t.finished, inner)

    def executor(self, t: TaskRecord, key: str) -> str:
        state = "SKIPPED" if t.status is TaskState.CACHED else TASK_STATES[t.status]
        if t.attempts <= 1:
            return self.node(key + "/exec", "executor", state, t.started, t.finished, [])
        pods = [
            self.node(
                f"{key}/exec({i})",
                f"executor({i})",
                state if i == t.attempts - 1 else "FAILED",
                t.started,
                t.finished,
                [],
            )
            for i in range(t.attempts)
        ]
        return self.node(key + "/exec", "executor", state, t.started, t.finished, pods)

    def members(self, parent: str | None, key: str) -> list[str]:
        ids: list[str] = []
        for child in self.children.get(parent, []):
            if child.kind is TaskKind.UNSUPPORTED and child.task_id.startswith("("):
                continue
            ids.extend(self.task(child, f"{key}/{child.name}"))
        return ids


def outputs(t: TaskRecord) -> dict[str, Any]:
    """A task's output artifacts as `map<string, ArtifactList>`. The backend's ArtifactList holds
    MLMD ids only; here each also lists the artifact's `uri`, type and metadata (`artifacts`),
    which kfp_server_api's model ignores and a raw-JSON reader (the Kubeflow runner) uses."""
    out: dict[str, Any] = {}
    for a in t.artifacts:
        number = int(hashlib.sha1(f"{t.run_id}/{t.task_id}/{a.name}".encode()).hexdigest()[:12], 16)
        out[a.name] = {
            "artifact_ids": [str(number)],
            "artifacts": [
                {"uri": a.uri, "type": {"schema_title": a.schema_title}, "metadata": a.metadata}
            ],
        }
    return out


def task_details(
    run: RunRecord, tasks: list[TaskRecord], extras: bool = True
) -> list[dict[str, Any]]:
    """The run's Argo-shaped task details (empty before the run has recorded any task);
    `extras=False`: without the pod names and outputs the backend does not send."""
    known = {t.task_id for t in tasks}
    visible = [t for t in tasks if not t.task_id.startswith("(")]  # e.g. "(setup)"
    # a task whose parent is not recorded hangs under root
    visible = [t if t.parent_id in known or t.parent_id is None else _reparent(t) for t in visible]
    if not visible:
        return []
    b = _Builder(run, visible, extras)
    state = "SUCCEEDED" if run.status.value == "SUCCEEDED" else "RUNNING"
    if run.status.terminal and run.status.value != "SUCCEEDED":
        state = "FAILED"
    end = run.finished
    root = b.node("root", "root", state, run.created, end, b.members(None, "root"))
    root_driver = b.node("root/driver", "root-driver", "SUCCEEDED", run.created, run.created, [])
    b.node("", b.wf, state, run.created, end, [root_driver, root], run.message)
    return b.out


def _reparent(t: TaskRecord) -> TaskRecord:
    return replace(t, parent_id=None)


def log_task_for(run: RunRecord, tasks: list[TaskRecord], node: str) -> TaskRecord | None:
    """The task whose executor pod (or any of its nodes) is `node`, for the log endpoint."""
    wf = workflow_name(run)
    for t in tasks:
        if not t.kind.is_leaf:
            continue
        key = _key(t, tasks)
        candidates = {node_id(wf, key + s) for s in ("", "/exec", "/driver")}
        candidates |= {node_id(wf, f"{key}/exec({i})") for i in range(max(t.attempts, 1))}
        if node in candidates:
            return t
    return None


def _key(t: TaskRecord, tasks: list[TaskRecord]) -> str:
    """The node key `_Builder` gives `t`: root, then names; iterations as `[i]`."""
    by_id = {x.task_id: x for x in tasks}
    parts: list[str] = []
    current: TaskRecord | None = t
    while current is not None:
        if current.kind is TaskKind.ITERATION:
            index = current.task_id.rsplit("[", 1)[-1].rstrip("]")
            parts.append(f"[{index}]")
        else:
            parts.append("/" + current.name)
        current = by_id.get(current.parent_id) if current.parent_id else None
    return "root" + "".join(reversed(parts))
