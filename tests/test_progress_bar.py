"""A `\\r` progress bar, as a terminal shows it: 40,000 rewrites of one line then a newline are
one log line (its final state), read in time linear in the bytes; the live view sees the bar's
latest state a few times a second; `\\r\\n` is a plain newline; a line without any newline is
cut into bounded pieces. Real task processes, read by the real log pump."""

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from kfp import dsl

from kfp_notebook import RunState, Session, SubprocessRunner
from kfp_notebook._model.events import Event, LogLine, LogProgress
from kfp_notebook._model.logfold import strip_ansi
from kfp_notebook.executors.lines import LINE_LIMIT, PROGRESS_SECONDS, LineSplitter
from kfp_notebook.executors.subprocess.logpump import LogPump

UPDATES = 40_000
# Each update takes the writer 50 us (a bar's formatting, the work it reports on), so that the
# pump reads them one by one, as it does a real bar's: reading coalesced chunks hides the cost.
WRITER = (
    "import sys, time\n"
    "w = sys.stdout.write\n"
    "for i in range(1, {n} + 1):\n"
    "    t = time.perf_counter()\n"
    "    while time.perf_counter() - t < 5e-5: pass\n"
    "    w('{start}' + f'{{i * 100 // {n}:3d}}%|' + '#' * (i * 40 // {n}) + f'| {{i}}/{n}{end}')\n"
    "    sys.stdout.flush()\n"
    "w('{last}')\n"
)
BAR = WRITER.replace("{start}", "\\r").replace("{end}", "").replace("{last}", "\\n")
LINES = WRITER.replace("{start}", "").replace("{end}", "\\n").replace("{last}", "")


def _final(n: int) -> str:
    return "100%|" + "#" * 40 + f"| {n}/{n}"


def _pumped(code: str, pump: LogPump | None = None) -> tuple[list[str], list[str], float]:
    """The lines and progress states of a real process's output; the pump's CPU seconds."""
    own = pump is None
    pump = pump or LogPump()
    lines: list[str] = []
    states: list[str] = []
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    started = time.process_time()  # this process's CPU: the pump's thread, the rest waits
    done = pump.add(proc.stdout, lines.append, states.append)
    assert proc.wait(60) == 0
    assert done.wait(60)
    cpu = time.process_time() - started
    if own:
        pump.close()
    return lines, states, cpu


def test_a_bar_of_40000_rewrites_is_one_line_in_linear_time() -> None:
    pump = LogPump()
    try:
        started = time.monotonic()
        lines, states, bar_cpu = _pumped(BAR.format(n=UPDATES), pump)
        took = time.monotonic() - started
        bar_cpu = min(bar_cpu, _pumped(BAR.format(n=UPDATES), pump)[2])
        assert lines == [_final(UPDATES)]
        assert states, "the live view saw no progress"
        assert len(states) <= took / PROGRESS_SECONDS + 2, "progress is not rate-limited"
        assert all("%|" in s and "\r" not in s for s in states)
        plain, no_states, lines_cpu = min(
            (_pumped(LINES.format(n=UPDATES), pump) for _ in range(2)), key=lambda r: r[2]
        )
    finally:
        pump.close()
    assert len(plain) == UPDATES and plain[-1] == _final(UPDATES) and not no_states
    print(f"pump CPU: bar {bar_cpu:.2f}s, the same updates as lines {lines_cpu:.2f}s")
    # Re-copying the pending line per read took 1.9 s here against 0.4 s for lines (15 s
    # against 3 s with tqdm); reading linearly, a bar costs about what its lines cost.
    assert bar_cpu < 2 * lines_cpu + 0.5, (bar_cpu, lines_cpu)


def test_crlf_lines_mixed_with_bars_and_plain_lines() -> None:
    code = (
        "import sys\n"
        "w = sys.stdout.write\n"
        "w('windows line\\r\\n'); sys.stdout.flush()\n"
        "w('first\\n')\n"
        "for i in range(500):\n"
        "    w(f'\\rstep {i}'); sys.stdout.flush()\n"
        "w('\\r\\n')\n"
        "w('between\\r\\n\\r\\n')\n"
        "w('\\rabc\\rxy\\n')\n"  # a terminal keeps 'xyc'; a bar rewrites its whole width
        "w('done\\r')\n"  # a carriage return with nothing after it erases nothing
    )
    lines, states, _ = _pumped(code)
    assert lines == ["windows line", "first", "step 499", "between", "", "xy", "done"]
    assert all(s.startswith("step ") for s in states[:1])


def test_a_line_without_newline_is_cut_while_it_still_grows() -> None:
    """1 MiB without a newline: pieces of at most LINE_LIMIT bytes arrive before the task
    ends, so the pump holds a bounded part of the line; together they are the whole line."""
    code = (
        "import sys, time\n"
        "for i in range(16):\n"
        "    sys.stdout.write(chr(97 + i) * 65536); sys.stdout.flush()\n"
        "sys.stdout.write('é' * 1000); sys.stdout.flush()\n"
        "sys.stdin.readline()\n"  # held open until the test saw the pieces
    )
    pump = LogPump()
    lines: list[str] = []
    arrived = threading.Event()

    def on_log(line: str) -> None:
        lines.append(line)
        if len(lines) == 16:
            arrived.set()

    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdin is not None
    done = pump.add(proc.stdout, on_log)
    try:
        assert arrived.wait(30), f"only {len(lines)} pieces before the end of the line"
        assert not done.is_set()
    finally:
        proc.stdin.close()
        assert proc.wait(30) == 0
        assert done.wait(30)
        pump.close()
    assert all(len(line.encode()) <= LINE_LIMIT for line in lines)
    assert "".join(lines) == "".join(chr(97 + i) * 65536 for i in range(16)) + "é" * 1000
    assert "\ufffd" not in "".join(lines), "a piece was cut inside a character"


