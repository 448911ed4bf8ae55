"""The run widget's whole task list as a saved notebook keeps it (`packed_tasks.py`): read back
as written (times to the millisecond), read alike by the front end (the generated fixture), and
small in a notebook as nbformat writes it."""

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from packed_fixtures import LOG_COUNTS, TASKS, text

from kfp_notebook._views.packed_tasks import pack_tasks, unpack_tasks
from kfp_notebook._views.shape import TaskJSON

pytestmark = pytest.mark.unit

FIXTURE = (
    Path(__file__).resolve().parent.parent / "packages/shared/src/packed.fixtures.generated.json"
)
TIMES = ("started", "finished", "duration")


def _json(task: TaskJSON) -> dict[str, Any]:
    return json.loads(json.dumps(task))  # enums as their values


def test_the_fixture_the_front_end_reads_is_current() -> None:
    assert FIXTURE.read_text() == text(), f"regenerate: python tests/packed_fixtures.py > {FIXTURE}"


def test_a_packed_list_reads_back_as_written() -> None:
    tasks, counts = unpack_tasks(pack_tasks(TASKS, LOG_COUNTS))
    assert counts == LOG_COUNTS
    assert [t["task_id"] for t in tasks] == [t["task_id"] for t in TASKS]
    for got, want in zip(map(_json, tasks), map(_json, TASKS), strict=True):
        for key in TIMES:
            assert (got[key] is None) == (want[key] is None), (want["task_id"], key)
            if want[key] is not None:
                assert got[key] == pytest.approx(want[key], abs=0.0005), (want["task_id"], key)
        assert {k: v for k, v in got.items() if k not in TIMES} == {
            k: v for k, v in want.items() if k not in TIMES
        }


def test_an_empty_list_packs() -> None:
    assert unpack_tasks(pack_tasks([], {})) == ([], {})


def test_a_packing_of_another_version_is_refused() -> None:
    packed = json.loads(pack_tasks(TASKS, {}))
    with pytest.raises(ValueError, match="version 2"):
        unpack_tasks(json.dumps({**packed, "version": 2}))


def _loop(iterations: int) -> list[TaskJSON]:
    """What a ParallelFor of one task per iteration leaves: a loop, its iterations and tasks."""
    t0 = 1_796_447_900.123456
    loop = {"task_id": "for-loop-2", "name": "for-loop-2", "status": "SUCCEEDED", "started": t0}
    tasks = [_json(TASKS[1]) | loop | {"dependencies": []}]
    for i in range(iterations):
        start = t0 + i * 0.0061234
        iteration = f"for-loop-2[{i}]"
        ran = {"started": start, "finished": start + 0.2040481, "duration": 0.2040481567}
        tasks.append(
            _json(TASKS[2])
            | {
                "task_id": iteration,
                "name": iteration,
                "parent_id": "for-loop-2",
                "attempts": 0,
                **ran,
            }
        )
        tasks.append(
            _json(TASKS[0])
            | {
                "task_id": f"{iteration}/square",
                "name": "square",
                "parent_id": iteration,
                "cache_key": None,
                **ran,
            }
        )
    return tasks  # type: ignore[return-value]


def _saved(trait: Any) -> int:
    """Bytes of a notebook whose only content is a widget state holding `trait`."""
    notebook = nbformat.v4.new_notebook()
    state = {"model_module": "anywidget", "state": {"tasks": trait}}
    notebook.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {"m": state}}
    }
    return len(nbformat.writes(notebook).encode())


def test_a_1000_iteration_loop_is_small_in_a_saved_notebook() -> None:
    tasks = _loop(1000)  # 2,001 tasks
    packed = _saved(pack_tasks(tasks, {}))
    unpacked = _saved(tasks)
    assert packed < 45 * len(tasks), packed  # bytes per task, nbformat's indentation included
    assert unpacked > 10 * packed, (unpacked, packed)
