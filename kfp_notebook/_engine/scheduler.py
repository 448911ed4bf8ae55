"""The scheduler: walks the IR's DAGs with KFP backend semantics and hands ready container tasks
to a bounded worker pool.

All scheduling state is touched only by the scheduler thread (the one in `run()`); workers
report back through a queue, so no state needs a lock. One pool bounds every container task of
the run, across nested DAGs and loops. Loops are in `loops.py`, the start/skip rules in
`gates.py`, node creation and its events in `task_tree.py`.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from kfp_notebook._engine.gates import must_rerun, task_held_back
from kfp_notebook._engine.groups import dag_outputs
from kfp_notebook._engine.loops import Loops
from kfp_notebook._engine.nodes import Artifacts, Frame, Node
from kfp_notebook._engine.resolve import Inputs, resolve_inputs
from kfp_notebook._engine.task_runner import Outcome, TaskRunner
from kfp_notebook._engine.task_tree import TaskTree
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.events import EventBus, TaskFinished, TaskStarted
from kfp_notebook._model.states import RunState, TaskKind
from kfp_notebook._model.states import TaskState as S
from kfp_notebook._spec.cel import evaluate_condition
from kfp_notebook._spec.ir import PipelineIR
from kfp_notebook._spec.placeholders import RunContext
from kfp_notebook._spec.types import IRDict

__all__ = ["Orchestrator", "RunResult"]


@dataclass
class RunResult:
    state: RunState
    params: IRDict = field(default_factory=dict)
    artifacts: Artifacts = field(default_factory=dict)
    message: str = ""


class Orchestrator:
    """Runs one pipeline run to the end. `run()` blocks; `cancel()` works from any thread."""

    def __init__(
        self,
        ir: PipelineIR,
        run_id: str,
        arguments: IRDict,
        bus: EventBus,
        runner: TaskRunner,
        max_workers: int,
        from_task: str | None = None,
    ) -> None:
        self.from_task = from_task
        self.ir, self.run_id, self.bus, self.runner = ir, run_id, bus, runner
        self.arguments = arguments
        store = getattr(runner, "store", None)  # None when a test drives the scheduler alone
        root = str(store.root) if store is not None else ""
        objects = getattr(runner, "objects", None)
        if objects is not None:  # outputs go to an object store: its URI is the pipeline root
            root = objects.root.uri
        workspace = str(store.run_dir(run_id) / "workspace") if store is not None else ""
        self.context = RunContext(run_id, root, workspace=workspace)
        self._tree = TaskTree(ir, run_id, bus)
        self._loops = Loops(self)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="kfpnb-task")
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._inflight = 0
        self._failing = False
        self._cancelled = threading.Event()
        self._result: RunResult | None = None
        self._first_failure = ""

    # ------------------------------------------------------------------ public
    def run(self) -> RunResult:
        root = Frame(id="", component=self.ir.root, params=dict(self.arguments), artifacts={})
        try:
            self.activate(root)
            while self._result is None:
                try:
                    self._inbox.get(timeout=5.0)()
                except queue.Empty:
                    if self._inflight == 0:
                        raise RuntimeError("scheduler stalled with no task running") from None
        finally:
            self._pool.shutdown(wait=True)
        return self._result

    def cancel(self) -> None:
        if self._cancelled.is_set():
            return
        self._cancelled.set()
        self.runner.cancel()
        self._inbox.put(lambda: None)

    # ------------------------------------------------- for loops (scheduler thread)
    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def failing(self) -> bool:
        """A leaf task has failed: from now on only exit handlers start."""
        return self._failing

    def announce(self, node: Node, parent_id: str | None) -> None:
        self._tree.created(node, parent_id)

    # ------------------------------------------------------------------ frames
    def activate(self, frame: Frame) -> None:
        tasks = frame.component.get("dag", {}).get("tasks", {})
        for name, task in tasks.items():
            node = self._tree.node(frame.child_id(name), name, task, frame)
            frame.children[name] = node
            self.announce(node, frame.owner.id if frame.owner else None)
        frame.pending = len(tasks)
        self._settle(frame)

    def _schedule(self, frame: Frame) -> None:
        for node in list(frame.children.values()):
            if not node.started and node.state is S.PENDING:
                self._consider(node, frame)

    def _finish_frame(self, frame: Frame) -> None:
        params, artifacts = dag_outputs(frame)
        children = frame.children.values()
        failed = [c for c in children if c.failure]
        if frame.owner is None:
            state = (
                RunState.CANCELLED
                if self._cancelled.is_set()
                else RunState.FAILED
                if failed
                else RunState.SUCCEEDED
            )
            self._result = RunResult(state, params, artifacts, self._first_failure)
            return
        cancelled = self._cancelled.is_set() and any(c.state is S.CANCELLED for c in children)
        task_state = S.CANCELLED if cancelled else S.FAILED if failed else S.SUCCEEDED
        message = f"{len(failed)} task(s) inside failed" if failed else ""
        frame.owner.fresh = any(c.fresh for c in children)
        self.finish(frame.owner, task_state, params, artifacts, message, failure=bool(failed))

    # ------------------------------------------------------------------ one node
    def _consider(self, node: Node, frame: Frame) -> None:
        upstream = [frame.children[n] for n in node.upstream]
        if any(not u.state.terminal for u in upstream):
            return
        held = task_held_back(
            node, upstream, cancelled=self._cancelled.is_set(), failing=self._failing
        )
        if held is not None:
            self.finish(node, held[0], message=held[1], failure=True, record_subtree=True)
            return
        node.started = True
        try:
            inputs = resolve_inputs(node, frame, self.context)
            condition = node.task.get("triggerPolicy", {}).get("condition")
            if condition and not evaluate_condition(condition, inputs.params):
                self.finish(
                    node, S.SKIPPED, message=f"condition is false: {condition}", record_subtree=True
                )
                return
        except KfpNotebookError as exc:
            self.fail(node, str(exc))
            return
        if node.is_leaf:
            self._submit(node, inputs)
        elif node.kind is TaskKind.LOOP:
            self._loops.start(node, inputs)
        elif node.kind is TaskKind.UNSUPPORTED:
            self.fail(
                node,
                f"task {node.name!r} uses an executor kind kfp-notebook cannot run "
                "locally (only containers, Python components and importers).",
            )
        else:
            self._enter(node, inputs)

    def _enter(self, node: Node, inputs: Inputs) -> None:
        node.state = S.RUNNING
        self.bus.emit(TaskStarted(self.run_id, node.id, 1, inputs.params))
        node.child = Frame(
            id=node.id,
            component=node.component,
            params=inputs.params,
            artifacts=inputs.artifacts,
            owner=node,
        )
        self.activate(node.child)

    def _submit(self, node: Node, inputs: Inputs) -> None:
        node.state = S.RUNNING
        may_reuse = bool(self.runner.reuse) and not must_rerun(node, self.from_task)
        self._inflight += 1

        def job() -> None:
            try:
                outcome = self.runner.run(node, inputs, self._cancelled, may_reuse)
            except Exception as exc:  # a bug or an OS error: fail the task, keep the run sane
                outcome = Outcome(S.FAILED, message=f"internal error: {exc!r}")
            outcome.ended = time.time()
            self._inbox.put(lambda: self._done(node, outcome))

        self._pool.submit(job)

    def _done(self, node: Node, outcome: Outcome) -> None:
        self._inflight -= 1
        node.fresh = outcome.fresh
        failure = outcome.state in (S.FAILED, S.CANCELLED)
        if outcome.state is S.FAILED and not self._first_failure:
            self._first_failure = outcome.message
        self.finish(
            node,
            outcome.state,
            outcome.params,
            outcome.artifacts,
            outcome.message,
            failure=failure,
            attempts=outcome.attempts,
            cache_key=outcome.cache_key,
            ended=outcome.ended,
        )

    def fail(self, node: Node, message: str) -> None:
        if not self._first_failure:
            self._first_failure = message
        self.finish(node, S.FAILED, message=message, failure=True)

    def finish(
        self,
        node: Node,
        state: S,
        params: IRDict | None = None,
        artifacts: Artifacts | None = None,
        message: str = "",
        *,
        failure: bool = False,
        attempts: int = 0,
        cache_key: str | None = None,
        record_subtree: bool = False,
        ended: float | None = None,
    ) -> None:
        if record_subtree and node.kind.is_group:
            self._tree.record_skipped_subtree(node, state, message)
        node.state, node.message, node.failure = state, message, failure
        node.params, node.artifacts = params or {}, artifacts or {}
        if failure and node.is_leaf and state is S.FAILED:
            self._failing = True
        finished = TaskFinished(
            self.run_id, node.id, state, dict(node.params), message, attempts, cache_key
        )
        self.bus.emit(finished if ended is None else dataclasses.replace(finished, time=ended))
        if node.loop is not None:
            self._later(lambda: self._loops.iteration_done(node))
            return
        frame = node.frame
        assert frame is not None
        frame.pending -= 1
        self._settle(frame)

    def _settle(self, frame: Frame) -> None:
        """Queue the next step for `frame`, decided now: a frame must finish exactly once, even
        when two of its children finish before the queue is drained."""
        if frame.pending:
            self._later(lambda: self._schedule(frame))
        else:
            self._later(lambda: self._finish_frame(frame))

    def _later(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the scheduler thread after what is queued (no deep recursion)."""
        self._inbox.put(fn)
