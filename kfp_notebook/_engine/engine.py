"""The engine: one template `start()` that turns a target into a running run.

load IR -> check arguments -> check executors -> open the run record -> prepare environments
-> orchestrate on a background thread -> close the run record. Views attach as listeners.
"""

from __future__ import annotations

import contextlib
import errno
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfp_notebook._engine.object_io import ObjectIO, check_object_root
from kfp_notebook._engine.resume import resume_plan
from kfp_notebook._engine.scheduler import Orchestrator, RunResult
from kfp_notebook._engine.task_runner import TaskRunner
from kfp_notebook._errors import KfpNotebookError, PipelineInputError, StoreError
from kfp_notebook._model.events import (
    EventBus,
    LogLine,
    RunFinished,
    RunStarted,
)
from kfp_notebook._model.states import RunState
from kfp_notebook._spec.arguments import check_arguments
from kfp_notebook._spec.ir import PipelineIR, load_pipeline
from kfp_notebook._spec.types import ContainerSpec
from kfp_notebook._store.objroot import ObjectRoot
from kfp_notebook._store.store import RunStore, TaskRecord
from kfp_notebook._store.unwritten import disk_state
from kfp_notebook.executors.base import TaskExecutor

__all__ = ["SETUP_TASK", "Engine", "KubernetesSettingIgnored", "LiveRun"]

SETUP_TASK = "(setup)"


class KubernetesSettingIgnored(UserWarning):
    """A Kubernetes-only setting (resources, secrets, volumes...) has no local meaning."""


_CANCEL_POLL_SECONDS = 0.3


@dataclass
class LiveRun:
    """A run going on in this process."""

    run_id: str
    pipeline_name: str
    orchestrator: Orchestrator | None = None
    result: RunResult | None = None
    done: threading.Event = field(default_factory=threading.Event)
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    fault: str = ""  # why the run must end FAILED whatever its tasks did (its store broke)

    def cancel(self) -> None:
        self.cancel_requested.set()
        if self.orchestrator is not None:
            self.orchestrator.cancel()

    def fail(self, reason: str) -> None:
        """Stop the run's tasks; it ends FAILED with `reason`. The stop runs on its own thread:
        this is called from inside the event stream, by whatever thread emitted."""
        self.fault = self.fault or reason
        threading.Thread(target=self.cancel, name="kfpnb-fail", daemon=True).start()


