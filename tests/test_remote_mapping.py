"""Argo nodes -> KFP tasks, on `run_details.task_details` payloads in the KFP backend's shape.

The shape, from kubeflow/pipelines: backend/src/apiserver/server/api_converter.go (`toModelTasks`
on an ExecutionSpec, `toApiPipelineTaskDetail`: per Argo node a random `task_id`, the node's
`display_name`, its phase as a RuntimeState, `create_time` the workflow's, `child_tasks` the
node's children as `pod_name` references, no `pod_name` of its own) and
backend/src/v2/compiler/argocompiler/{dag.go,container.go} (the nodes: `<task>-driver`, the task,
its `executor` / `executor(i)` retries, `root`, `root-driver`, and per loop `iteration-driver`,
`iteration-iterations`, `iteration-iterations(i:i)`, `iteration-item-driver`, `iteration-item`).
"""

import uuid
from typing import List

import pytest
from kfp import compiler, dsl

from kfp_notebook._model.states import TaskKind, TaskState
from kfp_notebook._remote.mapping import map_tasks, spec_tasks

pytestmark = pytest.mark.unit

EPOCH = "1970-01-01T00:00:00Z"


@dsl.component
def work(x: str) -> str:
    return x


@dsl.pipeline(name="shapes")
def shapes(items: List[str] = ["a", "b"], go: bool = True):  # noqa: B006 (a KFP default)
    with dsl.ParallelFor(items) as item:
        work(x=item)
    with dsl.If(go == True):  # noqa: E712 (a KFP condition)
        work(x="yes")


def _spec(tmp_path):
    path = tmp_path / "shapes.yaml"
    compiler.Compiler().compile(shapes, str(path))
    import yaml

    return yaml.safe_load(path.read_text())


def _names(spec):
    tasks = spec_tasks(spec)
    loop = next(n for n, (_, k) in tasks.items() if k is TaskKind.LOOP)
    condition = next(n for n, (_, k) in tasks.items() if k is TaskKind.CONDITION)
    body = next(n for n, (p, _) in tasks.items() if p == loop)
    inner = next(n for n, (p, _) in tasks.items() if p == condition)
    return loop, condition, body, inner


class Nodes:
    """Builds task details the way the backend sends them; `linked` adds pod_name (serve)."""

    def __init__(self, linked: bool = False) -> None:
        self.linked, self.out, self.clock = linked, [], 0

    def add(self, name, state="SUCCEEDED", children=(), end=True):
        self.clock += 1
        node_id = f"wf-{len(self.out) + 1000}"
        detail = {
            "run_id": "run-1",
            "task_id": str(uuid.uuid4()),
            "display_name": name,
            "create_time": "2026-01-01T00:00:00Z",
            "start_time": f"2026-01-01T00:00:{self.clock:02d}Z",
            "end_time": f"2026-01-01T00:01:{self.clock:02d}Z" if end else EPOCH,
            "state": state,
            "execution_id": "0",
            "child_tasks": [{"pod_name": c} for c in children] or None,
        }
        if self.linked:
            detail["pod_name"] = node_id
        self.out.append(detail)
        return node_id


def test_backend_shape_unlinked_drops_drivers_and_numbers_loop_bodies_by_start(tmp_path):
    spec = _spec(tmp_path)
    loop, condition, body, _ = _names(spec)
    n = Nodes()
    n.add("root-driver")
    for i in range(2):  # iterations start in order; the backend gives no links between them
        n.add("iteration-item-driver")
        n.add(f"{body}-driver")
        n.add(body, "RUNNING" if i else "SUCCEEDED", end=not i)
        n.add("executor", "RUNNING" if i else "SUCCEEDED", end=not i)
        n.add("iteration-item")
        n.add(f"iteration-iterations({i}:{i})")
    n.add("iteration-driver")
    n.add("iteration-iterations")
    n.add(loop, "RUNNING", end=False)
    n.add(f"{condition}-driver")
    n.add(condition, "RUNTIME_STATE_UNSPECIFIED", end=False)  # Argo "Omitted": when false
    n.add("root", "RUNNING", end=False)
    n.add("shapes-x7k2p", "RUNNING", end=False)
    tasks = {t.task_id: t for t in map_tasks(n.out, spec)}
    assert set(tasks) == {
        f"{loop}[0]", f"{loop}[1]", f"{loop}[0]/{body}", f"{loop}[1]/{body}", loop, condition,
    }  # fmt: skip
    assert tasks[f"{loop}[0]/{body}"].state is TaskState.SUCCEEDED
    assert tasks[f"{loop}[1]/{body}"].state is TaskState.RUNNING
    assert tasks[f"{loop}[1]/{body}"].finished is None  # the epoch means "not yet"
    assert tasks[f"{loop}[1]/{body}"].parent_id == f"{loop}[1]"
    assert tasks[f"{loop}[0]"].kind is TaskKind.ITERATION and tasks[f"{loop}[0]"].parent_id == loop
    assert tasks[loop].kind is TaskKind.LOOP and tasks[condition].kind is TaskKind.CONDITION
    assert tasks[condition].state is TaskState.PENDING  # until the run ends
    assert tasks[f"{loop}[0]/{body}"].pod is None  # no pod names from the backend: no logs


