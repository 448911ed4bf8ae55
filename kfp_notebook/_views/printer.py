"""Terminal view of a run: one listener on the event stream that prints status and log lines.

Task logs are shown without KFP's executor boilerplate unless `verbose` (the log files keep
everything). On a terminal a live status line (done, running, failed, elapsed) sits under the
output, drawn by rich; elsewhere the output is plain lines.

Printing never holds the run up: the listener only queues lines, and one writer thread writes
them. When the output is not read (a pipe nobody drains), the writer blocks, not the scheduler;
log lines beyond a bound are dropped and a note says how many (status lines are always kept)."""

from __future__ import annotations

import collections
import contextlib
import io
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

from kfp_notebook._model.events import (
    Event,
    LogLine,
    RunFinished,
    RunStarted,
    RunUnfollowed,
    TaskCreated,
    TaskFinished,
    TaskStarted,
)
from kfp_notebook._model.failure import without_tail
from kfp_notebook._model.logfold import LogFolder
from kfp_notebook._model.states import LEAF_KINDS, TaskState
from kfp_notebook._views.palette import STATUS_STYLES

if TYPE_CHECKING:  # rich is imported for a terminal only: piped output does not pay for it
    from kfp_notebook._views.progress import ProgressLine

__all__ = ["TerminalPrinter"]


_MARKS = {s: (STATUS_STYLES[s].glyph, STATUS_STYLES[s].ansi) for s in TaskState if s.terminal}


