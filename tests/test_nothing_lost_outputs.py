"""Properties 4 and 5: a task that exits 0 without its declared outputs is FAILED, with a message
naming them, and no half-written artifact ever looks complete.

The rule is the backend's: kubeflow/pipelines `backend/src/v2/component/launcher_v2.go`
(`collectOutputParameters`: a declared output parameter missing from the executor output must be
read from its output file, else "failed to read output parameter"; `getExecutorOutputFile`: an
executor output file that is there must unmarshal, else the task fails). On top of it, for tasks
run by KFP's Python executor, which writes executor_output.json only after the function returned,
a missing file means the function exited in its middle, so its artifacts are incomplete.
Artifacts are written under `<task>/.partial/` and moved to their final path only on success."""

import json
import threading
import time
from pathlib import Path

import pytest
from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output, OutputPath

from kfp_notebook import RunState, Session, TaskState
from kfp_notebook._views.preview import preview_artifact


@dsl.component(base_image="python:3.11")
def never_writes(out: OutputPath(str)) -> None:
    print("forgot to write", out)


@dsl.component(base_image="python:3.11")
def empty_output_file() -> int:
    import os

    open("executor_output.json", "w").close()  # the task's folder is its working directory
    os._exit(0)


@dsl.component(base_image="python:3.11")
def truncated_output_file() -> int:
    import os

    with open("executor_output.json", "w") as f:
        f.write('{"parameterValues": {"Output": 4')
    os._exit(0)


@dsl.component(base_image="python:3.11")
def exits_mid_artifact(model: Output[Model]) -> None:
    import sys

    with open(model.path, "w") as f:
        f.write("first half")
        f.flush()
        sys.exit(0)


@dsl.component(base_image="python:3.11")
def fails_mid_artifact(data: Output[Dataset]) -> None:
    with open(data.path, "w") as f:
        f.write("a,b\n1,")
        f.flush()
        raise RuntimeError("disk on fire")


@dsl.component(base_image="python:3.11")
def hangs_mid_artifact(data: Output[Dataset]) -> None:
    import time

    with open(data.path, "w") as f:
        f.write("a,b\n1,")
        f.flush()
        print("half written", flush=True)
        time.sleep(600)


@dsl.component(base_image="python:3.11")
def writes_whole(data: Output[Dataset]) -> None:
    with open(data.path, "w") as f:
        f.write("a,b\n1,2\n")


@dsl.component(base_image="python:3.11")
def reads(data: Input[Dataset]) -> str:
    with open(data.path) as f:
        return f.read()


@dsl.pipeline(name="whole")
def whole() -> str:
    return reads(data=writes_whole().outputs["data"]).output


@dsl.pipeline(name="producer-consumer")
def half_then_consumer() -> None:
    exits = exits_mid_artifact()
    reads(data=writes_whole().outputs["data"]).after(exits)


@pytest.fixture
def session(tmp_path: Path):
    s = Session(pipeline_root=tmp_path / "outputs", raise_on_error=False)
    yield s
    s.close()


@pytest.mark.parametrize(
    "component, named",
    [
        (never_writes, ["parameter 'out'"]),
        (empty_output_file, ["executor_output.json is empty", "parameter 'Output'"]),
        (truncated_output_file, ["truncated", "parameter 'Output'"]),
        (exits_mid_artifact, ["never wrote executor_output.json", "artifact 'model'"]),
    ],
    ids=["parameter-never-written", "empty-executor-output", "truncated", "sys-exit-0"],
)
def test_exit_0_without_declared_outputs_is_failed(session, component, named) -> None:
    run = session.run(component)
    task = next(iter(run.tasks.values()))
    assert task.status is TaskState.FAILED, task
    assert "exited 0 without its declared outputs" in task.message
    for words in named:
        assert words in task.message, task.message
    assert task.artifacts == []  # nothing registered
    assert run.status is RunState.FAILED


def test_the_producer_fails_not_the_consumer(session) -> None:
    run = session.run(half_then_consumer)
    states = {t.name: t.status for t in run.tasks.values()}
    assert states["exits-mid-artifact"] is TaskState.FAILED
    assert states["reads"] is not TaskState.SUCCEEDED


def _no_final_artifact(task_dir: Path, name: str) -> None:
    assert not (task_dir / name).exists(), "a partial artifact sits at its final path"
    partial = task_dir / ".partial" / name
    assert partial.exists()  # kept for a look, clearly marked as incomplete
    assert preview_artifact(partial, "system.Dataset")["kind"] == "missing"
    assert "incomplete" in preview_artifact(partial, "system.Dataset")["hint"]


def test_failed_and_cancelled_tasks_leave_no_complete_looking_artifact(session) -> None:
    failed = session.run(fails_mid_artifact)
    assert failed.status is RunState.FAILED
    _no_final_artifact(session.store.task_dir(failed.run_id, "fails-mid-artifact"), "data")

    run = session.run(hangs_mid_artifact, wait=False)
    log = session.store.log_path(run.run_id, "hangs-mid-artifact")
    deadline = time.monotonic() + 60
    while not (log.exists() and "half written" in log.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    threading.Thread(target=run.cancel).start()
    run.wait(timeout=30)
    assert run.status is RunState.CANCELLED
    _no_final_artifact(session.store.task_dir(run.run_id, "hangs-mid-artifact"), "data")


def test_a_succeeded_artifact_is_at_its_final_path(session) -> None:
    run = session.run(whole)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "a,b\n1,2\n"
    task_dir = session.store.task_dir(run.run_id, "writes-whole")
    (art,) = run.tasks["writes-whole"].artifacts
    assert Path(art.uri) == task_dir / "data" and (task_dir / "data").read_text() == "a,b\n1,2\n"
    assert not any((task_dir / ".partial").iterdir())
    output = json.loads((task_dir / "executor_output.json").read_text())
    assert output["artifacts"]["data"]["artifacts"][0]["uri"].endswith(".partial/data")
