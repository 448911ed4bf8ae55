"""`KubeflowRunner` (where a remote run goes) and `Connection`: the real `kfp.Client` talking to a
KFP API server, every failure turned into one `RemoteError` saying what to do."""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kfp_notebook._errors import (
    EndpointUnreachableError,
    KfpNotebookError,
    RemoteAuthError,
    RemoteError,
    RemoteRunNotFoundError,
    RemoteSpecRejectedError,
)
from kfp_notebook._remote.podlog import LogRoutes

__all__ = ["Connection", "KubeflowRunner"]

PAGE_SIZE = 200  # the most runs the backend answers in one page (apiserver/list/list.go)
ENDPOINT_ENV = "KF_PIPELINES_ENDPOINT"  # what kfp.Client reads when host is not given
_TOKEN_HINT = (
    "pass a token: KubeflowRunner(existing_token=...), `--token T` on the CLI or "
    "`%kfp init --runner kubeflow --token T`; in a Kubeflow Notebook the service-account "
    "token is found by kfp.Client itself (/var/run/secrets/kubeflow/pipelines/token)"
)


@dataclass(frozen=True)
class KubeflowRunner:
    """Runs go to a Kubeflow Pipelines cluster and are followed here like local ones.
    `endpoint` defaults to $KF_PIPELINES_ENDPOINT, as kfp.Client does."""

    endpoint: str | None = None
    namespace: str | None = None
    experiment: str | None = None
    existing_token: str | None = None
    credentials: Any = None
    ssl_ca_cert: str | None = None
    poll_interval: float = 0.5  # the first polls; backs off to max_poll_interval when idle
    max_poll_interval: float = 5.0

    name = "kubeflow"

    def resolved_endpoint(self) -> str:
        endpoint = self.endpoint or os.environ.get(ENDPOINT_ENV)
        if not endpoint:
            raise KfpNotebookError(
                "the kubeflow runner needs an endpoint: KubeflowRunner(endpoint=URL), "
                f"--endpoint URL, or ${ENDPOINT_ENV}"
            )
        return _checked_url(endpoint.strip()).rstrip("/")


def _checked_url(endpoint: str) -> str:
    """An http(s) URL with a host. One without a scheme gets https://, as kfp.Client does."""
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KfpNotebookError(
            f"the endpoint {endpoint!r} is not an http:// or https:// URL with a host: give the "
            "KFP API's URL, e.g. http://localhost:8888 after `kubectl port-forward -n kubeflow "
            "svc/ml-pipeline 8888:8888`"
        )
    return endpoint


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", None) or exc)


