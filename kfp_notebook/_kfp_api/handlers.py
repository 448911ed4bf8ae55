"""Tornado handlers for KFP's REST API (the routes `kfp_server_api` calls), host-neutral: `routes`
builds them on a base class whose `prepare()` authenticates (the bearer token of
`kfp-notebook serve`, or Jupyter's own auth when mounted in a Jupyter server)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tornado.httputil import responses
from tornado.ioloop import IOLoop

from kfp_notebook._detached import RunnerSettings
from kfp_notebook._errors import RequestError
from kfp_notebook._kfp_api.catalog import Catalog, parse_spec
from kfp_notebook._kfp_api.registry import Registry
from kfp_notebook._kfp_api.runs import RunService
from kfp_notebook._kfp_api.validate import check_size, optional_text, section
from kfp_notebook._store.logread import chunks

__all__ = ["KfpApi", "routes"]


@dataclass
class KfpApi:
    """The API's state for one pipeline root; handlers find it in `settings["kfp_api"]`."""

    root: Path
    registry: Registry
    catalog: Catalog
    runs: RunService

    @classmethod
    def open(cls, root: Path, settings: RunnerSettings, extras: bool = True) -> KfpApi:
        """`extras=False`: task details exactly as the backend's (no pod names, no outputs)."""
        root = root.expanduser().resolve()
        registry = Registry(root)
        runs = RunService(root, registry, settings, extras=extras)
        return cls(root, registry, Catalog(registry), runs)


_ANY = ("GET", "POST", "PUT", "PATCH", "DELETE")
_GRPC = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 413: 8, 500: 13, 501: 12}


def error_body(exc: RequestError) -> dict[str, Any]:
    """The backend's error shape: the message, and the gRPC code it would send."""
    code = _GRPC.get(exc.status, 2)
    return {"error": exc.message, "code": code, "message": exc.message, "details": []}


