"""Runs as jobs: parallelism, cancel without orphans, caching, resume, dry run, crash recovery."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from kfp import dsl

from kfp_notebook import KfpNotebookError, RunState, Session, TaskState
from kfp_notebook._procs import same_process_alive
from kfp_notebook._store.store import RunStore

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def nap(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


@dsl.component(base_image=IMAGE)
def join(a: float, b: float, c: float, d: float) -> float:
    return a + b + c + d


@dsl.pipeline
def four_naps(seconds: float = 1.0) -> float:
    t = [nap(seconds=seconds) for _ in range(4)]
    return join(a=t[0].output, b=t[1].output, c=t[2].output, d=t[3].output).output


def _leaf_windows(run) -> list[tuple[float, float]]:
    return [(t.started, t.finished) for t in run.tasks.values() if t.name.startswith("nap")]


def _max_overlap(windows: list[tuple[float, float]]) -> int:
    points = sorted([(s, 1) for s, _ in windows] + [(f, -1) for _, f in windows])
    current = best = 0
    for _, step in points:
        current += step
        best = max(best, current)
    return best


def test_independent_tasks_run_in_parallel_within_the_bound(pipeline_root) -> None:
    wide = Session(pipeline_root=pipeline_root, max_workers=4)
    run = wide.run(four_naps)
    assert run.output == 4.0
    assert _max_overlap(_leaf_windows(run)) == 4
    wide.close()
    narrow = Session(pipeline_root=pipeline_root, max_workers=1)
    run = narrow.run(four_naps, {"seconds": 0.2})
    assert _max_overlap(_leaf_windows(run)) == 1
    narrow.close()


@dsl.component(base_image=IMAGE)
def spawn_and_sleep(pid_file: str) -> None:
    import subprocess
    import time

    child = subprocess.Popen(["sleep", "300"])
    with open(pid_file, "w") as f:
        f.write(str(child.pid))
    print("child started", flush=True)
    time.sleep(300)


@dsl.pipeline
def long_running(pid_file: str):
    spawn_and_sleep(pid_file=pid_file)
    nap(seconds=300.0)


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_cancel_stops_every_process_tree(session, tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    run = session.run(long_running, {"pid_file": str(pid_file)}, wait=False)
    _wait_for(lambda: pid_file.exists() and pid_file.read_text())
    _wait_for(lambda: "child started" in run.logs())
    grandchild = int(pid_file.read_text())
    started = time.monotonic()
    run.cancel()
    assert time.monotonic() - started < 10
    assert run.status is RunState.CANCELLED
    assert not same_process_alive(grandchild, None)
    states = {t.name: t.status for t in run.tasks.values()}
    assert states["spawn-and-sleep"] is TaskState.CANCELLED
    assert states["nap"] is TaskState.CANCELLED


@dsl.component(base_image=IMAGE)
def count_calls(counter: str, value: int) -> int:
    with open(counter, "a") as f:
        f.write("x")
    return value * 10


@dsl.pipeline
def cached_pipeline(counter: str, value: int = 1) -> int:
    first = count_calls(counter=counter, value=value)
    uncached = count_calls(counter=counter, value=first.output).set_caching_options(False)
    return uncached.output


def test_cache_reuses_identical_tasks_and_honours_task_options(pipeline_root, tmp_path) -> None:
    counter = tmp_path / "calls"
    session = Session(pipeline_root=pipeline_root, cache=True)
    first = session.run(cached_pipeline, {"counter": str(counter)})
    second = session.run(cached_pipeline, {"counter": str(counter)})
    assert first.output == second.output == 100
    assert counter.read_text() == "xxx"
    statuses = {t.name: t.status for t in second.tasks.values()}
    assert statuses == {"count-calls": TaskState.CACHED, "count-calls-2": TaskState.SUCCEEDED}
    session.run(cached_pipeline, {"counter": str(counter), "value": 2})
    assert counter.read_text() == "xxxxx"
    session.close()


@dsl.component(base_image=IMAGE)
def gate(flag_file: str, value: int) -> int:
    import os

    if not os.path.exists(flag_file):
        raise SystemExit("flag file missing")
    return value + 1


@dsl.pipeline
def resumable(counter: str, flag_file: str) -> int:
    a = count_calls(counter=counter, value=1)
    b = gate(flag_file=flag_file, value=a.output)
    return count_calls(counter=counter, value=b.output).output


def test_resume_from_a_failed_task_reuses_succeeded_outputs(session, tmp_path) -> None:
    counter, flag = tmp_path / "calls", tmp_path / "flag"
    args = {"counter": str(counter), "flag_file": str(flag)}
    failed = session.run(resumable, args)
    assert failed.status is RunState.FAILED
    assert counter.read_text() == "x"
    flag.write_text("ok")
    first = session.store.get_run(failed.run_id)
    assert first is not None and first.duration is not None
    time.sleep(1.5)  # idle between the attempts: not part of the run's duration
    resumed = session.run(resumable, from_task="gate")
    assert resumed.run_id == failed.run_id
    both = session.store.get_run(failed.run_id)
    assert both is not None and both.duration is not None and both.resumed is not None
    assert first.duration < both.duration < both.finished - both.created - 1.4
    assert resumed.status is RunState.SUCCEEDED, resumed.error
    assert resumed.output == 110
    assert counter.read_text() == "xx"
    statuses = {t.name: t.status for t in resumed.tasks.values()}
    assert statuses["count-calls"] is TaskState.CACHED
    assert statuses["gate"] is TaskState.SUCCEEDED
    with pytest.raises(KfpNotebookError, match="has no task 'nope'"):
        session.run(resumable, from_task="nope")


def test_dry_run_lists_tasks_and_checks_inputs(pipeline_root) -> None:
    import kfp_notebook

    kfp_notebook.init(pipeline_root=pipeline_root)
    report = kfp_notebook.dry_run(resumable, {"counter": "c", "flag_file": "f"})
    assert [t.task_id for t in report.tasks] == ["count-calls", "count-calls-2", "gate"]
    with pytest.raises(KfpNotebookError, match="needs a value for: counter"):
        kfp_notebook.dry_run(resumable, {"flag_file": "f"})
    assert not any(Path(pipeline_root).iterdir()) or kfp_notebook.list_runs() == []


def test_bad_arguments_fail_before_anything_runs(session, pipeline_root) -> None:
    with pytest.raises(KfpNotebookError, match=r"has no input 'counterr'\. Did you mean 'counter'"):
        session.run(resumable, {"counterr": "x", "flag_file": "f"})
    with pytest.raises(KfpNotebookError, match="'value' expects an integer"):
        session.run(cached_pipeline, {"counter": "c", "value": "ten"})
    assert session.store.list_runs() == []


def test_a_killed_engine_leaves_an_interrupted_run_and_no_orphan(pipeline_root, tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    script = tmp_path / "engine.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_engine_lifecycle import long_running
        from kfp_notebook import Session
        Session(pipeline_root={str(pipeline_root)!r}).run(long_running,
                {{"pid_file": {str(pid_file)!r}}})
    """)
    )
    engine = subprocess.Popen([sys.executable, str(script)], env=os.environ.copy())
    _wait_for(lambda: pid_file.exists() and pid_file.read_text(), timeout=60)
    grandchild = int(pid_file.read_text())
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    store = RunStore(pipeline_root)
    runs = store.list_runs()
    assert len(runs) == 1 and runs[0].status is RunState.INTERRUPTED
    _wait_for(lambda: not same_process_alive(grandchild, None), timeout=10)
    tasks = store.get_tasks(runs[0].run_id)
    assert {t.status for t in tasks if t.kind == "container"} == {TaskState.CANCELLED}
