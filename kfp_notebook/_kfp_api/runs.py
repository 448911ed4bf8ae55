"""The run operations of the API over one pipeline root: create (from a spec or a pipeline
version), get, list, terminate, retry, delete, archive, and a task's log. Tornado-free: the
handlers (`_kfp_api/handlers.py`) call these; errors are `RequestError(status, message)`."""

from __future__ import annotations

import json
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from kfp_notebook._detached import DetachedRun, DetachedStarter, RunnerSettings, run_like
from kfp_notebook._errors import KfpNotebookError, RequestError, RunStillRunningError
from kfp_notebook._kfp_api.catalog import dump_spec, load_documents
from kfp_notebook._kfp_api.convert import ListQuery, run_json
from kfp_notebook._kfp_api.registry import Registry
from kfp_notebook._kfp_api.tasks import log_task_for
from kfp_notebook._kfp_api.validate import optional_text, section
from kfp_notebook._model.states import TaskState
from kfp_notebook._store import layout, objects, operations
from kfp_notebook._store.objroot import is_object_uri, parse_object_root
from kfp_notebook._store.reader import StoreReader

__all__ = ["RunService"]

# The fields of a v2beta1 Run the registry has no column for, kept as the client sent them (the
# backend stores and returns them: backend/api/v2beta1/run.proto, server/api_converter.go), in
# the run's folder, written once when the run is created.
_KEPT_FIELDS = ("recurring_run_id", "plugins_input", "plugins_output")
_KEPT_FILE = "kfp-api-run.json"


