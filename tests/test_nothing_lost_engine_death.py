"""Property 1: when the engine is SIGKILLed (the kernel dies, the OOM killer, `kill -9`), no
process of its run is left within 5 s, without waiting for anyone to open the store again: not
the task, not a child the task started that ignores SIGTERM, not the zygote. Both ways a task is
started are covered: forked from a zygote, and a fresh interpreter (`prefork=False`)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kfp_notebook._model.states import RunState, TaskState
from kfp_notebook._procs import same_process_alive
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.store import RunStore

ENGINE = """
from kfp import dsl
from kfp_notebook import Session, SubprocessRunner

@dsl.component(base_image="python:3.11")
def stubborn(pids: str) -> None:
    import os, subprocess, sys, time
    code = ("import os, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
            "open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)")
    child = subprocess.Popen([sys.executable, "-c", code, pids + ".child"])
    while not os.path.exists(pids + ".child") or not open(pids + ".child").read():
        time.sleep(0.02)
    with open(pids, "w") as f:
        f.write(f"{{os.getpid()}} {{os.getppid()}} {{child.pid}}")
    time.sleep(600)

runner = SubprocessRunner(prefork={prefork})
Session(runner, pipeline_root={root!r}).run(stubborn, {{"pids": {pids!r}}})
"""


def _wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.mark.parametrize("prefork", [True, False], ids=["forked", "fresh-interpreter"])
def test_nothing_of_a_killed_engine_runs_on(prefork: bool, tmp_path: Path) -> None:
    root, pids = tmp_path / "outputs", tmp_path / "pids"
    script = tmp_path / "engine.py"
    script.write_text(
        textwrap.dedent(ENGINE.format(prefork=prefork, root=str(root), pids=str(pids)))
    )
    engine = subprocess.Popen([sys.executable, str(script)])
    try:
        _wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 3, timeout=120)
    finally:
        engine.send_signal(signal.SIGKILL)
        engine.wait()
    killed = time.monotonic()
    with StoreReader(root) as reader:  # a reader tells without anyone writing the root
        (seen,) = reader.list_runs()
        gone = time.monotonic() - killed
        assert seen.status is RunState.INTERRUPTED and "ended before" in seen.message
        assert {t.status for t in reader.get_tasks(seen.run_id) if t.kind.is_leaf} == {
            TaskState.CANCELLED
        }
    print(f"the run read INTERRUPTED {gone * 1000:.1f} ms after the engine's SIGKILL")
    listed = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "runs", "--json", "--pipeline-root", str(root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert [r["status"] for r in json.loads(listed.stdout)] == ["INTERRUPTED"], listed.stderr
    task, parent, grandchild = map(int, pids.read_text().split())
    assert (parent != engine.pid) is prefork  # forked from the zygote, or started by the engine
    everything = [task, grandchild] + ([parent] if prefork else [])
    try:
        took = _wait_for(lambda: not any(same_process_alive(p, None) for p in everything), 5.0)
    finally:
        for pid in everything:  # leave nothing behind, whatever the outcome
            if same_process_alive(pid, None):
                os.kill(pid, signal.SIGKILL)
    print(f"all processes of the run gone {took:.2f} s after the engine's SIGKILL")
    runs = RunStore(root).list_runs()  # the next open records what readers said
    assert [r.status for r in runs] == [RunState.INTERRUPTED]
    assert os.path.exists(pids)
