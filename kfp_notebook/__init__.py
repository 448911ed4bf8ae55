"""kfp-notebook: run Kubeflow Pipelines (KFP v2) locally, fast and in parallel."""

from kfp_notebook._api import (
    DockerRunner,
    Session,
    SubprocessRunner,
    delete_run,
    dry_run,
    get_run,
    init,
    list_runs,
    run,
)
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


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Tell jupyter_server where the REST API for the sidebar lives (`kfp_notebook._server`)."""
    return [{"module": "kfp_notebook._server"}]
