"""Property 7: a CLI whose stdout is a pipe nobody reads does not hold the run up. Printing falls
behind and drops log lines with a note; the run goes on to the end (before: the first 64 KB
filled the pipe, the printer blocked inside the event stream, and with it the task's log pump,
the task and the scheduler)."""

import subprocess
import sys
import time

from kfp import compiler, dsl

from kfp_notebook._model.states import RunState
from kfp_notebook._store.reader import StoreReader


@dsl.component(base_image="python:3.11")
def chatty(lines: int) -> None:
    for i in range(lines):
        print(f"line {i} " + "x" * 60)


@dsl.component(base_image="python:3.11")
def small(i: int) -> int:
    print(f"item {i}")
    return i


@dsl.pipeline(name="chatty")
def chatty_pipeline(lines: int = 200_000):
    chatty(lines=lines)
    with dsl.ParallelFor(list(range(300))) as i:
        small(i=i)


def test_an_unread_stdout_does_not_stall_the_run(tmp_path) -> None:
    yaml, root = tmp_path / "p.yaml", tmp_path / "outputs"
    compiler.Compiler().compile(chatty_pipeline, str(yaml))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(yaml), "--pipeline-root",
         str(root), "--workers", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        started, status = time.monotonic(), None
        while time.monotonic() - started < 120:
            runs = StoreReader(root).list_runs() if (root / ".kfp-notebook.sqlite").exists() else []
            status = runs[0].status if runs else None
            if status is not None and status.terminal:
                break
            time.sleep(0.5)
        took = time.monotonic() - started
        print(f"run ended {status} after {took:.1f} s with its stdout unread")
        assert status is RunState.SUCCEEDED
        counts = runs[0].task_counts
        assert counts.get("SUCCEEDED") == 301, counts
        out, _ = proc.communicate(timeout=60)  # now read: what was kept, and the note
    finally:
        if proc.poll() is None:
            proc.kill()
    text = out.decode()
    assert proc.returncode == 0
    assert "log line(s) not printed" in text
    assert f"run {runs[0].run_id} SUCCEEDED" in text  # the summary is never dropped
