"""Re-run a finished run from one of its tasks, as a detached `kfp-notebook run` process
(`_detached.py`), with the runner, worker bound and environment mode the run recorded.

The CLI resumes runs (`--from-task T --run-id ID` reuses the succeeded tasks upstream of T and
records the new attempt under the same run id). The checks the engine would make are made here
first, so a mistake is one clear HTTP error instead of a line in a log nobody reads.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from kfp_notebook._detached import DetachedStarter, run_like
from kfp_notebook._errors import KfpNotebookError, RequestError
from kfp_notebook._runners import REMOTE_RUNNER, check_runner
from kfp_notebook._store.layout import LAUNCH_LOG
from kfp_notebook._store.records import RunRecord, TaskRecord
from kfp_notebook._views.envelopes import RerunJSON

__all__ = ["STARTER", "start_rerun"]

STARTER = DetachedStarter()  # this server's detached re-runs


def start_rerun(
    root: Path, run: RunRecord, tasks: list[TaskRecord], from_task: str, runner: Any = None
) -> RerunJSON:
    """Start the process and return {run_id, pid, log, runner}; RequestError(status, message)
    when the run cannot be resumed from `from_task`. `runner` replaces the recorded one."""
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
    names = sorted({t.name for t in tasks if t.kind.is_leaf})
    if not any(from_task in (t.name, t.task_id) for t in tasks):
        raise RequestError(400, f"run {run.run_id} has no task {from_task!r}; its tasks: {names}")
    try:
        launch = run_like(run, root, from_task)
        if runner is not None:
            launch = replace(launch, settings=replace(launch.settings, runner=runner))
    except KfpNotebookError as exc:  # a runner this server cannot build (not installed here)
        raise RequestError(409, f"run {run.run_id} cannot be re-run here: {exc}") from None
    if not launch.spec.is_file():
        raise RequestError(409, f"run {run.run_id} has no {launch.spec.name} to re-run from")
    try:
        pid = STARTER.start(launch)
    except RuntimeError:
        raise RequestError(409, f"run {run.run_id} is being re-run already") from None
    return {"run_id": run.run_id, "pid": pid, "log": LAUNCH_LOG, "runner": launch.settings.runner}
