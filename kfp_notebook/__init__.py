"""kfp-notebook: run Kubeflow Pipelines (KFP v2) locally, fast and in parallel.

The package root is lazy: names load on first use, so `%load_ext kfp_notebook` and the Jupyter
server extension pay only for what they touch."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kfp_notebook._api.run import Run
    from kfp_notebook._api.session import (
        DockerRunner,
        KubeflowRunner,
        Session,
        SubprocessRunner,
        delete_run,
        get_run,
        list_runs,
    )
    from kfp_notebook._errors import (
        KfpNotebookError,
        PipelineInputError,
        RunCancelledError,
        RunFailedError,
    )
    from kfp_notebook._model.states import RunState, TaskState
    from kfp_notebook._notebook.entry import compare, dry_run, init, run
    from kfp_notebook._notebook.static_graph import graph

__all__ = [
    "DockerRunner",
    "KfpNotebookError",
    "KubeflowRunner",
    "PipelineInputError",
    "Run",
    "RunCancelledError",
    "RunFailedError",
    "RunState",
    "Session",
    "SubprocessRunner",
    "TaskState",
    "compare",
    "delete_run",
    "dry_run",
    "get_run",
    "graph",
    "init",
    "list_runs",
    "run",
]

_WHERE = {
    "compare": "kfp_notebook._notebook.entry",
    "DockerRunner": "kfp_notebook._api.runner_settings",
    "KubeflowRunner": "kfp_notebook._api.session",
    "Session": "kfp_notebook._api.session",
    "SubprocessRunner": "kfp_notebook._api.runner_settings",
    "delete_run": "kfp_notebook._api.session",
    "dry_run": "kfp_notebook._notebook.entry",
    "get_run": "kfp_notebook._api.session",
    "graph": "kfp_notebook._notebook.static_graph",
    "init": "kfp_notebook._notebook.entry",
    "list_runs": "kfp_notebook._api.session",
    "Run": "kfp_notebook._api.run",
    "KfpNotebookError": "kfp_notebook._errors",
    "PipelineInputError": "kfp_notebook._errors",
    "RunCancelledError": "kfp_notebook._errors",
    "RunFailedError": "kfp_notebook._errors",
    "RunState": "kfp_notebook._model.states",
    "TaskState": "kfp_notebook._model.states",
    "run": "kfp_notebook._notebook.entry",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'kfp_notebook' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext kfp_notebook`: the %%component and %kfp magics, and component calls run here."""
    from kfp_notebook._notebook.magics import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from kfp_notebook._notebook.magics import unload

    unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Tell jupyter_server where the REST APIs live: the sidebar's (`kfp_notebook._server`) and
    KFP's own v2beta1 API (`kfp_notebook._kfp_api.jupyter`)."""
    return [{"module": "kfp_notebook._server"}, {"module": "kfp_notebook._kfp_api.jupyter"}]