def test_linked_nodes_nest_fold_executors_count_retries_and_see_cache_hits(tmp_path):
    spec = _spec(tmp_path)
    loop, condition, body, inner = _names(spec)
    n = Nodes(linked=True)
    members, iterations, ex = [], [], []
    for i in range(2):
        ex = [n.add("executor(0)", "FAILED"), n.add("executor(1)")] if i == 1 else []
        executor = n.add("executor", children=ex) if ex else n.add("executor")
        task = [n.add(f"{body}-driver"), n.add(body, children=[executor])]
        item = [n.add("iteration-item-driver"), n.add("iteration-item", children=task)]
        iterations.append(n.add(f"iteration-iterations({i}:{i})", children=item))
    group = n.add("iteration-iterations", children=iterations)
    members.append(n.add(loop, children=[n.add("iteration-driver"), group]))
    cached = n.add("executor", "SKIPPED")
    inside = [n.add(f"{inner}-driver"), n.add(inner, children=[cached])]
    members += [n.add(f"{condition}-driver"), n.add(condition, children=inside)]
    root = n.add("root", children=members)
    n.add("shapes-x7k2p", children=[n.add("root-driver"), root])

    mapped = map_tasks(list(reversed(n.out)), spec)
    order = [t.task_id for t in mapped]
    assert all(order.index(t.parent_id) < order.index(t.task_id) for t in mapped if t.parent_id)
    tasks = {t.task_id: t for t in mapped}
    assert set(tasks) == {
        loop, f"{loop}[0]", f"{loop}[1]", f"{loop}[0]/{body}", f"{loop}[1]/{body}",
        condition, f"{condition}/{inner}",
    }  # fmt: skip
    retried = tasks[f"{loop}[1]/{body}"]
    assert retried.attempts == 2 and retried.pod == ex[1]  # the last attempt's pod
    assert tasks[f"{loop}[0]/{body}"].attempts == 1
    assert tasks[f"{condition}/{inner}"].state is TaskState.CACHED
    assert tasks[f"{condition}/{inner}"].parent_id == condition
    assert tasks[f"{loop}[1]"].parent_id == loop


def test_canceled_and_failed_states_and_the_error_message(tmp_path):
    spec = _spec(tmp_path)
    loop, condition, _, _ = _names(spec)
    n = Nodes()
    n.add(loop, "CANCELED")
    n.add(condition, "FAILED")
    n.out[-1]["error"] = {"code": 2, "message": "boom", "details": []}
    tasks = {t.task_id: t for t in map_tasks(n.out, spec)}
    assert tasks[loop].state is TaskState.CANCELLED
    assert tasks[condition].state is TaskState.FAILED and tasks[condition].message == "boom"


def test_timestamps_in_every_protobuf_json_form():
    from kfp_notebook._remote.mapping import timestamp as _time

    assert _time("2026-01-01T00:00:01Z") == 1767225601.0
    assert abs(_time("2026-01-01T00:00:01.123456789Z") - 1767225601.123456789) < 1e-6
    assert _time("2026-01-01T01:00:01.5+01:00") == 1767225601.5
    assert _time("1970-01-01T00:00:00Z") is None  # unset
    assert _time("not a time") is None