class Engine:
    """Runs pipelines against one pipeline root with one executor; emits events on `bus`."""

    def __init__(
        self,
        store: RunStore,
        executor: TaskExecutor,
        *,
        max_workers: int,
        cache: bool = False,
        bus: EventBus | None = None,
        runner_name: str | None = None,
        settings: dict[str, Any] | None = None,
        object_root: ObjectRoot | None = None,
    ) -> None:
        """`runner_name` and `settings` are recorded with each run (default: the executor's
        name), so that a re-run elsewhere starts the same runner alike. `object_root`: the
        runs' artifacts go to that bucket (the record stays in `store`)."""
        self.store, self.executor = store, executor
        self.runner_name = runner_name or executor.name
        self.object_root = object_root
        self.settings = {"workers": max(1, max_workers), **(settings or {})}
        if object_root is not None:
            self.settings["object_root"] = object_root.uri
        self.max_workers, self.cache = max(1, max_workers), cache
        self.bus = bus or EventBus()
        self.bus.subscribe(store, essential=True)
        self.bus.on_fault(self._store_failed)
        self.live: dict[str, LiveRun] = {}
        self._watched: list[LiveRun] = []  # runs whose cancel requests the watcher reads
        self._watcher: threading.Thread | None = None
        self._watch_lock = threading.Lock()

    def _store_failed(self, run_id: str, exc: Exception) -> None:
        live = self.live.get(run_id)
        if live is not None:
            live.fail(_store_fault(self.store.root, exc))

    # ------------------------------------------------------------------ template
    def start(
        self,
        target: Any,
        arguments: dict[str, Any] | None = None,
        *,
        run_id: str | None = None,
        from_task: str | None = None,
        on_done: Callable[[LiveRun], None] | None = None,
        experiment: str | None = None,
    ) -> LiveRun:
        """`experiment` groups runs for comparison; by default the pipeline's name."""
        ir = load_pipeline(target)
        reuse: dict[str, TaskRecord] = {}
        resumed = False
        if from_task is not None:
            run_id, reuse, arguments = resume_plan(self.store, ir, run_id, from_task, arguments)
            resumed = True
        elif run_id is not None and self.store.get_run(run_id) is not None:
            raise PipelineInputError(
                f"a run with id {run_id!r} exists already; pick another id "
                "or leave it out to get a fresh one."
            )
        args = check_arguments(ir, arguments or {})
        for setting in ir.ignored_settings:
            warnings.warn(
                f"{setting} are Kubernetes-only settings; ignored when running locally.",
                KubernetesSettingIgnored,
                stacklevel=3,
            )
        containers = self._check_executors(ir)
        check_object_root(self.object_root)
        run_id = run_id or self.store.new_run_id(ir.name)
        try:  # before the run is registered: a root that cannot be written stops nothing
            self.store.record_spec(run_id, ir.text)
            self.store.clear_cancel_request(run_id)
        except OSError as exc:
            raise StoreError(_store_fault(self.store.root, exc, started=False)) from None
        live = LiveRun(run_id, ir.name)
        self.live[run_id] = live
        self.bus.emit(
            RunStarted(
                run_id,
                ir.name,
                str(self.store.root),
                args,
                resumed,
                runner=self.runner_name,
                experiment=experiment or ir.name,
                settings=self.settings,
            )
        )
        if run_id in self.bus.faults:  # not even the run's start could be recorded
            self.live.pop(run_id, None)
            raise StoreError(_store_fault(self.store.root, self.bus.faults[run_id], started=False))
        self._watch(live)
        thread = threading.Thread(
            target=self._drive,
            args=(live, ir, args, containers, reuse, from_task, on_done),
            name=f"kfpnb-run-{run_id}",
            daemon=True,
        )
        thread.start()
        return live

    def _watch(self, live: LiveRun) -> None:
        with self._watch_lock:
            self._watched.append(live)
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._watch_cancel_requests, name="kfpnb-cancel-requests", daemon=True
                )
                self._watcher.start()

    def _watch_cancel_requests(self) -> None:
        """Another process (the CLI, the sidebar, a widget whose kernel is busy) may ask for a
        cancel through the store; honour it within a fraction of a second. One thread reads the
        requests of all the engine's runs, and ends when none is left."""
        while True:
            time.sleep(_CANCEL_POLL_SECONDS)
            with self._watch_lock:
                self._watched = [live for live in self._watched if not live.done.is_set()]
                watched = list(self._watched)
                if not watched:
                    self._watcher = None
                    return
            for live in watched:
                if live.cancel_requested.is_set():
                    continue
                with contextlib.suppress(OSError):
                    if self.store.cancel_requested(live.run_id):
                        self.store.clear_cancel_request(live.run_id)
                        live.cancel()

    def _drive(
        self,
        live: LiveRun,
        ir: PipelineIR,
        args: dict[str, Any],
        containers: list[ContainerSpec],
        reuse: dict[str, TaskRecord],
        from_task: str | None,
        on_done: Callable[[LiveRun], None] | None,
    ) -> None:
        try:
            self._prepare(live.run_id, containers, live.cancel_requested)
            if live.cancel_requested.is_set():
                result = RunResult(RunState.CANCELLED, message="cancelled before any task ran")
            else:
                runner = TaskRunner(
                    live.run_id,
                    ir.executors,
                    self.executor,
                    self.store,
                    self.bus,
                    self.cache,
                    reuse,
                    ObjectIO.of(self.object_root, self.store.root, ir.name, live.run_id),
                )
                live.orchestrator = Orchestrator(
                    ir, live.run_id, args, self.bus, runner, self.max_workers, from_task
                )
                if live.cancel_requested.is_set():
                    live.orchestrator.cancel()
                result = live.orchestrator.run()
        except KfpNotebookError as exc:
            if live.cancel_requested.is_set():  # a build stopped by the cancel, not a failure
                result = RunResult(RunState.CANCELLED, message=f"cancelled: {exc}")
            else:
                result = RunResult(RunState.FAILED, message=str(exc))
        except BaseException as exc:  # keep the record honest even on a bug
            result = RunResult(RunState.FAILED, message=f"internal error: {exc!r}")
        if live.fault:
            result = RunResult(RunState.FAILED, message=live.fault)
        live.result = result
        outputs = {"parameters": result.params, "artifacts": result.artifacts}
        self.bus.emit(RunFinished(live.run_id, result.state, outputs, result.message))
        self.live.pop(live.run_id, None)
        with contextlib.suppress(OSError):  # a request that came too late concerns no one
            self.store.clear_cancel_request(live.run_id)
        live.done.set()
        if on_done is not None:
            on_done(live)

    # ------------------------------------------------------------------ steps
    def _check_executors(self, ir: PipelineIR) -> list[ContainerSpec]:
        """Every executor the pipeline uses, checked now: errors come before anything runs."""
        containers = []
        for label, spec in ir.executors.items():
            if "container" in spec:
                self.executor.check(spec["container"], label.removeprefix("exec-"))
                containers.append(spec["container"])
        return containers

    def _prepare(
        self, run_id: str, containers: list[ContainerSpec], cancelled: threading.Event
    ) -> None:
        """Build missing environments (in parallel) before the first task starts; a cancel
        stops the builds."""

        def log(line: str) -> None:
            self.bus.emit(LogLine(run_id, SETUP_TASK, line))

        if len(containers) == 1:  # nothing to overlap: no pool to start
            self.executor.prepare(containers[0], log, cancelled)
            return
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kfpnb-env") as pool:
            futures = [pool.submit(self.executor.prepare, c, log, cancelled) for c in containers]
            for future in futures:
                future.result()

    def close(self) -> None:
        for live in list(self.live.values()):
            live.cancel()
            live.done.wait(30)
        self.executor.close()


def _store_fault(root: Any, exc: Exception, started: bool = True) -> str:
    what = "the run was stopped" if started else "nothing was run"
    known = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS)
    why = f"{exc}" if known else f"{exc}{disk_state(Path(root))}"
    return (
        f"the run store under {root} cannot be written ({why}); {what}."
        " Free space or choose a writable --pipeline-root (pipeline_root=...)."
    )
