"""`kfp-notebook serve`: KFP's REST API on this machine, backed by the local engine.

Safe by default: it binds 127.0.0.1; every request needs the token (printed at start, like
Jupyter's, or given with --token) as `Authorization: Bearer T`, which is what
`kfp.Client(existing_token=T)` sends; a non-loopback bind needs an explicit --token; no CORS
headers are sent, so browsers on other origins cannot read answers. Beside the REST API, ML
Metadata's gRPC-Web at `/ml_metadata.MetadataStoreService/<Method>`, as a deployment's UI proxies
it (`_kfp_api/mlmd.py`)."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import secrets
import signal
import socket
from typing import Any

from tornado import httpserver, web

from kfp_notebook._detached import RunnerSettings
from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._kfp_api.handlers import KfpApi, routes
from kfp_notebook._kfp_api.mlmd import MetadataMirror, mlmd_routes
from kfp_notebook._kfp_api.ui import page_route
from kfp_notebook._kfp_api.validate import MAX_FILE_LENGTH
from kfp_notebook._runners import DEFAULT_RUNNER
from kfp_notebook._store.objroot import parse_object_root, resolve_root

__all__ = ["TokenHandler", "make_app", "serve"]


class TokenHandler(web.RequestHandler):
    """Refuses (401) a request without the server's bearer token."""

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")

    def prepare(self) -> None:
        expected: str = self.settings["kfp_api_token"]
        scheme, _, given = self.request.headers.get("Authorization", "").partition(" ")
        same = hmac.compare_digest(  # as bytes: a token may hold any character
            given.strip().encode("utf-8", "surrogateescape"), expected.encode("utf-8")
        )
        if scheme.lower() != "bearer" or not same:
            self.set_status(401)
            self.set_header("Content-Type", "application/json")
            message = "Unauthenticated: send the token printed by `kfp-notebook serve` as "
            message += "Authorization: Bearer TOKEN (kfp.Client(existing_token=TOKEN))"
            self.finish(json.dumps({"error": message, "code": 16, "message": message}))

    def check_xsrf_cookie(self) -> None:  # bearer-token API: no cookies are ever accepted
        return


class _NotFound(web.RequestHandler):
    """A path outside the API's: Go's plain 404, as the API server's top router answers it."""

    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish("404 page not found\n")


def make_app(api: KfpApi, token: str) -> web.Application:
    handlers = [*routes("", TokenHandler), *mlmd_routes("", TokenHandler), page_route("")]
    mlmd = lambda: MetadataMirror(api.root, api.runs.store)  # noqa: E731 (opened on first use)
    return web.Application(
        handlers, kfp_api=api, kfp_api_token=token, kfp_mlmd=mlmd, xsrf_cookies=False,
        default_handler_class=_NotFound,
    )  # fmt: skip


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    pipeline_root: str,
    port: int = 8888,
    bind: str = "127.0.0.1",
    token: str | None = None,
    runner: str = DEFAULT_RUNNER,
    workers: int | None = None,
    use_venv: bool = True,
    backend_shape: bool = False,
) -> int:
    if not _loopback(bind) and not token:
        raise KfpNotebookError(
            f"refusing to serve on {bind} without --token: anyone who can reach it could run "
            "code here; pass --token SECRET (or bind 127.0.0.1)"
        )
    token = token or secrets.token_hex(24)
    bucket = parse_object_root(pipeline_root)  # runs there, recorded in its local part
    settings = RunnerSettings(runner, workers, use_venv, bucket.uri if bucket else None)
    api = KfpApi.open(resolve_root(pipeline_root), settings, extras=not backend_shape)
    sockets = _bind(bind, port)
    actual = sockets[0].getsockname()[1]
    url = f"http://{bind if ':' not in bind else f'[{bind}]'}:{actual}"
    print(f"kfp-notebook serve: KFP v2beta1 API at {url} for runs under {api.root}", flush=True)
    print(f"    kfp.Client(host={url!r}, existing_token={token!r})", flush=True)
    asyncio.run(_run(make_app(api, token), sockets))
    api.registry.close()
    return 0


def _bind(host: str, port: int) -> list[socket.socket]:
    from tornado.netutil import bind_sockets

    try:
        return bind_sockets(port, address=host)
    except OSError as exc:
        raise KfpNotebookError(
            f"cannot listen on {host}:{port}: {exc.strerror}; pick another --port"
        ) from exc


async def _run(app: web.Application, sockets: list[Any]) -> None:
    # A body is refused while it arrives past twice the backend's largest pipeline file (room
    # for a multipart form around one); what is under it is checked by the handlers.
    limit = 2 * MAX_FILE_LENGTH
    server = httpserver.HTTPServer(app, max_buffer_size=limit, max_body_size=limit)
    server.add_sockets(sockets)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
