"""Spin one task: a task of a finished run, alone, with that run's inputs; with fixed code, an
overridden input, recorded or not, inside a loop and under a condition; and in this process,
raising the task's own exception. Real runs and real `kfp-notebook spin` processes."""

import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import List

import pytest
from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Output

from kfp_notebook import Run, Session
from kfp_notebook._store.reader import StoreReader


@dsl.component(base_image="python:3.11")
def make(n: int, data: Output[Dataset]) -> None:
    with open(data.path, "w") as f:
        f.write(str(n))
    data.metadata["rows"] = n


@dsl.component(base_image="python:3.11")
def train(data: Input[Dataset], lr: float) -> float:
    with open(data.path) as f:
        value = int(f.read())
    if value == 2:
        raise ValueError(f"bad data {value} lr={lr}")
    return value * lr


@dsl.component(base_image="python:3.11")
def fixed_train(data: Input[Dataset], lr: float) -> float:
    with open(data.path) as f:
        return int(f.read()) * lr + 1000


@dsl.pipeline(name="sweep")
def sweep(lr: float = 0.5) -> None:
    with dsl.ParallelFor([1, 2, 3]) as n:
        made = make(n=n)
        train(data=made.outputs["data"], lr=lr)


@dsl.pipeline(name="gated")
def gated(go: bool = True) -> None:
    made = make(n=4)
    with dsl.If(go == True):  # noqa: E712 (KFP's condition syntax)
        train(data=made.outputs["data"], lr=0.25)


@dsl.component(base_image="python:3.11")
def join(datas: Input[List[Dataset]]) -> str:
    # the list in its recorded order, metadata typed as recorded (an int stays an int)
    return ",".join(f"{open(d.path).read()}:{d.metadata['rows'] + 1}" for d in datas)


@dsl.pipeline(name="fan-in")
def fan_in() -> None:
    with dsl.ParallelFor([3, 1, 2]) as n:
        made = make(n=n)
    join(datas=dsl.Collected(made.outputs["data"]))


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Unrecorded spins write under the system's temp folder: here, this test's."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _cli(*args: str, cwd: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def _swept(root: Path) -> str:
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        run = session.run(sweep)
        assert run.task("for-loop-2[1]/train").status.value == "FAILED"
    finally:
        session.close()
    return run.run_id


def _snapshot(root: Path, run_id: str) -> list[tuple]:
    store = StoreReader(root)
    return [
        (t.task_id, t.status, t.started, t.finished, t.outputs, t.message)
        for t in store.get_tasks(run_id)
    ]


def test_spin_of_a_failed_iteration_reproduces_it_and_records_nothing(
    tmp_path: Path, scratch: Path
) -> None:
    root = tmp_path / "outputs"
    run_id = _swept(root)
    before = _snapshot(root, run_id)
    done = _cli("spin", run_id, "for-loop-2[1]/train", "--pipeline-root", str(root),
                cwd=tmp_path, tmp=scratch)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ValueError: bad data 2 lr=0.5" in done.stdout
    assert "not recorded" in done.stderr
    assert [r.run_id for r in StoreReader(root).list_runs()] == [run_id]
    assert _snapshot(root, run_id) == before
    assert any(scratch.glob("kfp-notebook-spin-*"))  # its outputs stay to be looked at

    changed = _cli("spin", run_id, "for-loop-2[1]/train", "--pipeline-root", str(root),
                   "--param", "lr=2", "--quiet", cwd=tmp_path, tmp=scratch)  # fmt: skip
    assert changed.returncode == 1
    assert "ValueError: bad data 2 lr=2.0" in changed.stdout


