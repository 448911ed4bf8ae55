"""Property 2: SIGTERM to the CLI (what `timeout`, `docker stop`, systemd and CI send) is a
cancel: the tasks are stopped, a child a task started that ignores SIGTERM included, the run is
recorded CANCELLED (not INTERRUPTED), and the CLI exits 143."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kfp import compiler, dsl

from kfp_notebook._model.states import RunState
from kfp_notebook._procs import same_process_alive
from kfp_notebook._store.reader import StoreReader


@dsl.component(base_image="python:3.11")
def stubborn(pids: str) -> None:
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    code = (
        "import os, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        "open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)"
    )
    child = subprocess.Popen([sys.executable, "-c", code, pids + ".child"])
    marker = Path(pids + ".child")
    while not marker.exists() or not marker.read_text():
        time.sleep(0.02)
    with open(pids, "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    time.sleep(600)


@dsl.pipeline(name="stubborn")
def stubborn_pipeline(pids: str):
    stubborn(pids=pids)


def test_sigterm_cancels_the_run(tmp_path: Path) -> None:
    yaml, root, pids = tmp_path / "p.yaml", tmp_path / "outputs", tmp_path / "pids"
    compiler.Compiler().compile(stubborn_pipeline, str(yaml))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(yaml), "--pipeline-root",
         str(root), "--param", f"pids={pids}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (pids.exists() and len(pids.read_text().split()) == 2):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    task, grandchild = map(int, pids.read_text().split())
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=30)
    finally:
        left = [pid for pid in (task, grandchild) if same_process_alive(pid, None)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes {left} of the run outlived the SIGTERM"
    print(f"CLI exited {code} {time.monotonic() - started:.2f} s after SIGTERM")
    assert code == 143
    runs = StoreReader(root).list_runs()
    assert [r.status for r in runs] == [RunState.CANCELLED]
