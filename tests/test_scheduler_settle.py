"""The scheduler finishes every DAG instance exactly once, whatever order results arrive in.

A CI run once saw an exit handler left PENDING: two tasks of one DAG finished before the
scheduler drained its queue, the DAG was finished twice, and its parent finished early. Here the
two results are delivered back to back, before anything queued is processed.
"""

from typing import Any

import pytest
from kfp import dsl

from kfp_notebook._engine.nodes import Frame
from kfp_notebook._engine.scheduler import Orchestrator
from kfp_notebook._model.events import EventBus
from kfp_notebook._model.states import RunState
from kfp_notebook._model.states import TaskState as S
from kfp_notebook._spec.ir import load_pipeline

pytestmark = pytest.mark.unit


@dsl.component(base_image="python:3.11")
def noop() -> None:
    pass


@dsl.pipeline
def inner() -> None:
    noop()
    noop()


@dsl.pipeline
def outer() -> None:
    first = inner()
    noop().after(first)


def test_a_dag_whose_children_finish_together_finishes_once() -> None:
    ir = load_pipeline(outer)
    orchestrator = Orchestrator(ir, "run", {}, EventBus(), runner=None, max_workers=1)  # type: ignore[arg-type]
    finished: list[str] = []
    real_finish_frame = orchestrator._finish_frame

    def counting(frame: Frame) -> None:
        finished.append(frame.id)
        real_finish_frame(frame)

    orchestrator._finish_frame = counting  # type: ignore[method-assign]
    root = Frame(id="", component=ir.root, params={}, artifacts={})
    orchestrator.activate(root)
    drain(orchestrator)  # the nested pipeline starts; its two tasks are handed to the runner
    dag = next(node for node in root.children.values() if node.child is not None)
    assert dag.child is not None
    leaves = list(dag.child.children.values())
    assert len(leaves) == 2
    for leaf in leaves:  # both results arrive before the scheduler looks again
        orchestrator.finish(leaf, S.SUCCEEDED)
    drain(orchestrator)

    assert finished.count(dag.id) == 1
    assert dag.state is S.SUCCEEDED
    assert root.pending == 1  # the task after the nested pipeline is still to run
    assert orchestrator._result is None or orchestrator._result.state is not RunState.SUCCEEDED


def drain(orchestrator: Any) -> None:
    orchestrator._submit = lambda node, inputs: setattr(node, "state", S.RUNNING)
    while not orchestrator._inbox.empty():
        orchestrator._inbox.get()()
