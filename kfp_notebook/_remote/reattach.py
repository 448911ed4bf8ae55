"""Following a cluster run again after the process following it stopped (a kernel restart, a
killed `kfp-notebook run --endpoint`): the cluster went on, the local record reads RUNNING and
"not followed" (`_store/liveness.py`). `kfp-notebook show RUN`, `%kfp show RUN` and `get_run`
come here: with the endpoint and the cluster's run id kept in `remote_runs`, this process
becomes the run's follower (one process at a time: the claim is made in the store's
transaction) and follows it from what the store holds to the end the cluster reports.

No token is stored: the caller's runner brings one (the session's, when it points at the same
endpoint, or `--token`); in a Kubeflow Notebook kfp.Client finds its service-account token."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import yaml

from kfp_notebook._model.events import EventBus
from kfp_notebook._model.states import RunState
from kfp_notebook._remote.connection import Connection, KubeflowRunner
from kfp_notebook._remote.follower import RemoteLiveRun, Seen, follow
from kfp_notebook._runners import REMOTE_RUNNER
from kfp_notebook._spec.ir import parse_documents
from kfp_notebook._store.liveness import ENGINE_GONE, TASK_INTERRUPTED, not_followed
from kfp_notebook._store.logread import line_count
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.records import RunRecord
from kfp_notebook._store.remote import RemoteRecord
from kfp_notebook._store.store import RunStore

__all__ = ["follow_again", "recorded_remote", "runner_for"]

_following: dict[tuple[Path, str], RemoteLiveRun] = {}  # what this process follows again
_lock = threading.Lock()


def runner_for(
    remote: RemoteRecord, session: KubeflowRunner | None = None, token: str | None = None
) -> KubeflowRunner:
    """The runner to reach the run's cluster: the session's when it points at the recorded
    endpoint (its token and credentials), else one for that endpoint and namespace; `token`
    replaces the token either way."""
    if session is not None and session.endpoint and session.endpoint.rstrip("/") == remote.endpoint:
        if token is None:
            return session
        return KubeflowRunner(
            endpoint=remote.endpoint, namespace=session.namespace, existing_token=token,
            ssl_ca_cert=session.ssl_ca_cert, poll_interval=session.poll_interval,
            max_poll_interval=session.max_poll_interval,
        )  # fmt: skip
    return KubeflowRunner(
        endpoint=remote.endpoint, namespace=remote.namespace or None, existing_token=token
    )


def recorded_remote(store: StoreReader, run_id: str) -> RemoteRecord | None:
    """The cluster side of `run_id` when it is a cluster run that no process follows (or one
    an earlier kfp-notebook marked INTERRUPTED when its follower stopped)."""
    record = store.get_run(run_id)
    if record is None or not (not_followed(record) or _reaped(record)):
        return None
    return store.remote(run_id)


def _reaped(record: RunRecord) -> bool:
    return (
        record.runner == REMOTE_RUNNER
        and record.status is RunState.INTERRUPTED
        and record.message == ENGINE_GONE
    )


def follow_again(
    store: RunStore, bus: EventBus, run_id: str, runner: KubeflowRunner
) -> RemoteLiveRun | None:
    """Follow `run_id` again from its cluster, emitting on `bus` (to which `store` listens);
    the follower this process runs already, if any. None when there is nothing to follow: a
    local run, one that ended, or one another process follows. A cluster that cannot be
    reached raises its `RemoteError` (nothing is claimed then)."""
    key = (store.root, run_id)
    with _lock:
        live = _following.get(key)
        if live is not None and not live.done.is_set():
            return live
        remote = recorded_remote(store, run_id)
        if remote is None:
            return None
        conn = Connection(runner)
        store.record_remote(remote)  # makes this process the follower, unless one came first
        claimed = store.get_run(run_id)
        if claimed is None or claimed.owner_pid != os.getpid():
            return None
        live = RemoteLiveRun(run_id, claimed.pipeline_name, remote.remote_run_id, remote.ui_url)
        _following[key] = live
    follow(conn, store, bus, live, _spec(store, run_id), _seen(store, run_id))
    return live


def _spec(store: RunStore, run_id: str) -> dict[str, Any]:
    """The pipeline spec recorded at the start (the cluster's copy is preferred when sent)."""
    try:
        spec: Any = next((d for d in parse_documents(store.read_spec(run_id)) if d), {})
    except (OSError, yaml.YAMLError):
        return {}
    return dict(spec.get("pipelineSpec", spec)) if isinstance(spec, dict) else {}


def _seen(store: RunStore, run_id: str) -> Seen:
    seen = Seen()
    for task in store.get_tasks(run_id):
        if task.message != TASK_INTERRUPTED:  # else reaped with its run: the cluster says anew
            seen.states[task.task_id] = task.status
        path = store.log_path(run_id, task.task_id)
        if path.exists():
            seen.lines[task.task_id] = line_count(path)
    return seen
