"""`Run`: a handle on one run, live in this process or recorded in the store."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import yaml

from kfp_notebook._api.outputs import artifact_list_outputs, materialize, single_output
from kfp_notebook._api.task import Task
from kfp_notebook._model.states import RunState
from kfp_notebook._spec.ir import parse_documents
from kfp_notebook._store import operations
from kfp_notebook._store.logread import chunks, follow_lines, tail_offset
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import RunRecord, TaskRecord

__all__ = ["Run"]


class LiveHandle(Protocol):
    """A run going on in this process: a local engine's `LiveRun` or a followed remote run."""

    @property
    def done(self) -> threading.Event: ...

    def cancel(self) -> None: ...


class Run:
    """Status, tasks, outputs and logs of one run; `wait()` and `cancel()` while it goes on."""

    def __init__(
        self,
        store: StoreReader,
        run_id: str,
        live: LiveHandle | None = None,
        session: Any = None,
    ) -> None:
        """`session`: the Session that made or read this run, whose runner its tasks spin with
        (None: the current session's)."""
        self._store, self.run_id, self._live = store, run_id, live
        self._session = session
        self._lists: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"<Run {self.run_id} {self.status.value}>"

    @property
    def record(self) -> RunRecord:
        record = self._store.get_run(self.run_id)
        if record is None:
            raise KeyError(f"run {self.run_id} is not in {self._store.root} (deleted?)")
        return record

    @property
    def pipeline_name(self) -> str:
        return self.record.pipeline_name

    @property
    def status(self) -> RunState:
        finished = self._unrecorded_result()
        if finished is not None:  # what the store recorded, or would have: no query needed
            return RunState(finished.state)
        return self.record.status

    def _unrecorded_result(self) -> Any:
        """The live run's result once it is over: the state and message it ended with, which
        the store recorded (or failed to record: then only this holds them)."""
        live = self._live
        if live is None or not live.done.is_set():
            return None
        return getattr(live, "result", None)  # a followed remote run records through the store

    @property
    def done(self) -> bool:
        return self.status.terminal

    @property
    def error(self) -> str:
        finished = self._unrecorded_result()
        return str(finished.message) if finished is not None else self.record.message

    @property
    def tasks(self) -> dict[str, TaskRecord]:
        """Every task execution of the run by id (`for-loop-2[0]/train`), in creation order."""
        return {t.task_id: t for t in self._store.get_tasks(self.run_id)}

    def task(self, name: str) -> Task:
        """The task with this id, or the only task with this name (its record's fields, and
        `spin()`)."""
        tasks = self.tasks
        if name in tasks:
            return Task(self._store, tasks[name], self._session)
        matches = [t for t in tasks.values() if t.name == name]
        if len(matches) != 1:
            raise KeyError(
                f"run {self.run_id} has {len(matches)} tasks named {name!r}; "
                f"use a task id: {', '.join(tasks)}"
            )
        return Task(self._store, matches[0], self._session)

    @property
    def outputs(self) -> dict[str, Any]:
        """Pipeline outputs: parameter values and kfp Artifact objects (`.path`, `.metadata`)."""
        outputs = self.record.outputs
        lists = self._artifact_lists() if outputs.get("artifacts") else frozenset()
        return materialize(outputs, lists)

    def _artifact_lists(self) -> frozenset[str]:
        if self._lists is None:
            try:
                text = self._store.read_spec(self.run_id)
                spec = next(d for d in parse_documents(text) if d)
                self._lists = artifact_list_outputs(spec.get("pipelineSpec", spec))
            except (OSError, StopIteration, yaml.YAMLError, AttributeError):
                self._lists = frozenset()
        return self._lists

    @property
    def output(self) -> Any:
        """The single output (`Output`), like a kfp task's `.output`."""
        return single_output(self.outputs, self.run_id)

    def wait(self, timeout: float | None = None) -> Run:
        """Block until the run ends; a KeyboardInterrupt cancels the run, then re-raises."""
        try:
            if self._live is not None:
                if not self._live.done.wait(timeout):
                    raise TimeoutError(f"run {self.run_id} still running after {timeout}s")
                return self
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self.done:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"run {self.run_id} still running after {timeout}s")
                time.sleep(0.2)
            return self
        except KeyboardInterrupt:
            self.cancel()
            raise

    def cancel(self, wait: bool = True) -> None:
        """Stop every running task's process tree and mark the run CANCELLED. A run going on in
        another process gets a cancel request through the store, which its engine polls."""
        if self._live is None:
            if operations.request_cancel(self._store.root, self.run_id) and wait:
                self.wait(timeout=60)
            return
        self._live.cancel()
        if wait:
            self._live.done.wait()

    def timeline(self) -> Any:
        """Where the time went: one row per task that runs something, earliest start first,
        with `start` and `end` in seconds from the run's start, `duration`, `status` and
        `cached`. A pandas DataFrame indexed by task id where pandas is installed, else a
        list of dicts."""
        from kfp_notebook._views.timeline import timeline_rows, to_frame

        return to_frame(timeline_rows(self.record, self._store.leaf_summaries(self.run_id)))

    def log_path(self, task: str | None = None) -> Path:
        """The file of the run's log (or one task's); it may not exist yet."""
        return self._store.log_path(self.run_id, self.task(task).task_id if task else None)

    def logs(
        self, task: str | None = None, follow: bool = False, tail: int | None = None
    ) -> str | Iterator[str]:
        """The run's full log (or one task's; its last `tail` lines). With follow=True, an
        iterator of lines that ends when the run (or task) ends, reading in bounded memory."""
        path = self.log_path(task)
        offset = tail_offset(path, tail) if tail is not None and path.exists() else 0
        if not follow:
            if not path.exists():
                return ""
            return b"".join(chunks(path, offset)).decode("utf-8", "replace")

        def finished() -> bool:
            return self.done if task is None else self.task(task).status.terminal

        return follow_lines(path, finished, offset=offset)
