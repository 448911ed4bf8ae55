"""ParallelFor on the scheduler thread: a loop's iterations made from its items, started within
its parallelism limit, and the loop finished once its last iteration is done."""

from __future__ import annotations

from typing import Protocol

from kfp_notebook._engine.gates import iteration_held_back
from kfp_notebook._engine.groups import collect_iterations, iteration_inputs, loop_items
from kfp_notebook._engine.nodes import Artifacts, Frame, Node
from kfp_notebook._engine.resolve import Inputs
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._model.events import EventBus, TaskStarted
from kfp_notebook._model.states import TaskKind
from kfp_notebook._model.states import TaskState as S
from kfp_notebook._spec.types import IRDict

__all__ = ["LoopHost", "Loops"]


class LoopHost(Protocol):
    """What a loop needs from the scheduler that runs it."""

    run_id: str
    bus: EventBus

    @property
    def cancelled(self) -> bool: ...

    @property
    def failing(self) -> bool: ...

    def announce(self, node: Node, parent_id: str | None) -> None: ...

    def activate(self, frame: Frame) -> None: ...

    def fail(self, node: Node, message: str) -> None: ...

    def finish(
        self,
        node: Node,
        state: S,
        params: IRDict | None = None,
        artifacts: Artifacts | None = None,
        message: str = "",
        *,
        failure: bool = False,
    ) -> None: ...


class Loops:
    """The loops of one run; every method runs on the scheduler thread."""

    def __init__(self, host: LoopHost) -> None:
        self.host = host

    def start(self, loop: Node, inputs: Inputs) -> None:
        host = self.host
        try:
            items = loop_items(loop, inputs)
        except KfpNotebookError as exc:
            host.fail(loop, str(exc))
            return
        loop.state = S.RUNNING
        host.bus.emit(TaskStarted(host.run_id, loop.id, 1, {"items": len(items)}))
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
            host.announce(it, loop.id)
        loop.remaining_iterations = len(items)
        if not items:
            host.finish(loop, S.SUCCEEDED, *collect_iterations(loop))
            return
        self._start_iterations(loop)

    def iteration_done(self, it: Node) -> None:
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
            S.CANCELLED if self.host.cancelled and failed else (S.FAILED if failed else S.SUCCEEDED)
        )
        self.host.finish(
            loop,
            state,
            params,
            artifacts,
            f"{len(failed)} iteration(s) failed" if failed else "",
            failure=bool(failed),
        )

    def _start_iterations(self, loop: Node) -> None:
        host = self.host
        limit = int(loop.task.get("iteratorPolicy", {}).get("parallelismLimit", 0) or 0)
        while loop.next_iteration < len(loop.iterations) and (
            limit <= 0 or loop.active_iterations < limit
        ):
            it = loop.iterations[loop.next_iteration]
            loop.next_iteration += 1
            loop.active_iterations += 1
            held = iteration_held_back(loop, cancelled=host.cancelled, failing=host.failing)
            if held is not None:
                host.finish(it, held[0], message=held[1], failure=True)
                continue
            it.state = S.RUNNING
            host.bus.emit(TaskStarted(host.run_id, it.id, 1, {}))
            assert it.child is not None
            host.activate(it.child)
