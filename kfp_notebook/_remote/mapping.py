"""From a KFP run's `run_details.task_details` (Argo workflow nodes, see
`kfp_notebook/_kfp_api/tasks.py` for their shape) to KFP tasks as the local engine names them:
`train`, `condition-1/train`, `for-loop-2[0]/train`.

Drivers (`*-driver`), `root`, the workflow's own node and the compiler's helper nodes
(`iteration-iterations`, `iteration-item`) are dropped; `executor` (and `executor(i)` retry pods)
fold into their task (attempts, the pod to read logs from, CACHED when the executor was skipped);
`iteration-iterations(i:i)` nodes become loop iterations. Which node is a KFP task comes from the
pipeline spec (its DAG task names), which the run carries.

Nesting needs links: when nodes carry `pod_name` (kfp-notebook serve fills it), `child_tasks`
resolve and tasks nest under their groups, iterations under their loops. The KFP backend leaves
`pod_name` empty, so there tasks nest by the spec alone and same-named tasks of a loop are told
apart by their start order (`for-loop-2[0]/train`, `[1]`, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kfp_notebook._model.states import RunState, TaskKind, TaskState
from kfp_notebook._remote.spec_walk import spec_links, spec_tasks

__all__ = [
    "RUN_STATES",
    "RemoteTask",
    "artifact_entries",
    "map_tasks",
    "run_state",
    "spec_links",
    "spec_tasks",
    "timestamp",
]

RUN_STATES = {  # the cluster's final states; the others (PENDING, RUNNING, CANCELING...) go on
    "SUCCEEDED": RunState.SUCCEEDED,
    "SKIPPED": RunState.SUCCEEDED,
    "FAILED": RunState.FAILED,
    "CANCELED": RunState.CANCELLED,
}

TASK_STATE = {
    "PENDING": TaskState.PENDING,
    "RUNNING": TaskState.RUNNING,
    "CANCELING": TaskState.RUNNING,
    "SUCCEEDED": TaskState.SUCCEEDED,
    "SKIPPED": TaskState.SKIPPED,
    "FAILED": TaskState.FAILED,
    "CANCELED": TaskState.CANCELLED,
    "PAUSED": TaskState.PENDING,
}
_ITERATION = re.compile(r"^iteration-iterations\((\d+)(?::\d+)?\)$")
_EXECUTOR = re.compile(r"^executor(?:\((\d+)\))?$")
_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)$")
_HELPERS = {"root", "iteration-iterations", "iteration-item"}


@dataclass
class RemoteTask:
    task_id: str
    name: str
    parent_id: str | None
    kind: TaskKind
    state: TaskState
    started: float | None = None
    finished: float | None = None
    attempts: int = 0
    pod: str | None = None  # the executor pod whose log is this task's log
    message: str = ""
    artifacts: dict[str, Any] = field(default_factory=dict)
    component: str = ""  # the componentRef's name (comp-train), as a local run records it
    dependencies: tuple[str, ...] = ()  # names of the tasks of its DAG it waits for (edges)


def timestamp(value: Any) -> float | None:
    """Seconds from a protobuf Timestamp's JSON (RFC 3339 with 0, 3, 6 or 9 fraction digits, "Z"
    or an offset) or a datetime; None for the unset epoch and for text that is not a time."""
    if value is None:
        return None
    if not isinstance(value, str):
        seconds = float(value.timestamp())
    else:
        match = _RFC3339.match(value)
        if match is None:
            return None
        whole, fraction, zone = match.groups()
        zone = "+00:00" if zone in ("Z", "z") else zone
        moment = datetime.fromisoformat(whole + zone)
        seconds = moment.timestamp() + float("0." + (fraction or "0"))
    return seconds if seconds > 0 else None


class _Mapper:
    def __init__(self, details: list[dict[str, Any]], spec: dict[str, Any]) -> None:
        self.nodes = details
        self.spec = spec_tasks(spec)
        self.links = spec_links(spec)
        keys = {self._key(n): i for i, n in enumerate(details) if self._key(n)}
        self.parent: dict[int, int] = {}
        for i, node in enumerate(details):
            for child in node.get("child_tasks") or []:
                j = keys.get(child.get("pod_name") or child.get("task_id") or "")
                if j is not None and j != i:
                    self.parent.setdefault(j, i)
        self.linked = bool(self.parent)
        self.tasks: dict[int, RemoteTask] = {}
        self.occurrences: dict[tuple[str, str], int] = {}

    @staticmethod
    def _key(node: dict[str, Any]) -> str:
        return str(node.get("pod_name") or "")

    def role(self, i: int) -> str:
        name = self.nodes[i].get("display_name") or ""
        if _ITERATION.match(name):
            return "iteration"
        if _EXECUTOR.match(name):
            return "executor"
        if name in self.spec and name not in _HELPERS:
            return "task"
        return "drop"

    def owner(self, i: int) -> int | None:
        """The nearest ancestor that is a task or an iteration."""
        j = self.parent.get(i)
        while j is not None and self.role(j) not in ("task", "iteration"):
            j = self.parent.get(j)
        return j

    def task_id(self, i: int) -> str:
        node, role = self.nodes[i], self.role(i)
        if not self.linked:
            return self._flat_id(node["display_name"], role)
        up = self.owner(i)
        prefix = self.task_id(up) + ("" if role == "iteration" else "/") if up is not None else ""
        if role == "iteration":
            match = _ITERATION.match(node["display_name"])
            assert match is not None
            return f"{prefix}[{match.group(1)}]"
        return prefix + str(node["display_name"])

    def _flat_id(self, name: str, role: str) -> str:
        """Without links: the spec's path, a loop's part numbered by start order."""
        if role == "iteration":
            loops = [n for n, (_, kind) in self.spec.items() if kind is TaskKind.LOOP]
            match = _ITERATION.match(name)
            if len(loops) != 1 or match is None:
                return ""
            return f"{self._flat_id(loops[0], 'task')}[{match.group(1)}]"
        parts = [name]
        parent = self.spec[name][0]
        while parent is not None:
            if self.spec[parent][1] is TaskKind.LOOP:
                count = self.occurrences.get((parent, name), 0)
                self.occurrences[(parent, name)] = count + 1
                parts.append(f"{parent}[{count}]")
            else:
                parts.append(parent)
            parent = self.spec[parent][0]
        return "/".join(reversed(parts))

    def build(self) -> list[RemoteTask]:
        order = sorted(
            range(len(self.nodes)), key=lambda i: timestamp(self.nodes[i].get("start_time")) or 0
        )
        seen: set[str] = set()
        for i in order:
            role = self.role(i)
            if role not in ("task", "iteration"):
                continue
            node = self.nodes[i]
            tid = self.task_id(i)
            if not tid or tid in seen:
                continue
            seen.add(tid)
            up = self.owner(i) if self.linked else None
            if role == "iteration":
                kind = TaskKind.ITERATION
                name = tid.rsplit("/", 1)[-1]
            else:
                name = node["display_name"]
                kind = self.spec[name][1]
            parent_id = self.task_id(up) if up is not None else None
            if not self.linked:
                parent_id = _flat_parent(tid, role)
            error = node.get("error") or {}
            state = TASK_STATE.get(node.get("state") or "", TaskState.PENDING)
            # an iteration is of its loop's component and waits for nothing inside the loop
            loop = tid.rsplit("[", 1)[0].rsplit("/", 1)[-1]
            component, upstream = self.links.get(name if role == "task" else loop, ("", ()))
            upstream = upstream if role == "task" else ()
            self.tasks[i] = RemoteTask(
                tid, name, parent_id, kind, state,
                timestamp(node.get("start_time")), timestamp(node.get("end_time")),
                message=str(error.get("message") or ""), artifacts=node.get("outputs") or {},
                component=component or name, dependencies=upstream,
            )  # fmt: skip
        if self.linked:
            self._fold_executors()
        return _parents_first([self.tasks[i] for i in order if i in self.tasks])

    def _fold_executors(self) -> None:
        for i, node in enumerate(self.nodes):
            match = _EXECUTOR.match(node.get("display_name") or "")
            up = self.owner(i)
            if match is None or up is None or up not in self.tasks:
                continue
            task = self.tasks[up]
            pods = [c for c in node.get("child_tasks") or []]
            if match.group(1) is not None or pods:  # a retry pod, or the Retry node above them
                if match.group(1) is not None:
                    attempt = int(match.group(1)) + 1
                    if attempt >= task.attempts:
                        task.attempts, task.pod = attempt, self._key(node)
                continue
            task.attempts = max(task.attempts, 1)
            task.pod = task.pod or self._key(node)
            if node.get("state") == "SKIPPED" and task.state is TaskState.SUCCEEDED:
                task.state = TaskState.CACHED


def _parents_first(tasks: list[RemoteTask]) -> list[RemoteTask]:
    """Start order, except that a parent always comes before its children."""
    known = {t.task_id: t for t in tasks}
    out: list[RemoteTask] = []
    placed: set[str] = set()

    def place(t: RemoteTask) -> None:
        if t.task_id in placed:
            return
        placed.add(t.task_id)
        if t.parent_id in known:
            place(known[t.parent_id])
        out.append(t)

    for t in tasks:
        place(t)
    return out


def _flat_parent(tid: str, role: str) -> str | None:
    if role == "iteration":
        return tid.rsplit("[", 1)[0]
    return tid.rsplit("/", 1)[0] if "/" in tid else None


def map_tasks(details: list[dict[str, Any]], spec: dict[str, Any]) -> list[RemoteTask]:
    """KFP tasks of a run, parents before children, from its task details and pipeline spec."""
    return _Mapper(details, spec).build()


def run_state(state: Any) -> RunState:
    """A run's RuntimeState as a local run state: RUNNING until the cluster says it ended."""
    return RUN_STATES.get(str(state), RunState.RUNNING)


def artifact_entries(produced: Any, ui_url: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(uri, schema title, metadata) of an output the backend reported: its URI when given,
    else the run's page in the KFP UI; MLMD ids kept in the metadata as `artifact_ids`."""
    entries = produced.get("artifacts") if isinstance(produced, dict) else None
    ids = produced.get("artifact_ids") if isinstance(produced, dict) else None
    out = []
    for art in entries or [{}]:
        uri = str(art.get("uri") or ui_url)
        title = str((art.get("type") or {}).get("schema_title") or "system.Artifact")
        metadata = dict(art.get("metadata") or {}, **({"artifact_ids": ids} if ids else {}))
        out.append((uri, title, metadata))
    return out