def test_spin_with_fixed_code_passes_and_persist_records_one_new_run(
    tmp_path: Path, scratch: Path
) -> None:
    root = tmp_path / "outputs"
    run_id = _swept(root)
    before = _snapshot(root, run_id)
    fixed = tmp_path / "fixed.yaml"
    compiler.Compiler().compile(fixed_train, str(fixed))
    done = _cli("spin", run_id, "for-loop-2[1]/train", "--pipeline", str(fixed), "--persist",
                "--json", "--quiet", "--pipeline-root", str(root), "--run-id", "spun-1",
                cwd=tmp_path, tmp=scratch)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    shown = json.loads(done.stdout)
    assert shown["parameters"] == {"Output": 1001.0}
    assert shown["task"] == "for-loop-2[1]/train" and shown["spun_from"] == run_id
    runs = StoreReader(root).list_runs()
    assert len(runs) == 2 and runs[0].run_id == shown["run"] == "spun-1"
    assert _snapshot(root, run_id) == before


def test_spin_in_kernel_raises_the_tasks_own_exception(tmp_path: Path, scratch: Path) -> None:
    root = tmp_path / "outputs"
    run_id = _swept(root)
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        task = Run(session.store, run_id).task("for-loop-2[1]/train")
        with pytest.raises(ValueError, match=r"^bad data 2 lr=0\.5$") as caught:
            task.spin(in_kernel=True)
        innermost = traceback.extract_tb(caught.value.__traceback__)[-1]
        assert innermost.name == "train" and "raise ValueError" in (innermost.line or "")
        # With fixed code and one input changed, the same iteration passes. (Iterations after a
        # failure may never have started, so only the failed one is certain to have inputs.)
        fixed = task.spin(component=fixed_train, in_kernel=True, arguments={"lr": 2.0})
        assert fixed.parameters == {"Output": 1004.0}
    finally:
        session.close()


def test_spin_under_a_condition_and_a_missing_input_artifact(tmp_path: Path, scratch: Path) -> None:
    root = tmp_path / "outputs"
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        run = session.run(gated)
        (data,) = run.task("make").artifacts
    finally:
        session.close()
    done = _cli("spin", run.run_id, "train", "--pipeline-root", str(root), "--json", "--quiet",
                cwd=tmp_path, tmp=scratch)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["parameters"] == {"Output": 1.0}
    Path(data.uri).unlink()
    gone = _cli("spin", run.run_id, "condition-1/train", "--pipeline-root", str(root),
                cwd=tmp_path, tmp=scratch)  # fmt: skip
    assert gone.returncode == 2
    assert "data (" in gone.stderr and "no longer exists" in gone.stderr
    assert "Traceback" not in gone.stderr
    unknown = _cli("spin", run.run_id, "nope", "--pipeline-root", str(root), cwd=tmp_path,
                   tmp=scratch)  # fmt: skip
    assert unknown.returncode == 2 and "there is no task 'nope'" in unknown.stderr


def test_spin_of_a_fan_in_gets_the_collected_list_in_order(tmp_path: Path, scratch: Path) -> None:
    root = tmp_path / "outputs"
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        run = session.run(fan_in)
        assert run.task("join").outputs["Output"] == "3:4,1:2,2:3"
        in_kernel = run.task("join").spin(in_kernel=True)
        assert in_kernel.parameters == {"Output": "3:4,1:2,2:3"}
    finally:
        session.close()
    done = _cli("spin", run.run_id, "join", "--pipeline-root", str(root), "--json", "--quiet",
                cwd=tmp_path, tmp=scratch)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["parameters"] == {"Output": "3:4,1:2,2:3"}


def test_a_tasks_spin_runs_in_the_session_its_run_came_from(tmp_path: Path, scratch: Path) -> None:
    """A run of a Session made by hand spins with that session, and a recorded spin lands in
    its root: the current (default) session is neither used nor made."""
    import kfp_notebook._api.session as sessions

    root = tmp_path / "outputs"
    session = Session(pipeline_root=root, raise_on_error=False)
    before = sessions._session
    try:
        run = session.run(fan_in)
        spun = run.task("join").spin(persist=True)
        assert spun.status.value == "SUCCEEDED"
        assert spun.task("join").outputs["Output"] == "3:4,1:2,2:3"
        assert {r.run_id for r in StoreReader(root).list_runs()} == {run.run_id, spun.run_id}
        assert sessions._session is before
    finally:
        session.close()
