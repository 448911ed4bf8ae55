"""One thread reads every task's output: lines arrive whole and in order per task, a last line
without a newline is kept, and each stream's end is signalled once its writers are gone."""

import os
import subprocess
import sys
import threading

from kfp_notebook.executors.subprocess.logpump import LogPump


def test_lines_of_many_streams_arrive_whole_and_in_order() -> None:
    pump = LogPump()
    code = (
        "import sys\n"
        "for i in range(2000):\n"
        "    sys.stdout.write(f'line {i} ' + 'x' * (i % 300) + '\\n')\n"
        "    if i % 97 == 0: sys.stdout.flush()\n"
        "sys.stdout.write('no newline at the end')\n"
    )
    procs, got, ended = [], [], []
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        lines: list[str] = []
        assert proc.stdout is not None
        ended.append(pump.add(proc.stdout, lines.append))
        procs.append(proc)
        got.append(lines)
    for proc, done in zip(procs, ended, strict=True):
        assert proc.wait() == 0
        assert done.wait(30)
    expected = [f"line {i} " + "x" * (i % 300) for i in range(2000)] + ["no newline at the end"]
    assert all(lines == expected for lines in got)
    assert threading.active_count() < 10  # one reader, not one per stream
    pump.close()


def test_closing_the_pump_ends_streams_still_open() -> None:
    pump = LogPump()
    read_end, write_end = os.pipe()
    done = pump.add(os.fdopen(read_end, "rb"), lambda line: None)
    assert not done.wait(0.2)  # a writer holds the pipe: no end yet
    pump.close()
    assert done.wait(5), "a task would wait forever for the output of a closed executor"
    os.close(write_end)
    pump.close()  # twice is harmless


def test_a_failing_callback_does_not_stop_the_reading() -> None:
    pump = LogPump()
    seen: list[str] = []

    def fussy(line: str) -> None:
        seen.append(line)
        raise ValueError("a listener bug")

    code = "print('a'); print('b')"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    done = pump.add(proc.stdout, fussy)
    assert proc.wait() == 0
    assert done.wait(10)
    assert seen == ["a", "b"]
    pump.close()
