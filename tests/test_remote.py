"""The Kubeflow runner against `kfp-notebook serve` (a real subprocess; a KFP cluster is not
available here, serve speaks the same API): submit through the real kfp.Client, follow with the
same events into the same store, cancel, and the errors a user can meet."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List

import kfp
import pytest
from kfp import compiler, dsl
from serve_helper import TOKEN, run_until, serving

from kfp_notebook import KubeflowRunner, RunState, Session, TaskState
from kfp_notebook._errors import (
    EndpointUnreachableError,
    PipelineInputError,
    RemoteAuthError,
    RemoteRunNotFoundError,
    RemoteSpecRejectedError,
)
from kfp_notebook._model.events import LogLine, RunFinished, RunStarted, TaskCreated, TaskStarted
from kfp_notebook._remote.connection import Connection
from kfp_notebook._remote.mapping import map_tasks
from kfp_notebook._store.reader import StoreReader


@dsl.component
def shout(text: str) -> str:
    for i in range(3):
        print(f"line {i} of {text}", flush=True)
    return text.upper()


@dsl.component
def pause(seconds: float):
    import time

    print("pausing", flush=True)
    time.sleep(seconds)


@dsl.component
def table(out: dsl.Output[dsl.Dataset]):
    with open(out.path, "w") as f:
        f.write("a,b\n1,2\n")
    out.metadata["rows"] = 1


@dsl.pipeline(name="tabler")
def tabler():
    table()


@dsl.pipeline(name="shouter")
def shouter(text: str = "hi"):
    first = shout(text=text)
    shout(text=first.output)


@dsl.pipeline(name="shapes")
def shapes(items: List[str] = ["a", "b"], go: bool = True):  # noqa: B006 (KFP default)
    with dsl.ParallelFor(items) as item:
        shout(text=item)
    with dsl.If(go == True):  # noqa: E712 (a KFP condition, not a Python comparison)
        shout(text="yes")


@dsl.pipeline(name="pauser")
def pauser(seconds: float = 120.0):
    pause(seconds=seconds)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    with serving(tmp_path_factory.mktemp("cluster") / "outputs") as served:
        yield served


@pytest.fixture
def sessions():
    opened = []
    yield opened
    for s in opened:
        s.close()


@pytest.fixture
def connect(tmp_path, url, sessions):
    def _session(root="local", **options):
        runner = KubeflowRunner(endpoint=url, existing_token=TOKEN, poll_interval=0.2, **options)
        session = Session(runner, pipeline_root=tmp_path / root, raise_on_error=False)
        sessions.append(session)
        return session

    return _session


def test_a_remote_run_is_followed_with_the_same_events_into_the_store(tmp_path, url, connect):
    session = connect(experiment="bridge")
    events = []
    session.subscribe(events.append)
    run = session.run(shouter, {"text": "abc"})
    assert run.status is RunState.SUCCEEDED, run.error
    assert {t: r.status for t, r in run.tasks.items()} == {
        "shout": TaskState.SUCCEEDED,
        "shout-2": TaskState.SUCCEEDED,
    }
    # the graph's edges and components, from the run's spec (task details carry neither)
    assert run.tasks["shout-2"].dependencies == ["shout"] and run.tasks["shout"].dependencies == []
    assert run.tasks["shout-2"].component == "comp-shout-2"
    assert "line 2 of abc" in run.logs("shout")
    assert "line 0 of ABC" in run.logs("shout-2")
    kinds = [type(e) for e in events]
    assert kinds[0] is RunStarted and kinds[-1] is RunFinished
    assert TaskCreated in kinds and TaskStarted in kinds
    lines = [e.text for e in events if isinstance(e, LogLine) and e.task_id == "shout"]
    conn = Connection(KubeflowRunner(endpoint=url, existing_token=TOKEN))
    data = conn.get_run(run.run_id)
    pod = next(t.pod for t in map_tasks(data["run_details"]["task_details"], data["pipeline_spec"])
               if t.task_id == "shout")  # fmt: skip
    request = urllib.request.Request(f"{url}/apis/v1alpha1/runs/{run.run_id}/nodes/{pod}/log",
                                     headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert lines == answer.read().decode().splitlines()  # every line once, in order
    store = StoreReader(tmp_path / "local")
    assert store.get_run(run.run_id).runner == "kubeflow"
    remote = store.remote(run.run_id)
    assert remote.endpoint == url and remote.remote_run_id == run.run_id
    assert remote.ui_url.endswith(f"/#/runs/details/{run.run_id}")
    cluster = kfp.Client(host=url, existing_token=TOKEN)
    assert cluster.get_run(run.run_id).state == "SUCCEEDED"
    experiment = cluster.get_experiment(experiment_name="bridge")
    assert cluster.get_run(run.run_id).experiment_id == experiment.experiment_id


def test_loops_and_conditions_map_to_the_task_ids_of_a_local_run(tmp_path, connect, sessions):
    remote = connect().run(shapes)
    local = Session(pipeline_root=tmp_path / "here", raise_on_error=False)
    sessions.append(local)
    here = local.run(shapes)
    assert remote.status is RunState.SUCCEEDED, remote.error

    def shape(r):
        return r.kind, r.status, r.component, r.dependencies

    want = {t: shape(r) for t, r in here.tasks.items() if not t.startswith("(")}
    got = {t: shape(r) for t, r in remote.tasks.items()}
    assert got == want


def test_cancel_terminates_the_run_on_the_cluster(url, connect):
    run = connect().run(pauser, wait=False)
    deadline = time.monotonic() + 60
    while "pausing" not in run.logs():
        assert time.monotonic() < deadline, run.tasks
        time.sleep(0.2)
    started = time.monotonic()
    run.cancel()
    took = time.monotonic() - started
    assert run.status is RunState.CANCELLED
    assert took < 30
    assert kfp.Client(host=url, existing_token=TOKEN).get_run(run.run_id).state == "CANCELED"


def test_arguments_are_checked_before_anything_is_sent(url, connect):
    cluster = kfp.Client(host=url, existing_token=TOKEN)
    before = cluster.list_runs(page_size=1000).total_size or 0
    with pytest.raises(PipelineInputError, match="no input 'txt'"):
        connect().run(shouter, {"txt": "typo"})
    assert (cluster.list_runs(page_size=1000).total_size or 0) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_each_failure_is_one_clear_error(url):
    started = time.monotonic()
    with pytest.raises(EndpointUnreachableError, match="cannot reach Kubeflow Pipelines"):
        Connection(KubeflowRunner(endpoint=f"http://127.0.0.1:{_free_port()}"))
    assert time.monotonic() - started < 10
    with pytest.raises(RemoteAuthError, match="pass a token"):
        Connection(KubeflowRunner(endpoint=url))
    with pytest.raises(RemoteAuthError, match="401"):
        Connection(KubeflowRunner(endpoint=url, existing_token="wrong"))
    conn = Connection(KubeflowRunner(endpoint=url, existing_token=TOKEN))
    with pytest.raises(RemoteRunNotFoundError, match="no run nope"):
        conn.get_run("nope")
    with pytest.raises(RemoteSpecRejectedError, match="Invalid pipeline spec"):
        conn.submit({"pipelineInfo": {"name": "x"}}, {}, "bad", "Default")


def test_an_http_server_that_is_not_kfp_is_one_clear_error_at_once(tmp_path, url):
    import http.server
    import threading
    import warnings

    handler = http.server.SimpleHTTPRequestHandler
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        other = f"http://127.0.0.1:{server.server_address[1]}"
        started = time.monotonic()
        with pytest.raises(EndpointUnreachableError, match="not a Kubeflow Pipelines API"):
            Connection(KubeflowRunner(endpoint=other))
        assert time.monotonic() - started < 5
        seed = Path(__file__).resolve().parents[1] / "examples" / "seed_pipeline.yaml"
        cli = subprocess.run(
            [sys.executable, "-m", "kfp_notebook._cli", "run", str(seed), "--endpoint", other,
             "--pipeline-root", str(tmp_path / "outputs")],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert cli.returncode == 2 and "not a Kubeflow Pipelines API" in cli.stderr, cli.stderr
        assert len(cli.stderr.strip().splitlines()) == 1 and time.monotonic() - started < 15
    finally:
        server.shutdown()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Connection(KubeflowRunner(endpoint=url, existing_token=TOKEN))
    assert not [w for w in caught if issubclass(w.category, FutureWarning)], caught


def test_the_endpoint_comes_from_KF_PIPELINES_ENDPOINT_like_kfp_client(monkeypatch, url):
    monkeypatch.setenv("KF_PIPELINES_ENDPOINT", url + "/")
    assert KubeflowRunner().resolved_endpoint() == url
    monkeypatch.delenv("KF_PIPELINES_ENDPOINT")
    with pytest.raises(Exception, match="needs an endpoint"):
        KubeflowRunner().resolved_endpoint()


def test_cli_run_with_an_endpoint_runs_there_and_records_it(tmp_path, url):
    package = tmp_path / "shouter.yaml"
    compiler.Compiler().compile(shouter, str(package))
    root = tmp_path / "cli"
    cli = [sys.executable, "-m", "kfp_notebook._cli"]
    out = subprocess.run(
        [*cli, "run", str(package), "--param", "text=cli", "--endpoint", url, "--token", TOKEN,
         "--pipeline-root", str(root)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "line 1 of cli" in out.stdout
    runs = json.loads(
        subprocess.run(
            [*cli, "runs", "--pipeline-root", str(root), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert [r["runner"] for r in runs] == ["kubeflow"]
    shown = subprocess.run(
        [*cli, "show", runs[0]["run_id"], "--pipeline-root", str(root)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"on kubeflow {url}" in shown and "shout-2" in shown
    bad = subprocess.run(
        [*cli, "run", str(package), "--endpoint", url, "--pipeline-root", str(root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "pass a token" in bad.stderr


def test_magic_init_and_the_live_widget_follow_a_remote_run(tmp_path, url, capsys):
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    from kfp_notebook._api import session as api
    from kfp_notebook._notebook.display import start_with_widget

    ip = start_ipython() or get_ipython()  # once per process
    ip.run_line_magic("load_ext", "kfp_notebook")
    try:
        ip.run_line_magic(
            "kfp", f"init --runner kubeflow --endpoint {url} --token {TOKEN} "
            f"--experiment magic --pipeline-root {tmp_path / 'nb'}",
        )  # fmt: skip
        assert f"runner=kubeflow at {url}" in capsys.readouterr().out
        session = api._current()
        handle, widget = start_with_widget(shouter, {"text": "nb"}, session)
        handle.wait(timeout=120)
        remote = session.store.remote(handle.run_id)
        assert remote.remote_run_id != handle.run_id  # the widget named the run before it started
        assert widget.view.run["status"] == "SUCCEEDED"
        assert any("line 2 of nb" in line for line in widget.view.logs["shout"])
        shown = ip.run_line_magic("kfp", f"show {handle.run_id}")
        assert shown.run["task_counts"] == {"SUCCEEDED": 2}
        cluster = kfp.Client(host=url, existing_token=TOKEN)
        assert cluster.get_run(remote.remote_run_id).display_name == handle.run_id
    finally:
        api.init(pipeline_root=tmp_path / "after")  # leave a local session behind
        ip.run_line_magic("unload_ext", "kfp_notebook")


def test_artifacts_with_a_local_uri_are_recorded_for_preview(url, connect):
    run = connect().run(tabler)
    assert run.status is RunState.SUCCEEDED, run.error
    (artifact,) = run.task("table").artifacts
    assert artifact.name == "out" and artifact.schema_title == "system.Dataset"
    assert artifact.metadata == {"rows": 1}  # from ML Metadata, as the task logged it
    assert Path(artifact.uri).read_text() == "a,b\n1,2\n"  # serve's pipeline root, here


def test_ctrl_c_on_the_cli_terminates_the_run_on_the_cluster(tmp_path, url):
    import signal

    package = tmp_path / "pauser.yaml"
    compiler.Compiler().compile(pauser, str(package))
    proc = run_until(package, url, tmp_path / "cli", "pausing")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    run_id = StoreReader(tmp_path / "cli").list_runs()[0].run_id
    assert StoreReader(tmp_path / "cli").get_run(run_id).status is RunState.CANCELLED
    assert kfp.Client(host=url, existing_token=TOKEN).get_run(run_id).state == "CANCELED"
