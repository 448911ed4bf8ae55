"""A failed task's traceback points at the user's code, not at the copy KFP ships to the task.

KFP ships a lightweight component as the source of its function only; the task runs it from a
generated module (`<run>/.components/<function>_<digest>.py`: KFP's imports, then the
function), so the traceback's frame of the user's code names that file. In the process that
defined the component (a kernel, a script), the function's source is in `linecache` (KFP read it
there with `inspect.getsource`; IPython keeps every cell there): `map_frames` finds it and
rewrites the frame to where the line is, `Cell In[5], line 3` for a notebook cell,
`%%component cell In[4], line 6` for a `%%component` cell (whose imports were moved into the
function: `register` keeps the cell's line of each line of the function), or the file and line
of a module. Where the source cannot be found (a compiled YAML, another process), the frame is
left as it is: the generated file exists in the run's folder."""

from __future__ import annotations

import linecache
import re
import sys
from pathlib import Path

__all__ = ["calling_cell", "map_frames", "register"]

_FRAME = re.compile(
    r'File "(?P<path>[^"]*[\\/]\.components[\\/](?P<func>\w+?)_[0-9a-f]+\.py)", '
    r"line (?P<line>\d+)(?P<rest>, in )"
)
_SCAN_LIMIT = 2_000  # linecache entries looked at, at most
_registered: dict[str, tuple[str, list[int]]] = {}  # our file name -> (label, origin lines)


def register(filename: str, label: str, origin_lines: list[int]) -> None:
    """`filename` (a function built from a cell) came from `label` (e.g. `%%component cell
    In[4]`); its line i (0-based) is the cell's line `origin_lines[i]`."""
    _registered[filename] = (label, origin_lines)


def map_frames(text: str) -> str:
    """`text` with each frame of a generated component module pointing at its origin."""
    if ".components" not in text:
        return text
    return _FRAME.sub(_mapped, text)


def _mapped(match: re.Match[str]) -> str:
    try:
        generated = Path(match["path"]).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return match.group(0)
    start = next(
        (i for i, line in enumerate(generated) if line.startswith(f"def {match['func']}(")), None
    )
    offset = int(match["line"]) - 1 - (start or 0)
    if start is None or offset < 0:
        return match.group(0)
    function = _trim(generated[start:])
    found = _find(function)
    if found is None:
        return match.group(0)
    filename, first = found
    return f"{_where(filename, first + offset)}{match['rest']}"


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _find(function: list[str]) -> tuple[str, int] | None:
    """(file name, 0-based line of the `def`) of a linecache source holding `function`."""
    for filename, entry in list(linecache.cache.items())[-_SCAN_LIMIT:]:
        if len(entry) != 4 or not isinstance(entry[2], list):
            continue  # a lazy entry: a module not read yet
        lines = [line.rstrip("\r\n") for line in entry[2]]
        for i, line in enumerate(lines):
            if line.strip() == function[0].strip() and _same(lines, i, function):
                return filename, i
    return None


def _same(lines: list[str], at: int, function: list[str]) -> bool:
    indent = len(lines[at]) - len(lines[at].lstrip())
    if at + len(function) > len(lines):
        return False
    return all(lines[at + k][indent:].rstrip() == want.rstrip() for k, want in enumerate(function))


def _where(filename: str, line: int) -> str:
    """How a traceback names line `line` (0-based) of `filename`."""
    if filename in _registered:
        label, origin = _registered[filename]
        if line < len(origin):
            return f"{label}, line {origin[line]}"
    cell = _cell_name(filename)
    if cell is not None:
        return f"{cell}, line {line + 1}"
    return f'File "{filename}", line {line + 1}'


def _cell_name(filename: str) -> str | None:
    """`Cell In[5]` for a kernel's cell file, as IPython's own tracebacks name it."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    shell = get_ipython()
    format_name = getattr(getattr(shell, "compile", None), "format_code_name", None)
    named = format_name(filename) if format_name is not None else None
    return f"{named[0]} {named[1]}" if named else None


def calling_cell() -> str | None:
    """`In[4]` for the kernel cell whose code is running this call (its frame on the stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        name = _cell_name(frame.f_code.co_filename)
        if name is not None:
            return name.split(" ", 1)[-1]
        frame = frame.f_back  # type: ignore[assignment]
    return None
