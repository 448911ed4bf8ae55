"""`kfp-notebook serve`'s ML Metadata over gRPC-Web, read by our client (`_mlmd/reader.py`):
a store written by the REAL ml-metadata library as KFP's launcher writes one, and the store serve
fills for a run it executed (its Metrics values, and the pod name the log route accepts)."""

import base64
import json
import time
import urllib.error
import urllib.request

import kfp
import pytest
from kfp import dsl
from serve_helper import TOKEN, serving

from kfp_notebook._kfp_api.mlmd import MLMD_FILE
from kfp_notebook._mlmd.client import GrpcError, MetadataClient
from kfp_notebook._mlmd.grpcweb import frame, split_frames
from kfp_notebook._mlmd.reader import metadata_url, task_metadata
from kfp_notebook._mlmd.service import ByTypeAndName, Listed
from kfp_notebook._remote.metadata import MetadataSource
from tests.support.mlmd_venv import mlmd_python, run_real


@pytest.fixture(scope="module")
def real_python(tmp_path_factory):
    return mlmd_python(tmp_path_factory)


@dsl.component
def train(
    rate: float, metrics: dsl.Output[dsl.Metrics], scores: dsl.Output[dsl.ClassificationMetrics]
):
    print(f"training at {rate}", flush=True)
    metrics.log_metric("accuracy", 0.9)
    metrics.log_metric("loss", 0.25)
    scores.log_confusion_matrix(["a", "b"], [[3, 1], [0, 4]])


@dsl.component
def report(metrics: dsl.Input[dsl.Metrics], marker: str) -> float:
    import os
    import time

    deadline = time.time() + 120
    while not os.path.exists(marker) and time.time() < deadline:  # held while the test reads
        time.sleep(0.1)
    return float(metrics.metadata["accuracy"])


@dsl.pipeline(name="metrics-demo")
def metrics_demo(marker: str, rate: float = 0.1):
    trained = train(rate=rate)
    report(metrics=trained.outputs["metrics"], marker=marker)


def test_a_store_the_real_library_wrote_is_read_through_serve(tmp_path, real_python):
    root = tmp_path / "outputs"
    root.mkdir()
    wrote = run_real(real_python, "mlmd_launcher_write.py", str(root / MLMD_FILE))
    with serving(root) as url:
        tasks = task_metadata(url, "run-1234", TOKEN)
        client = MetadataClient(metadata_url(url), TOKEN)
        context = client.context_by_type_and_name("system.PipelineRun", "run-1234")
        assert context is not None and context.id == wrote["run_context"]
        assert client.context_by_type_and_name("system.PipelineRun", "nope") is None
        with pytest.raises(GrpcError) as err:
            MetadataClient(metadata_url(url), "wrong").context_by_type_and_name("a", "b")
        assert err.value.status == 16  # UNAUTHENTICATED
        text = _text_call(url, ByTypeAndName("system.PipelineRun", "run-1234").encode())
        _refusals(url)
    assert text.contexts[0].id == wrote["run_context"]
    assert set(tasks) == {"train"}  # the root DAG is left out
    assert tasks["train"]["pod_name"] == "metrics-demo-x7k2p-1234567"
    assert (
        tasks["train"]["state"] == "COMPLETE"
        and tasks["train"]["execution_id"] == wrote["execution"]
    )
    [metrics, logs] = tasks["train"]["artifacts"]
    assert metrics == {
        "name": "metrics", "uri": "minio://mlpipeline/v2/artifacts/x/train/metrics",
        "type": "system.Metrics", "artifact_id": wrote["artifact"],
        "metadata": {"accuracy": 0.9, "display_name": "metrics"},
    }  # fmt: skip
    assert tasks["train"]["inputs"] == {"epochs": 3.0}
    [given] = tasks["train"]["input_artifacts"]["data"]
    assert given["uri"] == "minio://mlpipeline/v2/artifacts/x/prep/data"
    source = MetadataSource(url, TOKEN, "run-1234")
    source.tasks = tasks
    assert [a["name"] for a in source.artifacts("train")] == ["metrics"]  # the log is no output
    assert source.log_uri("train") == logs["uri"] and logs["uri"].endswith("/executor-logs-0")
    params, artifacts = source.inputs("train")
    assert params == {"epochs": 3.0} and artifacts == {"data": [{
        "uri": given["uri"], "type": {"schemaTitle": "system.Dataset"},
        "metadata": {},
    }]}  # fmt: skip


