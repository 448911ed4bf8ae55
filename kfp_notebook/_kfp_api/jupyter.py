"""KFP's REST API inside a Jupyter server, under `<base_url>kfp-notebook/kfp`, with Jupyter's own
authentication and authorization (resource `kfp-notebook`), so a notebook can use
`kfp.Client(host=<server url>/kfp-notebook/kfp, existing_token=<jupyter token>)`.

Like the sidebar's API it never imports the engine: runs start as detached `kfp-notebook run`
processes (`_detached.py`). It serves one pipeline root, `c.KfpApiMount.pipeline_root`
(default `local_outputs` under the server's root folder, where notebooks' `./local_outputs`
usually is). ML Metadata answers beside it, as on a deployment (`mlmd.py`): gRPC-Web calls are
POSTs that only read, authorized as reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Bool, Int, Unicode
from traitlets.config import Configurable

from kfp_notebook._detached import RunnerSettings
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._kfp_api.handlers import KfpApi, routes
from kfp_notebook._kfp_api.mlmd import MetadataMirror, mlmd_routes
from kfp_notebook._kfp_api.ui import page_route
from kfp_notebook._runners import DEFAULT_RUNNER, runner_help
from kfp_notebook._store.reader import StoreReader

__all__ = ["JupyterApiHandler", "KfpApiMount"]

AUTH_RESOURCE = "kfp-notebook"


class KfpApiMount(Configurable):
    """Settings of the KFP API mounted in Jupyter (`c.KfpApiMount.pipeline_root = ...`)."""

    enabled = Bool(True, help="Serve KFP's REST API under <base_url>kfp-notebook/kfp.").tag(
        config=True
    )
    pipeline_root = Unicode(
        "local_outputs",
        help="The pipeline root whose runs the API serves (relative: to the server root folder).",
    ).tag(config=True)
    runner = Unicode(DEFAULT_RUNNER, help=f"How runs execute their tasks: {runner_help()}.").tag(
        config=True
    )
    workers = Int(0, help="Parallel tasks per run (0: one per CPU).").tag(config=True)


class JupyterApiHandler(APIHandler):
    """Every request authenticated by Jupyter and authorized on `kfp-notebook` (GET: read,
    anything else: write); a refusal is 403 like every Jupyter API."""

    auth_resource = AUTH_RESOURCE
    reads_by_post = False  # gRPC-Web: every call is a POST, and ML Metadata's only read

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        user = self.current_user
        if user is None:
            raise web.HTTPError(403, "authentication required (send the Jupyter token)")
        reads = self.request.method in ("GET", "HEAD") or self.reads_by_post
        action = "read" if reads else "write"
        if not self.authorizer.is_authorized(self, user, action, AUTH_RESOURCE):
            raise web.HTTPError(403, f"not authorized to {action} {AUTH_RESOURCE}")


class _MetadataHandler(JupyterApiHandler):
    """ML Metadata's gRPC-Web calls: POSTs that only read, answered in gRPC-Web's content type
    (Jupyter's APIHandler.finish would label every answer JSON)."""

    reads_by_post = True

    def finish(self, *args: Any, **kwargs: Any) -> Any:
        self.update_api_activity()
        return web.RequestHandler.finish(self, *args, **kwargs)


def _load_jupyter_server_extension(serverapp: Any) -> None:
    mount = KfpApiMount(parent=serverapp, config=serverapp.config)
    if not mount.enabled:
        return
    root = Path(mount.pipeline_root).expanduser()
    if not root.is_absolute():
        root = Path(serverapp.root_dir) / root
    try:
        settings = RunnerSettings(mount.runner, mount.workers or None)
    except KfpNotebookError as exc:
        serverapp.log.error("kfp-notebook: KFP API not mounted: KfpApiMount.runner: %s", exc)
        return
    web_app = serverapp.web_app
    # opened on the first request: loading the extension creates no folder
    web_app.settings["kfp_api"] = lambda: KfpApi.open(root, settings)
    resolved = root.expanduser().resolve()
    web_app.settings["kfp_mlmd"] = lambda: MetadataMirror(resolved, StoreReader(resolved))
    prefix = url_path_join(web_app.settings["base_url"], "kfp-notebook", "kfp").rstrip("/")
    api_routes = routes(prefix, JupyterApiHandler)
    metadata = mlmd_routes(prefix, _MetadataHandler)
    web_app.add_handlers(".*$", [*api_routes, *metadata, page_route(prefix)])
    serverapp.log.info("kfp-notebook: KFP v2beta1 API at %s for runs under %s", prefix, root)
