"""The run widget's model, fed by real runs: batching, bounded logs, replay, previews, cancel."""

import json
import time
from pathlib import Path

from kfp import dsl
from kfp.dsl import Dataset, Output

from kfp_notebook import RunState
from kfp_notebook._model.events import LogLine, RunFinished, RunStarted, TaskCreated, TaskStarted
from kfp_notebook._notebook.display import show_run, start_with_widget
from kfp_notebook._notebook.widget import RunWidget
from kfp_notebook._notebook.widget_batches import FULL_SECONDS, TaskBatches
from kfp_notebook._views.packed_tasks import unpack_tasks
from kfp_notebook._views.run_view import LOG_LINES_PER_TASK, RunView

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def chatty(lines: int) -> int:
    for i in range(lines):
        print(f"line {i}")
    return lines


@dsl.component(base_image=IMAGE)
def table(rows: int, out: Output[Dataset]) -> None:
    rows = rows % 7 + 30
    with open(out.path, "w") as f:
        f.write("n,square\n" + "".join(f"{i},{i * i}\n" for i in range(rows)))


@dsl.pipeline
def talk_then_table(lines: int = 100_000) -> None:
    table(rows=chatty(lines=lines).output)


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_live_widget_batches_bounded_logs_and_previews(session) -> None:
    run, widget = start_with_widget(talk_then_table, {}, session)
    sent = _capture(widget)
    run.wait()
    _wait(lambda: widget.run.get("status") == "SUCCEEDED")
    # the whole list in its final state, after every batch of changes
    assert all(m["batch"] < widget.batch for m in sent if m["kind"] == "tasks")
    statuses = {t["task_id"]: t["status"] for t in widget.tasks}
    assert statuses == {"chatty": "SUCCEEDED", "table": "SUCCEEDED"}
    assert widget.run["task_counts"] == {"SUCCEEDED": 2}
    assert widget.log_counts["chatty"] >= 100_000
    assert len(widget.logs["chatty"]) == LOG_LINES_PER_TASK  # the kernel keeps a bounded tail
    assert any(line.endswith("line 99999") for line in widget.logs["chatty"])
    assert next(t for t in widget.tasks if t["task_id"] == "table")["dependencies"] == ["chatty"]
    preview = widget.outputs("table")["artifacts"][0]["preview"]
    assert preview["kind"] == "table" and preview["columns"] == ["n", "square"]
    assert preview["shape"] == [100_000 % 7 + 30, 2]
    widget.close()


def test_show_rebuilds_the_same_state_from_the_store(session) -> None:
    run = session.run(talk_then_table, {"lines": 50})
    replay = show_run(run.run_id, session)
    assert replay.run["status"] == "SUCCEEDED"
    assert {t["task_id"]: t["status"] for t in replay.tasks} == {
        "chatty": "SUCCEEDED",
        "table": "SUCCEEDED",
    }
    assert any("line 49" in line for line in replay.logs["chatty"])
    assert Path(replay.outputs("table")["artifacts"][0]["uri"]).exists()
    # a run still going, followed after `%kfp show`: its next changes are told as a live one's
    view = RunView.from_store(session.store, run.run_id)
    stamp = view.snapshot()["stamp"]
    view(TaskStarted(run.run_id, "table", 2, {}))
    assert [t["task_id"] for t in view.changes_since(stamp)["tasks"]] == ["table"]


@dsl.component(base_image=IMAGE)
def sleepy() -> None:
    import time

    print("sleeping", flush=True)
    time.sleep(600)


def test_the_cancel_button_cancels_the_run(session) -> None:
    run, widget = start_with_widget(sleepy, {}, session)
    _wait(lambda: any("sleeping" in line for line in widget.logs.get("sleepy", [])))
    widget._message(widget, {"action": "cancel"}, [])
    _wait(lambda: run.done)
    assert run.status is RunState.CANCELLED
    _wait(lambda: widget.run.get("status") == "CANCELLED")


def test_view_ignores_other_runs_and_bounds_memory() -> None:
    view = RunView("mine", max_log_lines=10)
    view(TaskCreated("other", "t", "t", None, "container", "c"))
    view(TaskCreated("mine", "t", "t", None, "container", "c"))
    for i in range(1000):
        view(LogLine("mine", "t", f"{i}"))
    state = view.snapshot()
    assert [t["task_id"] for t in state["tasks"]] == ["t"]
    assert view.log_tails()["t"] == {"lines": [str(i) for i in range(990, 1000)], "count": 1000}
    assert state["log_counts"]["t"] == 1000
    assert view.log_tails_since({"t": 997})["t"] == {"lines": ["997", "998", "999"], "count": 1000}
    assert view.log_tails_since({"t": 1000}) == {}


class Sent(list):
    """What the widget sent to its front end (the messages, not the synced state)."""


def _capture(widget) -> Sent:
    sent = Sent()
    widget.send = lambda content, buffers=None: sent.append(content)
    return sent


