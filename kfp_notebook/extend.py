"""What an extension of kfp-notebook builds on, in one public place:

- an executor: `TaskExecutor` (the protocol; `isinstance` checks it), the `Launch` it runs and the
  `ContainerSpec` it is handed; name yours wherever a runner is named as a dotted path
  (`--runner my.module:MyExecutor`) or register a name under `RUNNER_ENTRY_POINTS`;
- a live view: the events of a run (`RunStarted` ... `RunFinished`), delivered to a `Listener`
  subscribed with `Session.subscribe`;
- a view of recorded runs: `StoreReader` (no side effects; a context manager), its records, and
  the one JSON shape every view sends (`RunJSON`, `TaskJSON`, `ArtifactJSON`, `PreviewJSON`,
  `ComparisonJSON`, built by `run_json` and `task_json`).

Everything else in the package is private and may change."""

from kfp_notebook._model.events import (
    ArtifactProduced,
    Event,
    EventBus,
    Listener,
    LogLine,
    LogProgress,
    RunFinished,
    RunStarted,
    TaskCreated,
    TaskFinished,
    TaskStarted,
)
from kfp_notebook._model.states import RunState, TaskKind, TaskState
from kfp_notebook._runners import ENTRY_POINT_GROUP as RUNNER_ENTRY_POINTS
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import ArtifactRecord, RunRecord, TaskRecord
from kfp_notebook._views.compare.shape import ComparisonJSON
from kfp_notebook._views.shape import (
    ArtifactJSON,
    PreviewJSON,
    RunJSON,
    TaskJSON,
    run_json,
    task_json,
)
from kfp_notebook.executors import ContainerSpec, Launch, TaskExecutor

__all__ = [
    "RUNNER_ENTRY_POINTS",
    "ArtifactJSON",
    "ArtifactProduced",
    "ArtifactRecord",
    "ComparisonJSON",
    "ContainerSpec",
    "Event",
    "EventBus",
    "Launch",
    "Listener",
    "LogLine",
    "LogProgress",
    "PreviewJSON",
    "RunFinished",
    "RunJSON",
    "RunRecord",
    "RunStarted",
    "RunState",
    "StoreReader",
    "TaskCreated",
    "TaskExecutor",
    "TaskFinished",
    "TaskJSON",
    "TaskKind",
    "TaskRecord",
    "TaskStarted",
    "TaskState",
    "run_json",
    "task_json",
]
