"""One thread reads the output of every running task: a task adds its pipe and gets an event
that is set at end of file. No thread is started per task, and none waits per task to start.
Lines are split by `kfp_notebook.executors.lines` (progress bars are rewritten in place); a
progress state held back by its interval is handed on when due, even if no more output comes."""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
import time
from collections.abc import Callable
from typing import IO

from kfp_notebook.executors.lines import LineFeed

__all__ = ["LogPump"]

_CHUNK = 1 << 16


class _Stream:
    def __init__(
        self,
        stream: IO[bytes],
        on_log: Callable[[str], None],
        on_progress: Callable[[str], None] | None,
    ) -> None:
        self.stream = stream
        self.lines = LineFeed(on_log, on_progress)
        self.done = threading.Event()

    def end(self) -> None:
        self.lines.end()
        with contextlib.suppress(OSError):
            self.stream.close()
        self.done.set()


class LogPump:
    """`add(stream, on_log, on_progress)`: `on_log(line)` for each line, on the pump's thread,
    in order, and `on_progress(text)` now and then with the state of a line a progress bar
    rewrites; the returned event is set once the stream reached end of file and was closed."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._new: list[_Stream] = []
        self._held: set[_Stream] = set()  # streams with a progress state not yet handed on
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(
        self,
        stream: IO[bytes],
        on_log: Callable[[str], None],
        on_progress: Callable[[str], None] | None = None,
    ) -> threading.Event:
        entry = _Stream(stream, on_log, on_progress)
        with self._lock:
            if self._closed:
                raise RuntimeError("the log pump is closed")
            self._new.append(entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kfpnb-logs", daemon=True)
                self._thread.start()
        os.write(self._wake_w, b".")
        return entry.done

    def _run(self) -> None:
        while True:
            for key, _ in self._selector.select(self._show_progress()):
                if key.fileobj == self._wake_r:
                    if not self._take_new():
                        self._end_all()
                        return
                    continue
                entry: _Stream = key.data
                try:
                    chunk = os.read(entry.stream.fileno(), _CHUNK)
                except OSError:
                    chunk = b""
                if chunk:
                    entry.lines.feed(chunk)
                    if entry.lines.due() is not None:
                        self._held.add(entry)
                else:
                    self._selector.unregister(entry.stream)
                    self._held.discard(entry)
                    entry.end()

    def _show_progress(self) -> float | None:
        """Hand on the progress states that are due; seconds until the next one (or None)."""
        soonest: float | None = None
        for entry in list(self._held):
            entry.lines.show_progress()
            due = entry.lines.due()
            if due is None:
                self._held.discard(entry)
            else:
                soonest = due if soonest is None else min(soonest, due)
        return None if soonest is None else max(0.0, soonest - time.monotonic())

    def _end_all(self) -> None:
        """Closing: what is still registered ends here, so no task waits for its output."""
        for key in list(self._selector.get_map().values()):
            if key.fileobj != self._wake_r:
                self._selector.unregister(key.fileobj)
                key.data.end()
        self._selector.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _take_new(self) -> bool:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 512):
                pass
        with self._lock:
            new, self._new = self._new, []
            closed = self._closed
        for entry in new:
            self._selector.register(entry.stream, selectors.EVENT_READ, entry)
        return not closed

    def close(self) -> None:
        """Stop reading (streams still open stay open); the thread ends."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is None:
            os.close(self._wake_r)
            os.close(self._wake_w)
            return
        os.write(self._wake_w, b".")
        thread.join(5)