def test_the_lines_do_not_depend_on_how_the_output_is_chunked() -> None:
    """The Docker executor reads the log twice (followed, then whole) and skips the lines seen."""
    data = BAR.format(n=50).encode() + b"x" * (3 * LINE_LIMIT + 5) + b"\r\r\nend\r"
    whole = LineSplitter()
    expected = whole.feed(data) + whole.end()
    for size in (1, 7, 4096, LINE_LIMIT - 1):
        split = LineSplitter()
        chunks = [data[at : at + size] for at in range(0, len(data), size)]
        got = [line for chunk in chunks for line in split.feed(chunk)]
        assert got + split.end() == expected


@dsl.component(base_image="python:3.11")
def train() -> None:
    import sys
    import time

    print("epoch 1")
    for i in range(1, 40_001):
        sys.stdout.write(f"\r{i * 100 // 40_000:3d}% {i}/40000")
        sys.stdout.flush()
        if i % 10_000 == 0:
            time.sleep(0.3)  # the live view gets to see the bar move
    print()
    print("epoch 2")


@dsl.pipeline(name="progress-bar")
def training() -> None:
    train()


def test_a_task_log_keeps_the_bar_final_state_and_the_live_view_its_progress(
    pipeline_root: Path,
) -> None:
    session = Session(SubprocessRunner(use_venv=False), pipeline_root, raise_on_error=False)
    events: list[Event] = []
    session.subscribe(lambda e: events.append(e) if isinstance(e, LogLine | LogProgress) else None)
    try:
        run = session.run(training)
        assert run.status is RunState.SUCCEEDED, run.error
        text = run.log_path("train").read_text(encoding="utf-8")
    finally:
        session.close()
    own = [line for line in text.splitlines() if not line.startswith("[KFP Executor")]
    assert "epoch 1\n100% 40000/40000\nepoch 2\n" in text, own[:5]
    assert "\r" not in text
    assert len(text.splitlines()) < 100, "the bar's updates were logged as lines"
    states = [e.text for e in events if isinstance(e, LogProgress)]
    assert 1 <= len(states) <= 40, len(states)  # a few a second, for a few seconds
    assert all("/40000" in s for s in states)
    logged = [e.text for e in events if isinstance(e, LogLine)]
    assert logged.index("100% 40000/40000") == logged.index("epoch 1") + 1


def test_the_widget_shows_a_bar_in_place_until_its_line_is_logged() -> None:
    """RunView keeps one state per task, replaced by each LogProgress and dropped by the next
    LogLine (the bar's final state); the widget sends the states when they change."""
    from kfp_notebook._model.events import TaskCreated
    from kfp_notebook._notebook.widget import RunWidget
    from kfp_notebook._views.run_view import RunView

    view = RunView("r")
    view(TaskCreated("r", "t", "t", None, "container", "c"))
    view(LogLine("r", "t", "epoch 1"))
    widget = RunWidget(view, live=False)
    sent: list[dict[str, object]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    for i in range(1000):
        view(LogProgress("r", "t", f"{i}/1000"))
    widget.flush()
    assert view.progress_lines() == {"t": "999/1000"}
    assert sent[-1] == {"kind": "progress", "lines": {"t": "999/1000"}}
    widget.flush()
    assert len(sent) == 1, "an unchanged state is sent again"
    view(LogLine("r", "t", "1000/1000"))
    widget.flush()
    assert view.progress_lines() == {}
    assert sent[-2]["kind"] == "logs" and sent[-1] == {"kind": "progress", "lines": {}}
    assert view.log_tails()["t"] == {"lines": ["epoch 1", "1000/1000"], "count": 2}
    widget.close()


@dsl.component(base_image="python:3.11")
def slow_bar() -> None:
    import sys
    import time

    for i in range(1, 101):
        sys.stdout.write(f"\rtraining {i:3d}%")
        sys.stdout.flush()
        time.sleep(0.02)
    sys.stdout.write("\n")
    print("trained")


@dsl.pipeline(name="slow-bar")
def slow_bar_pipeline() -> None:
    slow_bar()


def test_the_cli_on_a_terminal_shows_the_bar_moving_and_logs_its_final_state_once(
    tmp_path: Path, compile_to
) -> None:
    """On a terminal (a real pty), the live status line carries the bar's latest state while
    it moves; the scrolling log gets the bar's line once, in its final state."""
    import os
    import pty
    import select

    yaml = compile_to(slow_bar_pipeline)
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "run", str(yaml), "--pipeline-root",
         str(tmp_path / "outputs")],
        stdout=secondary, stderr=secondary, stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200", "TERM": "xterm"},
    )  # fmt: skip
    os.close(secondary)
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the pty closed: the CLI is gone
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(main)
    assert proc.wait(30) == 0, out.decode(errors="replace")[-2000:]
    text = strip_ansi(out.decode(errors="replace"))
    moving = {int(m) for m in re.findall(r"slow-bar \| training +(\d+)%", text)}
    assert any(0 < p < 100 for p in moving), text[-2000:]  # drawn live, under the status line
    logged = re.findall(r"slow-bar +\| training +(\d+)%\r?\n", text)
    assert logged.count("100") == 1, logged  # the bar's line, scrolled once
    assert "trained" in text