def _refusals(url: str) -> None:
    """An unknown method, a malformed message, a body that is not gRPC-Web: refused in gRPC
    terms (or 415), the server still answering."""
    client = MetadataClient(metadata_url(url), TOKEN)
    with pytest.raises(GrpcError) as err:
        client._call("PutExecution", b"")
    assert err.value.status == 12  # UNIMPLEMENTED
    with pytest.raises(GrpcError) as err:
        client._call("GetArtifactsByID", b"\x0a\x09short")
    assert err.value.status == 3  # INVALID_ARGUMENT
    request = urllib.request.Request(
        metadata_url(url) + "/ml_metadata.MetadataStoreService/GetArtifactsByID",
        data=b"{}", method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 415
    assert client.artifacts_by_id([10**6]) == []
    alias = MetadataClient(
        url + "/ml_metadata/", TOKEN
    )  # the form: a trailing /ml_metadata
    assert alias.base_url == url + "/ml_metadata" and alias.artifacts_by_id([1])


def _text_call(url: str, message: bytes) -> Listed:
    """The call as a browser's grpc-web client sends it: application/grpc-web-text, base64."""
    request = urllib.request.Request(
        metadata_url(url) + "/ml_metadata.MetadataStoreService/GetContextByTypeAndName",
        data=base64.b64encode(frame(message)), method="POST",
        headers={"Content-Type": "application/grpc-web-text", "Authorization": f"Bearer {TOKEN}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "application/grpc-web-text"
        messages, trailers = split_frames(base64.b64decode(resp.read()))
    assert trailers["grpc-status"] == "0"
    return Listed.decode("GetContextByTypeAndName", messages[0])


def test_a_run_serve_executed_has_its_pod_names_and_metrics_in_mlmd(tmp_path, real_python):
    root = tmp_path / "outputs"
    with serving(root) as url:
        client = kfp.Client(host=url, existing_token=TOKEN)
        marker = tmp_path / "go-on"
        arguments = {"rate": 0.5, "marker": str(marker)}
        run = client.create_run_from_pipeline_func(metrics_demo, arguments=arguments)
        while_running = _until_report_runs(url, run.run_id)
        assert while_running["train"]["state"] == "COMPLETE"
        assert while_running["train"]["artifacts"]  # its Metrics, before the run has ended
        marker.touch()
        done = client.wait_for_run_completion(run.run_id, timeout=180, sleep_duration=1)
        assert done.state == "SUCCEEDED", done.error
        started = time.monotonic()
        tasks = task_metadata(url, run.run_id, TOKEN)
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(10):
            assert task_metadata(url, run.run_id, TOKEN) == tasks
        again = (time.monotonic() - started) / 10
        log = _get(f"{url}/apis/v1alpha1/runs/{run.run_id}/nodes/{tasks['train']['pod_name']}/log")
    print(f"task_metadata over HTTP: {first * 1000:.0f} ms once the run ended (re-fills it),"
          f" then {again * 1000:.1f} ms (4 calls each)")  # fmt: skip
    assert set(tasks) == {"train", "report"}
    assert "training at 0.5" in log
    assert tasks["train"]["state"] == "COMPLETE"
    by_name = {a["name"]: a for a in tasks["train"]["artifacts"]}
    assert by_name["metrics"]["type"] == "system.Metrics"
    assert by_name["metrics"]["metadata"] == {
        "accuracy": 0.9,
        "loss": 0.25,
        "display_name": "metrics",
    }
    matrix = by_name["scores"]["metadata"]["confusionMatrix"]
    assert by_name["scores"]["type"] == "system.ClassificationMetrics"
    assert matrix == {"struct": {"annotationSpecs": [{"displayName": "a"}, {"displayName": "b"}],
                                 "rows": [{"row": [3.0, 1.0]}, {"row": [0.0, 4.0]}]}}  # fmt: skip
    assert (
        tasks["report"]["pod_name"]
        == while_running["report"]["pod_name"]
        != tasks["train"]["pod_name"]
    )
    assert tasks["report"]["state"] == "COMPLETE"
    # the store serve wrote is one the real library opens, with the consumer's INPUT event
    got = run_real(real_python, "mlmd_real_read.py", "dump", str(root / MLMD_FILE))
    executions = got["by_context"][run.run_id]["executions"]
    ids = {e["custom_properties"]["task_name"]["string_value"]: e["id"] for e in executions}
    events = {(e["execution_id"], e["type"], e["path"]["steps"][0]["key"]) for e in got["events"]}
    assert (ids["report"], "INPUT", "metrics") in events
    assert (ids["train"], "OUTPUT", "metrics") in events


def _until_report_runs(url: str, run_id: str) -> dict:
    """task_metadata while the run runs, once its `report` task is RUNNING."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tasks = task_metadata(url, run_id, TOKEN)
        if tasks.get("report", {}).get("state") == "RUNNING":
            return tasks
        time.sleep(0.2)
    raise AssertionError(f"report never ran: {tasks}")


def _get(url: str) -> str:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.read().decode()
    except urllib.error.HTTPError as exc:
        raise AssertionError(json.loads(exc.read())) from exc
