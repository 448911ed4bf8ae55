"""Re-run a finished run from one of its tasks, as a detached `kfp-notebook run` process.

Why a process and not the engine in the server: the server must stay a reader (it never imports
the engine), a run must outlive a server restart, and the CLI already resumes runs
(`--from-task T --run-id ID` reuses the succeeded tasks upstream of T and records the new
attempt under the same run id). The checks the engine would make are made here first, so a
mistake is one clear HTTP error instead of a line in a log nobody reads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from kfp_notebook._store.records import RunRecord, TaskRecord

__all__ = ["RERUN_LOG", "RerunError", "rerun_in_progress", "start_rerun"]

RERUN_LOG = "rerun.log"
_children: dict[Path, subprocess.Popen[bytes]] = {}
_lock = threading.Lock()


class RerunError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def rerun_in_progress(run_dir: Path) -> bool:
    """Whether this server started a re-run of the run in `run_dir` that has not exited yet."""
    with _lock:
        proc = _children.get(run_dir)
        return proc is not None and proc.poll() is None


def _reap(run_dir: Path, proc: subprocess.Popen[bytes]) -> None:
    proc.wait()
    with _lock:
        if _children.get(run_dir) is proc:
            del _children[run_dir]


def start_rerun(
    root: Path,
    run_dir: Path,
    run: RunRecord,
    tasks: list[TaskRecord],
    from_task: str,
    runner: str = "subprocess",
) -> dict[str, Any]:
    """Start the process and return {run_id, pid, log}; RerunError(status, message) when the
    run cannot be resumed from `from_task`. The index does not record which runner made a run,
    so the caller names it (the CLI's default, subprocess, unless told)."""
    if runner not in ("subprocess", "docker"):
        raise RerunError(400, f"runner must be 'subprocess' or 'docker', not {runner!r}")
    if not run.status.terminal:
        raise RerunError(409, f"run {run.run_id} is still running; wait for it or cancel it")
    names = sorted({t.name for t in tasks if t.kind.is_leaf})
    if not any(from_task in (t.name, t.task_id) for t in tasks):
        raise RerunError(400, f"run {run.run_id} has no task {from_task!r}; its tasks: {names}")
    spec = run_dir / "pipeline.yaml"
    if not spec.is_file():
        raise RerunError(409, f"run {run.run_id} has no pipeline.yaml to re-run from")
    with _lock:
        if run_dir in _children and _children[run_dir].poll() is None:
            raise RerunError(409, f"run {run.run_id} is being re-run already")
        cmd = [
            sys.executable,
            "-m",
            "kfp_notebook._cli",
            "run",
            str(spec),
            "--from-task",
            from_task,
            "--run-id",
            run.run_id,
            "--pipeline-root",
            str(root),
            "--runner",
            runner,
            "--quiet",
        ]
        log = run_dir / RERUN_LOG
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=os.environ.copy(),
            )
        _children[run_dir] = proc
    threading.Thread(target=_reap, args=(run_dir, proc), daemon=True).start()
    return {"run_id": run.run_id, "pid": proc.pid, "log": RERUN_LOG}
