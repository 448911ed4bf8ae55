"""What the CLI prints: the task's own log lines (KFP's executor boilerplate folded unless
--verbose), a live status line on a terminal (a real pty), plain lines elsewhere, and one line
with exit 2 instead of a traceback."""

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from kfp import compiler, dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def speak(n: int) -> int:
    import time

    for i in range(n):
        print(f"my line {i}", flush=True)
        time.sleep(0.3)
    return n


@dsl.pipeline
def two_speakers(n: int = 3) -> None:
    speak(n=n)
    speak(n=n)


def _compiled(tmp_path: Path) -> Path:
    path = tmp_path / "speak.yaml"
    compiler.Compiler().compile(two_speakers, str(path))
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kfp_notebook", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_boilerplate_is_folded_unless_verbose(tmp_path: Path) -> None:
    path = _compiled(tmp_path)
    plain = _cli("run", str(path), "--param", "n=1", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "my line 0" in plain.stdout
    assert "executor_input" not in plain.stdout and "Looking for component" not in plain.stdout
    assert "\x1b[" not in plain.stdout  # not a terminal: no colours, no status line
    verbose = _cli("run", str(path), "--param", "n=1", "--verbose", cwd=tmp_path)
    assert "Got executor_input" in verbose.stdout and "my line 0" in verbose.stdout
    assert len(verbose.stdout.splitlines()) > len(plain.stdout.splitlines()) + 20
    run_id = plain.stdout.split(" as run ", 1)[1].split()[0]
    for where in ((), ("speak",)):  # the run's overview log, and one task's
        logs = _cli("logs", run_id, *where, cwd=tmp_path)
        assert logs.returncode == 0, logs.stderr
        assert "my line 0" in logs.stdout and "executor_input" not in logs.stdout, logs.stdout
        every = _cli("logs", run_id, *where, "--verbose", cwd=tmp_path)
        assert "Got executor_input" in every.stdout and "my line 0" in every.stdout
        assert len(every.stdout.splitlines()) > len(logs.stdout.splitlines()) + 10


def test_a_terminal_gets_a_live_status_line(tmp_path: Path) -> None:
    path = _compiled(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI on a real terminal
        os.chdir(tmp_path)
        os.execv(sys.executable, [sys.executable, "-m", "kfp_notebook", "run", str(path)])
    output = b""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    text = output.decode("utf-8", errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-2000:]
    assert "my line 2" in text
    assert "running  0 failed" in text  # the status line: "... 0/2 done  1 running  0 failed"
    assert "/2 done" in text and "\x1b[" in text
    assert "SUCCEEDED in" in text


def test_no_traceback_for_a_folder_that_is_a_file(tmp_path: Path) -> None:
    path = _compiled(tmp_path)
    (tmp_path / "blocker").write_text("a file, not a folder")
    for args in (
        ["run", str(path), "--pipeline-root", str(tmp_path / "blocker" / "root")],
        ["runs", "--pipeline-root", str(tmp_path / "blocker")],
        ["show", "nope", "--pipeline-root", str(tmp_path / "blocker")],
        ["run", str(tmp_path)],  # a folder where a pipeline file should be
    ):
        done = _cli(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("error: ")
