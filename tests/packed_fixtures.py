"""A packed task list as the kernel writes it (`kfp_notebook/_views/packed_tasks.py`) and the
tasks Python reads back from it, so the front end's reader (`packages/shared/src/packed.ts`)
is tested on what Python writes and checked to read the same, never on a hand copy.

`python tests/packed_fixtures.py > packages/shared/src/packed.fixtures.generated.json`;
tests/test_packed_tasks.py checks the committed file is current."""

from __future__ import annotations

import json
import sys
from typing import Any

from kfp_notebook._views.packed_tasks import pack_tasks, unpack_tasks
from kfp_notebook._views.shape import TaskJSON

__all__ = ["LOG_COUNTS", "TASKS", "text"]

T0 = 1_790_000_000.25


def _task(task_id: str, kind: str, status: str, **fields: Any) -> TaskJSON:
    task: dict[str, Any] = {
        "task_id": task_id, "name": task_id.rsplit("/", 1)[-1], "parent_id": None,
        "kind": kind, "component": f"comp-{task_id.rsplit('/', 1)[-1]}", "dependencies": [],
        "status": status, "started": None, "finished": None, "duration": None, "attempts": 0,
        "inputs": {}, "outputs": {}, "message": "", "cache_key": None, "artifacts": [],
    }  # fmt: skip
    task.update(fields)
    return task  # type: ignore[return-value]


def _ran(start: float, took: float) -> dict[str, Any]:
    return {"started": T0 + start, "finished": T0 + start + took, "duration": took, "attempts": 1}


# Every field off its default somewhere: a loop and its iterations (ids that extend their
# parent's), a nested pipeline, a dependency on a later row and on a task not listed, a name that
# is not the id's last segment, a parent not listed, a cached task, a failure's message, a task
# that never started, a running one, and log counts of a task not listed.
TASKS: list[TaskJSON] = [
    _task("prep", "container", "SUCCEEDED", **_ran(0.5, 1.25), cache_key="ab" * 32),
    _task("loop", "loop", "RUNNING", started=T0 + 2, dependencies=["prep"], component="comp-f"),
    _task("loop[0]", "iteration", "SUCCEEDED", parent_id="loop", name="loop[0]", **_ran(2, 3)),
    _task("loop[0]/train", "container", "CACHED", parent_id="loop[0]", finished=T0 + 2.0004,
          cache_key="cd" * 32),
    _task("loop[1]", "iteration", "RUNNING", parent_id="loop", name="loop[1]", started=T0 + 2),
    _task("loop[1]/train", "container", "FAILED", parent_id="loop[1]", **_ran(2.001, 0.0003),
          message="ValueError: lr must be > 0\nTraceback ...", dependencies=["loop[1]/data"]),
    _task("loop[1]/data", "container", "RUNNING", parent_id="loop[1]", started=T0 + 2.0015),
    _task("inner", "dag", "PENDING", name="Inner pipeline", component="comp-inner"),
    _task("inner/step", "container", "PENDING", parent_id="inner", dependencies=["gone"]),
    _task("orphan", "container", "SKIPPED", parent_id="missing-parent"),
    _task("report", "container", "PENDING", dependencies=["loop", "inner"]),
]  # fmt: skip
LOG_COUNTS = {"prep": 12, "loop[1]/train": 3, "(driver)": 1}


def fixtures() -> dict[str, Any]:
    packed = pack_tasks(TASKS, LOG_COUNTS)
    tasks, counts = unpack_tasks(packed)
    return {"packed": packed, "tasks": tasks, "log_counts": counts}


def text() -> str:
    return json.dumps(fixtures(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(text())
