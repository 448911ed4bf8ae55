"""The scheduler: walks the IR's DAGs with KFP backend semantics and hands ready container tasks
to a bounded worker pool.

All scheduling state is touched only by the scheduler thread (the one in `run()`); workers
report back through a queue, so no state needs a lock. One pool bounds every container task of
the run, across nested DAGs and loops.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from kfp_notebook._engine.groups import (
    collect_iterations,
    dag_outputs,
    iteration_inputs,
    loop_items,
)
from kfp_notebook._engine.nodes import Artifacts, Frame, Node, node_kind
from kfp_notebook._engine.resolve import Inputs, resolve_inputs
from kfp_notebook._engine.task_runner import Outcome, TaskRunner
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.events import (
    EventBus,
    TaskCreated,
    TaskFinished,
    TaskStarted,
)
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
        self.context = RunContext(run_id, str(store.root) if store is not None else "")
        self._executors = ir.executors
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
            self._activate(root)
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

    # ------------------------------------------------------------------ frames
    def _activate(self, frame: Frame) -> None:
        tasks = frame.component.get("dag", {}).get("tasks", {})
        for name, task in tasks.items():
            comp_name = task["componentRef"]["name"]
            component = self.ir.component(comp_name)
            node = Node(
                id=frame.child_id(name),
                name=name,
                task=task,
                component_name=comp_name,
                component=component,
                kind=node_kind(task, component, self._executors),
                frame=frame,
            )
            frame.children[name] = node
            self._created(node, frame.owner.id if frame.owner else None)
        frame.pending = len(tasks)
        self._settle(frame)

    def _created(self, node: Node, parent_id: str | None) -> None:
        self.bus.emit(
            TaskCreated(
                self.run_id,
                node.id,
                node.name,
                parent_id,
                node.kind,
                node.component_name,
                tuple(node.upstream),
            )
        )

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
        self._finish(frame.owner, task_state, params, artifacts, message, failure=bool(failed))

    # ------------------------------------------------------------------ one node
    def _consider(self, node: Node, frame: Frame) -> None:
        upstream = [frame.children[n] for n in node.upstream]
        if any(not u.state.terminal for u in upstream):
            return
        if self._cancelled.is_set():
            self._finish(
                node,
                S.CANCELLED,
                message="not started: the run was cancelled",
                failure=True,
                record_subtree=True,
            )
            return
        if not node.waits_for_completion:
            broken = [u.name for u in upstream if u.failure]
            if broken or (self._failing and not node.runs_after_failures):
                why = (
                    f"upstream task {broken[0]!r} did not succeed"
                    if broken
                    else "another task failed"
                )
                self._finish(
                    node,
                    S.SKIPPED,
                    message=f"not started: {why}",
                    failure=True,
                    record_subtree=True,
                )
                return
        node.started = True
        try:
            inputs = resolve_inputs(node, frame, self.context)
            condition = node.task.get("triggerPolicy", {}).get("condition")
            if condition and not evaluate_condition(condition, inputs.params):
                self._finish(
                    node, S.SKIPPED, message=f"condition is false: {condition}", record_subtree=True
                )
                return
        except KfpNotebookError as exc:
            self._fail(node, str(exc))
            return
        if node.is_leaf:
            self._submit(node, inputs)
        elif node.kind is TaskKind.LOOP:
            self._start_loop(node, inputs)
        elif node.kind is TaskKind.UNSUPPORTED:
            self._fail(
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
        self._activate(node.child)

    def _submit(self, node: Node, inputs: Inputs) -> None:
        node.state = S.RUNNING
        may_reuse = bool(self.runner.reuse) and not self._must_rerun(node)
        self._inflight += 1

        def job() -> None:
            try:
                outcome = self.runner.run(node, inputs, self._cancelled, may_reuse)
            except Exception as exc:  # a bug or an OS error: fail the task, keep the run sane
                outcome = Outcome(S.FAILED, message=f"internal error: {exc!r}")
            self._inbox.put(lambda: self._done(node, outcome))

        self._pool.submit(job)

    def _done(self, node: Node, outcome: Outcome) -> None:
        self._inflight -= 1
        node.fresh = outcome.fresh
        failure = outcome.state in (S.FAILED, S.CANCELLED)
        if outcome.state is S.FAILED and not self._first_failure:
            self._first_failure = outcome.message
        self._finish(
            node,
            outcome.state,
            outcome.params,
            outcome.artifacts,
            outcome.message,
            failure=failure,
            attempts=outcome.attempts,
            cache_key=outcome.cache_key,
        )

    def _must_rerun(self, node: Node) -> bool:
        """On resume: the from-task, and every task downstream of a task that ran again."""
        if self.from_task in (node.name, node.id):
            return True
        current: Node | None = node
        while current is not None:
            if current.loop is not None:
                current = current.loop
            frame = current.frame
            if frame is None:
                return False
            if any(frame.children[u].fresh for u in current.upstream):
                return True
            current = frame.owner
        return False

    def _fail(self, node: Node, message: str) -> None:
        if not self._first_failure:
            self._first_failure = message
        self._finish(node, S.FAILED, message=message, failure=True)

    def _finish(
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
    ) -> None:
        if record_subtree and node.kind.is_group:
            self._record_skipped_subtree(node, state, message)
        node.state, node.message, node.failure = state, message, failure
        node.params, node.artifacts = params or {}, artifacts or {}
        if failure and node.is_leaf and state is S.FAILED:
            self._failing = True
        self.bus.emit(
            TaskFinished(
                self.run_id, node.id, state, dict(node.params), message, attempts, cache_key
            )
        )
        if node.loop is not None:
            self._later(lambda: self._iteration_done(node))
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

    def _record_skipped_subtree(self, node: Node, state: S, message: str) -> None:
        """Tasks inside a DAG that will not run are recorded (as `state`), not dropped."""
        for name, task in node.component.get("dag", {}).get("tasks", {}).items():
            comp_name = task["componentRef"]["name"]
            component = self.ir.component(comp_name)
            child = Node(
                id=f"{node.id}/{name}",
                name=name,
                task=task,
                component_name=comp_name,
                component=component,
                kind=node_kind(task, component, self._executors),
                frame=None,
            )
            self._created(child, node.id)
            if child.kind.is_group:
                self._record_skipped_subtree(child, state, message)
            self.bus.emit(TaskFinished(self.run_id, child.id, state, {}, message))

    # ------------------------------------------------------------------ loops
    def _start_loop(self, loop: Node, inputs: Inputs) -> None:
        try:
            items = loop_items(loop, inputs)
        except KfpNotebookError as exc:
            self._fail(loop, str(exc))
            return
        loop.state = S.RUNNING
        self.bus.emit(TaskStarted(self.run_id, loop.id, 1, {"items": len(items)}))
        for index, item in enumerate(items):
            it = Node(
                id=f"{loop.id}[{index}]",
                name=f"{loop.name}[{index}]",
                task={},
                component_name=loop.component_name,
                component=loop.component,
                kind=TaskKind.ITERATION,
                frame=None,
                loop=loop,
            )
            it.child = Frame(
                id=it.id,
                component=loop.component,
                owner=it,
                **vars(iteration_inputs(loop, inputs, item)),
            )
            loop.iterations.append(it)
            self._created(it, loop.id)
        loop.remaining_iterations = len(items)
        if not items:
            self._finish(loop, S.SUCCEEDED, *collect_iterations(loop))
            return
        self._start_iterations(loop)

    def _start_iterations(self, loop: Node) -> None:
        limit = int(loop.task.get("iteratorPolicy", {}).get("parallelismLimit", 0) or 0)
        while loop.next_iteration < len(loop.iterations) and (
            limit <= 0 or loop.active_iterations < limit
        ):
            it = loop.iterations[loop.next_iteration]
            loop.next_iteration += 1
            loop.active_iterations += 1
            if self._cancelled.is_set() or (self._failing and not loop.runs_after_failures):
                cancelled = self._cancelled.is_set()
                self._finish(
                    it,
                    S.CANCELLED if cancelled else S.SKIPPED,
                    message="not started: "
                    + ("the run was cancelled" if cancelled else "another task failed"),
                    failure=True,
                )
                continue
            it.state = S.RUNNING
            self.bus.emit(TaskStarted(self.run_id, it.id, 1, {}))
            assert it.child is not None
            self._activate(it.child)

    def _iteration_done(self, it: Node) -> None:
        loop = it.loop
        assert loop is not None
        loop.active_iterations -= 1
        loop.remaining_iterations -= 1
        if loop.remaining_iterations > 0:
            self._start_iterations(loop)
            return
        failed = [i for i in loop.iterations if i.failure]
        loop.fresh = any(i.fresh for i in loop.iterations)
        params, artifacts = collect_iterations(loop)
        state = (
            S.CANCELLED
            if self._cancelled.is_set() and failed
            else (S.FAILED if failed else S.SUCCEEDED)
        )
        self._finish(
            loop,
            state,
            params,
            artifacts,
            f"{len(failed)} iteration(s) failed" if failed else "",
            failure=bool(failed),
        )

    def _later(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the scheduler thread after what is queued (no deep recursion)."""
        self._inbox.put(fn)
