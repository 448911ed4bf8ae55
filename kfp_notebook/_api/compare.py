"""`kfp_notebook.compare(...)`: recorded runs side by side, from run ids, `Run` handles or an
experiment's latest runs; runs read from a KFP cluster (`RemoteRun`, from
`get_run(ID, endpoint=URL)`) compare in the same table as local ones."""

from __future__ import annotations

import os
from collections.abc import Sequence

import kfp_notebook._api.session as _sessions
from kfp_notebook._api.remote import RemoteRun, compared
from kfp_notebook._api.run import Run
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._views.compare.comparison import Comparison
from kfp_notebook._views.compare.model import (
    ComparisonError,
    compare_loaded,
    compare_runs,
    load_run,
    select_runs,
)
from kfp_notebook._views.compare.trend import trend

__all__ = ["compare"]


def _reader(runs: Sequence[str | Run], pipeline_root: str | os.PathLike[str] | None) -> StoreReader:
    if pipeline_root is not None:
        return StoreReader(pipeline_root)
    roots = {r._store.root: r._store for r in runs if isinstance(r, Run)}
    if len(roots) > 1:
        raise ComparisonError("the runs live in different pipeline roots; compare runs of one root")
    if roots:
        return next(iter(roots.values()))
    session = _sessions._session
    return session.store if session is not None else StoreReader("./local_outputs")


def compare(
    runs: Sequence[str | Run | RemoteRun] | str | Run | RemoteRun = (),
    *,
    experiment: str | None = None,
    last: int | None = None,
    pipeline_root: str | os.PathLike[str] | None = None,
    trend_metric: str | None = None,
) -> Comparison:
    """Compare 2 to 10 runs (ids or `Run`s), or `experiment=E, last=N` (its latest N runs,
    oldest first; N defaults to 10). Runs are read from `pipeline_root`, else the runs' own
    root, else the session's. `trend_metric` adds that metric over the whole experiment.
    The result displays inline in a notebook; see `.to_pandas()`, `.to_html(path)`."""
    items = [runs] if isinstance(runs, str | Run | RemoteRun) else list(runs)
    if any(isinstance(r, RemoteRun) for r in items):
        if experiment is not None or trend_metric is not None:
            raise ComparisonError("an experiment's runs are compared from one pipeline root")
        here = [r for r in items if not isinstance(r, RemoteRun)]
        local = _reader(here, pipeline_root)
        loaded = [compared(r.refresh()) if isinstance(r, RemoteRun)
                  else load_run(local, r.run_id if isinstance(r, Run) else str(r))
                  for r in items]  # fmt: skip
        return Comparison(compare_loaded(loaded), None)
    reader = _reader([r for r in items if isinstance(r, str | Run)], pipeline_root)
    ids = [r.run_id if isinstance(r, Run) else str(r) for r in items]
    chosen = select_runs(reader, ids, experiment, last)
    if trend_metric is not None and experiment is None:
        raise ComparisonError("a trend follows one experiment: add experiment=...")
    data = compare_runs(reader, chosen)
    shown = trend(reader, experiment, trend_metric) if experiment and trend_metric else None
    return Comparison(data, shown)
