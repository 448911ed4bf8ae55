"""Spin one task of a finished run: alone, with the inputs that run gave it, in the task's own
environment through the session's executor, or in this process (`in_kernel`) so that the task's
exception is raised where the caller is and a debugger can step through it.

Nothing is recorded in the run's history unless `persist`: a spin runs in its session's scratch
pipeline root (one per session, under the system's temp folder), whose outputs stay to be
looked at.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfp_notebook._api.run import Run
from kfp_notebook._engine.nodes import Node
from kfp_notebook._engine.object_io import localize_inputs
from kfp_notebook._engine.resolve import Inputs, build_executor_input, read_executor_output
from kfp_notebook._engine.spin import SpinPlan, check_overrides, pick_task, plan_spin, plan_task
from kfp_notebook._errors import ExecutorUnavailableError
from kfp_notebook._model.states import TaskKind
from kfp_notebook._remote.reader import ClusterRun
from kfp_notebook._spec.arguments import check_arguments
from kfp_notebook._spec.ir import load_pipeline

__all__ = [
    "KernelSpin",
    "Spin",
    "install_widget_start",
    "plan_cluster_spin",
    "plan_spin",
    "scratch_root",
    "spin_in_kernel",
    "spin_task",
    "start_spin",
]

SCRATCH_PREFIX = "kfp-notebook-spin-"


def plan_cluster_spin(run: ClusterRun, task: str, pipeline: Any = None) -> SpinPlan:
    """`plan_spin` for a task of a run read from its cluster, followed here or not: its inputs
    from the deployment's ML Metadata, its component from the run's own spec."""
    record = pick_task(run.record, run.tasks, task)
    return plan_task(record, lambda: load_pipeline(run.spec), pipeline)


def scratch_root() -> Path:
    """A fresh folder for one unrecorded spin, under the system's temp folder."""
    return Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))


@dataclass
class Spin:
    """A spin going on: the plan, the run holding the spun task, and whether it is recorded."""

    plan: SpinPlan
    run: Run
    persisted: bool
    session: Any  # where it is recorded: the caller's session, or the scratch one

    @property
    def root(self) -> Path:
        return Path(self.session.store.root)

    @property
    def task(self) -> Any:
        return self.run.task(self.plan.task_key)


def start_spin(
    session: Any,
    plan: SpinPlan,
    *,
    arguments: dict[str, Any] | None = None,
    persist: bool = False,
    start: Any = None,
) -> Spin:
    """Start the spin `plan_spin` planned against `session`'s store, on this machine whatever
    the session's runner: recorded there as a new run with `persist`, else in a scratch root
    through the same executor. `start(target, ir,
    arguments, experiment)` starts the run (default: the target session's `run`, not
    waiting)."""
    source = session.store.get_run(plan.source_run)
    experiment = source.experiment if source is not None and source.experiment else None
    target = session.here() if persist else session.scratch(scratch_root)
    if start is None:
        handle = target.run(plan.ir, arguments, wait=False, experiment=experiment)
    else:
        handle = start(target, plan.ir, arguments, experiment)
    return Spin(plan, handle, persist, target)


@dataclass
class KernelSpin:
    """What a task spun in this process produced: its output parameters and artifacts."""

    plan: SpinPlan
    folder: Path
    parameters: dict[str, Any]
    artifacts: dict[str, Any]

    @property
    def outputs(self) -> dict[str, Any]:
        from kfp_notebook._api.outputs import materialize

        return materialize({"parameters": self.parameters, "artifacts": self.artifacts})


def spin_in_kernel(
    plan: SpinPlan, component: Any = None, arguments: dict[str, Any] | None = None
) -> KernelSpin:
    """Call the task's Python function in this process with the inputs `run_id` gave it
    (artifacts as kfp Input/Output objects, outputs in a scratch folder), through KFP's own
    executor. The task's exception propagates unchanged; `component` (a `@dsl.component` or
    `%%component`) is the fixed code, else the function is the one the run's spec holds."""
    func = _function(plan, component)
    params = check_arguments(plan.ir, arguments or {})
    artifacts = {
        name: [{"name": name, **art} for art in arts] for name, arts in plan.artifacts.items()
    }
    folder = scratch_root()
    node = Node(
        plan.task_key, plan.task_key, {}, plan.task_key, plan.component, TaskKind.CONTAINER, None
    )
    # input artifacts on an object store are read from their downloaded copies, as a task's are
    executor_input = build_executor_input(node, localize_inputs(Inputs(params, artifacts)), folder)
    for arts in executor_input["outputs"]["artifacts"].values():
        Path(arts["artifacts"][0]["uri"]).parent.mkdir(parents=True, exist_ok=True)
    from kfp.dsl.executor import Executor

    with _task_root_kept():
        Executor(executor_input, func).execute()
    out_params, out_artifacts = read_executor_output(node, executor_input)
    return KernelSpin(plan, folder, out_params, out_artifacts)


def _function(plan: SpinPlan, component: Any) -> Any:
    """The Python function to call: the fixed component's, else the one in the spec's
    container, compiled from its source into a file so that tracebacks show its lines."""
    if component is not None and hasattr(component, "python_func"):
        return component.python_func
    container = plan.executor["container"]
    args = list(container.get("args", []))
    if "--function_to_execute" not in args:
        raise ExecutorUnavailableError(
            f"task {plan.task.task_id!r} is a container component: it cannot run in the kernel;"
            " spin it without in_kernel (it runs in its container or environment)"
        )
    name = args[args.index("--function_to_execute") + 1]
    source = str(container.get("command", [""])[-1])
    path = scratch_root() / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": f"kfp_notebook_spin_{name}", "__file__": str(path)}
    exec(compile(source, str(path), "exec", dont_inherit=True), namespace)  # the run's own code
    return namespace[name]


@contextlib.contextmanager
def _task_root_kept() -> Iterator[None]:
    """KFP's executor sets a module global (the task root `dsl.get_uri()` reads); a kernel
    keeps its own value afterwards."""
    from kfp.dsl.types import artifact_types

    before = getattr(artifact_types, "CONTAINER_TASK_ROOT", None)
    try:
        yield
    finally:
        artifact_types.CONTAINER_TASK_ROOT = before


# How a spin shows itself where it was asked for: a notebook front door installs one that
# displays the spun run's live widget (`_notebook/spin.py`); None: the run starts plainly.
_widget_start: Any = None


def install_widget_start(start: Any) -> None:
    """Called by the notebook layer when it loads (an inversion: the API never imports it)."""
    global _widget_start
    _widget_start = start


def spin_task(
    store: Any,
    run_id: str,
    task: str,
    *,
    component: Any = None,
    arguments: dict[str, Any] | None = None,
    in_kernel: bool = False,
    persist: bool = False,
    wait: bool = True,
    session: Any = None,
) -> Any:
    """The one entry point of `Run.task(...).spin()` and `%kfp spin`: the task of `run_id`
    (recorded in `store`) spun with `session`'s executor (None: the current session's).
    `in_kernel`: called in this process (returns a KernelSpin); else returns the spun run (one
    task, shown as a live widget in a notebook), which raises RunFailedError on failure as any
    run does."""
    from kfp_notebook._api.session import _current

    plan = plan_spin(store, run_id, task, component)
    check_overrides(plan, list(arguments or {}))
    if in_kernel:
        return spin_in_kernel(plan, component, arguments)
    session = session if session is not None else _current()
    spun = start_spin(session, plan, arguments=arguments, persist=persist, start=_widget_start)
    if not wait:
        return spun.run
    spun.run.wait()
    session.check_outcome(spun.run)
    return spun.run
