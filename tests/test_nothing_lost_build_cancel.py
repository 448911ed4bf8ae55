"""Property 3: a cancel during an environment build stops the build within 5 s and the run ends
CANCELLED, whichever way the cancel comes: Ctrl-C to the CLI process alone, Ctrl-C to its whole
process group (the terminal's), `kfp-notebook cancel` (what the widget's and the sidebar's cancel
send too: a request through the store), and `Run.cancel()`. The half-built environment is never
marked complete, and a process waiting on the same environment's lock takes the build over.

The index is a local server on 127.0.0.1 that accepts connections and never answers, so uv waits
(over 120 s) until it is stopped."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kfp import compiler, dsl

from kfp_notebook._model.states import RunState
from kfp_notebook._store.reader import StoreReader


@pytest.fixture
def silent_index() -> Iterator[str]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)  # never answered, never closed

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/simple"
    server.close()
    for conn in held:
        conn.close()


def _pipeline(index: str):
    @dsl.component(base_image="python:3.11", packages_to_install=["six"], pip_index_urls=[index])
    def needs_six() -> None:
        import six  # noqa: F401

    @dsl.pipeline(name="needs-six")
    def pipeline():
        needs_six()

    return pipeline


@pytest.fixture
def env_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    envs = tmp_path / "envs"
    monkeypatch.setenv("KFP_NOTEBOOK_ENV_DIR", str(envs))
    return envs


class CliRun:
    """`kfp-notebook run` of the pipeline; its output lines are collected as they come."""

    def __init__(self, yaml: Path, root: Path, new_session: bool = False) -> None:
        # faulthandler: a CLI that does not stop dumps every thread's stack on SIGABRT
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kfp_notebook._cli", "run", str(yaml), "--pipeline-root",
             str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            start_new_session=new_session,
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"no {text!r} in:\n" + "\n".join(self.lines))
            time.sleep(0.05)

    def run_id(self) -> str:
        return next(line.split(" as run ")[1] for line in self.lines if " as run " in line)


def _installers(index: str) -> list[int]:
    """Processes whose command line names the silent index (uv, pip)."""
    found = []
    port = index.split(":")[2].split("/")[0]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if f"127.0.0.1:{port}".encode() in cmdline:
                found.append(int(entry))
    return found


def _check_stopped(cli: CliRun, root: Path, envs: Path, index: str, started: float) -> None:
    try:
        code = cli.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        # Say where it hangs: every thread's stack, and what is still running under it.
        running = [Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ") for p in
                   _installers(index) if Path(f"/proc/{p}").exists()]  # fmt: skip
        cli.proc.send_signal(signal.SIGABRT)
        time.sleep(2)
        cli.proc.kill()  # leave nothing running; the installers end with the index's sockets
        raise AssertionError(
            f"the CLI did not stop 30 s after the cancel; installers: {running}; its output and "
            "stacks:\n" + "\n".join(cli.lines)
        ) from None
    took = time.monotonic() - started
    print(f"build stopped, CLI exited {code} {took:.2f} s after the cancel")
    assert took < 5.0, "\n".join(cli.lines)
    record = StoreReader(root).get_run(cli.run_id())
    assert record is not None and record.status is RunState.CANCELLED, record
    assert not list(envs.glob("*/.kfp-notebook-env.json")), "a half-built env is marked complete"
    assert not _installers(index)


@pytest.mark.parametrize("how", ["sigint-process", "sigint-group", "cli-cancel"])
def test_cancel_stops_the_build(how, tmp_path, silent_index, env_dir) -> None:
    yaml, root = tmp_path / "p.yaml", tmp_path / "outputs"
    compiler.Compiler().compile(_pipeline(silent_index), str(yaml))
    cli = CliRun(yaml, root, new_session=how == "sigint-group")
    cli.wait_for("building environment")
    time.sleep(1.5)  # into the install, where uv waits on the index
    started = time.monotonic()
    if how == "sigint-process":
        cli.proc.send_signal(signal.SIGINT)
    elif how == "sigint-group":
        os.killpg(cli.proc.pid, signal.SIGINT)
    else:
        subprocess.run(
            [sys.executable, "-m", "kfp_notebook._cli", "cancel", cli.run_id(),
             "--pipeline-root", str(root)],
            check=True, timeout=30,
        )  # fmt: skip
    _check_stopped(cli, root, env_dir, silent_index, started)
    if how != "cli-cancel":
        assert cli.proc.returncode == 130


def test_run_cancel_stops_the_build(tmp_path, silent_index, env_dir) -> None:
    from kfp_notebook import Session

    session = Session(pipeline_root=tmp_path / "outputs", raise_on_error=False)
    try:
        run = session.run(_pipeline(silent_index), wait=False)
        deadline = time.monotonic() + 60
        while not _installers(silent_index) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        started = time.monotonic()
        run.cancel()
        took = time.monotonic() - started
        print(f"Run.cancel() returned after {took:.2f} s")
        assert took < 5.0
        assert run.status is RunState.CANCELLED, run.error
        assert not list(env_dir.glob("*/.kfp-notebook-env.json"))
        assert not _installers(silent_index)
    finally:
        session.close()


def test_a_waiting_process_takes_the_build_over(tmp_path, silent_index, env_dir) -> None:
    yaml = tmp_path / "p.yaml"
    compiler.Compiler().compile(_pipeline(silent_index), str(yaml))
    first = CliRun(yaml, tmp_path / "one")
    first.wait_for("building environment")
    second = CliRun(yaml, tmp_path / "two")
    second.wait_for("waiting for another process building environment")
    started = time.monotonic()
    first.proc.send_signal(signal.SIGINT)
    _check_stopped(first, tmp_path / "one", env_dir, silent_index, started)
    # The lock is free and no marker says complete: the waiting process builds it itself.
    second.wait_for("building environment", timeout=10)
    second.proc.send_signal(signal.SIGINT)
    _check_stopped(second, tmp_path / "two", env_dir, silent_index, time.monotonic())
