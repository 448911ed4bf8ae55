"""Whether a ready task may start, decided with KFP backend semantics: nothing starts once the
run is cancelled, a task whose upstream did not succeed is skipped, and after a failure only
exit handlers (and what is inside them) start; on resume, which tasks must run again rather
than be reused."""

from __future__ import annotations

from kfp_notebook._engine.nodes import Node
from kfp_notebook._model.states import TaskState

__all__ = ["iteration_held_back", "must_rerun", "task_held_back"]

Verdict = tuple[TaskState, str]  # the state a task is finished in without starting, and why


def task_held_back(
    node: Node, upstream: list[Node], *, cancelled: bool, failing: bool
) -> Verdict | None:
    """How `node` ends though its upstream tasks are all done, or None when it may start.

    Exit handlers and ignore_upstream_failure tasks wait for completion, not success, so only
    a cancel holds them back."""
    if cancelled:
        return TaskState.CANCELLED, "not started: the run was cancelled"
    if node.waits_for_completion:
        return None
    broken = [u.name for u in upstream if u.failure]
    if broken:
        return TaskState.SKIPPED, f"not started: upstream task {broken[0]!r} did not succeed"
    if failing and not node.runs_after_failures:
        return TaskState.SKIPPED, "not started: another task failed"
    return None


def iteration_held_back(loop: Node, *, cancelled: bool, failing: bool) -> Verdict | None:
    """How the next iteration of `loop` ends without starting, or None when it may start."""
    if cancelled:
        return TaskState.CANCELLED, "not started: the run was cancelled"
    if failing and not loop.runs_after_failures:
        return TaskState.SKIPPED, "not started: another task failed"
    return None


def must_rerun(node: Node, from_task: str | None) -> bool:
    """On resume: the from-task, and every task downstream of a task that ran again."""
    if from_task in (node.name, node.id):
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
