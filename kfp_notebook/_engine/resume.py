"""Resuming a finished run from one of its tasks: which run, which task results are kept."""

from __future__ import annotations

from typing import Any

from kfp_notebook._errors import PipelineInputError
from kfp_notebook._model.states import TaskState
from kfp_notebook._spec.ir import PipelineIR
from kfp_notebook._store.store import RunStore, TaskRecord

__all__ = ["resume_plan"]


def resume_plan(
    store: RunStore,
    ir: PipelineIR,
    run_id: str | None,
    from_task: str,
    arguments: dict[str, Any] | None,
) -> tuple[str, dict[str, TaskRecord], dict[str, Any]]:
    """The run to resume (`run_id`, else the pipeline's latest), the finished leaf tasks it
    keeps, and its arguments unless new ones are given."""
    source = store.get_run(run_id) if run_id else store.latest_run(ir.name)
    if source is None:
        where = f"run {run_id!r}" if run_id else f"a run of pipeline {ir.name!r}"
        raise PipelineInputError(f"cannot resume: {where} is not in {store.root}.")
    if not source.status.terminal:
        raise PipelineInputError(
            f"run {source.run_id} is still running; wait for it or cancel it before resuming it."
        )
    tasks = store.get_tasks(source.run_id)
    if not any(from_task in (t.name, t.task_id) for t in tasks):
        names = sorted({t.name for t in tasks if t.kind.is_leaf})
        raise PipelineInputError(
            f"run {source.run_id} has no task {from_task!r}; its tasks are: {', '.join(names)}."
        )
    reuse = {
        t.task_id: t
        for t in tasks
        if t.kind.is_leaf and t.status in (TaskState.SUCCEEDED, TaskState.CACHED)
    }
    return source.run_id, reuse, arguments if arguments else dict(source.arguments)
