"""KFP's executor boilerplate in task logs, told apart from the user's own lines.

Every task's log starts with KFP's executor saying where it looks for the component, that it
loads it, the whole executor input as indented JSON, and ends with where it wrote its output.
A failed task's traceback starts with frames that are not the user's code: the task process's
own entry (kfp-notebook's `_kfpnb_task_*` scripts) and KFP's executor (`kfp/dsl/executor.py`,
`executor_main.py`); each such frame (its `File` line and the source lines under it) is folded
too, so the traceback reads from the component's function on.
Views fold these by default (the CLI without --verbose, the widget's log pane, the quoted tail
of a failure); the log file keeps everything. The TypeScript copy of the patterns is generated
from here (`kfp_notebook._views.typescript`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

__all__ = [
    "BLOCK_END",
    "BLOCK_START",
    "BOILERPLATE",
    "FRAME",
    "INFRA_FILE",
    "LogFolder",
    "folded",
    "strip_ansi",
    "user_lines",
]

BOILERPLATE = re.compile(
    r"^\[KFP Executor [^\]]*\]: (Looking for component|Loading KFP component|Got executor_input"
    r"|Wrote executor output file)"
)
BLOCK_START = "Got executor_input:"  # followed by the input as JSON, up to a line "}"
BLOCK_END = "}"
FRAME = re.compile(r'^( *)File "([^"]+)", line \d+, in ')  # a traceback frame's first line
INFRA_FILE = re.compile(r"[\\/](_kfpnb_task_[a-z]+\.py|kfp[\\/]dsl[\\/]executor(_main)?\.py)$")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def strip_ansi(text: str) -> str:
    """Text without terminal colour and cursor codes (installers colour their errors)."""
    return _ANSI.sub("", text)


class LogFolder:
    """Feed one task's lines in order; `keep(line)` says whether the user should see it."""

    def __init__(self) -> None:
        self._in_block = False
        self._frame_indent: int | None = None  # folding the source lines of this frame

    def keep(self, line: str) -> bool:
        if self._frame_indent is not None:
            if line.strip() and len(line) - len(line.lstrip(" ")) > self._frame_indent:
                return False
            self._frame_indent = None
        frame = FRAME.match(line)
        if frame is not None and INFRA_FILE.search(frame.group(2)):
            self._frame_indent = len(frame.group(1))
            return False
        if self._in_block:
            if line.rstrip() == BLOCK_END:
                self._in_block = False
            return False
        if BOILERPLATE.match(line):
            self._in_block = line.rstrip().endswith(BLOCK_START)
            return False
        return True


def user_lines(lines: Iterable[str]) -> list[str]:
    """The lines of one task's log that are the task's own."""
    folder = LogFolder()
    return [line for line in lines if folder.keep(line)]


def folded(lines: Iterable[str], prefixed: bool = False) -> Iterator[str]:
    """`lines` without the boilerplate, lazily; `prefixed`: a run's overview log, each line
    `task | text`, folded per task."""
    folders: dict[str, LogFolder] = {}
    for line in lines:
        key, text = "", line
        if prefixed and " | " in line:
            key, text = line.split(" | ", 1)
        if folders.setdefault(key, LogFolder()).keep(text):
            yield line
