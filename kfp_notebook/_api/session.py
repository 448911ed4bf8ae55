"""The Python API: `init()` once, then `run()`, `list_runs()`, `get_run()`, `delete_run()`,
`dry_run()`. Settings live in a `Session` passed down explicitly, never read deep inside."""

from __future__ import annotations

import atexit
import copy
import os
import sys
import threading
from typing import Any, overload

from kfp_notebook._api.experiments import kernel_experiment
from kfp_notebook._api.remote import RemoteRun, cluster_reader, follow_recorded
from kfp_notebook._api.run import Run
from kfp_notebook._api.runner_settings import DockerRunner, SubprocessRunner, make_executor
from kfp_notebook._api.source_map import map_frames
from kfp_notebook._engine.dryrun import DryRunReport, plan_run
from kfp_notebook._engine.engine import Engine
from kfp_notebook._errors import run_ended_error
from kfp_notebook._model.events import EventBus, Listener
from kfp_notebook._model.failure import brief
from kfp_notebook._model.states import RunState, parse_run_state
from kfp_notebook._remote.connection import KubeflowRunner
from kfp_notebook._remote.launch import RemoteStarter, remote_runner
from kfp_notebook._runners import DEFAULT_RUNNER
from kfp_notebook._spec.ir import load_pipeline
from kfp_notebook._store.objroot import parse_object_root, resolve_root
from kfp_notebook._store.store import RunRecord, RunStore

__all__ = [
    "DockerRunner",
    "KubeflowRunner",
    "Session",
    "SubprocessRunner",
    "delete_run",
    "dry_run",
    "get_run",
    "init",
    "list_runs",
    "run",
]


class Session:
    """One pipeline root, one executor, one worker bound; the engine behind the API."""

    def __init__(
        self,
        runner: Any = DEFAULT_RUNNER,
        pipeline_root: str | os.PathLike[str] = "./local_outputs",
        max_workers: int | None = None,
        cache: bool = False,
        raise_on_error: bool = True,
        experiment: str | None = None,
        endpoint: str | None = None,
        object_root: str | None = None,
    ) -> None:
        """`pipeline_root`: a folder, or `s3://`, `minio://`, `gs://` BUCKET/PREFIX (artifacts
        go there, the record to its local part); `object_root`: artifacts to that bucket while
        the record stays under a local `pipeline_root`."""
        bucket = parse_object_root(object_root or pipeline_root)
        self.store = RunStore(resolve_root(pipeline_root))
        self._scratch: Session | None = None
        self.experiment = experiment
        self.bus = EventBus()
        self.raise_on_error = raise_on_error
        remote = remote_runner(runner, endpoint)
        # a remote session keeps a local engine for dry runs and runs recorded here before
        self.remote = None if remote is None else RemoteStarter(remote, self.store, self.bus)
        executor, name = make_executor(None if remote else runner)
        self.engine = Engine(
            self.store,
            executor,
            max_workers=max_workers or os.cpu_count() or 1,
            cache=cache,
            bus=self.bus,
            runner_name=name,
            settings={"use_venv": getattr(executor, "use_venv", True)},
            object_root=bucket,
        )

    def subscribe(self, listener: Listener) -> Any:
        return self.bus.subscribe(listener)

    def run(
        self,
        target: Any,
        arguments: dict[str, Any] | None = None,
        wait: bool = True,
        *,
        run_id: str | None = None,
        from_task: str | None = None,
        experiment: str | None = None,
    ) -> Run:
        """`experiment`: this run's, else the session's, else the notebook's file name in a
        kernel, else the pipeline's name (on a cluster, the cluster's experiment of that name)."""
        experiment = experiment or self.experiment or kernel_experiment()
        if self.remote is not None:
            remote = self.remote.start(
                target, arguments, run_id=run_id, from_task=from_task, experiment=experiment
            )
            handle = Run(self.store, remote.run_id, remote, self)
        else:
            live = self.engine.start(
                target, arguments, run_id=run_id, from_task=from_task, experiment=experiment
            )
            handle = Run(self.store, live.run_id, live, self)
        if wait:
            handle.wait()
            self.check_outcome(handle)
        return handle

    def check_outcome(self, handle: Run) -> None:
        """With raise_on_error, a run that ended other than SUCCEEDED raises RunFailedError
        (RunCancelledError for a cancelled one)."""
        if self.raise_on_error and handle.status is not RunState.SUCCEEDED:
            error = map_frames(handle.error or "")
            raise run_ended_error(handle.run_id, handle.status.value, error, brief(error))

    def here(self) -> Session:
        """This session as it runs on this machine: itself, or for a cluster runner its local
        engine over the same store (a recorded spin of a cluster's task runs here, as the
        CLI's `spin --persist` does, and is recorded beside the run)."""
        if self.remote is None:
            return self
        local = copy.copy(self)
        local.remote = None
        return local

    def scratch(self, make_root: Any) -> Session:
        """The session this one's unrecorded spins run in: the same executor (its warm
        environments), a scratch pipeline root from `make_root()`; made once."""
        if self._scratch is None:
            self._scratch = Session(
                self.engine.executor, make_root(), self.engine.max_workers,
                raise_on_error=self.raise_on_error,
            )  # fmt: skip
        return self._scratch

    def close(self) -> None:
        if self._scratch is not None:  # its executor is this session's, closed below
            self._scratch.store.close()
        self.engine.close()
        self.store.close()


