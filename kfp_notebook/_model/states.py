"""Task states, run states and task kinds: defined once here. SQL and TypeScript use copies
generated from these (`kfp_notebook._views.typescript`), checked by a test."""

from __future__ import annotations

from enum import Enum

from kfp_notebook._errors import KfpNotebookError

__all__ = [
    "LEAF_KINDS",
    "RUN_STATE_NAMES",
    "RunState",
    "TaskKind",
    "TaskState",
    "parse_run_state",
]


class TaskState(str, Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    CACHED = "CACHED"
    CANCELLED = "CANCELLED"

    @property
    def terminal(self) -> bool:
        return self not in (TaskState.PENDING, TaskState.RUNNING)

    @property
    def ok(self) -> bool:
        """Whether downstream tasks may consume this task's outputs."""
        return self in (TaskState.SUCCEEDED, TaskState.CACHED)


class RunState(str, Enum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    INTERRUPTED = "INTERRUPTED"

    @property
    def terminal(self) -> bool:
        return self is not RunState.RUNNING


RUN_STATE_NAMES = ", ".join(s.value for s in RunState)  # for messages and help texts


def parse_run_state(text: str) -> RunState:
    """A run state a user named, in any case (failed is FAILED); else one error naming them."""
    try:
        return RunState(text.strip().upper())
    except ValueError:
        message = f"{text!r} is not a run state: use one of {RUN_STATE_NAMES}"
        raise KfpNotebookError(message) from None


class TaskKind(str, Enum):
    """What a task execution is. Leaves run (or fail to run) something; the rest group tasks."""

    CONTAINER = "container"
    IMPORTER = "importer"
    UNSUPPORTED = "unsupported"  # an executor kfp-notebook cannot run: a leaf that fails
    DAG = "dag"
    CONDITION = "condition"
    LOOP = "loop"
    ITERATION = "iteration"
    EXIT_HANDLER = "exit-handler"

    @property
    def is_leaf(self) -> bool:
        return self in LEAF_KINDS

    @property
    def is_group(self) -> bool:
        """A DAG-like task whose children are recorded under it."""
        return self in (TaskKind.DAG, TaskKind.CONDITION, TaskKind.EXIT_HANDLER)


LEAF_KINDS = frozenset({TaskKind.CONTAINER, TaskKind.IMPORTER, TaskKind.UNSUPPORTED})
