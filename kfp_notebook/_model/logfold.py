"""KFP's executor boilerplate in task logs, told apart from the user's own lines.

Every task's log starts with KFP's executor saying where it looks for the component, that it
loads it, the whole executor input as indented JSON, and ends with where it wrote its output.
Views fold these by default (the CLI without --verbose, the widget's log pane, the quoted tail
of a failure); the log file keeps everything. The TypeScript copy of the patterns is generated
from here (`kfp_notebook._views.typescript`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["BLOCK_END", "BLOCK_START", "BOILERPLATE", "LogFolder", "user_lines"]

BOILERPLATE = re.compile(
    r"^\[KFP Executor [^\]]*\]: (Looking for component|Loading KFP component|Got executor_input"
    r"|Wrote executor output file)"
)
BLOCK_START = "Got executor_input:"  # followed by the input as JSON, up to a line "}"
BLOCK_END = "}"


class LogFolder:
    """Feed one task's lines in order; `keep(line)` says whether the user should see it."""

    def __init__(self) -> None:
        self._in_block = False

    def keep(self, line: str) -> bool:
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
