"""The message of a failed task, kept in one place: how it is written and how views shorten it.

A failed task's message is its headline (which task, what happened, after how many attempts),
then the last lines of its log (boilerplate folded) and where the whole log is:

    task 'train' failed with exit status 1 after 1 attempt(s).
      last log lines:
        training at 3.0
        Traceback (most recent call last):
          File ".../train_677d.py", line 10, in train
            raise ValueError(f'rate {rate} is above 1')
        ValueError: rate 3.0 is above 1
      full log: /runs/sweep-.../train/task.log

Where the log is on screen next to it (the widget's log pane), a view shows the `headline`
alone; where the log's lines were printed just above (the CLI, a script), `without_tail`;
where one block must say it all without repeating the log (the error a notebook cell shows),
`brief` keeps the headline, the innermost frame of the user's code with its line, the
exception, and the log's path. The TypeScript copy of `TAIL_MARKER` is generated from here."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["FULL_LOG", "TAIL_MARKER", "brief", "headline", "task_failure", "without_tail"]

TAIL_MARKER = "\n  last log lines:\n"
FULL_LOG = "  full log: "
_TAIL_INDENT = "    "
_FRAME = re.compile(r'^\s*(File "(?P<path>[^"]+)", line \d+, in |(%%component cell |Cell )In\[)')
_LIBRARY = re.compile(r"[\\/](site-packages|dist-packages|lib[\\/]python3\.\d+)[\\/]")


def task_failure(chain: str, failure: str, attempts: int, tail: Iterable[str], log: str) -> str:
    """The message of task `chain` that `failure` (e.g. "failed with exit status 1")."""
    lines = "\n".join(f"{_TAIL_INDENT}{line}" for line in tail)
    said = f"task {chain} {failure} after {attempts} attempt(s)."
    return f"{said}{TAIL_MARKER}{lines}\n{FULL_LOG}{log}"


def headline(message: str) -> str:
    """What failed, without the log's tail and path (a message of another kind, whole)."""
    return message.split(TAIL_MARKER, 1)[0] if TAIL_MARKER in message else message


def without_tail(message: str) -> str:
    """The headline and where the log is, for a view that printed the log's lines already."""
    if TAIL_MARKER not in message:
        return message
    log = message.rpartition(f"\n{FULL_LOG}")[2] if f"\n{FULL_LOG}" in message else ""
    return f"{headline(message)}\n{FULL_LOG}{log}" if log else headline(message)


def brief(message: str) -> str:
    """The headline, the frame of the user's code where the last traceback of the tail ends
    (the innermost frame outside installed libraries, else the innermost), the exception's
    lines, and the full log's path. A message without a traceback in its tail: unchanged."""
    if TAIL_MARKER not in message:
        return message
    head, rest = message.split(TAIL_MARKER, 1)
    tail, _, log = rest.rpartition(f"\n{FULL_LOG}")
    lines = [line.removeprefix(_TAIL_INDENT) for line in tail.split("\n")]
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return message
    frames = [i for i in range(starts[-1], len(lines)) if _FRAME.match(lines[i])]
    if not frames:
        return message
    user = [i for i in frames if not _is_library(lines[i])]
    at = (user or frames)[-1]
    exception = [line for line in lines[_body_end(lines, frames[-1]) :] if line.strip()]
    shown = [head, lines[at], *lines[at + 1 : _body_end(lines, at)], *exception]
    return "\n".join([*shown, f"{FULL_LOG.strip()} {log}"] if log else shown)


def _body_end(lines: list[str], frame: int) -> int:
    """Where the lines under a frame (its code, Python's ^^^ markers) end."""
    end = frame + 1
    while end < len(lines) and lines[end].startswith("    ") and not _FRAME.match(lines[end]):
        end += 1
    return end


def _is_library(frame: str) -> bool:
    found = _FRAME.match(frame)
    path = found["path"] if found else None
    return bool(path and _LIBRARY.search(path))