class _Recent:
    """Parsed files of the runs last read, made once each, at most `size` held (a listing of
    10,000 runs must not keep them all); shared by the handlers' worker threads."""

    def __init__(self, size: int = 256) -> None:
        self.size, self.lock, self.held = size, threading.Lock(), OrderedDict[str, dict[str, Any]]()

    def get(self, key: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self.lock:
            if key in self.held:
                self.held.move_to_end(key)
                return self.held[key]
        made = make()
        with self.lock:
            self.held[key] = made
            while len(self.held) > self.size:
                self.held.popitem(last=False)
        return made


class RunService:
    def __init__(
        self,
        root: Path,
        registry: Registry,
        settings: RunnerSettings,
        starter: DetachedStarter | None = None,
        extras: bool = True,
    ) -> None:
        """Runs start as detached `kfp-notebook run` processes with `settings`; a retry runs
        with the settings its run recorded. `extras=False`: task details as the backend's."""
        self.root, self.registry, self.settings = root, registry, settings
        self.extras = extras
        self.starter = starter or DetachedStarter()
        self.store = StoreReader(root)
        self._specs, self._kept = _Recent(), _Recent()

    # ------------------------------------------------------------------ reading
    def entry(self, run_id: str) -> dict[str, Any]:
        entry = self.registry.get("runs", run_id)
        if entry is None:
            raise RequestError(404, f"Run {run_id} not found")
        return entry

    def get(self, run_id: str, details: bool = True) -> dict[str, Any]:
        """The Run message; `details=False` leaves out its task details and echoed spec (what
        a listing filters and sorts on needs neither)."""
        entry = self.entry(run_id)
        record = self.store.get_run(run_id)
        tasks = self.store.get_tasks(run_id) if record is not None and details else None
        canceling = self.store.cancel_requested(run_id)
        out = run_json(entry, record, tasks if details else None, canceling, self.extras)
        out.update(self._kept_fields(run_id))
        if details and not entry["pipeline_version_id"]:  # an inline spec: the backend echoes it
            out["pipeline_spec"] = self._spec(run_id)
        return out

    def _spec(self, run_id: str) -> dict[str, Any]:
        def parse() -> dict[str, Any]:
            try:
                found = next(iter(load_documents(self.store.read_spec(run_id))))
            except (OSError, StopIteration, yaml.YAMLError):
                return {}
            return found if isinstance(found, dict) else {}

        return self._specs.get(run_id, parse)

    def _kept_fields(self, run_id: str) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            try:
                kept = json.loads((layout.run_dir(self.root, run_id) / _KEPT_FILE).read_text())
            except (OSError, ValueError):
                return {}
            return kept if isinstance(kept, dict) else {}

        return self._kept.get(run_id, read)

    def list(self, args: dict[str, str]) -> dict[str, Any]:
        query = ListQuery(args)
        experiment = args.get("experiment_id")
        entries = self.registry.all("runs", **({"experiment_id": experiment} if experiment else {}))
        rows = [self.get(e["run_id"], details=False) for e in entries]
        page, total, token = query.apply(rows)
        runs = [self.get(r["run_id"]) for r in page]  # the details of the page's runs alone
        return {"runs": runs, "total_size": total, "next_page_token": token}

    # ------------------------------------------------------------------ starting
    def create(self, body: dict[str, Any], spec: dict[str, Any], version: dict[str, Any] | None,
               experiment_id: str) -> dict[str, Any]:  # fmt: skip
        config = section(body, "runtime_config")
        params = section(config, "parameters", "runtime_config.")
        pipeline_root = optional_text(config, "pipeline_root", "runtime_config.")
        display_name = optional_text(body, "display_name") or spec["pipelineInfo"]["name"]
        description = optional_text(body, "description")
        service_account = optional_text(body, "service_account")
        kept = _fields_kept(body)
        settings = self._settings_for(pipeline_root)
        run_id = self.registry.new_id()
        path = layout.write_spec(self.root, run_id, dump_spec(spec))
        if kept:
            (path.parent / _KEPT_FILE).write_text(json.dumps(kept))
        self.registry.insert(
            "runs",
            run_id=run_id,
            display_name=display_name,
            description=description,
            experiment_id=experiment_id,
            pipeline_id=version["pipeline_id"] if version else "",
            pipeline_version_id=version["pipeline_version_id"] if version else "",
            runtime_config={
                "parameters": params,
                "pipeline_root": pipeline_root or self.settings.object_root or str(self.root),
            },
            service_account=service_account,
            storage_state="AVAILABLE",
        )
        self._launch(DetachedRun(self.root, run_id, path, settings, params))
        return self.get(run_id)

    def _settings_for(self, pipeline_root: str) -> RunnerSettings:
        """Runs are recorded under the served pipeline root. A root on an object store (its
        bucket reachable) is where the run's artifacts go; another local root is refused."""
        if is_object_uri(pipeline_root):
            try:
                bucket = parse_object_root(pipeline_root)
                assert bucket is not None
                objects.check_bucket(bucket)
            except KfpNotebookError as exc:
                raise RequestError(400, f"runtime_config.pipeline_root: {exc}") from None
            return replace(self.settings, object_root=bucket.uri)
        self._check_root(pipeline_root)
        return self.settings

    def _check_root(self, pipeline_root: str) -> None:
        if not pipeline_root:
            return
        path = Path(pipeline_root.removeprefix("file://")).expanduser().resolve()
        if path != self.root:
            raise RequestError(
                400,
                f"pipeline_root {pipeline_root!r} is not served here: this server records runs "
                f"under {self.root}; leave pipeline_root out or restart serve with"
                " --pipeline-root",
            )

    def _launch(self, launch: DetachedRun) -> None:
        run_id = launch.run_id

        def on_exit(code: int, tail: str) -> None:
            if code != 0 and self.store.get_run(run_id) is None:
                message = tail or f"the run's process exited with status {code}"
                self.registry.update("runs", run_id, error=message)

        self.registry.update("runs", run_id, error="")
        try:
            self.starter.start(launch, on_exit)
        except RuntimeError:  # this server's previous process of the run still runs
            raise RequestError(400, f"Run {run_id} is still being run; wait for it") from None

    # ------------------------------------------------------------------ operations
    def terminate(self, run_id: str) -> dict[str, Any]:
        self.entry(run_id)
        if operations.request_cancel(self.root, run_id):
            return {}
        if self.store.get_run(run_id) is None and self.starter.stop(self.root, run_id):
            self.registry.update("runs", run_id, error="terminated before it started")
            return {}
        raise RequestError(400, f"Run {run_id} is not running; nothing to terminate")

    def retry(self, run_id: str) -> dict[str, Any]:
        """Resume a failed or terminated run under the same id: its succeeded tasks are reused,
        the first failed task and everything not done run again."""
        self.entry(run_id)
        record = self.store.get_run(run_id)
        if record is None or not record.status.terminal:
            raise RequestError(400, f"Run {run_id} is not finished; only a finished run is retried")
        if record.status.value == "SUCCEEDED":
            raise RequestError(400, f"Run {run_id} succeeded; there is nothing to retry")
        tasks = self.store.get_tasks(run_id)
        redo = [t for t in tasks if t.kind.is_leaf and not t.status.ok
                and t.status is not TaskState.SKIPPED]  # fmt: skip
        if not redo:
            raise RequestError(400, f"Run {run_id} has no failed task to retry from")
        self._launch(run_like(record, self.root, redo[0].task_id, dict(record.arguments)))
        return {}

    def delete(self, run_id: str) -> dict[str, Any]:
        self.entry(run_id)
        if self.store.get_run(run_id) is None:  # never recorded: its process failed early
            self.starter.stop(self.root, run_id)
            shutil.rmtree(layout.run_dir(self.root, run_id), ignore_errors=True)
        else:
            try:
                operations.delete_run(self.root, run_id)
            except RunStillRunningError as exc:
                raise RequestError(400, str(exc)) from exc
        self.registry.delete("runs", run_id)
        return {}

    def archive(self, run_id: str, archived: bool) -> dict[str, Any]:
        self.entry(run_id)
        state = "ARCHIVED" if archived else "AVAILABLE"
        self.registry.update("runs", run_id, storage_state=state)
        return {}

    def log(self, run_id: str, node: str) -> Path:
        """The log of the pod named `node`, refused in the API server's words (a pod not there
        yet, or not any more, and no archive: `ReadLog`, resource_manager.go)."""
        try:
            self.entry(run_id)
        except RequestError as exc:
            raise RequestError(400, f"Failed to read logs for run {run_id} due to run fetching"
                                    f" error: {exc.message}") from exc  # fmt: skip
        record = self.store.get_run(run_id)
        tasks = self.store.get_tasks(run_id) if record is not None else []
        task = log_task_for(record, tasks, node) if record is not None else None
        path = self.store.log_path(run_id, task.task_id) if task is not None else None
        if path is None or not path.exists():
            raise RequestError(400, f"Failed to read logs for run {run_id}: Failed to read logs"
                                    f" from pod {node} due to error opening log stream: pods"
                                    f' "{node}" not found')  # fmt: skip
        return path

    def pod_log(self, pod: str) -> Path:
        """The KFP UI host's `/k8s/pod/logs?podname=POD`: a pod by its name alone. Pods here
        are named by their node ids, `<workflow>-<number>`, the workflow after its run
        (`<pipeline>-<the run id's first 5>`, tasks.py), so only those runs are searched."""
        workflow = pod.rsplit("-", 1)[0]
        for entry in self.registry.all("runs"):
            if not entry["run_id"].startswith(workflow[-5:]):
                continue
            record = self.store.get_run(entry["run_id"])
            tasks = self.store.get_tasks(entry["run_id"]) if record is not None else []
            task = log_task_for(record, tasks, pod) if record is not None else None
            if task is not None and record is not None:
                path = self.store.log_path(record.run_id, task.task_id)
                if path.exists():
                    return path
                break  # a pod whose log is not there (yet, or now) reads as one not found
        raise RequestError(404, "pod not found")

    @staticmethod
    def dumps(obj: Any) -> str:
        return json.dumps(obj)


def _fields_kept(body: dict[str, Any]) -> dict[str, Any]:
    """`recurring_run_id`, and `plugins_input` / `plugins_output`: maps of plugin name to an
    object (a Struct; a PluginOutput), checked as the backend checks their shape."""
    kept: dict[str, Any] = {}
    if optional_text(body, "recurring_run_id"):
        kept["recurring_run_id"] = body["recurring_run_id"]
    for key in ("plugins_input", "plugins_output"):
        plugins = section(body, key)
        for name, value in plugins.items():
            if not isinstance(value, dict):
                raise RequestError(400, f"Invalid {key}: {key}[{name!r}] must be an object")
        if plugins:
            kept[key] = plugins
    return kept
