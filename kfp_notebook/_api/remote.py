"""Cluster runs in the Python API: `RemoteRun`, a run read from a KFP cluster whoever started it
(`get_run(ID, endpoint=URL)`), and following again a recorded cluster run that no process
follows (`get_run(ID)`, `%kfp show ID`). Both go through `_remote`: one reader, one follower."""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

from kfp_notebook._api.outputs import artifact_list_outputs, materialize, single_output
from kfp_notebook._errors import RemoteError
from kfp_notebook._model.states import RunState
from kfp_notebook._remote.connection import KubeflowRunner
from kfp_notebook._remote.follower import RemoteLiveRun
from kfp_notebook._remote.reader import ClusterReader, ClusterRun
from kfp_notebook._remote.reattach import follow_again, recorded_remote, runner_for
from kfp_notebook._store.records import RunRecord, TaskRecord, TaskSummary
from kfp_notebook._views.compare.digests import spec_digests
from kfp_notebook._views.compare.model import ComparedRun

if TYPE_CHECKING:
    from kfp_notebook._api.session import Session

__all__ = ["RemoteRun", "cluster_reader", "compared", "follow_recorded"]


def cluster_reader(endpoint: str, token: str | None, namespace: str | None) -> ClusterReader:
    return ClusterReader(KubeflowRunner(endpoint, namespace, existing_token=token))


class RemoteRun:
    """A run on a KFP cluster, read from there on each access: `status`, `tasks` (mapped as a
    followed run's are), `outputs`/`output`, `logs(task)`, `wait()`, and the link to it in the
    KFP UI."""

    def __init__(self, reader: ClusterReader, run_id: str) -> None:
        self._reader, self.run_id = reader, run_id
        self._last = reader.get(run_id)  # a run the cluster does not have fails here, at once

    def __repr__(self) -> str:
        return f"<RemoteRun {self.run_id} {self._last.record.status.value} at {self.endpoint}>"

    def refresh(self, metadata: bool = True) -> ClusterRun:
        """The run as the cluster has it now (`metadata` False: its state alone, without the
        ML Metadata reads that tasks' pods and artifacts need)."""
        self._last = self._reader.get(self.run_id, metadata)
        return self._last

    @property
    def endpoint(self) -> str:
        return self._last.remote.endpoint

    @property
    def ui_url(self) -> str:
        return self._last.remote.ui_url

    @property
    def record(self) -> RunRecord:
        return self.refresh(metadata=False).record

    @property
    def status(self) -> RunState:
        return self.record.status

    @property
    def done(self) -> bool:
        return self.record.status.terminal

    @property
    def error(self) -> str:
        return self.record.message

    @property
    def tasks(self) -> dict[str, TaskRecord]:
        return {t.task_id: t for t in self.refresh().tasks}

    @property
    def outputs(self) -> dict[str, Any]:
        """The run's outputs once it has succeeded (from the deployment's ML Metadata):
        parameter values and kfp Artifact objects, as a local run's."""
        run = self.refresh()
        lists = artifact_list_outputs(run.spec) if run.record.outputs.get("artifacts") else None
        return materialize(run.record.outputs, lists or frozenset())

    @property
    def output(self) -> Any:
        """The single output (`Output`), like a kfp task's `.output`."""
        return single_output(self.outputs, self.run_id)

    def logs(self, task: str | None = None) -> str:
        """A task's log (by id, or by a name only one task has), or every task's, `task | text`."""
        lines = self._reader.log(self.refresh(), task)
        return "".join(line + "\n" for line in lines)

    def wait(self, timeout: float | None = None, poll: float = 2.0) -> RemoteRun:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.run_id} still running after {timeout}s")
            time.sleep(poll)
        return self


def compared(run: ClusterRun) -> ComparedRun:
    """A cluster run as a comparison reads it, beside local ones (its metrics from MLMD)."""
    leaves = [
        TaskSummary(
            t.task_id,
            t.name,
            t.kind,
            t.component,
            t.status,
            t.started,
            t.finished,
            list(t.artifacts),
        )
        for t in run.tasks
        if t.kind.is_leaf
    ]
    return ComparedRun(run.record, run.remote.endpoint, leaves, spec_digests(run.spec))


def follow_recorded(
    session: Session, run_id: str, token: str | None = None
) -> RemoteLiveRun | None:
    """Follow `run_id` again when it is a recorded cluster run that no process follows (the
    session's runner brings the token when it points at the same endpoint). A cluster that
    cannot be reached is a warning: the record stays as it is, "not followed"."""
    remote = recorded_remote(session.store, run_id)
    if remote is None:
        return None
    own = session.remote.runner if session.remote is not None else None
    try:
        return follow_again(session.store, session.bus, run_id, runner_for(remote, own, token))
    except RemoteError as exc:
        warnings.warn(f"run {run_id} is not followed: {exc}", stacklevel=3)
        return None
