"""The run widget's "Spin" action, kernel side: a task of the widget's run spun alone, its
state, log and outputs sent back as messages, unrecorded; a task that cannot be spun says why.
Real runs; the widget's front end is tested in Chromium (tests/browser/test_spin_in_widget.py)."""

import time
from pathlib import Path
from typing import Any

import pytest
from kfp import dsl

from kfp_notebook import Session
from kfp_notebook._notebook.widget_spin import WidgetSpinner


@dsl.component(base_image="python:3.11")
def source(n: int) -> int:
    return n


@dsl.component(base_image="python:3.11")
def explode(n: int) -> int:
    print(f"exploding on {n}")
    if n == 2:
        raise ValueError(f"bad n {n}")
    return n * 10


@dsl.pipeline(name="boom")
def boom(n: int = 2) -> None:
    explode(n=source(n=n).output)


def _messages(spinner: WidgetSpinner, sent: list[Any], task: str) -> list[Any]:
    spinner.spin(task)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = [m for m in sent if m["task_id"] == task and (m["outputs"] or m["message"])]
        if done and done[-1]["status"] not in ("PENDING", "RUNNING"):
            return [m for m in sent if m["task_id"] == task]
        time.sleep(0.1)
    raise AssertionError(f"no end of the spin of {task}: {sent}")


def test_the_widget_spins_a_failed_task_and_gets_its_log_state_and_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    session = Session(pipeline_root=tmp_path / "outputs", raise_on_error=False)
    try:
        run = session.run(boom)
        sent: list[Any] = []
        spinner = WidgetSpinner(session, run.run_id, sent.append)
        failed = _messages(spinner, sent, "explode")
        last = failed[-1]
        assert last["status"] == "FAILED" and "bad n 2" in last["message"]
        assert any("exploding on 2" in line for line in last["lines"])
        assert Path(last["folder"]).is_relative_to(scratch)  # unrecorded: a scratch root
        ok = _messages(spinner, sent, "source")[-1]
        assert ok["status"] == "SUCCEEDED" and ok["outputs"]["outputs"] == {"Output": 2}
        assert [r.run_id for r in session.store.list_runs()] == [run.run_id]  # none recorded

        _messages(spinner, sent, "nope")
        (unknown,) = [m for m in sent if m["task_id"] == "nope"]
        assert unknown["status"] == "FAILED" and "there is no task 'nope'" in unknown["message"]
    finally:
        session.close()
