"""A follower that cannot reach its cluster any more gives up following, and says so: the run
reads RUNNING and not followed (it goes on on the cluster), never FAILED; the printer says why;
a later process can follow it again. Against a real `kfp-notebook serve` that is stopped while
the run goes on (serve's runs outlive it)."""

import io
import time

from kfp import dsl
from serve_helper import TOKEN, serving_process

from kfp_notebook import KubeflowRunner, RunState
from kfp_notebook._store import layout
from kfp_notebook._store.liveness import NOT_FOLLOWED
from kfp_notebook._store.reader import StoreReader


@dsl.component(base_image="python:3.11")
def nap(seconds: float) -> None:
    import time

    print("napping", flush=True)
    time.sleep(seconds)


@dsl.pipeline(name="napper")
def napper(seconds: float = 60.0) -> None:
    nap(seconds=seconds)


def test_an_unreachable_cluster_leaves_the_run_not_followed(tmp_path) -> None:
    from kfp_notebook import Session
    from kfp_notebook._views.printer import TerminalPrinter

    (tmp_path / "cluster").mkdir()
    served = tmp_path / "cluster" / "outputs"
    out = io.StringIO()
    with serving_process(served) as (url, _):
        runner = KubeflowRunner(url, existing_token=TOKEN, poll_interval=0.1, max_poll_interval=0.2)
        session = Session(runner, pipeline_root=tmp_path / "here", raise_on_error=False)
        session.subscribe(TerminalPrinter(out, show_logs=False))
        run = session.run(napper, wait=False)
        deadline = time.monotonic() + 120
        while "nap" not in run.tasks or run.tasks["nap"].status.value != "RUNNING":
            assert time.monotonic() < deadline, run.tasks
            time.sleep(0.2)
    try:  # serve stopped: every poll fails now
        run.wait(timeout=120)
        record = StoreReader(tmp_path / "here").get_run(run.run_id)
        assert record.status is RunState.RUNNING, record  # not FAILED: the cluster goes on
        assert record.message == NOT_FOLLOWED, record.message
        deadline = time.monotonic() + 10  # the printer writes from its own queue
        while "not followed" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "not followed" in out.getvalue() and "FAILED" not in out.getvalue(), out.getvalue()
    finally:
        session.close()
        layout.cancel_request_path(served.resolve(), run.run_id).touch()  # the served run stops
        deadline = time.monotonic() + 60
        while StoreReader(served).get_run(run.run_id).status is RunState.RUNNING:
            assert time.monotonic() < deadline, "the served run did not stop"
            time.sleep(0.3)
