"""kfp-notebook: run Kubeflow Pipelines (KFP v2) locally, fast and in parallel."""

from typing import Any

from kfp_notebook._api import (
    DockerRunner,
    Session,
    SubprocessRunner,
    delete_run,
    dry_run,
    get_run,
    init,
    list_runs,
)
from kfp_notebook._entry import run
from kfp_notebook._errors import KfpNotebookError, PipelineInputError, RunFailedError
from kfp_notebook._events import RunState, TaskState
from kfp_notebook._run import Run

__all__ = [
    "DockerRunner",
    "KfpNotebookError",
    "PipelineInputError",
    "Run",
    "RunFailedError",
    "RunState",
    "Session",
    "SubprocessRunner",
    "TaskState",
    "delete_run",
    "dry_run",
    "get_run",
    "init",
    "list_runs",
    "run",
]


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext kfp_notebook`: the %%component and %kfp magics, and component calls run here."""
    from kfp_notebook._magics import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from kfp_notebook._magics import unload

    unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Tell jupyter_server where the REST API for the sidebar lives (`kfp_notebook._server`)."""
    return [{"module": "kfp_notebook._server"}]
