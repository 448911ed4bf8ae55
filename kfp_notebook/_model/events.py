"""The one event stream of a run: state changes, log lines and artifacts, fanned out to listeners.

Every view (CLI printer, store, widget) is a listener; none of them polls an executor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kfp_notebook._model.states import RunState, TaskKind, TaskState

__all__ = [
    "ArtifactProduced",
    "Event",
    "EventBus",
    "Listener",
    "LogLine",
    "LogProgress",
    "RunFinished",
    "RunStarted",
    "RunUnfollowed",
    "TaskCreated",
    "TaskFinished",
    "TaskInputs",
    "TaskStarted",
]

_log = logging.getLogger(__name__)


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    pipeline_name: str
    pipeline_root: str
    arguments: dict[str, Any]
    resumed: bool = False
    time: float = field(default_factory=_now)
    runner: str = ""  # what runs the tasks: subprocess, docker, a dotted path, ...
    experiment: str = ""
    # how to start it again alike: {"workers": N, "use_venv": bool}
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskCreated:
    """A task execution became known (state PENDING). `kind`: container, importer, dag,
    condition, loop, iteration or exit-handler."""

    run_id: str
    task_id: str
    name: str
    parent_id: str | None
    kind: TaskKind
    component: str
    dependencies: tuple[str, ...] = ()
    time: float = field(default_factory=_now)


@dataclass(frozen=True)
class TaskStarted:
    run_id: str
    task_id: str
    attempt: int
    inputs: dict[str, Any]
    pid: int | None = None
    time: float = field(default_factory=_now)
    # the input artifacts it was given: name -> [{"uri", "type", "metadata"}, ...]
    input_artifacts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskInputs:
    """What a task was given, learnt after it started (a cluster run's, from ML Metadata)."""

    run_id: str
    task_id: str
    inputs: dict[str, Any]
    input_artifacts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogLine:
    run_id: str
    task_id: str
    text: str
    time: float = field(default_factory=_now)


@dataclass(frozen=True)
class LogProgress:
    """The latest state of a line a task keeps rewriting (a `\\r` progress bar), sent now and
    then while it does. Not a log line: logs do not record it, and the line's final state
    arrives as a LogLine. Views show it in place of the previous state, until that LogLine."""

    run_id: str
    task_id: str
    text: str
    time: float = field(default_factory=_now)


@dataclass(frozen=True)
class ArtifactProduced:
    run_id: str
    task_id: str
    name: str
    uri: str
    schema_title: str
    metadata: dict[str, Any]
    time: float = field(default_factory=_now)


@dataclass(frozen=True)
class TaskFinished:
    run_id: str
    task_id: str
    state: TaskState
    outputs: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    attempts: int = 0
    cache_key: str | None = None
    time: float = field(default_factory=_now)


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    state: RunState
    outputs: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    time: float = field(default_factory=_now)


@dataclass(frozen=True)
class RunUnfollowed:
    """This process stopped following a run on a cluster (it could not be reached); the run
    goes on there and is not over: the record reads RUNNING, not followed, until a process
    follows it again. Ends what this process shows of the run, as RunFinished does."""

    run_id: str
    message: str
    time: float = field(default_factory=_now)


Event = (
    RunStarted
    | TaskCreated
    | TaskStarted
    | TaskInputs
    | LogLine
    | LogProgress
    | ArtifactProduced
    | TaskFinished
    | RunFinished
    | RunUnfollowed
)
Listener = Callable[[Event], None]


class EventBus:
    """Delivers each event to every listener, in subscription order, on the emitting thread.

    A listener that raises is logged and skipped; it never breaks other listeners. An essential
    listener (the run store) is different: its first failure for a run is kept in `faults` and
    handed to every fault handler (the engine stops that run and ends it FAILED with the cause),
    so a store that cannot be written is never swallowed.
    """

    def __init__(self) -> None:
        self._listeners: list[tuple[Listener, bool]] = []
        self._fault_handlers: list[Callable[[str, Exception], None]] = []
        self.faults: dict[str, Exception] = {}
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener, *, essential: bool = False) -> Callable[[], None]:
        with self._lock:
            self._listeners = [*self._listeners, (listener, essential)]

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = [x for x in self._listeners if x[0] is not listener]

        return unsubscribe

    def on_fault(self, handler: Callable[[str, Exception], None]) -> None:
        """Call `handler(run_id, error)` when an essential listener first fails for a run."""
        with self._lock:
            self._fault_handlers = [*self._fault_handlers, handler]

    def emit(self, event: Event) -> None:
        for listener, essential in self._listeners:
            try:
                listener(event)
            except Exception as exc:
                if essential:
                    self._fault(event.run_id, exc)
                else:
                    _log.exception("event listener %r failed on %s", listener, type(event).__name__)

    def _fault(self, run_id: str, exc: Exception) -> None:
        with self._lock:
            if run_id in self.faults:
                return  # the run is already being stopped for the first one
            self.faults[run_id] = exc
            handlers = self._fault_handlers
        for handler in handlers:
            try:
                handler(run_id, exc)
            except Exception:
                _log.exception("fault handler %r failed", handler)
