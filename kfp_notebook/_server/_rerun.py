"""Re-run a finished run from one of its tasks, or spin one of its tasks alone as a new run, as
a detached `kfp-notebook run` / `kfp-notebook spin` process (`_detached.py`), with the runner,
worker bound and environment mode the run recorded.

The CLI resumes runs (`--from-task T --run-id ID` reuses the succeeded tasks upstream of T and
records the new attempt under the same run id) and spins tasks (`spin RUN T --persist --run-id
NEW` runs T with the inputs RUN gave it, recorded as run NEW; RUN is never changed). The checks
the engine would make are made here first, so a mistake is one clear HTTP error instead of a
line in a log nobody reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kfp_notebook._detached import DetachedRun, DetachedStarter, run_like, spin_like
from kfp_notebook._errors import KfpNotebookError, RequestError
from kfp_notebook._model.states import TaskKind
from kfp_notebook._runners import REMOTE_RUNNER, check_runner
from kfp_notebook._store.layout import LAUNCH_LOG, new_run_id
from kfp_notebook._store.records import RunRecord, TaskRecord
from kfp_notebook._views.envelopes import RerunJSON, SpinJSON

__all__ = ["STARTER", "start_rerun", "start_spin"]

STARTER = DetachedStarter()  # this server's detached re-runs and spins


def start_rerun(
    root: Path, run: RunRecord, tasks: list[TaskRecord], from_task: str, runner: Any = None
) -> RerunJSON:
    """Start the process and return {run_id, pid, log, runner}; RequestError(status, message)
    when the run cannot be resumed from `from_task`. `runner` replaces the recorded one."""
    _check_ended_here(root, run, runner)
    names = sorted({t.name for t in tasks if t.kind.is_leaf})
    if not any(from_task in (t.name, t.task_id) for t in tasks):
        raise RequestError(400, f"run {run.run_id} has no task {from_task!r}; its tasks: {names}")
    launch = _launch(run, runner, "re-run", lambda: run_like(run, root, from_task))
    try:
        pid = STARTER.start(launch)
    except RuntimeError:
        raise RequestError(409, f"run {run.run_id} is being re-run already") from None
    return {"run_id": run.run_id, "pid": pid, "log": LAUNCH_LOG, "runner": launch.settings.runner}


def start_spin(
    root: Path, run: RunRecord, tasks: list[TaskRecord], task: str, runner: Any = None
) -> SpinJSON:
    """Spin the container task `task` (its id, or its name when only one has it) of `run` as
    a new run and return {run_id (the new one), pid, log, runner, spun_from, task}; the same
    RequestErrors as `start_rerun`."""
    _check_ended_here(root, run, runner)
    leaves = [t for t in tasks if t.kind is TaskKind.CONTAINER]
    found = [t for t in leaves if t.task_id == task] or [t for t in leaves if t.name == task]
    if len(found) != 1:
        ids = [t.task_id for t in (found or leaves)][:12]
        why = f"{len(found)} tasks are named {task!r}" if found else f"it has no task {task!r}"
        raise RequestError(400, f"cannot spin a task of run {run.run_id}: {why}; its tasks: {ids}")
    spun = found[0]
    new_id = new_run_id(f"{run.pipeline_name}-spin-{spun.name}")
    launch = _launch(run, runner, "spin", lambda: spin_like(run, root, spun.task_id, new_id))
    try:
        pid = STARTER.start(launch)
    except RuntimeError:  # a second spin in the same second drew the same id
        raise RequestError(409, f"run {new_id} is being started already; try again") from None
    return {"run_id": new_id, "pid": pid, "log": LAUNCH_LOG, "runner": launch.settings.runner,
            "spun_from": run.run_id, "task": spun.task_id}  # fmt: skip


def _check_ended_here(root: Path, run: RunRecord, runner: Any) -> None:
    """A run re-run or spun here has ended and ran on this machine; `runner` is one."""
    if runner is not None:
        try:
            check_runner(runner)
        except KfpNotebookError as exc:
            raise RequestError(400, str(exc)) from None
    if not run.status.terminal or STARTER.running(root, run.run_id):
        raise RequestError(409, f"run {run.run_id} is still running; wait for it or cancel it")
    if run.runner == REMOTE_RUNNER:
        raise RequestError(
            409, f"run {run.run_id} ran on a Kubeflow cluster; retry it there (the KFP UI)"
        )


def _launch(run: RunRecord, runner: Any, verb: str, make: Callable[[], DetachedRun]) -> DetachedRun:
    """`make()`'s launch with `runner` (when given) in place of the recorded one, and the
    run's spec at hand."""
    try:
        launch = make()
        if runner is not None:
            launch = replace(launch, settings=replace(launch.settings, runner=runner))
    except KfpNotebookError as exc:  # a runner this server cannot build (not installed here)
        raise RequestError(409, f"cannot {verb} run {run.run_id} here: {exc}") from None
    if not launch.spec.is_file():
        raise RequestError(409, f"run {run.run_id} has no {launch.spec.name} to {verb}")
    return launch