def test_saved_state_is_slim_and_messages_carry_logs_and_outputs(session) -> None:
    """What a saved notebook keeps of a widget: the run, slim tasks, counts; no logs, no
    previews, no bundle. Logs and outputs go out in messages, on request."""
    import json

    run = session.run(talk_then_table, {"lines": 3000})
    widget = show_run(run.run_id, session)
    state = widget.get_state()
    assert set(state) >= {"run", "packed_tasks", "selected"} and "tasks" not in state
    assert "logs" not in state and "selected_outputs" not in state
    tasks, counts = unpack_tasks(state["packed_tasks"])
    assert all(t["artifacts"] == [] and t["inputs"] == {} for t in tasks)
    assert {t["task_id"] for t in tasks} == {"chatty", "table"}
    assert counts["chatty"] >= 3000  # all it logged, not the tail the view keeps
    assert len(state["_esm"]) < 5_000  # the loader, not the bundle (200 KB and 1.5 MB of elkjs)
    assert len(json.dumps(state, default=str)) < 20_000

    sent = _capture(widget)
    widget._message(widget, {"action": "logs", "task_ids": ["chatty", "nope"]}, [])
    tails = sent[-1]["tails"]
    assert list(tails) == ["chatty"] and tails["chatty"]["count"] >= LOG_LINES_PER_TASK
    assert any(line.endswith("line 2999") for line in tails["chatty"]["lines"])
    assert len(tails["chatty"]["lines"]) == LOG_LINES_PER_TASK
    widget._message(widget, {"action": "outputs", "task_id": "table"}, [])
    assert sent[-1]["outputs"]["artifacts"][0]["preview"]["kind"] == "table"
    widget._message(widget, {"action": "esm"}, [])
    source = sent[-1]["source"]  # the standalone bundle: one file, the layout engine included
    assert "kfpnb" in source and len(source) > 1_000_000 and "./chunks/" not in source


def _ticks(count: int) -> RunView:
    view = RunView("r")
    view(RunStarted("r", "ticks", "", {}))
    for i in range(count):
        view(TaskCreated("r", f"t{i}", f"t{i}", None, "container", "c"))
    return view


def test_view_tells_what_changed_since_a_stamp_in_the_order_of_creation() -> None:
    view = _ticks(5)
    stamp = view.snapshot()["stamp"]
    view(TaskStarted("r", "t3", 1, {}))
    view(TaskStarted("r", "t1", 1, {}))
    view(LogLine("r", "t3", "hi"))
    view(TaskStarted("r", "nope", 1, {}))  # no such task: nothing changed
    changes = view.changes_since(stamp)
    assert [t["task_id"] for t in changes["tasks"]] == ["t1", "t3"]
    assert changes["log_counts"] == {"t3": 1}
    again = view.changes_since(changes["stamp"])
    assert again["tasks"] == [] and again["log_counts"] == {}


def test_a_batch_after_one_task_changed_carries_that_task_alone() -> None:
    view = _ticks(1000)
    widget = RunWidget(view, live=False)
    sent = _capture(widget)
    assert len(widget.tasks) == 1000 and widget.batch == 0  # the first state: the whole list
    view(TaskStarted("r", "t7", 1, {}))
    widget.flush()
    [message] = sent
    assert message["kind"] == "tasks" and message["batch"] == 1
    assert [(t["task_id"], t["status"]) for t in message["tasks"]] == [("t7", "RUNNING")]
    assert message["tasks"][0]["inputs"] == {}  # slim, as the whole list
    assert len(json.dumps(message)) < 1_000  # the whole list is about 350 KB, 40 KB packed
    assert widget.batch == 0 and widget.tasks[7]["status"] == "PENDING"  # not synced again
    view(LogLine("r", "t7", "hi"))
    widget.flush()
    assert sent[-1]["kind"] == "logs" and sent[-2] == {
        "kind": "tasks", "batch": 2, "tasks": [], "log_counts": {"t7": 1},
    }  # fmt: skip
    before = len(sent)
    widget.flush()  # nothing changed: nothing sent
    assert len(sent) == before
    widget.close()


def test_the_whole_list_goes_now_and_then_when_most_changed_and_at_the_end() -> None:
    """What a view drawn late starts from (the synced traits): behind by at most the time
    between two whole lists, and the final state once the run has ended."""
    view = _ticks(1000)
    widget = RunWidget(view, live=False)
    now = [0.0]
    widget._batches = TaskBatches(clock=lambda: now[0])
    sent = _capture(widget)
    view(TaskStarted("r", "t1", 1, {}))
    widget.flush()
    synced = lambda: unpack_tasks(widget.get_state()["packed_tasks"])[0]  # noqa: E731
    assert synced()[1]["status"] == "PENDING"  # a late view: t1 not yet
    now[0] = FULL_SECONDS
    view(TaskStarted("r", "t2", 1, {}))
    widget.flush()
    assert widget.get_state()["batch"] == 2 and [t["status"] for t in synced()[:3]] == [
        "PENDING", "RUNNING", "RUNNING",
    ]  # fmt: skip
    assert [m["batch"] for m in sent if m["kind"] == "tasks"] == [1]
    for i in range(600):  # most of the list: sent whole, however recent the last whole list
        view(TaskStarted("r", f"t{i}", 1, {}))
    widget.flush()
    assert widget.batch == 3 and [m["kind"] for m in sent] == ["tasks"]
    view(TaskStarted("r", "t999", 1, {}))
    view(RunFinished("r", RunState.SUCCEEDED))
    widget.flush()
    assert widget.batch == 4 and widget.run["status"] == "SUCCEEDED"
    assert widget.tasks[999]["status"] == "RUNNING" and len(widget.tasks) == 1000
    assert [t["status"] for t in synced()] == [t["status"] for t in widget.tasks]
    widget.close()