class Connection:
    def __init__(self, runner: KubeflowRunner) -> None:
        self.runner, self.endpoint = runner, runner.resolved_endpoint()
        self._probe()
        self.logs = LogRoutes(self)  # its tasks' logs (`_remote/podlog.py`)
        import kfp

        with self.translate("connecting"), warnings.catch_warnings():
            # kfp.Client warns on every construction that it needs KFP >= 2.0.0-beta.2: noise
            warnings.filterwarnings("ignore", "This client only works", FutureWarning)
            self.client = kfp.Client(
                host=self.endpoint,
                namespace=runner.namespace or "kubeflow",
                existing_token=runner.existing_token,
                credentials=runner.credentials,
                ssl_ca_cert=runner.ssl_ca_cert,
            )

    def _probe(self) -> None:
        """One quick healthz call: kfp.Client would retry an unreachable host for ~25 s."""
        headers = {}
        if self.runner.existing_token:
            headers["Authorization"] = f"Bearer {self.runner.existing_token}"
        request = urllib.request.Request(self.endpoint + "/apis/v2beta1/healthz", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                body = answer.read(65536)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                if self.runner.credentials is None:
                    raise RemoteAuthError(
                        f"{self.endpoint} refused the request ({exc.code}): {_TOKEN_HINT}"
                    ) from exc
                return
            if self.runner.credentials is None:
                raise EndpointUnreachableError(self._not_kfp(f"HTTP {exc.code}")) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise EndpointUnreachableError(
                f"cannot reach Kubeflow Pipelines at {self.endpoint}: {_reason(exc)}. Check the "
                "URL (in the cluster: http://ml-pipeline.kubeflow.svc.cluster.local:8888; from "
                "a laptop: `kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888`)"
            ) from exc
        else:  # with credentials, a login page may stand in front of the API: kfp.Client knows
            try:
                healthy = json.loads(body)
            except ValueError:
                healthy = None
            if not isinstance(healthy, dict) and self.runner.credentials is None:
                raise EndpointUnreachableError(self._not_kfp("an answer that is not KFP's"))

    def _not_kfp(self, what: str) -> str:
        return (
            f"{self.endpoint} answers, but is not a Kubeflow Pipelines API: its"
            f" /apis/v2beta1/healthz gave {what}. Check the URL and port (the API server,"
            " ml-pipeline, serves on 8888; the UI's port 80 proxies it under the same path)"
        )

    @contextlib.contextmanager
    def translate(self, what: str, run_id: str | None = None) -> Iterator[None]:
        import kfp_server_api
        import urllib3

        try:
            yield
        except kfp_server_api.ApiException as exc:
            message = _backend_message(exc)
            if exc.status in (401, 403):
                raise RemoteAuthError(
                    f"{self.endpoint} refused {what} ({exc.status}: {message}): {_TOKEN_HINT}"
                ) from exc
            if exc.status == 404 and run_id:
                raise RemoteRunNotFoundError(
                    f"{self.endpoint} has no run {run_id} ({message}); check the id and namespace"
                ) from exc
            if what == "the pipeline" and exc.status in (400, 409, 412, 422, 500):
                raise RemoteSpecRejectedError(
                    f"{self.endpoint} rejected the pipeline: {message}"
                ) from exc
            raise RemoteError(f"{self.endpoint}: {what} failed ({exc.status}): {message}") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise EndpointUnreachableError(
                f"lost contact with Kubeflow Pipelines at {self.endpoint}: {_reason(exc)}"
            ) from exc

    # ------------------------------------------------------------------ calls
    def experiment_id_of(self, name: str) -> str | None:
        """The id of the cluster's experiment of that name (None when there is none)."""
        with self.translate("the experiment"):
            try:
                found = self.client.get_experiment(
                    experiment_name=name, namespace=self.runner.namespace
                )
            except ValueError:
                return None
            return str(found.experiment_id)

    def experiment_id(self, name: str) -> str:
        """The id of the experiment of that name, made when missing."""
        import kfp_server_api

        found = self.experiment_id_of(name)
        if found is not None:
            return found
        body = kfp_server_api.V2beta1Experiment(display_name=name, namespace=self.runner.namespace)
        with self.translate("the experiment"):
            created = self.client._experiment_api.experiment_service_create_experiment(body)
        return str(created.experiment_id)

    def submit(
        self, spec: dict[str, Any], arguments: dict[str, Any], name: str, experiment_name: str
    ) -> str:
        """Create the run (the pipeline spec inline, as kfp.Client.run_pipeline does) in the
        cluster's experiment of that name (made when missing)."""
        import kfp_server_api

        experiment = self.experiment_id(experiment_name)
        body = kfp_server_api.V2beta1Run(
            display_name=name,
            experiment_id=experiment,
            pipeline_spec=spec,
            runtime_config=kfp_server_api.V2beta1RuntimeConfig(parameters=arguments),
        )
        with self.translate("the pipeline"):
            run = self.client._run_api.run_service_create_run(body)  # `run` or `body` by version
        return str(run.run_id)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """The run as the backend's JSON, read raw (kfp_server_api's models drop fields they do
        not know), through the client's own authentication."""
        return self.get_json(f"/apis/v2beta1/runs/{run_id}", "reading the run", run_id)

    def list_runs(self, count: int, experiment_id: str | None = None) -> list[dict[str, Any]]:
        """The cluster's latest `count` runs, newest first (`GET /apis/v2beta1/runs`), a page
        of at most PAGE_SIZE at a time: the backend answers no more than 200 in one."""
        query = [("sort_by", "created_at desc")]
        if self.runner.namespace:
            query.append(("namespace", self.runner.namespace))
        if experiment_id:
            query.append(("experiment_id", experiment_id))
        runs: list[dict[str, Any]] = []
        token = ""
        while len(runs) < count:
            page = [("page_size", str(min(count - len(runs), PAGE_SIZE)))]
            page += [("page_token", token)] if token else []
            found = self.get_json("/apis/v2beta1/runs", "listing the runs", query=query + page)
            runs += [r for r in found.get("runs") or [] if isinstance(r, dict)]
            token = str(found.get("next_page_token") or "")
            if not token:
                break
        return runs[:count]

    def experiment_name(self, experiment_id: str) -> str:
        """An experiment's display name ("" when the cluster does not say)."""
        path = f"/apis/v2beta1/experiments/{experiment_id}"
        try:
            return str(self.get_json(path, "reading the experiment").get("display_name") or "")
        except RemoteError:  # deleted since, or not readable here: the id is shown instead
            return ""

    def get_json(
        self, path: str, what: str, run_id: str | None = None,
        query: list[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        api = self.client._run_api.api_client
        with self.translate(what, run_id):
            response = api.call_api(
                path, "GET", query_params=query or [], header_params={"Accept": "application/json"},
                auth_settings=["Bearer"], _preload_content=False, _return_http_data_only=True,
                _request_timeout=30,
            )  # fmt: skip
        try:
            data = json.loads(response.data)
        except ValueError as exc:
            raise RemoteError(f"{self.endpoint} answered with something that is not JSON") from exc
        if not isinstance(data, dict):
            raise RemoteError(f"{self.endpoint}: {what} gave something that is not an object")
        return data

    def terminate(self, run_id: str) -> None:
        with self.translate("terminating the run", run_id):
            self.client.terminate_run(run_id)

    def bearer_token(self) -> str | None:
        """The token kfp.Client sends: the one given, or the one it found itself (a Kubeflow
        Notebook's service-account token), for the other routes of the deployment (MLMD)."""
        config = self.client._run_api.api_client.configuration
        found = (getattr(config, "api_key", None) or {}).get("authorization")
        return self.runner.existing_token or (str(found) if found else None)

    def ui_link(self, run_id: str) -> str:
        return f"{self.client._get_url_prefix()}/#/runs/details/{run_id}"


def _backend_message(exc: Any) -> str:
    try:
        body = json.loads(exc.body or "{}")
        return str(body.get("message") or body.get("error") or exc.reason)
    except (ValueError, AttributeError, TypeError):
        return str(exc.body or exc.reason)
