"""What a reader shows of a run recorded RUNNING whose engine process is gone (killed, out of
memory, its disk full): the run ended, whether or not a writer has opened the root since.

Telling needs no write: the index records the engine's pid and start time, and a reader checks
that process (`_procs.same_process_alive`). Such a run reads as the end the engine kept outside
a full root when it could not write it (`unwritten.py`), else INTERRUPTED; its unfinished
tasks read CANCELLED. The next writer (`operations.reap_dead_runs`) records the same.

A run on a Kubeflow Pipelines cluster (runner "kubeflow") is different: its "engine" is the
process that followed it, and the run goes on on the cluster when that process stops. It reads
RUNNING with `NOT_FOLLOWED` as its message, its tasks as last seen, until a process follows it
again (`_remote/reattach.py`) and records how it really ended; nothing reaps it.

Limit: the check is of this machine's processes, so a root shared with another machine (a
network folder) must not be read while that machine runs it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kfp_notebook._model.states import RunState, TaskState
from kfp_notebook._procs import same_process_alive
from kfp_notebook._runners import REMOTE_RUNNER
from kfp_notebook._store import unwritten
from kfp_notebook._store.records import RunRecord, TaskRecord, TaskSummary

__all__ = [
    "ENGINE_GONE",
    "NOT_FOLLOWED",
    "TASK_INTERRUPTED",
    "as_seen",
    "engine_gone",
    "not_followed",
    "summaries_as_seen",
    "tasks_as_seen",
]

_OPEN = (TaskState.RUNNING, TaskState.PENDING)
ENGINE_GONE = "the process running this run ended before the run finished"
TASK_INTERRUPTED = "interrupted: the engine process died"
NOT_FOLLOWED = (
    "not followed: the process that followed this run stopped; the run goes on on its cluster."
    " `kfp-notebook show RUN --token T`, `%kfp show RUN` or get_run(RUN) follows it again"
)


def _owner_gone(record: RunRecord) -> bool:
    if record.status is not RunState.RUNNING or record.owner_pid is None:
        return False
    return not same_process_alive(record.owner_pid, record.owner_start)


def engine_gone(record: RunRecord) -> bool:
    """Recorded RUNNING, executed here, and the process running it is gone."""
    return record.runner != REMOTE_RUNNER and _owner_gone(record)


def not_followed(record: RunRecord) -> bool:
    """Recorded RUNNING on a cluster, and no process follows it any more."""
    return record.runner == REMOTE_RUNNER and _owner_gone(record)


def as_seen(root: Path, record: RunRecord) -> RunRecord:
    """`record`, or how it ended when its engine is gone (not followed, for a cluster's run)."""
    if not_followed(record):
        return replace(record, message=NOT_FOLLOWED)
    if not engine_gone(record):
        return record
    kept = unwritten.kept_one(root, record.run_id)
    if kept is not None:
        return replace(
            record,
            status=RunState(kept["state"]),
            finished=kept.get("time"),
            message=str(kept.get("message", "")),
            engine_gone=True,
        )
    return replace(record, status=RunState.INTERRUPTED, message=ENGINE_GONE, engine_gone=True)


def tasks_as_seen(run: RunRecord | None, tasks: list[TaskRecord]) -> list[TaskRecord]:
    """The tasks of a run whose engine is gone: none is left RUNNING or PENDING."""
    if run is None or not run.engine_gone:
        return tasks
    return [
        replace(t, status=TaskState.CANCELLED, message=TASK_INTERRUPTED) if t.status in _OPEN else t
        for t in tasks
    ]


def summaries_as_seen(run: RunRecord | None, tasks: list[TaskSummary]) -> list[TaskSummary]:
    """The same for the light records a comparison reads."""
    if run is None or not run.engine_gone:
        return tasks
    return [replace(t, status=TaskState.CANCELLED) if t.status in _OPEN else t for t in tasks]
