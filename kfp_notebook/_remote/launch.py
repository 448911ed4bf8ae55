"""Starting a run on a KFP cluster: check it here, submit it through the real kfp.Client, record
it in the local store (runner "kubeflow", endpoint, remote run id, UI link) and follow it.

The local run id is the cluster's run id (so `kfp-notebook show ID`, `%kfp show ID` and the KFP
UI name the same run), unless the caller names the run (the notebook's widget subscribes to its
run id before the run starts): then the cluster's id is kept next to it, in `remote_runs`."""

from __future__ import annotations

import threading
from typing import Any

from kfp_notebook._errors import PipelineInputError
from kfp_notebook._model.events import EventBus, RunStarted
from kfp_notebook._remote.connection import Connection, KubeflowRunner
from kfp_notebook._remote.follower import RemoteLiveRun, follow
from kfp_notebook._runners import REMOTE_RUNNER
from kfp_notebook._spec.arguments import check_arguments
from kfp_notebook._spec.ir import PipelineIR, load_pipeline
from kfp_notebook._store.remote import RemoteRecord
from kfp_notebook._store.store import RunStore

__all__ = ["RemoteStarter", "remote_runner"]


def remote_runner(runner: Any, endpoint: str | None = None) -> KubeflowRunner | None:
    """The KubeflowRunner a runner setting names (None for a local runner)."""
    if isinstance(runner, KubeflowRunner):
        return runner
    if runner == REMOTE_RUNNER:
        return KubeflowRunner(endpoint=endpoint)
    return None


def _spec_body(ir: PipelineIR) -> dict[str, Any]:
    """The `pipeline_spec` of a CreateRun request; with a platform spec, both wrapped, as
    kfp.Client sends them."""
    spec = dict(ir.spec)
    if not ir.platform:
        return spec
    return {"pipeline_spec": spec, "platform_spec": {"platforms": ir.platform}}


class RemoteStarter:
    """Starts and follows remote runs for one session (one store, one bus, one connection)."""

    def __init__(self, runner: KubeflowRunner, store: RunStore, bus: EventBus) -> None:
        self.runner, self.store, self.bus = runner, store, bus
        self._connection: Connection | None = None
        self.live: dict[str, RemoteLiveRun] = {}
        self._lock = threading.Lock()

    @property
    def connection(self) -> Connection:
        with self._lock:
            if self._connection is None:
                self._connection = Connection(self.runner)
            return self._connection

    def start(
        self,
        target: Any,
        arguments: dict[str, Any] | None = None,
        *,
        run_id: str | None = None,
        from_task: str | None = None,
        experiment: str | None = None,
    ) -> RemoteLiveRun:
        if from_task is not None:
            raise PipelineInputError(
                "resuming from a task is local only; on a cluster, retry the run in the KFP UI"
            )
        ir = load_pipeline(target)
        args = check_arguments(ir, arguments or {})  # the same errors as a local run, sent nowhere
        conn = self.connection
        if run_id is not None and self.store.get_run(run_id) is not None:
            raise PipelineInputError(f"a run with id {run_id!r} exists already; pick another id")
        experiment = experiment or self.runner.experiment or ir.name
        remote_id = conn.submit(_spec_body(ir), args, run_id or ir.name, experiment)
        run_id = run_id or remote_id
        ui = conn.ui_link(remote_id)
        self.store.record_spec(run_id, ir.text)
        self.bus.emit(
            RunStarted(run_id, ir.name, str(self.store.root), args, runner=REMOTE_RUNNER,
                       experiment=experiment)
        )  # fmt: skip
        self.store.record_remote(
            RemoteRecord(run_id, conn.endpoint, remote_id, ui, self.runner.namespace or "",
                         experiment)
        )  # fmt: skip
        live = RemoteLiveRun(run_id, ir.name, remote_id, ui)
        self.live[run_id] = live
        done, local_id = live.done, run_id

        def forget() -> None:
            done.wait()
            self.live.pop(local_id, None)

        follow(conn, self.store, self.bus, live, dict(ir.spec))
        threading.Thread(target=forget, daemon=True).start()
        return live
