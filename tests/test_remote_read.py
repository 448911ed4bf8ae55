"""Cluster runs read from here whoever started them (`runs/show/logs --endpoint`, `get_run` and
`list_runs` with an endpoint), and a cluster run whose follower was killed: left "not followed"
(never INTERRUPTED while the cluster goes on) and followed again by `show` or `get_run`.

Against `kfp-notebook serve` in a subprocess, with the real kfp.Client; runs started by
kfp.Client stand for runs made in the KFP UI or by a colleague."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import kfp
import pytest
from kfp import compiler, dsl
from serve_helper import TOKEN, run_until, serving

from kfp_notebook import KubeflowRunner, RunState
from kfp_notebook._store.liveness import NOT_FOLLOWED
from kfp_notebook._store.reader import StoreReader
from kfp_notebook._store.store import RunStore

CLI = [sys.executable, "-m", "kfp_notebook._cli"]


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
    print("resumed", flush=True)


@dsl.pipeline(name="shouter")
def shouter(text: str = "hi"):
    first = shout(text=text)
    shout(text=first.output)


@dsl.pipeline(name="pauser")
def pauser(seconds: float = 10.0):
    pause(seconds=seconds)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    with serving(tmp_path_factory.mktemp("cluster") / "outputs") as served:
        yield served


@pytest.fixture(scope="module")
def elsewhere(url, tmp_path_factory):
    """A finished run the KFP UI (here: kfp.Client) started, in experiment "elsewhere"."""
    package = tmp_path_factory.mktemp("pkg") / "shouter.yaml"
    compiler.Compiler().compile(shouter, str(package))
    client = kfp.Client(host=url, existing_token=TOKEN)
    run = client.create_run_from_pipeline_package(
        str(package), {"text": "ui"}, experiment_name="elsewhere"
    )
    assert client.wait_for_run_completion(run.run_id, timeout=180).state == "SUCCEEDED"
    return run.run_id


def cli(*args: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_runs_show_and_logs_read_a_cluster_run_started_elsewhere(url, elsewhere, tmp_path):
    from kfp_notebook._store.records import RunRecord
    from kfp_notebook._views.shape import run_json

    on = ("--endpoint", url, "--token", TOKEN)

    def here(*args: str) -> subprocess.CompletedProcess:  # in an empty folder, left empty
        return cli(*args, cwd=tmp_path)

    listed = json.loads(here("runs", *on, "--json").stdout)
    (mine,) = [r for r in listed if r["run_id"] == elsewhere]
    assert mine["status"] == "SUCCEEDED" and mine["runner"] == "kubeflow"
    assert mine["pipeline_name"] == "shouter" and mine["experiment"] == "elsewhere"
    assert mine["arguments"] == {"text": "ui"} and mine["task_counts"] == {"SUCCEEDED": 2}
    assert mine["remote"]["ui_url"].endswith(f"/#/runs/details/{elsewhere}")
    local = run_json(RunRecord("r", "p", RunState.SUCCEEDED, 0.0, None, {}, {}, "", {}), "/")
    assert set(mine) == {*local, "remote"}  # the local command's shape, and where it is
    table = here("runs", *on, "--experiment", "elsewhere", "--status", "succeeded")
    assert elsewhere in table.stdout and "SUCCEEDED" in table.stdout
    assert elsewhere not in here("runs", *on, "--status", "FAILED").stdout

    shown = json.loads(here("show", elsewhere, *on, "--json").stdout)
    assert [(t["task_id"], t["status"]) for t in shown["tasks"]] == [
        ("shout", "SUCCEEDED"), ("shout-2", "SUCCEEDED"),
    ]  # fmt: skip
    text = here("show", elsewhere, *on).stdout
    assert f"on kubeflow {url} as {elsewhere}" in text and "shout-2" in text

    assert here("logs", elsewhere, "shout-2", *on).stdout.splitlines() == [
        f"line {i} of UI" for i in range(3)
    ]
    everything = here("logs", elsewhere, *on).stdout
    assert "shout | line 0 of ui" in everything and "shout-2 | line 2 of UI" in everything
    assert here("logs", elsewhere, "shout", *on, "--tail", "2").stdout == "line 2 of ui\n"
    assert list(tmp_path.iterdir()) == []  # no local root was made


def test_logs_follow_with_an_endpoint_prints_each_line_once_until_it_ends(url, tmp_path):
    """`logs RUN TASK --follow --endpoint`: the task's lines as they come (its log read again
    from its start on each poll, counted past what was printed), each once, until it ends;
    without a task, every task's, prefixed."""
    package = tmp_path / "pauser.yaml"
    compiler.Compiler().compile(pauser, str(package))
    client = kfp.Client(host=url, existing_token=TOKEN)
    run = client.create_run_from_pipeline_package(str(package), {"seconds": 5.0})
    on = ("--endpoint", url, "--token", TOKEN, "--follow")
    followed = subprocess.Popen([*CLI, "logs", run.run_id, "pause", *on], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert followed.stdout is not None
    first = followed.stdout.readline()
    state = client.get_run(run.run_id).state
    assert first == "pausing\n" and state == "RUNNING", (first, state)  # printed while it runs
    rest, errors = followed.communicate(timeout=180)
    assert followed.returncode == 0, errors
    assert rest.splitlines() == ["resumed"]
    every = cli("logs", run.run_id, *on)
    assert every.returncode == 0, every.stderr
    assert every.stdout.splitlines() == ["pause | pausing", "pause | resumed"], every.stdout


def test_each_cluster_failure_is_one_message_and_exit_2(url, elsewhere):
    cases = {
        ("show", "no-such-run", "--endpoint", url, "--token", TOKEN): "has no run no-such-run",
        ("runs", "--endpoint", url): "pass a token",
        ("logs", elsewhere, "--endpoint", url, "--token", "wrong"): "refused",
        ("runs", "--endpoint", "http://127.0.0.1:9"): "cannot reach",
        ("logs", elsewhere, "nope", "--endpoint", url, "--token", TOKEN): "use a task id",
    }
    for args, says in cases.items():
        out = cli(*args, timeout=60)
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.count("\n") == 1 and says in out.stderr, (args, out.stderr)


def test_get_run_and_list_runs_read_a_cluster_with_an_endpoint(url, elsewhere):
    import kfp_notebook

    run = kfp_notebook.get_run(elsewhere, endpoint=url, token=TOKEN)
    assert run.status is RunState.SUCCEEDED and run.done
    assert set(run.tasks) == {"shout", "shout-2"}
    assert "line 0 of UI" in run.logs("shout-2").splitlines()
    assert run.ui_url.endswith(elsewhere)
    listed = kfp_notebook.list_runs(endpoint=url, token=TOKEN, experiment="elsewhere")
    assert [r.run_id for r in listed] == [elsewhere]
    assert kfp_notebook.list_runs(endpoint=url, token=TOKEN, experiment="no such") == []


def _start_and_kill(url: str, root: Path, tmp_path: Path, seconds: float = 10.0) -> str:
    """`kfp-notebook run --endpoint` of a run pausing `seconds`, killed (-9) while it runs:
    its id."""
    package = tmp_path / "pauser.yaml"
    compiler.Compiler().compile(pauser, str(package))
    proc = run_until(package, url, root, "pausing", "--param", f"seconds={seconds}")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    (record,) = StoreReader(root).list_runs()
    return record.run_id


def test_a_killed_follower_leaves_the_run_not_followed_and_show_follows_it_again(url, tmp_path):
    root = tmp_path / "cli"
    run_id = _start_and_kill(url, root, tmp_path)
    client = kfp.Client(host=url, existing_token=TOKEN)
    assert client.get_run(run_id).state == "RUNNING"  # the cluster goes on
    seen = StoreReader(root).get_run(run_id)
    assert seen.status is RunState.RUNNING and seen.message == NOT_FOLLOWED
    RunStore(root).close()  # a writer opening the root reaps dead engines: not this run
    assert StoreReader(root).get_run(run_id).status is RunState.RUNNING
    assert StoreReader(root).get_tasks(run_id)[0].status.value == "RUNNING"  # as last seen

    out = cli("show", run_id, "--pipeline-root", str(root), "--token", TOKEN, timeout=180)
    assert out.returncode == 0, out.stderr
    assert "following it again" in out.stderr
    assert f"{run_id}  pauser  SUCCEEDED" in out.stdout
    assert client.get_run(run_id).state == "SUCCEEDED"
    record = StoreReader(root).get_run(run_id)
    assert record.status is RunState.SUCCEEDED and record.message == ""
    log = StoreReader(root).log_path(run_id, "pause").read_text()
    assert log.count("pausing") == 1 and log.count("resumed") == 1  # nothing emitted twice
    again = cli("show", run_id, "--pipeline-root", str(root))  # ended: nothing to follow
    assert again.returncode == 0 and "following" not in again.stderr


def test_a_new_kernel_s_get_run_follows_a_run_nobody_follows(url, tmp_path):
    from kfp_notebook._api import session as api

    root = tmp_path / "nb"
    run_id = _start_and_kill(url, root, tmp_path)
    api.init(KubeflowRunner(endpoint=url, existing_token=TOKEN, poll_interval=0.2),
             pipeline_root=root, raise_on_error=False)  # fmt: skip
    try:
        started = time.monotonic()
        run = api.get_run(run_id)
        assert run.error != NOT_FOLLOWED  # followed again from here
        run.wait(timeout=180)
        assert run.status is RunState.SUCCEEDED, run.error
        assert time.monotonic() - started < 180
        assert "resumed" in run.logs("pause")
        assert api.get_run(run_id).status is RunState.SUCCEEDED
    finally:
        api.init(pipeline_root=tmp_path / "after")  # leave a local session behind


def test_kfp_show_follows_a_run_nobody_follows_with_a_live_widget(url, tmp_path):
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    from kfp_notebook._api import session as api

    root = tmp_path / "magic"
    run_id = _start_and_kill(url, root, tmp_path)
    ip = start_ipython() or get_ipython()  # once per process
    ip.run_line_magic("load_ext", "kfp_notebook")
    try:
        ip.run_line_magic("kfp", f"init --pipeline-root {root}")  # a local session: --token
        widget = ip.run_line_magic("kfp", f"show {run_id} --token {TOKEN}")
        deadline = time.monotonic() + 180
        while widget.view.run["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert widget.view.run["status"] == "SUCCEEDED"
        assert any("resumed" in line for line in widget.view.logs["pause"])
        assert StoreReader(root).get_run(run_id).status is RunState.SUCCEEDED
    finally:
        api.init(pipeline_root=tmp_path / "after")  # leave a local session behind
        ip.run_line_magic("unload_ext", "kfp_notebook")


def test_cancel_terminates_a_run_nobody_follows_on_its_cluster(url, tmp_path):
    root = tmp_path / "cancel"
    run_id = _start_and_kill(url, root, tmp_path, seconds=120)
    out = cli("cancel", run_id, "--pipeline-root", str(root), "--token", TOKEN, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith(f"{run_id} CANCELLED")
    assert kfp.Client(host=url, existing_token=TOKEN).get_run(run_id).state == "CANCELED"
    assert StoreReader(root).get_run(run_id).status is RunState.CANCELLED


def test_a_run_an_earlier_version_marked_interrupted_is_followed_again(url, tmp_path):
    """Before cluster runs were left "not followed", a writer reaped a stopped follower's run
    like a dead engine's: INTERRUPTED, its open tasks CANCELLED. `show` recovers the truth."""
    import sqlite3

    from kfp_notebook._store.layout import INDEX_NAME
    from kfp_notebook._store.liveness import ENGINE_GONE, TASK_INTERRUPTED

    root = tmp_path / "old"
    run_id = _start_and_kill(url, root, tmp_path)
    with sqlite3.connect(root / INDEX_NAME) as db:  # what the reaper wrote then
        db.execute("UPDATE runs SET status='INTERRUPTED', finished=?, message=? WHERE run_id=?",
                   (time.time(), ENGINE_GONE, run_id))  # fmt: skip
        db.execute("UPDATE tasks SET status='CANCELLED', message=? WHERE status='RUNNING'",
                   (TASK_INTERRUPTED,))  # fmt: skip
    assert StoreReader(root).get_run(run_id).status is RunState.INTERRUPTED
    out = cli("show", run_id, "--pipeline-root", str(root), "--token", TOKEN, timeout=180)
    assert out.returncode == 0 and "following it again" in out.stderr, out.stderr
    record = StoreReader(root).get_run(run_id)
    assert record.status is RunState.SUCCEEDED and record.message == ""
    (task,) = StoreReader(root).get_tasks(run_id)
    assert task.status.value == "SUCCEEDED" and task.message == ""
    log = StoreReader(root).log_path(run_id, "pause").read_text()
    assert log.count("pausing") == 1 and log.count("resumed") == 1


def test_listing_a_clusters_runs_follows_its_pages(url, elsewhere, monkeypatch, tmp_path):
    """The backend answers at most 200 runs a page, so a listing of more follows
    next_page_token: here with pages of 1 against serve, which pages as the backend does."""
    import kfp_notebook
    from kfp_notebook._remote import connection

    client = kfp.Client(host=url, existing_token=TOKEN)
    package = tmp_path / "shouter.yaml"
    compiler.Compiler().compile(shouter, str(package))
    while (client.list_runs(page_size=1).total_size or 0) < 3:  # the other tests make them
        client.create_run_from_pipeline_package(str(package), {"text": "page"})
    newest = client.list_runs(page_size=3, sort_by="created_at desc")
    expected = [r.run_id for r in newest.runs]
    assert len(expected) == 3, expected
    monkeypatch.setattr(connection, "PAGE_SIZE", 1)
    listed = kfp_notebook.list_runs(limit=3, endpoint=url, token=TOKEN)
    assert [r.run_id for r in listed] == expected
