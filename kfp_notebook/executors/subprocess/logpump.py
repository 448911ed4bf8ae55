"""One thread reads the output of every running task: a task adds its pipe and gets an event
that is set at end of file. No thread is started per task, and none waits per task to start."""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import threading
from collections.abc import Callable
from typing import IO

__all__ = ["LogPump"]

_CHUNK = 1 << 16
_log = logging.getLogger(__name__)


class _Stream:
    def __init__(self, stream: IO[bytes], on_log: Callable[[str], None]) -> None:
        self.stream, self.on_log = stream, on_log
        self.partial = b""
        self.done = threading.Event()

    def feed(self, chunk: bytes) -> None:
        *lines, self.partial = (self.partial + chunk).split(b"\n")
        for raw in lines:
            self._deliver(raw)

    def _deliver(self, raw: bytes) -> None:
        try:
            self.on_log(raw.decode("utf-8", errors="replace").rstrip("\r"))
        except Exception:  # one failing callback must not stop the reading of every task
            _log.exception("log callback %r failed", self.on_log)

    def end(self) -> None:
        if self.partial:
            self._deliver(self.partial)
        with contextlib.suppress(OSError):
            self.stream.close()
        self.done.set()


class LogPump:
    """`add(stream, on_log)`: `on_log(line)` for each line, on the pump's thread, in order;
    the returned event is set once the stream reached end of file and was closed."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._new: list[_Stream] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, stream: IO[bytes], on_log: Callable[[str], None]) -> threading.Event:
        entry = _Stream(stream, on_log)
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
            for key, _ in self._selector.select():
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
                    entry.feed(chunk)
                else:
                    self._selector.unregister(entry.stream)
                    entry.end()

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
