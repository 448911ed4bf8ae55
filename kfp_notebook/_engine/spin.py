"""Spinning one task: a task of a finished run, alone, with the inputs that run gave it.

`plan_spin` turns (run, task) into a one-task pipeline the engine runs like any other: the
task's component (from the run's own spec, or the fixed code of another one), its recorded
parameters as the pipeline's inputs (so `--param` overrides one, typed as in `run`), and one
importer per recorded input artifact, pointing at the file the run produced. Everything missing
is said before anything runs; the pipeline itself is built by `spin_spec`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfp_notebook._engine.spin_spec import one_task_spec
from kfp_notebook._errors import PipelineInputError
from kfp_notebook._model.states import TaskKind
from kfp_notebook._spec.ir import PipelineIR, load_pipeline
from kfp_notebook._spec.types import ComponentSpec, ExecutorSpec, IRDict
from kfp_notebook._store.layout import spec_path
from kfp_notebook._store.records import RunRecord
from kfp_notebook._store.store import RunStore, TaskRecord

__all__ = [
    "SpinPlan",
    "check_overrides",
    "find_task",
    "pick_task",
    "plan_spin",
    "plan_task",
    "task_in_spec",
]

_ITERATION = re.compile(r"\[\d+\]$")
MAX_LISTED = 64  # a list input is rebuilt with one gated importer per artifact per position


@dataclass
class SpinPlan:
    """What a spin runs: `ir` (one task and its importers), its default `arguments` (the
    task's recorded parameters) and where they came from."""

    source_run: str
    task: TaskRecord
    ir: PipelineIR
    task_key: str  # the spun task's key in `ir`
    component: ComponentSpec  # its component spec
    executor: ExecutorSpec  # its executor (container)
    parameters: dict[str, Any]
    artifacts: dict[str, list[Any]]  # name -> the recorded artifact dicts (uri, type, metadata)


def find_task(store: RunStore, run_id: str, task: str) -> TaskRecord:
    """The leaf task of `run_id` named by its id (`for-loop-2[3]/train`) or, when only one has
    it, its name; else one PipelineInputError listing what can be named."""
    record = store.get_run(run_id)
    if record is None:
        raise PipelineInputError(
            f"there is no run {run_id!r} in {store.root}; see `kfp-notebook runs`."
        )
    return pick_task(record, store.get_tasks(run_id), task)


def pick_task(run: RunRecord, tasks: list[TaskRecord], task: str) -> TaskRecord:
    """`find_task` over a run's records read from anywhere (a cluster's, too)."""
    run_id = run.run_id
    if not run.status.terminal:
        raise PipelineInputError(f"run {run_id} is still running; spin a task once it has ended.")
    leaves = [t for t in tasks if t.kind.is_leaf]
    found = [t for t in leaves if t.task_id == task] or [t for t in leaves if t.name == task]
    if len(found) == 1:
        return found[0]
    ids = ", ".join(t.task_id for t in (found or leaves)[:12])
    why = f"{task!r} names {len(found)} tasks" if found else f"there is no task {task!r}"
    raise PipelineInputError(f"in run {run_id} {why}; name one of: {ids}")


def task_in_spec(spec: IRDict, task_id: str) -> tuple[str, IRDict] | None:
    """(key, task spec) of `task_id` in `spec`, walking its DAGs by the id's parts (iteration
    numbers dropped); None when the spec has no such path."""
    dag: IRDict = spec["root"].get("dag", {})
    parts = [_ITERATION.sub("", p) for p in task_id.split("/")]
    for depth, key in enumerate(parts):
        task = dag.get("tasks", {}).get(key)
        if task is None:
            return None
        if depth == len(parts) - 1:
            return key, task
        dag = spec.get("components", {}).get(task["componentRef"]["name"], {}).get("dag", {})
    return None


def _leaf_tasks(spec: IRDict) -> list[tuple[str, IRDict]]:
    found = []
    for comp in [spec["root"], *spec.get("components", {}).values()]:
        for key, task in comp.get("dag", {}).get("tasks", {}).items():
            ref = spec.get("components", {}).get(task["componentRef"]["name"], {})
            if "dag" not in ref:
                found.append((key, task))
    return found


def _component_of(ir: PipelineIR, record: TaskRecord, fixed: bool) -> tuple[str, IRDict]:
    """The spun task's key and spec in `ir`: at the task's own path, else (fixed code) the one
    task of that name, else a pipeline's one task (a compiled component)."""
    spec: IRDict = dict(ir.spec)
    hit = task_in_spec(spec, record.task_id)
    if hit is not None:
        return hit
    if fixed:
        leaves = _leaf_tasks(spec)
        named = [t for t in leaves if t[0] == record.name]
        if len(named) == 1:
            return named[0]
        if len(leaves) == 1:
            return leaves[0]
    where = f"the pipeline {ir.source}" if fixed else f"run {record.run_id}'s spec"
    raise PipelineInputError(
        f"{where} has no task {record.task_id!r}"
        + (" (nor one task of that name, nor is it a single component)" if fixed else "")
    )


def plan_spin(store: RunStore, run_id: str, task: str, pipeline: Any = None) -> SpinPlan:
    """The one-task pipeline that spins `task` of `run_id`; `pipeline` (a file, function or
    component) gives fixed code for it."""
    record = find_task(store, run_id, task)
    return plan_task(record, lambda: _run_spec(_spec_file(store.root, run_id)), pipeline)


def plan_task(
    record: TaskRecord, run_spec: Callable[[], PipelineIR], pipeline: Any = None
) -> SpinPlan:
    """`plan_spin` for a task record read from anywhere; `run_spec()` gives its run's spec."""
    run_id = record.run_id
    if record.kind is not TaskKind.CONTAINER:
        raise PipelineInputError(
            f"task {record.task_id!r} is an {record.kind.value}: only a component's task runs alone"
        )
    try:
        source = load_pipeline(pipeline) if pipeline is not None else run_spec()
    except OSError as exc:
        raise PipelineInputError(f"run {run_id}'s spec cannot be read: {exc}") from None
    key, task_spec = _component_of(source, record, fixed=pipeline is not None)
    comp_name = task_spec["componentRef"]["name"]
    component = copy.deepcopy(source.components[comp_name])
    executor = copy.deepcopy(source.executors[component["executorLabel"]])
    if "container" not in executor:
        raise PipelineInputError(f"task {record.task_id!r} runs no container: nothing to spin")
    definitions = component.get("inputDefinitions", {})
    params = {k: v for k, v in record.inputs.items() if k in definitions.get("parameters", {})}
    artifacts = _input_artifacts(record, definitions.get("artifacts", {}))
    spec = one_task_spec(source, key, task_spec, component, executor, params, artifacts)
    ir = load_pipeline(spec)
    return SpinPlan(run_id, record, ir, key, component, executor, params, artifacts)


def check_overrides(plan: SpinPlan, names: list[str]) -> None:
    """Each overridden input is one of the task's input parameters; else one error naming them
    (an artifact input is the run's: it cannot be overridden)."""
    definitions = plan.component.get("inputDefinitions", {})
    params, artifacts = definitions.get("parameters", {}), definitions.get("artifacts", {})
    for name in names:
        if name in params:
            continue
        task, listed = plan.task.task_id, ", ".join(params) or "none"
        if name in artifacts:
            why = f"{name!r} of task {task!r} is an artifact input: it comes from the run"
        else:
            why = f"task {task!r} has no input parameter {name!r}"
        raise PipelineInputError(f"{why}; its input parameters: {listed}")


_specs: dict[tuple[str, int, int], PipelineIR] = {}  # (path, mtime, size) -> checked IR
_SPECS_KEPT = 16


def _run_spec(path: Path) -> PipelineIR:
    """A run's recorded spec, read and checked once while the file stays as it was (a run's
    `pipeline.yaml` is written once): spinning its tasks again and again skips the parse."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    found = _specs.get(key)
    if found is None:
        if len(_specs) >= _SPECS_KEPT:
            _specs.clear()
        found = _specs[key] = load_pipeline(path)
    return found


def _spec_file(root: Path, run_id: str) -> Path:
    path = spec_path(root, run_id)
    if not path.is_file():
        raise OSError(f"{path} is gone")
    return path


def _input_artifacts(record: TaskRecord, wanted: IRDict) -> dict[str, Any]:
    """The recorded input artifacts the component declares; a missing file or a required one
    not recorded is said now, naming it."""
    found: dict[str, Any] = {}
    missing = []
    for name, definition in wanted.items():
        arts = record.input_artifacts.get(name)
        if not arts:
            if not definition.get("isOptional"):
                missing.append(f"{name} (not recorded in run {record.run_id})")
            continue
        if len(arts) > MAX_LISTED:
            raise PipelineInputError(
                f"input {name!r} of {record.task_id!r} is a list of {len(arts)} artifacts; a "
                f"spin takes lists of up to {MAX_LISTED}: resume the run from that task instead "
                "(`--from-task`)"
            )
        for art in arts:
            uri = str(art.get("uri", ""))
            if "://" not in uri and not Path(uri).exists():
                missing.append(f"{name} ({uri} no longer exists)")
        found[name] = list(arts)
    if missing:
        raise PipelineInputError(
            f"cannot spin {record.task_id!r} of run {record.run_id}: its input artifact(s) "
            + "; ".join(missing)
            + ". Re-run the run (or the producing task) to make them again."
        )
    return found
