"""Reading a log file in bounded memory, whatever its size: where its last N lines start, how
many lines it holds, its bytes in chunks from an offset, and its lines as they arrive while a
run goes on. The CLI's `logs`, the Python API's `Run.logs(follow=True)`, KFP's log route and a
re-displayed run widget read through these."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["CHUNK", "MAX_LINE", "chunks", "follow_lines", "line_count", "tail_offset"]

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


def follow_lines(
    path: Path, finished: Callable[[], bool], poll: float = 0.1, offset: int = 0
) -> Iterator[str]:
    """Lines as they are written, from `offset`, until `finished()` is true and the file is
    read to its end; at most CHUNK bytes and one line (cut at MAX_LINE) held at a time."""
    buffer = b""
    while True:
        done = finished()  # before reading: what was written before it ended is still read
        if path.exists():
            with open(path, "rb") as f:
                f.seek(offset)
                while block := f.read(CHUNK):
                    offset += len(block)
                    *lines, buffer = (buffer + block).split(b"\n")
                    for line in lines:
                        yield line.decode("utf-8", "replace")
                    if len(buffer) > MAX_LINE:
                        yield buffer.decode("utf-8", "replace")
                        buffer = b""
        if done:
            if buffer:
                yield buffer.decode("utf-8", "replace")
            return
        time.sleep(poll)
