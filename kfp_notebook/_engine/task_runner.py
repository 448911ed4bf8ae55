"""One container or importer task, on a worker thread: reuse (resume or cache), run with
retries through the executor, and read back what it produced."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from kfp_notebook._engine import caching
from kfp_notebook._engine.importer import ImporterError, import_artifact
from kfp_notebook._engine.nodes import Artifacts, Node
from kfp_notebook._engine.object_io import ObjectIO, localize_inputs
from kfp_notebook._engine.resolve import Inputs, build_executor_input, read_executor_output
from kfp_notebook._engine.task_outputs import (
    clear_outputs,
    missing_outputs,
    publish_artifacts,
    stage_artifacts,
)
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.events import (
    ArtifactProduced,
    EventBus,
    LogLine,
    LogProgress,
    TaskStarted,
)
from kfp_notebook._model.failure import task_failure
from kfp_notebook._model.logfold import LogFolder
from kfp_notebook._model.states import TaskState as S
from kfp_notebook._spec.placeholders import resolve_command
from kfp_notebook._spec.types import ContainerSpec, IRDict
from kfp_notebook._store.objroot import LOG_NOT_UPLOADED
from kfp_notebook._store.store import RunStore, TaskRecord
from kfp_notebook.executors.base import Launch, TaskExecutor

__all__ = ["Outcome", "TaskRunner"]

_TAIL = 20


@dataclass
class Outcome:
    state: S
    params: IRDict = field(default_factory=dict)
    artifacts: Artifacts = field(default_factory=dict)
    message: str = ""
    attempts: int = 0
    cache_key: str | None = None
    fresh: bool = True
    # when the worker had it back (epoch seconds): the task's end, before that worker starts
    # the next; the scheduler thread may come to it later
    ended: float | None = None


class TaskRunner:
    """Runs leaf tasks of one run; shared by all worker threads."""

    def __init__(
        self,
        run_id: str,
        executors: IRDict,
        executor: TaskExecutor,
        store: RunStore,
        bus: EventBus,
        cache: bool = False,
        reuse: dict[str, TaskRecord] | None = None,
        objects: ObjectIO | None = None,
    ) -> None:
        """`objects`: the run's outputs go to an object store (uploaded on success)."""
        self.run_id, self.executors, self.executor = run_id, executors, executor
        self.store, self.bus, self.cache = store, bus, cache
        self.reuse = reuse or {}
        self.objects = objects

    def cancel(self) -> None:
        self.executor.cancel()

    def run(
        self, node: Node, inputs: Inputs, cancelled: threading.Event, may_reuse: bool = False
    ) -> Outcome:
        record = self.reuse.get(node.id) if may_reuse else None
        if record is not None:
            return self._reused(node, record, f"reused from the earlier attempt of {self.run_id}")
        spec = self.executors[node.component["executorLabel"]]
        if "importer" in spec:
            return self._import(node, inputs, spec["importer"])
        container = spec["container"]
        try:
            env_identity = self.executor.prepare(container, self._logger(node), cancelled)
        except KfpNotebookError as exc:
            return Outcome(S.CANCELLED if cancelled.is_set() else S.FAILED, message=str(exc))
        cache_key = None
        if self.cache and node.task.get("cachingOptions", {}).get("enableCache", False):
            cache_key = caching.cache_key(node, container, inputs, env_identity)
            hit = self.store.cache_lookup(cache_key)
            if hit is not None and caching.artifacts_exist(hit):
                return self._reused(
                    node, hit, f"cached: outputs of {hit.run_id} ({hit.task_id})", cache_key
                )
        outcome = self._execute(node, inputs, container, cancelled, cache_key)
        if self.objects is not None and outcome.state in (S.SUCCEEDED, S.FAILED):
            return self._archive_log(self.objects, node, outcome)
        return outcome

    def _archive_log(self, objects: ObjectIO, node: Node, outcome: Outcome) -> Outcome:
        """The task's log to the bucket, as the launcher's `executor-logs`. A failure to upload
        it fails the task, as it fails the launcher (launcher_v2.go, uploadOutputArtifacts);
        a failed task keeps its own message, the upload's said after it."""
        try:
            objects.publish_log(node, self.store.log_path(self.run_id, node.id), outcome.attempts)
            return outcome
        except (KfpNotebookError, OSError) as exc:
            said = f"{LOG_NOT_UPLOADED}: {exc}"
            self.bus.emit(LogLine(self.run_id, node.id, f"[kfp-notebook] {said}"))
            if outcome.state is S.FAILED:
                return replace(outcome, message=f"{outcome.message}\n({said})".lstrip())
            message = f"task {_chain(node)}: {said}"  # its outputs are not the task's now
            return replace(outcome, state=S.FAILED, params={}, message=message, cache_key=None)

    # ------------------------------------------------------------------ running
    def _logger(self, node: Node, tail: collections.deque[str] | None = None) -> Any:
        folder = LogFolder()  # a failure quotes the task's own last lines, not KFP's

        def log(line: str) -> None:
            if tail is not None and folder.keep(line):
                tail.append(line)
            self.bus.emit(LogLine(self.run_id, node.id, line))

        return log

    def _progress(self, node: Node) -> Any:
        def progress(text: str) -> None:
            self.bus.emit(LogProgress(self.run_id, node.id, text))

        return progress

    def _execute(
        self,
        node: Node,
        inputs: Inputs,
        container: ContainerSpec,
        cancelled: threading.Event,
        cache_key: str | None,
    ) -> Outcome:
        task_dir = self.store.task_dir(self.run_id, node.id)
        try:  # input artifacts on an object store are downloaded first, as KFP's launcher does
            executor_input = build_executor_input(node, localize_inputs(inputs), task_dir)
        except KfpNotebookError as exc:
            return Outcome(S.FAILED, message=f"task {_chain(node)}: an input artifact: {exc}")
        staged = stage_artifacts(executor_input)  # moved to their final paths on success
        retry = node.task.get("retryPolicy", {})
        attempts_allowed = 1 + int(retry.get("maxRetryCount", 0) or 0)
        env = {
            e["name"]: resolve_command([e.get("value", "")], executor_input)[0]
            for e in container.get("env", [])
        }
        tail: collections.deque[str] = collections.deque(maxlen=_TAIL)
        code, failure = 0, ""
        given = {
            name: [{k: a.get(k) for k in ("uri", "type", "metadata")} for a in arts]
            for name, arts in inputs.artifacts.items()
        }
        for attempt in range(1, attempts_allowed + 1):
            if cancelled.is_set():
                return Outcome(S.CANCELLED, message="cancelled", attempts=attempt - 1)
            clear_outputs(executor_input, staged)

            def started(pid: int | None, attempt: int = attempt) -> None:
                started_event = TaskStarted(
                    self.run_id, node.id, attempt, inputs.params, pid, input_artifacts=given
                )
                self.bus.emit(started_event)

            launch = Launch(
                self.run_id,
                node.id,
                node.name,
                container,
                executor_input,
                task_dir,
                env,
                self._logger(node, tail),
                started,
                self.store.root,
                self._progress(node),
            )
            code = self.executor.execute(launch)
            if cancelled.is_set():
                return Outcome(S.CANCELLED, message="cancelled while running", attempts=attempt)
            failure = f"failed with exit status {code}"
            if code == 0:
                params: IRDict | None = None
                unreadable: list[str] = []
                try:
                    params, artifacts = read_executor_output(node, executor_input)
                except (OSError, ValueError) as exc:
                    unreadable = [f"its outputs are unreadable ({exc})"]
                problems = missing_outputs(node, container, executor_input, params) or unreadable
                if params is not None and not problems:
                    publish_artifacts(artifacts, staged)
                    if self.objects is not None:
                        try:
                            self.objects.publish(node, artifacts)
                        except KfpNotebookError as exc:
                            message = f"task {_chain(node)}: its outputs were not uploaded: {exc}"
                            return Outcome(S.FAILED, message=message, attempts=attempt)
                    self._announce(node, artifacts)
                    return Outcome(
                        S.SUCCEEDED, params, artifacts, attempts=attempt, cache_key=cache_key
                    )
                failure = "exited 0 without its declared outputs: " + "; ".join(problems)
                tail.append(f"[kfp-notebook] {failure}")
            if attempt < attempts_allowed:
                delay = _backoff(retry, attempt)
                self.bus.emit(
                    LogLine(
                        self.run_id,
                        node.id,
                        f"[kfp-notebook] attempt {attempt} {failure}; retrying in {delay:g}s",
                    )
                )
                if cancelled.wait(delay):
                    return Outcome(S.CANCELLED, message="cancelled", attempts=attempt)
        log_path = self.store.log_path(self.run_id, node.id)
        message = task_failure(_chain(node), failure, attempts_allowed, tail, str(log_path))
        return Outcome(S.FAILED, message=message, attempts=attempts_allowed)

    def _import(self, node: Node, inputs: Inputs, importer: IRDict) -> Outcome:
        self.bus.emit(TaskStarted(self.run_id, node.id, 1, inputs.params))
        try:
            imported = import_artifact(node, inputs.params, importer)
        except ImporterError as exc:
            return Outcome(S.FAILED, message=str(exc))
        for note in imported.notes:
            self.bus.emit(LogLine(self.run_id, node.id, f"[kfp-notebook] {note}"))
        self._announce(node, imported.artifacts)
        return Outcome(S.SUCCEEDED, {}, imported.artifacts, attempts=1)

    def _reused(
        self, node: Node, record: TaskRecord, why: str, cache_key: str | None = None
    ) -> Outcome:
        artifacts: Artifacts = {
            a.name: [
                {
                    "name": a.name,
                    "uri": a.uri,
                    "metadata": a.metadata,
                    "type": {"schemaTitle": a.schema_title},
                }
            ]
            for a in record.artifacts
        }
        self.bus.emit(LogLine(self.run_id, node.id, f"[kfp-notebook] {why}"))
        self._announce(node, artifacts)
        return Outcome(
            S.CACHED, dict(record.outputs), artifacts, message=why, cache_key=cache_key, fresh=False
        )

    def _announce(self, node: Node, artifacts: Artifacts) -> None:
        for name, arts in artifacts.items():
            for art in arts:
                self.bus.emit(
                    ArtifactProduced(
                        self.run_id,
                        node.id,
                        name,
                        art["uri"],
                        art.get("type", {}).get("schemaTitle", "system.Artifact"),
                        dict(art.get("metadata", {})),
                    )
                )


def _chain(node: Node) -> str:
    """The task and the groups it sits in, innermost first, as kfp.local names a failure:
    `'fail' inside 'for-loop-2[3]' inside 'inner-pipeline'`."""
    return " inside ".join(repr(part) for part in reversed(node.id.split("/")))


def _backoff(retry: IRDict, attempt: int) -> float:
    def seconds(text: Any, default: float) -> float:
        try:
            return float(str(text).rstrip("s"))
        except ValueError:
            return default

    base = seconds(retry.get("backoffDuration", "0s"), 0.0)
    factor = float(retry.get("backoffFactor", 2.0) or 2.0)
    ceiling = seconds(retry.get("backoffMaxDuration", "3600s"), 3600.0)
    return float(min(base * factor ** (attempt - 1), ceiling))
