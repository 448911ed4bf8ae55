"""The run widget's whole task list as a saved notebook keeps it: the `packed_tasks` trait, one
JSON string of a `PackedTasks`. Its one reader in the front end is `packages/shared/src/packed.ts`
(a generated fixture, `tests/packed_fixtures.py`, checks both read it alike).

Why packed: a saved notebook kept each task as a JSON object (16 keys, ~370 bytes) that nbformat
then writes with one line per value, ~520 bytes a task: 1 MB for a 1,000-iteration loop, sent
again whole with every full sync of a live run. Here a column per field and a row per task (in
the list's order): a task's id is written after its parent's (`for-loop[7]` + `/train`), repeated
values (kinds, components, states) are indexes into `strings`, times are whole milliseconds
after `origin`, fields mostly at their default are sparse (`{row: value}`), and the whole is one
string (one line in the notebook). Slim tasks only: no inputs, outputs or artifacts."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from typing_extensions import TypedDict

from kfp_notebook._model.states import TaskKind, TaskState
from kfp_notebook._views.shape import TaskJSON

__all__ = ["PackedTasks", "pack_tasks", "unpack_tasks"]


class PackedTasks(TypedDict):
    """Tasks as columns, a row per task (sparse fields keyed by the row's index as a string)."""

    version: Literal[1]
    origin: int  # epoch seconds; started and finished are milliseconds after it
    strings: list[str]  # kinds, components and states, by index
    id: list[str]  # the task id after its parent's, or the whole id (parent -1)
    parent: list[int]  # the parent's (earlier) row; -1: none, or see `parent_ids`
    kind: list[int]
    component: list[int]
    status: list[int]
    started: list[int | None]
    finished: list[int | None]
    duration: list[int | None]  # milliseconds
    attempts: list[int]
    logs: list[int]  # lines logged so far
    names: dict[str, str]  # where the name is not the id's last segment (after its last "/")
    dependencies: dict[str, list[int | str]]  # rows of listed tasks, ids of others
    messages: dict[str, str]
    cache_keys: dict[str, str]
    parent_ids: dict[str, str]  # a parent not listed before the task, or not its id's prefix
    other_logs: dict[str, int]  # log counts of ids not listed


def _ms(seconds: float | None, origin: int) -> int | None:
    return None if seconds is None else round((seconds - origin) * 1000)


def _value(member: Any) -> str:
    return str(getattr(member, "value", member))


def pack_tasks(tasks: Sequence[TaskJSON], log_counts: Mapping[str, int]) -> str:
    """The tasks (slim: their inputs, outputs and artifacts are not kept) and their log counts
    as the `packed_tasks` trait's string."""
    rows = {t["task_id"]: i for i, t in enumerate(tasks)}
    times = [v for t in tasks for v in (t["started"], t["finished"]) if v is not None]
    origin = math.floor(min(times)) if times else 0
    strings: dict[str, int] = {}

    def string(value: Any) -> int:
        return strings.setdefault(_value(value), len(strings))

    packed: PackedTasks = {
        "version": 1, "origin": origin, "strings": [], "id": [], "parent": [], "kind": [],
        "component": [], "status": [], "started": [], "finished": [], "duration": [],
        "attempts": [], "logs": [], "names": {}, "dependencies": {}, "messages": {},
        "cache_keys": {}, "parent_ids": {}, "other_logs": {},
    }  # fmt: skip
    for i, t in enumerate(tasks):
        task_id, parent_id, row = t["task_id"], t["parent_id"], str(i)
        parent = rows.get(parent_id, -1) if parent_id else -1
        extends = task_id.startswith(str(parent_id)) and task_id != parent_id
        if not (0 <= parent < i and extends):  # a parent listed before it, whose id it extends
            parent = -1
        if parent_id is not None and parent < 0:
            packed["parent_ids"][row] = parent_id
        packed["id"].append(task_id[len(str(parent_id)) :] if parent >= 0 else task_id)
        packed["parent"].append(parent)
        packed["kind"].append(string(t["kind"]))
        packed["component"].append(string(t["component"]))
        packed["status"].append(string(t["status"]))
        packed["started"].append(_ms(t["started"], origin))
        packed["finished"].append(_ms(t["finished"], origin))
        duration = t["duration"]
        packed["duration"].append(None if duration is None else round(duration * 1000))
        packed["attempts"].append(t["attempts"])
        packed["logs"].append(log_counts.get(task_id, 0))
        if t["name"] != task_id.rsplit("/", 1)[-1]:
            packed["names"][row] = t["name"]
        if t["dependencies"]:
            packed["dependencies"][row] = [rows.get(d, d) for d in t["dependencies"]]
        if t["message"]:
            packed["messages"][row] = t["message"]
        if t["cache_key"] is not None:
            packed["cache_keys"][row] = t["cache_key"]
    packed["other_logs"] = {k: n for k, n in log_counts.items() if k not in rows}
    packed["strings"] = list(strings)
    return json.dumps(packed, separators=(",", ":"))


def unpack_tasks(text: str) -> tuple[list[TaskJSON], dict[str, int]]:
    """The tasks and log counts a `packed_tasks` string holds (times to the millisecond)."""
    packed: PackedTasks = json.loads(text)
    if packed.get("version") != 1:
        raise ValueError(f"packed tasks of version {packed.get('version')!r}: this reads 1")
    strings, origin = packed["strings"], packed["origin"]
    ids: list[str] = []
    for tail, parent in zip(packed["id"], packed["parent"], strict=True):
        ids.append(ids[parent] + tail if parent >= 0 else tail)  # a parent's row comes first
    tasks: list[TaskJSON] = []
    counts: dict[str, int] = {}
    for i, task_id in enumerate(ids):
        row, parent = str(i), packed["parent"][i]
        started, finished = packed["started"][i], packed["finished"][i]
        duration = packed["duration"][i]
        deps = packed["dependencies"].get(row, [])
        tasks.append({
            "task_id": task_id,
            "name": packed["names"].get(row, task_id.rsplit("/", 1)[-1]),
            "parent_id": ids[parent] if parent >= 0 else packed["parent_ids"].get(row),
            "kind": TaskKind(strings[packed["kind"][i]]),
            "component": strings[packed["component"][i]],
            "dependencies": [ids[d] if isinstance(d, int) else d for d in deps],
            "status": TaskState(strings[packed["status"][i]]),
            "started": None if started is None else origin + started / 1000,
            "finished": None if finished is None else origin + finished / 1000,
            "duration": None if duration is None else duration / 1000,
            "attempts": packed["attempts"][i], "inputs": {}, "outputs": {},
            "message": packed["messages"].get(row, ""),
            "cache_key": packed["cache_keys"].get(row), "artifacts": [],
        })  # fmt: skip
        if packed["logs"][i]:
            counts[task_id] = packed["logs"][i]
    counts.update(packed["other_logs"])
    return tasks, counts
