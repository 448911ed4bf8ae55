"""`kfp_notebook.run` and `kfp_notebook.compare`: in a Jupyter kernel a fresh run shows its live
widget and a comparison its comparison widget; elsewhere (scripts, the CLI, plain IPython) they
are the API's. The widget stack is imported only in a kernel."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import kfp_notebook._api.session as api
from kfp_notebook._api.kernel import in_kernel, kernel_shell
from kfp_notebook._api.run import Run
from kfp_notebook._api.session import run as api_run

if TYPE_CHECKING:
    from kfp_notebook._engine.dryrun import DryRunReport
    from kfp_notebook._views.compare.comparison import Comparison

__all__ = ["compare", "dry_run", "in_kernel", "init", "run"]


def run(
    target: Any,
    arguments: dict[str, Any] | None = None,
    wait: bool = True,
    *,
    run_id: str | None = None,
    from_task: str | None = None,
    experiment: str | None = None,
) -> Run:
    """Run a pipeline function, a component or a compiled pipeline file locally; `experiment`
    groups runs to compare (default: the notebook's file name, else the pipeline's name)."""
    if in_kernel() and run_id is None and from_task is None:
        from kfp_notebook._notebook.display import run_with_widget
        from kfp_notebook._notebook.spin import install

        install()  # a spin of one of its tasks shows its widget too

        return run_with_widget(target, arguments, wait, experiment=experiment)
    return api_run(
        target, arguments, wait, run_id=run_id, from_task=from_task, experiment=experiment
    )


@functools.wraps(api.init)
def init(*args: Any, **kwargs: Any) -> api.Session:
    """`kfp_notebook.init(...)` is the API's init, and from then on direct calls of components
    and pipelines run here too, in scripts as in notebooks."""
    session = api.init(*args, **kwargs)
    from kfp_notebook._notebook.calls import install_call_hook

    install_call_hook()
    shell = kernel_shell()
    if shell is not None:
        from kfp_notebook._notebook.static_graph import install_display

        install_display(shell)  # a pipeline function displayed draws its graph
    return session


def dry_run(target: Any, arguments: dict[str, Any] | None = None) -> DryRunReport:
    """List the tasks a run would execute and check its inputs; runs nothing. In a kernel the
    report displays with the pipeline's graph."""
    if not in_kernel():
        return api.dry_run(target, arguments)
    from kfp_notebook._notebook.static_graph import NotebookDryRun
    from kfp_notebook._spec.ir import load_pipeline

    ir = load_pipeline(target)  # compiled once for the report and the graph
    return NotebookDryRun.of(api.dry_run(ir, arguments), ir)


def compare(
    runs: Sequence[str | Run] | str | Run = (),
    *,
    experiment: str | None = None,
    last: int | None = None,
    pipeline_root: str | os.PathLike[str] | None = None,
    trend_metric: str | None = None,
) -> Comparison:
    """Compare 2 to 10 runs (ids or `Run`s), or `experiment=E, last=N` (its latest N runs,
    oldest first); see `kfp_notebook._api.compare.compare`. In a kernel the result displays as
    the comparison widget (with its static HTML for front ends without widgets)."""
    from kfp_notebook._api.compare import compare as api_compare  # not paid by run()

    found = api_compare(
        runs,
        experiment=experiment,
        last=last,
        pipeline_root=pipeline_root,
        trend_metric=trend_metric,
    )
    if not in_kernel():
        return found
    from kfp_notebook._notebook.compare_widget import NotebookComparison

    return NotebookComparison(found.data, found.trend)
