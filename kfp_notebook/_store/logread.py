"""Reading a log file in bounded memory, whatever its size: where its last N lines start, how
many lines it holds, its bytes in chunks from an offset, its lines from bytes read in blocks
(a file, or a cluster's log answered over HTTP), and its lines as they arrive while a run goes
on. The CLI's `logs`, the Python API's `Run.logs(follow=True)`, KFP's log route and a
re-displayed run widget read through these."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "CHUNK",
    "MAX_LINE",
    "LineSplitter",
    "chunks",
    "follow_lines",
    "line_count",
    "tail_offset",
]

CHUNK = 1 << 16
MAX_LINE = 1 << 20  # a line longer than this (a progress bar never ending it) is cut


def tail_offset(path: Path, lines: int) -> int:
    """The byte offset where the file's last `lines` lines start (0 for the whole file)."""
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END)
        if lines <= 0:
            return end
        position, found = end, 0
        if end:
            f.seek(end - 1)
            if f.read(1) == b"\n":
                position -= 1  # the final newline ends the last line; it starts none
        while position > 0:
            step = min(CHUNK, position)
            f.seek(position - step)
            block = f.read(step)
            at = len(block)
            while True:
                at = block.rfind(b"\n", 0, at)
                if at < 0:
                    break
                found += 1
                if found == lines:
                    return position - step + at + 1
            position -= step
        return 0


def line_count(path: Path) -> int:
    """The lines the file holds (a last one without its newline counts), read in chunks."""
    count, last = 0, b"\n"
    for block in chunks(path):
        count += block.count(b"\n")
        last = block[-1:]
    return count + (last != b"\n")


def chunks(path: Path, offset: int = 0, size: int = CHUNK) -> Iterator[bytes]:
    """The file's bytes from `offset` to its current end, `size` at a time."""
    with open(path, "rb") as f:
        f.seek(offset)
        while block := f.read(size):
            yield block


class LineSplitter:
    """Bytes in, whole lines out, across reads: the first `skip` lines are counted, never held
    (a log read again from its start, as a cluster's log routes answer); a last line without
    its newline waits for the rest (or `end()`); at most one line, cut at MAX_LINE, is held."""

    def __init__(self, skip: int = 0) -> None:
        self.skip, self.buffer, self._cut = skip, b"", False

    def feed(self, block: bytes) -> list[str]:
        if self.skip:
            block = self._skipped(block)
        if self._cut and block:  # the newline ending a line cut short ends no other line
            block, self._cut = block.removeprefix(b"\n"), False
        *lines, self.buffer = (self.buffer + block).split(b"\n")
        if len(self.buffer) > MAX_LINE:
            lines.append(self.buffer)
            self.buffer, self._cut = b"", True
        return [line.decode("utf-8", "replace") for line in lines]

    def end(self) -> list[str]:
        """The last line, where it had no newline."""
        last, self.buffer = self.buffer, b""
        return [last.decode("utf-8", "replace")] if last and not self.skip else []

    def _skipped(self, block: bytes) -> bytes:
        """What follows the lines still to skip in `block` (empty while they go on)."""
        newlines = block.count(b"\n")
        if newlines < self.skip:
            self.skip -= newlines
            self.buffer = b""
            return b""
        at = -1
        for _ in range(self.skip):
            at = block.index(b"\n", at + 1)
        self.skip, self.buffer = 0, b""
        return block[at + 1 :]


def follow_lines(
    path: Path, finished: Callable[[], bool], poll: float = 0.1, offset: int = 0
) -> Iterator[str]:
    """Lines as they are written, from `offset`, until `finished()` is true and the file is
    read to its end; at most CHUNK bytes and one line (cut at MAX_LINE) held at a time."""
    lines = LineSplitter()
    while True:
        done = finished()  # before reading: what was written before it ended is still read
        if path.exists():
            with open(path, "rb") as f:
                f.seek(offset)
                while block := f.read(CHUNK):
                    offset += len(block)
                    yield from lines.feed(block)
        if done:
            yield from lines.end()
            return
        time.sleep(poll)
