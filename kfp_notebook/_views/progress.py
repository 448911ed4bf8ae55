"""The live status line under a run's output on a terminal: done, running and failed tasks and
the elapsed time, redrawn by rich while lines scroll above it; under it, the latest state of
each progress bar a task is drawing (`LogProgress`), until the bar's line is logged."""

from __future__ import annotations

import threading
import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text

from kfp_notebook._model.events import (
    Event,
    LogLine,
    LogProgress,
    RunFinished,
    RunStarted,
    RunUnfollowed,
    TaskCreated,
    TaskFinished,
    TaskStarted,
)
from kfp_notebook._model.states import LEAF_KINDS, TaskState

__all__ = ["ProgressLine"]

_BARS = 4  # progress bars shown at once under the status line
_BAR_WIDTH = 160


class ProgressLine:
    """Counts leaf tasks from the event stream; `print` writes lines above the status line."""

    def __init__(self, out: TextIO) -> None:
        self._console = Console(file=out, force_terminal=True, highlight=False, soft_wrap=True)
        self._lock = threading.Lock()
        self._leaves: set[str] = set()
        self._running: set[str] = set()
        self._done = 0
        self._failed = 0
        self._started = time.monotonic()
        self._name = ""
        self._bars: dict[str, str] = {}  # task id -> latest state of its progress bar
        self._live: Live | None = None

    def update(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, LogProgress):
                self._bars[event.task_id] = event.text
            elif isinstance(event, LogLine):
                self._bars.pop(event.task_id, None)  # the bar's line arrived, or it moved on
            elif isinstance(event, RunStarted):
                self._name, self._started = event.pipeline_name, time.monotonic()
            elif isinstance(event, TaskCreated) and event.kind in LEAF_KINDS:
                self._leaves.add(event.task_id)
            elif isinstance(event, TaskStarted) and event.task_id in self._leaves:
                self._running.add(event.task_id)
            elif isinstance(event, TaskFinished) and event.task_id in self._leaves:
                self._bars.pop(event.task_id, None)
                self._running.discard(event.task_id)
                self._done += 1
                self._failed += event.state is TaskState.FAILED
            elif isinstance(event, RunFinished | RunUnfollowed):
                self._running.clear()
                self._bars.clear()

    def status(self) -> Text:
        with self._lock:
            elapsed = time.monotonic() - self._started
            text = (
                f"{self._name}  {self._done}/{len(self._leaves)} done  "
                f"{len(self._running)} running  {self._failed} failed  {elapsed:.1f}s"
            )
            bars = list(self._bars.items())[-_BARS:]
        out = Text(text, style="bold red" if self._failed else "bold")
        for task_id, bar in bars:
            out.append(f"\n  {task_id} | {bar.strip()[:_BAR_WIDTH]}", style="cyan")
        return out

    def print(self, lines: list[str]) -> None:
        if self._live is None:
            self._live = Live(
                get_renderable=self.status,
                console=self._console,
                transient=True,
                refresh_per_second=4,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        for line in lines:
            self._live.console.print(Text.from_ansi(line))

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
