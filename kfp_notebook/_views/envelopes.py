"""What the sidebar's REST API answers and what the run widget's kernel side sends, around the
JSON shape of runs, tasks and artifacts (`shape.py`). The handlers and the widget build these
types, and the TypeScript copy is generated from them (`typescript.py`)."""

from __future__ import annotations

from typing import Literal, Union

from typing_extensions import TypedDict

from kfp_notebook._views.shape import RunJSON, TaskJSON, TaskOutputsJSON

__all__ = [
    "CancelJSON",
    "ErrorJSON",
    "EsmMessage",
    "ExperimentsJSON",
    "KernelMessage",
    "LogTail",
    "LogTailJSON",
    "LogsMessage",
    "OutputsMessage",
    "PipelinesJSON",
    "ProgressMessage",
    "RerunJSON",
    "RootJSON",
    "RootsJSON",
    "RunDetailJSON",
    "RunsPageJSON",
    "SpinJSON",
    "SpinMessage",
    "TasksMessage",
    "TokenJSON",
    "WidgetTraits",
]


class RootJSON(TypedDict):
    id: str
    path: str
    name: str  # how the sidebar labels it: relative to the server root when inside it
    exists: bool
    runs: int
    token: str | None  # the change token; null when the root does not exist


class RootsJSON(TypedDict):
    roots: list[RootJSON]


class TokenJSON(TypedDict):
    token: str  # changes whenever anything in the root's index changes


class PipelinesJSON(TypedDict):
    pipelines: dict[str, int]  # name -> number of runs


class ExperimentsJSON(TypedDict):
    experiments: dict[str, int]  # name -> number of runs ("" for runs before experiments)


class CancelJSON(TypedDict):
    run_id: str
    cancel_requested: bool


class RerunJSON(TypedDict):
    run_id: str
    pid: int  # of the detached `kfp-notebook run` process
    log: str  # its log's name in the run folder
    runner: str


class SpinJSON(TypedDict):
    """A spin started: one task of `spun_from` alone, recorded as the new run `run_id`."""

    run_id: str  # the new run's
    pid: int  # of the detached `kfp-notebook spin` process
    log: str  # its log's name in the new run's folder
    runner: str
    spun_from: str
    task: str  # the spun task's id


class ErrorJSON(TypedDict):
    """What any 4xx or 5xx of the sidebar's API answers."""

    message: str
    reason: str | None


class RunsPageJSON(TypedDict):
    runs: list[RunJSON]
    total: int
    next_cursor: str | None
    token: str


class RunDetailJSON(TypedDict):
    run: RunJSON
    tasks: list[TaskJSON]
    token: str


class LogTailJSON(TypedDict):
    text: str  # the log's last bytes, decoded
    size: int  # of the whole log
    truncated: bool


class WidgetTraits(TypedDict):
    """The run widget's synced traits that a saved notebook keeps (besides `batch`, the number
    of the batch `packed_tasks` holds, and `selected`). A notebook saved before the list was
    packed has `tasks` (slim TaskJSON) and `log_counts` (lines per task id) instead."""

    run: RunJSON
    packed_tasks: str  # the slim tasks and their log counts: a PackedTasks (packed_tasks.py)


class LogTail(TypedDict):
    """The newest lines of a task's log and how many it logged in all."""

    lines: list[str]
    count: int


class LogsMessage(TypedDict):
    kind: Literal["logs"]
    tails: dict[str, LogTail]
    append: bool  # true: lines after those sent before; false: the tails replace them


class OutputsMessage(TypedDict):
    kind: Literal["outputs"]
    task_id: str
    outputs: TaskOutputsJSON | None  # null for no such task


class ProgressMessage(TypedDict):
    """The lines being rewritten (progress bars), complete each time: a task not in `lines`
    has none. Each is shown after its task's log tail until the task logs its next line."""

    kind: Literal["progress"]
    lines: dict[str, str]


class SpinMessage(TypedDict):
    """A task spun from the widget: where the spin stands, its log's newest lines and, once it
    has ended, its outputs. Sent again whenever any of these changed."""

    kind: Literal["spin"]
    task_id: str  # the task spun, in the widget's run
    status: str  # the spun task's state (a TaskState), or FAILED with `message` when it
    # could not start
    message: str
    lines: list[str]  # the newest lines of the spun task's log
    count: int  # lines it logged in all
    outputs: TaskOutputsJSON | None  # once it has ended
    folder: str  # where its outputs are kept (the spin is not recorded in the run's history)


class TasksMessage(TypedDict):
    """A batch of changes: the tasks changed since the batch before (slim, whole, keyed by
    `task_id`: new tasks come last, in the order they were created) and the log counts that
    moved. The front end lays them over the whole list (`packed_tasks`) until a later whole
    list (its `batch` trait at least this `batch`) replaces them."""

    kind: Literal["tasks"]
    batch: int
    tasks: list[TaskJSON]
    log_counts: dict[str, int]


class EsmMessage(TypedDict):
    kind: Literal["esm"]
    source: str  # the widget's code, when the page could not load it from the server


KernelMessage = Union[  # noqa: UP007 (read by the generator)
    LogsMessage, OutputsMessage, ProgressMessage, SpinMessage, TasksMessage, EsmMessage
]
