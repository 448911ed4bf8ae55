"""Log lines out of a task's output, as a terminal shows them: the one place that splits bytes.

Within a line, text before a carriage return is overwritten by the text after it, so a progress
bar (tqdm, Keras) that rewrites itself 40,000 times and then ends its line is one line, its
final state; `\\r\\n` is a plain newline and a `\\r` with nothing after it erases nothing. Work is
linear in the bytes read: only what follows the last `\\r` of the pending line is kept, in parts
joined once. A line longer than `LINE_LIMIT` bytes is cut into pieces of that size (at a
character boundary), so memory stays bounded. The result does not depend on how the stream
is chunked, so two readings of the same output give the same lines.

`LineFeed` adds the callbacks: `on_log(line)` per finished line, and `on_progress(text)` with
the latest state of a line being rewritten (`\\r`), at most once per `interval` seconds; that
state is not a log line: the line's final state still arrives through `on_log`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["LINE_LIMIT", "PROGRESS_SECONDS", "LineFeed", "LineSplitter"]

LINE_LIMIT = 1 << 16  # bytes of one line at most; a longer one is cut into pieces this size
PROGRESS_SECONDS = 0.25  # between two progress states of one stream, at least
_log = logging.getLogger(__name__)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


class LineSplitter:
    """Bytes in (`feed`, then `end`), finished lines out; `progress` is the pending line's
    state while a `\\r` rewrites it (else None)."""

    def __init__(self, limit: int = LINE_LIMIT) -> None:
        self.limit = limit
        self._parts: list[bytes] = []  # the pending line since its last overwrite
        self._size = 0
        self._carriage = False  # a \r came after the kept text: the next text overwrites it
        self._rewritten = False  # the pending line was overwritten at least once
        self._done: list[str] = []
        self.changes = 0  # counts every change of the pending line

    def feed(self, chunk: bytes) -> list[str]:
        """The lines this chunk finished, in order."""
        pieces = chunk.split(b"\n")
        if len(pieces) > 1:
            self._text(pieces[0])  # the end of the pending line
            self._finish()
            for piece in pieces[1:-1]:  # whole lines: most are plain, and pass as they are
                if len(piece) <= self.limit and b"\r" not in piece:
                    self._done.append(_decode(piece))
                else:
                    self._text(piece)
                    self._finish()
        self._text(pieces[-1])
        done, self._done = self._done, []
        return done

    def end(self) -> list[str]:
        """The last line, if the output did not end with a newline."""
        if self._parts:
            self._finish()
        done, self._done = self._done, []
        return done

    @property
    def rewritten(self) -> bool:
        """Whether a line is pending that a `\\r` overwrote."""
        return self._rewritten and bool(self._parts)

    @property
    def progress(self) -> str | None:
        return _decode(b"".join(self._parts)) if self.rewritten else None

    def _text(self, piece: bytes) -> None:
        """Text without newlines: every \\r in it moves back to the start of the line."""
        if b"\r" not in piece:
            if piece:
                self._append(piece)
            return
        first, *rest = piece.split(b"\r")
        if first:
            self._append(first)
        for segment in rest:
            self._carriage = True
            if segment:
                self._append(segment)

    def _append(self, text: bytes) -> None:
        if self._carriage:
            self._parts, self._size = [], 0
            self._carriage = False
            self._rewritten = True
        self._parts.append(text)
        self._size += len(text)
        self.changes += 1
        if self._size > self.limit:
            self._cut()

    def _cut(self) -> None:
        data = b"".join(self._parts)
        while len(data) > self.limit:
            at = self.limit
            while at > self.limit - 3 and data[at] & 0xC0 == 0x80:  # not inside a character
                at -= 1
            self._done.append(_decode(data[:at]))
            data = data[at:]
        self._parts, self._size = [data], len(data)

    def _finish(self) -> None:
        self._done.append(_decode(b"".join(self._parts)))
        self._parts, self._size = [], 0
        self._carriage = self._rewritten = False
        self.changes += 1


class LineFeed:
    """A `LineSplitter` with its callbacks. A failing callback is logged, never raised: it
    must not stop the reading of a task's output. `lines` counts the lines delivered."""

    def __init__(
        self,
        on_log: Callable[[str], None],
        on_progress: Callable[[str], None] | None = None,
        interval: float = PROGRESS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_log, self.on_progress = on_log, on_progress
        self.interval, self.clock = interval, clock
        self.lines = 0
        self._splitter = LineSplitter()
        self._shown = -1  # the splitter's `changes` when progress was last handed on
        self._shown_at = float("-inf")

    def feed(self, chunk: bytes) -> None:
        for line in self._splitter.feed(chunk):
            self._deliver(self.on_log, line)
            self.lines += 1
        self.show_progress()

    def end(self) -> None:
        for line in self._splitter.end():
            self._deliver(self.on_log, line)
            self.lines += 1

    def due(self) -> float | None:
        """When (on `clock`) a progress state not yet shown is due; None if there is none."""
        if self.on_progress is None:
            return None
        if not self._splitter.rewritten or self._splitter.changes == self._shown:
            return None
        return self._shown_at + self.interval

    def show_progress(self) -> None:
        """Hand on the pending line's state if it changed and the interval has passed."""
        due = self.due()
        if due is None or self.on_progress is None:
            return
        now = self.clock()
        if now < due:
            return
        self._shown, self._shown_at = self._splitter.changes, now
        self._deliver(self.on_progress, self._splitter.progress or "")

    def _deliver(self, callback: Callable[[str], None], text: str) -> None:
        try:
            callback(text)
        except Exception:
            _log.exception("log callback %r failed", callback)
