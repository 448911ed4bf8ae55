"""A kernel interrupt (the notebook's ■ button) cancels the run the cell waits for and stops its
processes; the kernel stays usable."""

import textwrap
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

from kfp_notebook import RunState
from kfp_notebook._procs import same_process_alive
from kfp_notebook._store.reader import StoreReader

CELL = """
import kfp_notebook
from kfp import dsl

@dsl.component(base_image="python:3.11")
def sleeper(pid_file: str) -> None:
    import os, time
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(600)

kfp_notebook.init(pipeline_root={root!r})
kfp_notebook.run(sleeper, {{"pid_file": {pid_file!r}}})
"""


def test_kernel_interrupt_cancels_the_waiting_run(tmp_path: Path) -> None:
    root, pid_file = tmp_path / "outputs", tmp_path / "task.pid"
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        code = textwrap.dedent(CELL.format(root=str(root), pid_file=str(pid_file)))
        msg_id = client.execute(code)
        deadline = time.monotonic() + 120
        while not (pid_file.exists() and pid_file.read_text()):
            assert time.monotonic() < deadline, "the task did not start"
            time.sleep(0.1)
        task_pid = int(pid_file.read_text())
        started = time.monotonic()
        manager.interrupt_kernel()
        reply = _reply_to(client, msg_id)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - started < 15
        runs = StoreReader(root).list_runs()
        assert [r.status for r in runs] == [RunState.CANCELLED]
        assert not same_process_alive(task_pid, None)
        assert _usable(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _reply_to(client, msg_id: str) -> dict:
    """The shell reply to one request (a slow kernel start leaves extra kernel_info replies)."""
    while True:
        reply = client.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def _usable(client) -> bool:
    """The kernel runs a cell after the interrupt. ipykernel aborts the requests that reach it
    while it is still aborting its queue after an error (a window that a loaded machine makes
    long enough to catch the next one, as CI did): those answer "aborted", and it is asked
    again for up to 30 s."""
    deadline = time.monotonic() + 30
    while True:
        status = _reply_to(client, client.execute("1 + 1"))["content"]["status"]
        if status != "aborted" or time.monotonic() > deadline:
            return status == "ok"
        time.sleep(0.5)
