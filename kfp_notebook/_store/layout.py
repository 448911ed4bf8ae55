"""The layout of a pipeline root, kept once: the index files, a run's folder and what it holds
(its spec, its log, the cancel request, a detached process's arguments and output), and the
folder of each task with its staging area for outputs being written.

```
<root>/.kfp-notebook.sqlite          the run index (schema.py)
<root>/.kfp-api.sqlite               what KFP's API keeps beside it (experiments, pipelines)
<root>/<run-id>/pipeline.yaml        the spec the run executed (written by `write_spec` only)
<root>/<run-id>/run.log              every task's lines, prefixed by the task id
<root>/<run-id>/cancel-requested     present: the run's engine, in any process, must stop
<root>/<run-id>/arguments.json       a detached run's arguments, launch.log its output
<root>/<run-id>/<task folder>/task.log, its outputs, and .partial/ while they are written
```
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from kfp_notebook._errors import PipelineInputError

__all__ = [
    "API_INDEX_NAME",
    "ARGUMENTS_FILE",
    "CANCEL_REQUEST",
    "INDEX_NAME",
    "LAUNCH_LOG",
    "PARTIAL_DIR",
    "RUN_LOG",
    "SPEC_FILE",
    "TASK_LOG",
    "RunIdError",
    "cancel_request_path",
    "check_run_id",
    "log_path",
    "new_run_id",
    "read_spec",
    "run_dir",
    "spec_path",
    "task_dir",
    "task_dir_name",
    "write_spec",
]

INDEX_NAME = ".kfp-notebook.sqlite"
API_INDEX_NAME = ".kfp-api.sqlite"
SPEC_FILE = "pipeline.yaml"
RUN_LOG = "run.log"
TASK_LOG = "task.log"
CANCEL_REQUEST = "cancel-requested"
ARGUMENTS_FILE = "arguments.json"
LAUNCH_LOG = "launch.log"
# In a task folder: output artifacts being written; moved out only when the task has succeeded.
PARTIAL_DIR = ".partial"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-/]")


MAX_RUN_ID = 200  # a folder name: most file systems stop at 255 bytes


def new_run_id(pipeline_name: str) -> str:
    """A fresh run id named after its pipeline: `tiny-20250101-120000-1a2b` (kept here, below
    the store, so that a caller naming a run before it starts needs no store)."""
    stem = re.sub(r"[^a-z0-9-]+", "-", pipeline_name.lower()).strip("-")[:40] or "run"
    return f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def check_run_id(run_id: str) -> str:
    """A run id is one plain name (what `new_run_id` makes), never a path; else one
    PipelineInputError saying what an id may be (a ValueError too, for callers that test it)."""
    plain = run_id not in ("", ".", "..") and not any(c in run_id for c in "/\\\0")
    if not plain or len(run_id.encode("utf-8", "surrogateescape")) > MAX_RUN_ID:
        raise RunIdError(
            f"{run_id[:60]!r}{'...' if len(run_id) > 60 else ''} is not a run id: a run id is one"
            f" folder name of at most {MAX_RUN_ID} bytes, without / or \\ (e.g. my-run-1)"
        )
    return run_id


class RunIdError(PipelineInputError, ValueError):
    """A run id that cannot name a run folder."""


def run_dir(root: Path, run_id: str) -> Path:
    return root / check_run_id(run_id)


def task_dir_name(task_id: str) -> str:
    """Folder of a task below its run folder: `for-loop-2[1]/train` -> `for-loop-2.1/train`."""
    return _UNSAFE.sub("_", task_id.replace("[", ".").replace("]", ""))


def task_dir(root: Path, run_id: str, task_id: str) -> Path:
    return run_dir(root, run_id) / task_dir_name(task_id)


def log_path(root: Path, run_id: str, task_id: str | None = None) -> Path:
    """The run's log (`run.log`), or one task's full log."""
    if task_id is None:
        return run_dir(root, run_id) / RUN_LOG
    return task_dir(root, run_id, task_id) / TASK_LOG


def spec_path(root: Path, run_id: str) -> Path:
    return run_dir(root, run_id) / SPEC_FILE


def cancel_request_path(root: Path, run_id: str) -> Path:
    return run_dir(root, run_id) / CANCEL_REQUEST


def write_spec(root: Path, run_id: str, text: str) -> Path:
    """Write the run's spec whole or not at all (a reader never sees half a file); the one
    writer of `pipeline.yaml`. Makes the run folder."""
    path = spec_path(root, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{SPEC_FILE}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def read_spec(root: Path, run_id: str) -> str:
    """The spec a run executed; OSError when its folder has none."""
    return spec_path(root, run_id).read_text(encoding="utf-8")
