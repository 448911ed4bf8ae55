"""`kfp-notebook logs` streams: a 256 MiB task log is printed with flat memory, `--tail N` starts
at the last N lines without reading the rest, and a reader that stops (`| head`) ends it at
once. Real CLI processes over a run the engine really recorded."""

import json
import subprocess
import sys
import time
from pathlib import Path

from kfp import dsl

from kfp_notebook import Session

MIB = 1 << 20
WRAPPED = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)
"""


@dsl.component(base_image="python:3.11")
def talk() -> None:
    print("hello from the task")


@dsl.pipeline(name="talker")
def talker() -> None:
    talk()


def test_a_large_log_streams_in_flat_memory_tails_and_stops_early(tmp_path: Path) -> None:
    root = tmp_path / "outputs"
    session = Session(pipeline_root=root)
    try:
        run = session.run(talker)
        log = run.log_path("talk")
    finally:
        session.close()
    line = b"x" * 99 + b"\n"
    with open(log, "ab") as f:
        for _ in range(256):
            f.write(line * (MIB // len(line)))
        f.write(b"second to last\nthe last line\n")
    cli = [sys.executable, "-m", "kfp_notebook._cli", "logs", run.run_id, "talk",
           "--pipeline-root", str(root)]  # fmt: skip
    measured = subprocess.run(
        [sys.executable, "-c", WRAPPED, *cli], capture_output=True, text=True, timeout=120
    )
    code, peak_kib = map(int, measured.stdout.split())
    assert code == 0, measured.stderr
    print(f"logs of a 256 MiB task log: peak RSS {peak_kib / 1024:.0f} MiB")
    assert peak_kib < 150 * 1024, f"logs peaked at {peak_kib / 1024:.0f} MiB for a 256 MiB log"
    tail = subprocess.run([*cli, "--tail", "2"], capture_output=True, timeout=60)
    assert tail.stdout == b"second to last\nthe last line\n"
    started = time.monotonic()
    head = subprocess.Popen(cli, stdout=subprocess.PIPE)
    assert head.stdout is not None
    first = head.stdout.readline()
    head.stdout.close()  # the reader has what it wanted
    assert first and head.wait(timeout=30) == 141
    assert time.monotonic() - started < 10
    listed = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "runs", "--json", "--pipeline-root",
         str(root)], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert json.loads(listed.stdout)[0]["status"] == "SUCCEEDED"


@dsl.component(base_image="python:3.11")
def chatter(lines: int) -> None:
    for i in range(lines):
        print(f"line {i:07d} " + "y" * 90)
    print("the very last line")


@dsl.pipeline(name="chatter")
def chatty(lines: int = 30_000) -> None:  # about 3 MiB
    chatter(lines=lines)


def test_the_run_log_is_an_overview_not_a_second_copy_of_every_line(tmp_path: Path) -> None:
    """Each task's own log keeps all its lines; run.log takes the first MiB of a task's lines
    and then says where the rest is, so a chatty task does not cost its output twice."""
    from kfp_notebook._store.logwrite import RUN_LOG_SHARE

    session = Session(pipeline_root=tmp_path / "outputs")
    try:
        run = session.run(chatty)
        task_log, whole = run.log_path("chatter").read_text(), run.log_path().read_text()
    finally:
        session.close()
    assert task_log.count("\nline ") >= 29_999 and "the very last line" in task_log
    assert len(whole) < RUN_LOG_SHARE + 64 * 1024, len(whole)
    assert "chatter | line 0000000 " in whole and "the very last line" not in whole
    assert whole.count("further lines of this task: ") == 1
    assert f"{run.run_id}/" in whole.split("further lines of this task: ")[1].splitlines()[0]
    assert whole.rstrip().endswith("SUCCEEDED ===")
