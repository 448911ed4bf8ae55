"""One order for a run's task list wherever it is printed as a tree: each task right under its
parent, siblings in the order they ran (start time; tasks that never started after, by id with
loop iterations in numeric order), so `for-loop-2[0]` holds its own tasks, not the last one's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["tree_order"]


class _Task(Protocol):
    @property
    def task_id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def started(self) -> float | None: ...


T = TypeVar("T", bound=_Task)
_NUMBER = re.compile(r"(\d+)")


def _natural(task_id: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in _NUMBER.split(task_id)]


def tree_order(tasks: Sequence[T]) -> list[tuple[T, int]]:
    """(task, depth) depth first; a task whose parent is not listed is at the top."""
    known = {t.task_id for t in tasks}
    children: dict[str | None, list[T]] = {}
    for task in tasks:
        parent = task.parent_id if task.parent_id in known else None
        children.setdefault(parent, []).append(task)
    for siblings in children.values():
        siblings.sort(key=lambda t: (t.started is None, t.started or 0.0, _natural(t.task_id)))
    ordered: list[tuple[T, int]] = []
    stack: list[tuple[T, int]] = [(t, 0) for t in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        task, depth = stack.pop()
        if task.task_id in seen:
            continue
        seen.add(task.task_id)
        ordered.append((task, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(task.task_id, [])))
    return ordered