class TerminalPrinter:
    """Prints `▶ task` when a task starts, `task | line` for its output, `✓ task 0.4s` at its end,
    and a summary when the run ends. Colours only on a terminal."""

    def __init__(
        self,
        out: TextIO | None = None,
        show_logs: bool = True,
        max_pending: int = 10_000,
        verbose: bool = False,
        progress: bool | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.color = self.out.isatty()
        self.verbose = verbose
        self._folders: dict[str, LogFolder] = {}
        self.progress: ProgressLine | None = None
        if self.color if progress is None else progress:
            from kfp_notebook._views.progress import ProgressLine

            self.progress = ProgressLine(self.out)
        self.max_pending = max_pending
        self._pending: collections.deque[str] = collections.deque()
        self._dropped = 0
        self._busy = False
        self._ready = threading.Condition()
        self._writer: threading.Thread | None = None
        self.show_logs = show_logs
        self._kinds: dict[str, str] = {}
        self._started: dict[str, float] = {}
        self._counts: dict[TaskState, int] = {}
        self._failures: set[str] = set()  # task failures printed, not to be repeated
        self._run_start = 0.0
        self._width = 12

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def _print(self, text: str, droppable: bool = False) -> None:
        with self._ready:
            if droppable and len(self._pending) >= self.max_pending:
                self._dropped += 1
                return
            self._pending.append(text)
            self._ready.notify()
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="kfpnb-print", daemon=True)
                self._writer.start()

    def _write(self) -> None:
        if self.progress is not None:
            self._write_with_progress(self.progress)
            return
        try:
            fd: int | None = self.out.fileno()
            self.out.flush()
        except (AttributeError, OSError, io.UnsupportedOperation):
            fd = None
        while True:
            lines, dropped = self._take()
            if dropped:
                lines.append(
                    f"[kfp-notebook] {dropped} log line(s) not printed: the output was not read "
                    "fast enough (the full logs are in the run store: kfp-notebook logs RUN_ID)"
                )
            data = "".join(f"{line}\n" for line in lines)
            with contextlib.suppress(OSError, ValueError):
                if fd is None:
                    self.out.write(data)
                    self.out.flush()
                    continue
                view = memoryview(data.encode("utf-8", errors="replace"))
                while view:  # raw writes: a blocked one holds no lock anyone else needs
                    view = view[os.write(fd, view) :]

    def _write_with_progress(self, progress: ProgressLine) -> None:
        """On a terminal: lines go above the live status line (a terminal is always read)."""
        while True:
            lines, _ = self._take()  # a terminal is read: a drop is not expected there
            with contextlib.suppress(OSError, ValueError):
                progress.print(lines)

    def _take(self) -> tuple[list[str], int]:
        """Wait for lines to write and take them, with the count of those dropped since."""
        with self._ready:
            self._busy = False
            self._ready.notify_all()
            self._ready.wait_for(lambda: bool(self._pending))
            lines, self._pending = list(self._pending), collections.deque()
            dropped, self._dropped = self._dropped, 0
            self._busy = True
        return lines, dropped

    def close(self, timeout: float = 5.0) -> bool:
        """Wait up to `timeout` s for the queued lines to be written; False if they were not."""
        deadline = time.monotonic() + timeout
        with self._ready:
            done = self._ready.wait_for(
                lambda: not self._pending and not self._busy, max(0.0, deadline - time.monotonic())
            )
        if self.progress is not None:
            self.progress.stop()
        return done

    def __call__(self, event: Event) -> None:
        if self.progress is not None:
            self.progress.update(event)
        if isinstance(event, LogLine):
            folder = self._folders.setdefault(event.task_id, LogFolder())
            if self.show_logs and (folder.keep(event.text) or self.verbose):
                label = event.task_id.ljust(self._width)
                self._print(f"{self._paint(label, '90')} | {event.text}", droppable=True)
        elif isinstance(event, TaskCreated):
            self._kinds[event.task_id] = event.kind
            if event.kind in LEAF_KINDS:
                self._width = min(40, max(self._width, len(event.task_id)))
        elif isinstance(event, TaskStarted):
            if self._kinds.get(event.task_id) in LEAF_KINDS:
                self._started.setdefault(event.task_id, event.time)
                retry = f" (attempt {event.attempt})" if event.attempt > 1 else ""
                self._print(f"{self._paint('▶', '34')} {event.task_id}{retry}")
        elif isinstance(event, TaskFinished):
            self._on_finished(event)
        elif isinstance(event, RunStarted):
            self._run_start = event.time
            verb = "resuming" if event.resumed else "running"
            self._print(f"{verb} {event.pipeline_name} as run {event.run_id}")
        elif isinstance(event, RunFinished):
            self._on_run_finished(event)
        elif isinstance(event, RunUnfollowed):
            self._print(self._paint(f"… run {event.run_id} {event.message}", "33"))

    def _on_finished(self, event: TaskFinished) -> None:
        if self._kinds.get(event.task_id) not in LEAF_KINDS:
            return
        self._counts[event.state] = self._counts.get(event.state, 0) + 1
        mark, code = _MARKS.get(event.state, ("?", "0"))
        started = self._started.get(event.task_id)
        took = f" {event.time - started:.2f}s" if started else ""
        line = f"{self._paint(mark, code)} {event.task_id} {event.state.value}{took}"
        if event.state is TaskState.FAILED:
            # Read once: with the logs shown, the task's last lines are just above.
            said = without_tail(event.message) if self.show_logs else event.message
            self._failures.add(event.message)
            line += "\n" + self._paint(said, "31")
        elif event.message and event.state is not TaskState.SUCCEEDED:
            line += f" ({event.message.splitlines()[0]})"
        self._print(line)

    def _on_run_finished(self, event: RunFinished) -> None:
        counts = ", ".join(f"{n} {s.value.lower()}" for s, n in self._counts.items())
        took = event.time - self._run_start if self._run_start else 0.0
        style = STATUS_STYLES[event.state.value]
        mark, code = style.glyph, style.ansi
        self._print(
            self._paint(
                f"{mark} run {event.run_id} {event.state.value} in {took:.2f}s"
                f" ({counts or 'no tasks'})",
                code,
            )
        )
        if event.message and event.state.value != "SUCCEEDED":
            said = event.message  # a task's failure printed already is named, not repeated
            self._print(said.splitlines()[0] if said in self._failures else said)
        for name, value in event.outputs.get("parameters", {}).items():
            self._print(f"  output {name} = {value!r}")
        for name, arts in event.outputs.get("artifacts", {}).items():
            for art in arts:
                self._print(f"  output {name}: {art['uri']}")
