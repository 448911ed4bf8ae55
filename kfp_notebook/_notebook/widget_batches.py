"""What each batch of the run widget's updates carries: the tasks changed since the batch before,
or now and then the whole list.

A batch of changes is a custom message (`TasksMessage`, in `_views/envelopes.py`), not a synced
trait: a saved notebook keeps every synced trait (nbclient and JupyterLab alike), and a trait
would keep the last changes, which mean nothing without the list they change. The whole list is
the `packed_tasks` trait (the tasks and their log counts; `batch`, the number of the batch it
holds), which a saved notebook keeps once, in its final state, and which a view that was drawn
late, or missed a message, starts from or converges to: a cell that waits for its run cannot
answer a view's request for state, so the kernel sends the whole list by itself, every
`full_seconds` (longer for more tasks), when a batch changes most of the tasks anyway, and at
the end of the run."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["FULL_SECONDS", "TaskBatches"]

# Between two syncs of the whole list while a run goes on; longer for large runs, as each costs
# the page a long frame (a 5,000-iteration loop is 10,000 tasks, 0.4 MB packed, 3.6 MB as
# objects: one sync per 50 s).
FULL_SECONDS = 10.0
FULL_SECONDS_PER_TASK = 0.005
FULL_SHARE = 0.5  # a batch that changes more than this share of the tasks goes as the whole list


class TaskBatches:
    """Numbers the batches and says which ones go as the whole list."""

    def __init__(
        self,
        full_seconds: float = FULL_SECONDS,
        per_task: float = FULL_SECONDS_PER_TASK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.batch = 0  # the number of the last batch, the first state (in the comm's opening) 0
        self._full_seconds = full_seconds
        self._per_task = per_task
        self._clock = clock
        self._last_full = clock()

    def next(self, changed: int, total: int, final: bool = False) -> bool:
        """Numbers the next batch (`batch`); whether it goes as the whole list: at the end
        (`final`), when the changes are most of the list, or when the last whole list is old."""
        self.batch += 1
        now = self._clock()
        due = max(self._full_seconds, total * self._per_task)
        full = final or changed > FULL_SHARE * max(total, 1) or now - self._last_full >= due
        if full:
            self._last_full = now
        return full