class _Api:
    """Mixed into a host's handler class: JSON in and out, errors in the backend's format."""

    request: Any
    settings: dict[str, Any]
    set_status: Callable[..., None]
    set_header: Callable[..., None]
    finish: Callable[..., Any]
    get_query_argument: Callable[..., Any]

    @property
    def api(self) -> KfpApi:
        api = self.settings["kfp_api"]
        if not isinstance(api, KfpApi):  # a factory: open the root on first use
            api = self.settings["kfp_api"] = api()
        assert isinstance(api, KfpApi)
        return api

    def args(self) -> dict[str, str]:
        return {k: self.get_query_argument(k) for k in self.request.query_arguments}

    def body(self) -> dict[str, Any]:
        check_size(self.request.body or b"")
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise RequestError(400, f"the request body is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise RequestError(400, "the request body must be a JSON object")
        return data

    @staticmethod
    def produce(make: Callable[[], Any]) -> tuple[Any, RequestError | None]:
        """What `make` returns, or the refusal it raised (safe to run off the IOLoop)."""
        try:
            try:
                return make(), None
            except ValueError as exc:  # a malformed page_token, filter or page_size
                raise RequestError(400, f"Invalid input error: {exc}") from exc
        except RequestError as exc:
            return None, exc

    def reply(self, result: Any, error: RequestError | None) -> bool:
        """Answer a refusal in the backend's shape (False), or set up a success (True)."""
        self.set_header("Content-Type", "application/json")
        self.set_header("X-Content-Type-Options", "nosniff")
        if error is None:
            return True
        self.set_status(error.status)
        self.finish(json.dumps(error_body(error)))
        return False

    def attempt(self, make: Callable[[], Any]) -> tuple[bool, Any]:
        result, error = self.produce(make)
        return self.reply(result, error), result

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Tornado's own refusals in the backend's shape, as its gateway (grpc-gateway v2)
        answers them: a method the path does not take is 501 UNIMPLEMENTED "Method Not
        Allowed"; anything else unforeseen is INTERNAL, never an HTML page."""
        self.set_header("Content-Type", "application/json")
        if status_code == 405:
            self.set_status(501)
            error = RequestError(501, "Method Not Allowed")
        else:
            reason = responses.get(status_code, "") if status_code < 500 else ""
            error = RequestError(status_code, reason or "Internal")
        self.finish(json.dumps(error_body(error)))

    async def answer(self, make: Callable[[], Any]) -> None:
        """Run `make` on a worker thread (parsing a large upload never holds up other
        requests), then answer on the IOLoop."""
        result, error = await IOLoop.current().run_in_executor(None, self.produce, make)
        if self.reply(result, error):
            self.finish(result if isinstance(result, str) else json.dumps(result))


def _make(base: type, name: str, methods: dict[str, Callable[..., Any]]) -> type:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        async def method(self: Any, *path: str) -> None:
            await self.answer(lambda: fn(self, *path))

        return method

    return type(name, (_Api, base), {m.lower(): wrap(f) for m, f in methods.items()})


def _create_run(h: _Api) -> dict[str, Any]:
    body, api = h.body(), h.api
    version = None
    if body.get("pipeline_spec"):
        spec = section(body, "pipeline_spec")
        spec = section(spec, "pipeline_spec", "pipeline_spec.") if "pipeline_spec" in spec else spec
        spec = parse_spec(json.dumps(spec))
    elif body.get("pipeline_version_reference"):
        version = api.catalog.resolve_version(section(body, "pipeline_version_reference"))
        spec = parse_spec(version["spec"])
    else:
        raise RequestError(400, "a run needs pipeline_spec or pipeline_version_reference")
    experiment = optional_text(body, "experiment_id") or api.catalog.default_experiment()
    api.catalog.experiment(experiment)
    return api.runs.create(body, spec, version, experiment)


def _upload(h: _Api, version: bool) -> dict[str, Any]:
    files = h.request.files.get("uploadfile")
    if not files:
        raise RequestError(400, "Failed to upload: the form field 'uploadfile' is missing")
    text, a = files[0]["body"], h.args()
    name = a.get("name") or a.get("display_name") or ""
    if version:
        pipeline = a.get("pipelineid") or ""
        return h.api.catalog.upload_version(text, pipeline, name, a.get("description", ""))
    return h.api.catalog.upload(text, name, a.get("description", ""), a.get("namespace", ""))


def _pipeline_by_name(h: _Api, name: str) -> dict[str, Any]:
    for p in h.api.registry.all("pipelines", display_name=name):
        return h.api.catalog.pipeline(p["pipeline_id"])
    raise RequestError(404, f"Pipeline {name!r} not found")


class _LogStream:
    """The v1alpha1 node log, streamed in chunks (a 1 GiB log never sits in memory; other
    requests are served between chunks). A log it cannot read is answered as the API server's
    older releases answer it (`run_log_server.go` wrote status 200 before it read): 200 and the
    body `{"error_message", "error_details"}`; newer ones send that body with 500, which a
    client takes as well and serve never answers."""

    async def get(self: Any, run_id: str, node: str) -> None:
        result, error = self.produce(lambda: self.api.runs.log(run_id, node))
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        if error is not None:
            message = error.message
            self.finish(json.dumps({"error_message": message, "error_details": message}))
            return
        for block in chunks(result):
            self.write(block)
            await self.flush()
        self.finish()


class _PodLogs:
    """The KFP UI host's `GET /k8s/pod/logs?podname=P[&podnamespace=N]`, as its server answers
    (frontend/server/handlers/pod-logs.ts): the pod's log as text/plain, an attachment; 400
    without `podname`, 404 "pod not found"; errors as plain text, not the API's JSON."""

    async def get(self: Any) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Disposition", "attachment")
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        pod = self.get_argument("podname", "")
        if not pod:
            self.set_status(400)
            self.finish("podname argument is required")
            return
        try:
            path = await IOLoop.current().run_in_executor(None, self.api.runs.pod_log, pod)
        except RequestError as exc:
            self.set_status(exc.status)
            self.finish(exc.message)
            return
        for block in chunks(path):
            self.write(block)
            await self.flush()
        self.finish()


class _NoRoute:
    """Any other path under /apis/, any method: the gateway's 404 NOT_FOUND "Not Found"."""

    def _none(self: Any, *_: str) -> None:
        self.reply(None, RequestError(404, "Not Found"))

    get = post = put = patch = delete = head = options = _none


def routes(prefix: str, base: type) -> list[tuple[str, type]]:
    """URL patterns under `prefix` (empty for `serve`, `<base_url>kfp-notebook/kfp` in Jupyter)."""
    v2 = prefix + "/apis/v2beta1"
    ident = r"([^/:]+)"
    runs, exps, pipes = "runs", "experiments", "pipelines"
    table: list[tuple[str, dict[str, Callable[..., Any]]]] = [
        ("/healthz", dict.fromkeys(_ANY, lambda h: {"multi_user": False})),  # any, as main.go
        (f"/{exps}", {"GET": lambda h: h.api.catalog.list_experiments(h.args()),
                      "POST": lambda h: h.api.catalog.create_experiment(h.body())}),
        (f"/{exps}/{ident}:archive",
         {"POST": lambda h, e: h.api.catalog.archive_experiment(e, True)}),
        (f"/{exps}/{ident}:unarchive",
         {"POST": lambda h, e: h.api.catalog.archive_experiment(e, False)}),
        (f"/{exps}/{ident}", {"GET": lambda h, e: h.api.catalog.experiment(e),
                              "DELETE": lambda h, e: h.api.catalog.delete_experiment(e)}),
        (f"/{pipes}/upload", {"POST": lambda h: _upload(h, False)}),
        (f"/{pipes}/upload_version", {"POST": lambda h: _upload(h, True)}),
        (f"/{pipes}/names/{ident}", {"GET": _pipeline_by_name}),
        (f"/{pipes}", {"GET": lambda h: h.api.catalog.list_pipelines(h.args())}),
        (f"/{pipes}/{ident}/versions/{ident}",
         {"GET": lambda h, p, v: h.api.catalog.version(p, v),
          "DELETE": lambda h, p, v: h.api.catalog.delete_version(p, v)}),
        (f"/{pipes}/{ident}/versions",
         {"GET": lambda h, p: h.api.catalog.list_versions(p, h.args())}),
        (f"/{pipes}/{ident}", {
            "GET": lambda h, p: h.api.catalog.pipeline(p),
            "DELETE": lambda h, p: h.api.catalog.delete_pipeline(
                p, h.args().get("cascade", "").lower() == "true")}),
        (f"/{runs}", {"GET": lambda h: h.api.runs.list(h.args()), "POST": _create_run}),
        (f"/{runs}/{ident}:terminate", {"POST": lambda h, r: h.api.runs.terminate(r)}),
        (f"/{runs}/{ident}:retry", {"POST": lambda h, r: h.api.runs.retry(r)}),
        (f"/{runs}/{ident}:archive", {"POST": lambda h, r: h.api.runs.archive(r, True)}),
        (f"/{runs}/{ident}:unarchive", {"POST": lambda h, r: h.api.runs.archive(r, False)}),
        (f"/{runs}/{ident}", {"GET": lambda h, r: h.api.runs.get(r),
                              "DELETE": lambda h, r: h.api.runs.delete(r)}),
    ]  # fmt: skip
    out = [
        (v2 + path, _make(base, f"KfpApi{i}Handler", methods))
        for i, (path, methods) in enumerate(table)
    ]
    log = prefix + f"/apis/v1alpha1/runs/{ident}/nodes/{ident}/log"
    out.append((log, type("KfpApiLogHandler", (_LogStream, _Api, base), {})))
    out.append((prefix + "/k8s/pod/logs", type("KfpUiPodLogHandler", (_PodLogs, _Api, base), {})))
    out.append((prefix + "/apis/.*", type("KfpApiNoRouteHandler", (_NoRoute, _Api, base), {})))
    return out
