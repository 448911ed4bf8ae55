"""The task tree's one order (kfp_notebook._views.task_order): each task under its parent,
siblings in the order they ran; what `kfp-notebook show` prints."""

from dataclasses import dataclass

import pytest

from kfp_notebook._views.task_order import tree_order

pytestmark = pytest.mark.unit


@dataclass
class Task:
    task_id: str
    parent_id: str | None
    started: float | None


def test_iterations_hold_their_own_tasks_in_run_order() -> None:
    tasks = [
        Task("for-loop-2", None, 1.0),
        Task("for-loop-2[0]", "for-loop-2", 1.1),
        Task("for-loop-2[1]", "for-loop-2", 1.1),
        Task("for-loop-2[10]", "for-loop-2", 1.05),
        Task("for-loop-2[2]", "for-loop-2", None),
        Task("for-loop-2[0]/sq", "for-loop-2[0]", 1.2),
        Task("for-loop-2[1]/sq", "for-loop-2[1]", 1.3),
        Task("for-loop-2[10]/sq", "for-loop-2[10]", 1.4),
        Task("join", None, 2.0),
        Task("prep", None, 0.5),
    ]
    order = [(t.task_id, depth) for t, depth in tree_order(tasks)]
    assert order == [
        ("prep", 0),
        ("for-loop-2", 0),
        ("for-loop-2[10]", 1),
        ("for-loop-2[10]/sq", 2),
        ("for-loop-2[0]", 1),
        ("for-loop-2[0]/sq", 2),
        ("for-loop-2[1]", 1),
        ("for-loop-2[1]/sq", 2),
        ("for-loop-2[2]", 1),  # never started: after its started siblings
        ("join", 0),
    ]


def test_a_task_whose_parent_is_not_listed_is_at_the_top() -> None:
    tasks = [Task("a/b", "a", None), Task("c", None, None)]
    assert [(t.task_id, d) for t, d in tree_order(tasks)] == [("a/b", 0), ("c", 0)]