_session: Session | None = None
_explicit = False  # whether the user chose the settings (init), not the defaults
_session_lock = threading.Lock()
_kfp_local_at_init: Any = None  # kfp.local's config when init() last chose the settings


def kfp_local_config() -> Any:
    """The config of the latest `kfp.local.init(...)`, or None (kfp.local is not imported)."""
    config = getattr(sys.modules.get("kfp.local.config"), "LocalExecutionConfig", None)
    return getattr(config, "instance", None)


def init(
    runner: Any = DEFAULT_RUNNER,
    pipeline_root: str | os.PathLike[str] = "./local_outputs",
    max_workers: int | None = None,
    cache: bool = False,
    raise_on_error: bool = True,
    experiment: str | None = None,
    endpoint: str | None = None,
    *,
    explicit: bool = True,
) -> Session:
    """Set how runs execute from now on (replaces the previous settings). `runner`:
    "subprocess", "docker", "kubeflow" (with `endpoint`, or $KF_PIPELINES_ENDPOINT), a
    SubprocessRunner, DockerRunner or KubeflowRunner, a `TaskExecutor` object, or the dotted
    path of a TaskExecutor class or factory ("my.module:MyExecutor"). `experiment` groups the
    coming runs (default: the notebook's file name in a kernel, else the pipeline's name)."""
    global _session, _explicit, _kfp_local_at_init
    with _session_lock:
        new = Session(
            runner, pipeline_root, max_workers, cache, raise_on_error, experiment, endpoint
        )
        old, _session = _session, new
        _explicit = explicit
        if explicit:  # a kfp.local.init(...) after this one takes over direct calls again
            _kfp_local_at_init = kfp_local_config()
    if old is not None:
        old.close()
    return _session


def configured() -> Session | None:
    """The session `init()` set up, or None while only defaults apply."""
    with _session_lock:
        return _session if _explicit else None


def configured_over_kfp_local() -> tuple[Session | None, Any]:
    """`configured()`, with kfp.local's config at the time (None if there was none): a
    different one now means a `kfp.local.init(...)` came later."""
    with _session_lock:
        return (_session, _kfp_local_at_init) if _explicit else (None, None)


def _current() -> Session:
    global _session
    with _session_lock:
        if _session is None:
            _session = Session()
        return _session


@atexit.register
def _shutdown() -> None:
    if _session is not None:
        _session.close()


def run(
    target: Any,
    arguments: dict[str, Any] | None = None,
    wait: bool = True,
    *,
    run_id: str | None = None,
    from_task: str | None = None,
    experiment: str | None = None,
) -> Run:
    """Run a pipeline function, a component or a compiled pipeline file locally."""
    return _current().run(
        target, arguments, wait, run_id=run_id, from_task=from_task, experiment=experiment
    )


def dry_run(target: Any, arguments: dict[str, Any] | None = None) -> DryRunReport:
    """List the tasks a run would execute and check its inputs; runs nothing."""
    session = _current()
    return plan_run(load_pipeline(target), arguments or {}, session.engine.executor)


def list_runs(
    limit: int = 50,
    status: str | None = None,
    pipeline_name: str | None = None,
    experiment: str | None = None,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    namespace: str | None = None,
) -> list[RunRecord]:
    """The latest runs recorded here, newest first; with `endpoint`, those of that KFP cluster
    (whoever started them; `token`, `namespace` as for KubeflowRunner). `status` is a run
    state in any case; a run whose engine died is INTERRUPTED, as every reader shows it."""
    status = parse_run_state(status).value if status else None
    if endpoint is not None:
        reader = cluster_reader(endpoint, token, namespace)
        found = reader.list_runs(limit=limit, status=status, experiment=experiment)
        return [r.record for r in found if pipeline_name in (None, r.record.pipeline_name)]
    store = _current().store
    return store.list_runs(
        limit=limit, status=status, pipeline_name=pipeline_name, experiment=experiment
    )


@overload
def get_run(run_id: str, *, token: str | None = None) -> Run: ...
@overload
def get_run(
    run_id: str, *, endpoint: str, token: str | None = None, namespace: str | None = None
) -> RemoteRun: ...
def get_run(
    run_id: str,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    namespace: str | None = None,
) -> Run | RemoteRun:
    """A recorded run (a cluster run whose follower stopped is followed again from here, with
    `token` or the session's); with `endpoint`, run `run_id` of that KFP cluster, read from
    there whoever started it."""
    if endpoint is not None:
        return RemoteRun(cluster_reader(endpoint, token, namespace), run_id)
    session = _current()
    if session.store.get_run(run_id) is None:
        raise KeyError(f"no run {run_id!r} in {session.store.root}")
    remote = session.remote.live.get(run_id) if session.remote else None
    live = remote or session.engine.live.get(run_id) or follow_recorded(session, run_id, token)
    return Run(session.store, run_id, live, session)


def delete_run(run_id: str) -> bool:
    return _current().store.delete_run(run_id)
