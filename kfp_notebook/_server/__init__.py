"""The Jupyter server extension: a REST API over this machine's pipeline roots for the sidebar.

Endpoints, under `<base_url>kfp-notebook/api`:

- `GET roots`: registered and configured roots, each with an id and a change token
- `GET roots/ID/token`: the change token alone (cheap; poll it)
- `GET roots/ID/pipelines`: pipeline names with their run counts
- `GET roots/ID/experiments`: experiment names with their run counts
- `GET roots/ID/runs?limit=&cursor=&status=&pipeline=&experiment=`: a page of runs, newest first
- `GET roots/ID/runs/RUN`, `DELETE roots/ID/runs/RUN`: one run with its tasks; delete it
- `POST roots/ID/runs/RUN/rerun` with `{"from_task": T}`: resume it from T in a new process
- `POST roots/ID/runs/RUN/spin` with `{"task": T}`: run T alone again, as a new run
- `GET roots/ID/runs/RUN/log[?task=]`: the end of the run's or a task's log
- `GET roots/ID/runs/RUN/artifacts/preview|raw?task=&name=[&path=]`: preview, download
- `GET roots/ID/compare?runs=A,B[,...]` or `?experiment=E&last=N`: runs side by side
- `GET roots/ID/trend?experiment=E&metric=M`: one metric over an experiment's runs
- `GET widget.js?v=DIGEST`: the run widget's bundle (a saved notebook keeps only a loader)
- `GET chunks/NAME.js`: a chunk the bundle imports on demand (`elk-HASH.js`, the layout engine)
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from kfp_notebook._server._artifacts import PreviewHandler, RawHandler
from kfp_notebook._server._compare import CompareHandler, ExperimentsHandler, TrendHandler
from kfp_notebook._server._config import KfpNotebookServer
from kfp_notebook._server._handlers import (
    BaseHandler,
    CancelHandler,
    PipelinesHandler,
    RerunHandler,
    RootsHandler,
    RunHandler,
    RunsHandler,
    TokenHandler,
)
from kfp_notebook._server._logs import LogHandler
from kfp_notebook._server._spin import SpinHandler
from kfp_notebook._server._widget import WidgetBundleHandler, WidgetChunkHandler

__all__ = ["KfpNotebookServer", "routes"]


def routes(base: str) -> list[tuple[str, type[BaseHandler]]]:
    """URL patterns below `base` (`<base_url>kfp-notebook/api`)."""
    root = base + r"/roots/(?P<rid>[0-9a-f]{16})"
    run = root + r"/runs/(?P<run_id>[^/]+)"
    return [
        (base + r"/roots", RootsHandler),
        (base + r"/widget\.js", WidgetBundleHandler),
        (base + r"/chunks/(?P<name>[A-Za-z0-9_-]+\.js)", WidgetChunkHandler),
        (root + r"/token", TokenHandler),
        (root + r"/pipelines", PipelinesHandler),
        (root + r"/experiments", ExperimentsHandler),
        (root + r"/compare", CompareHandler),
        (root + r"/trend", TrendHandler),
        (root + r"/runs", RunsHandler),
        (run + r"/rerun", RerunHandler),
        (run + r"/spin", SpinHandler),
        (run + r"/cancel", CancelHandler),
        (run + r"/log", LogHandler),
        (run + r"/artifacts/preview", PreviewHandler),
        (run + r"/artifacts/raw", RawHandler),
        (run, RunHandler),
    ]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the handlers; called by jupyter_server for the enabled extension."""
    options = KfpNotebookServer(parent=serverapp, config=serverapp.config)
    web_app = serverapp.web_app
    web_app.settings["kfp_notebook"] = options
    base = url_path_join(web_app.settings["base_url"], "kfp-notebook", "api")
    web_app.add_handlers(".*$", routes(base))
    serverapp.log.info("kfp-notebook: REST API at %s", base)
