"""Listing runs by the state a reader shows, not the one recorded.

A run recorded RUNNING whose engine is gone reads INTERRUPTED (or the end its engine kept
outside a full root) from the moment it died, before any writer reaps it (`liveness.py`). A
filter on states has to match what every reader shows: `runs --status INTERRUPTED` lists such
a run and `--status RUNNING` does not, and a page's total counts it where it reads. So a filter
asks the index for RUNNING too and keeps what reads as wanted. Runs recorded RUNNING are few
(those going on, and dead ones no writer has opened the root since), so the rows read and
dropped are few.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import kfp_notebook._store.index as _index
from kfp_notebook._model.states import RunState
from kfp_notebook._store.index import RunPage
from kfp_notebook._store.liveness import as_seen
from kfp_notebook._store.records import RunRecord

__all__ = ["count_seen", "list_seen", "page_seen"]

_RUNNING = RunState.RUNNING.value


def _wanted(statuses: list[str] | None) -> set[str]:
    return {s.upper() for s in statuses or []}


def _seen_runs(
    db: sqlite3.Connection,
    root: Path,
    chunk: int,
    cursor: str | None,
    statuses: list[str] | None,
    filters: tuple[str | None, str | None, str | None],
) -> Iterator[RunRecord]:
    """Runs newest first after `cursor`, as seen, in the wanted states; read `chunk` at a time."""
    wanted = _wanted(statuses)
    asked = sorted(wanted | {_RUNNING}) if wanted else None
    while True:
        rows = _index.runs_after(db, chunk, cursor, asked, *filters)
        for row in rows:
            seen = as_seen(root, row)
            if not wanted or seen.status.value in wanted:
                yield seen
        if len(rows) < chunk:
            return
        cursor = _index.cursor_of(rows[-1])


def list_seen(
    db: sqlite3.Connection,
    root: Path,
    limit: int,
    offset: int,
    status: str | None,
    pipeline_name: str | None,
    experiment: str | None,
) -> list[RunRecord]:
    limit, offset = max(limit, 0), max(offset, 0)
    if limit == 0:
        return []
    statuses = [status] if status else None
    runs = _seen_runs(db, root, offset + limit, None, statuses, (pipeline_name, None, experiment))
    return list(itertools.islice(runs, offset, offset + limit))


def page_seen(
    db: sqlite3.Connection,
    root: Path,
    limit: int,
    cursor: str | None,
    statuses: list[str] | None,
    filters: tuple[str | None, str | None, str | None],
) -> RunPage:
    """A keyset page and the total in the wanted states; `filters`: pipeline, text, experiment."""
    seen = _seen_runs(db, root, limit + 1, cursor, statuses, filters)
    found = list(itertools.islice(seen, limit + 1))
    runs = found[:limit]
    more = len(found) > limit and bool(runs)
    total = count_seen(db, root, statuses, filters)
    return RunPage(runs, total, _index.cursor_of(runs[-1]) if more else None)


def count_seen(
    db: sqlite3.Connection,
    root: Path,
    statuses: list[str] | None,
    filters: tuple[str | None, str | None, str | None] = (None, None, None),
) -> int:
    """How many runs read in the wanted states (all of them with none wanted)."""
    wanted = _wanted(statuses)
    total = _index.count_runs(db, sorted(wanted) or None, *filters)
    if not wanted:
        return total
    for row in _index.runs_after(db, -1, None, [_RUNNING], *filters):
        total += int(as_seen(root, row).status.value in wanted) - int(_RUNNING in wanted)
    return total
