"""`kfp-notebook serve` driven by the real `kfp.Client` (and kfp.kubeflow_client when present),
the server a real subprocess on a free 127.0.0.1 port."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import kfp
import pytest
import yaml
from kfp import compiler, dsl
from serve_helper import TOKEN, serving


@dsl.component
def say(text: str) -> str:
    print(f"saying {text}")
    return text.upper()


@dsl.component
def nap(seconds: float):
    import time

    print("napping", flush=True)
    time.sleep(seconds)


@dsl.component
def flaky(marker: str) -> str:
    import os

    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first attempt fails")
    return "second time lucky"


@dsl.pipeline(name="hello")
def hello(text: str = "hi"):
    first = say(text=text)
    say(text=first.output)


@dsl.pipeline(name="napper")
def napper(seconds: float = 60.0):
    nap(seconds=seconds)


@dsl.pipeline(name="flaky-pipe")
def flaky_pipe(marker: str):
    before = say(text="before")
    got = flaky(marker=marker).after(before)
    say(text=got.output)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("serve")
    root = tmp / "outputs"
    with serving(root) as url:
        yield {"url": url, "root": root, "tmp": tmp}


@pytest.fixture(scope="module")
def client(server):
    return kfp.Client(host=server["url"], existing_token=TOKEN)


def _package(tmp: Path, pipeline, name: str) -> str:
    path = tmp / name
    compiler.Compiler().compile(pipeline, str(path))
    return str(path)


def test_a_request_without_the_token_is_refused(server):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"token {TOKEN}"}):
        request = urllib.request.Request(server["url"] + "/apis/v2beta1/healthz", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 401
        assert "Bearer" in json.loads(err.value.read())["message"]
        assert err.value.headers.get("Access-Control-Allow-Origin") is None
    ok = urllib.request.Request(
        server["url"] + "/apis/v2beta1/healthz", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert json.loads(urllib.request.urlopen(ok, timeout=10).read()) == {"multi_user": False}


def test_upload_experiment_run_wait_list_tasks_logs_delete(server, client):
    package = _package(server["tmp"], hello, "hello.yaml")
    pipeline = client.upload_pipeline(package, pipeline_name="hello-pipe")
    assert client.get_pipeline(pipeline.pipeline_id).display_name == "hello-pipe"
    assert client.get_pipeline_id("hello-pipe") == pipeline.pipeline_id
    second = client.upload_pipeline_version(package, "v2", pipeline_id=pipeline.pipeline_id)
    versions = client.list_pipeline_versions(pipeline.pipeline_id).pipeline_versions
    assert [v.display_name for v in versions] == ["hello-pipe", "v2"]
    assert second.pipeline_version_id == versions[1].pipeline_version_id
    version = client.get_pipeline_version(pipeline.pipeline_id, versions[0].pipeline_version_id)
    assert version.pipeline_spec["pipelineInfo"]["name"] == "hello"
    experiment = client.create_experiment("exp-a")
    assert client.get_experiment(experiment_name="exp-a").experiment_id == experiment.experiment_id

    result = client.create_run_from_pipeline_package(
        package, arguments={"text": "abc"}, experiment_name="exp-a", run_name="first"
    )
    done = client.wait_for_run_completion(result.run_id, timeout=120, sleep_duration=1)
    assert done.state == "SUCCEEDED", done.error
    assert done.display_name == "first"
    assert done.runtime_config.parameters == {"text": "abc"}
    by_version = client.run_pipeline(
        experiment.experiment_id, "by-version", params={"text": "v"},
        pipeline_id=pipeline.pipeline_id, version_id=version.pipeline_version_id,
    )  # fmt: skip
    assert client.wait_for_run_completion(by_version.run_id, 120, 1).state == "SUCCEEDED"

    listed = client.list_runs(experiment_id=experiment.experiment_id, page_size=1,
                              sort_by="created_at desc")  # fmt: skip
    assert [r.run_id for r in listed.runs] == [by_version.run_id] and listed.total_size == 2
    rest = client.list_runs(
        experiment_id=experiment.experiment_id, page_size=1,
        page_token=listed.next_page_token, sort_by="created_at desc",
    )  # fmt: skip
    assert [r.run_id for r in rest.runs] == [result.run_id]
    named = client.list_runs(filter=json.dumps({"predicates": [
        {"key": "display_name", "operation": "EQUALS", "string_value": "first"}]}))  # fmt: skip
    assert [r.run_id for r in named.runs] == [result.run_id]

    details = client.get_run(result.run_id).run_details.task_details
    names = [t.display_name for t in details]
    for expected in ("root", "root-driver", "say", "say-driver", "say-2", "executor"):
        assert expected in names, names
    say_node = next(t for t in details if t.display_name == "say")
    assert say_node.state == "SUCCEEDED" and say_node.start_time.year >= 2024
    executor = say_node.child_tasks[0].pod_name
    assert next(t for t in details if t.pod_name == executor).display_name == "executor"
    request = urllib.request.Request(
        f"{server['url']}/apis/v1alpha1/runs/{result.run_id}/nodes/{executor}/log",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    log = urllib.request.urlopen(request, timeout=10).read().decode()
    assert "saying abc" in log

    # the runs are in the store the CLI and the sidebar read
    shown = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "runs", "--pipeline-root",
         str(server["root"]), "--json"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.run_id in {r["run_id"] for r in json.loads(shown.stdout)}

    client.archive_run(result.run_id)
    assert client.get_run(result.run_id).storage_state == "ARCHIVED"
    client.delete_run(result.run_id)
    with pytest.raises(kfp_server_api_exception()) as err:
        client.get_run(result.run_id)
    assert err.value.status == 404
    assert not (server["root"] / result.run_id).exists()
    client.archive_experiment(experiment.experiment_id)
    assert client.get_experiment(experiment.experiment_id).storage_state == "ARCHIVED"
    assert client.get_run(by_version.run_id).storage_state == "ARCHIVED"
    client.delete_pipeline_version(pipeline.pipeline_id, version.pipeline_version_id)
    with pytest.raises(kfp_server_api_exception()) as err:  # as the backend: versions first
        client.delete_pipeline(pipeline.pipeline_id)
    assert err.value.status == 400 and "version" in json.loads(err.value.body)["message"]
    client.delete_pipeline_version(pipeline.pipeline_id, second.pipeline_version_id)
    client.delete_pipeline(pipeline.pipeline_id)
    assert client.get_pipeline_id("hello-pipe") is None
    client.delete_experiment(experiment.experiment_id)


def kfp_server_api_exception():
    import kfp_server_api

    return kfp_server_api.ApiException


def test_terminate_a_sleeping_run_ends_canceled(server, client):
    package = _package(server["tmp"], napper, "napper.yaml")
    run = client.create_run_from_pipeline_package(package, arguments={"seconds": 120})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = client.get_run(run.run_id)
        tasks = got.run_details.task_details if got.run_details else []
        if any(t.display_name == "nap" and t.state == "RUNNING" for t in tasks or []):
            break
        time.sleep(0.3)
    started = time.monotonic()
    client.terminate_run(run.run_id)
    while client.get_run(run.run_id).state in ("RUNNING", "CANCELING"):
        assert time.monotonic() - started < 30
        time.sleep(0.2)
    assert client.get_run(run.run_id).state == "CANCELED"


def test_a_run_whose_engine_was_killed_reads_ended_at_once(server, client):
    """Its detached `kfp-notebook run` process SIGKILLed: GET says it ended (INTERRUPTED, as
    the backend's FAILED) with no writer opening the root, and waiting for it returns."""
    import os
    import signal

    from kfp_notebook._store.reader import StoreReader

    package = _package(server["tmp"], napper, "napper-killed.yaml")
    run = client.create_run_from_pipeline_package(package, arguments={"seconds": 120})
    deadline = time.monotonic() + 60
    record = None
    while time.monotonic() < deadline:
        with StoreReader(server["root"]) as reader:
            record = reader.get_run(run.run_id)
            tasks = reader.get_tasks(run.run_id) if record else []
        if any(t.name == "nap" and t.status.value == "RUNNING" for t in tasks):
            break
        time.sleep(0.3)
    assert record is not None and record.owner_pid is not None
    os.kill(record.owner_pid, signal.SIGKILL)
    started = time.monotonic()
    finished = client.wait_for_run_completion(run.run_id, timeout=30)
    took = time.monotonic() - started
    assert finished.state == "FAILED" and "ended before" in finished.error.message, finished
    assert took < 15, took
    nap_task = [t for t in finished.run_details.task_details if t.display_name == "nap"]
    assert nap_task and all(t.state != "RUNNING" for t in nap_task)
    client.terminate_run(run.run_id)  # ends it for good: the index now records it
    with StoreReader(server["root"]) as reader:
        assert reader.get_run(run.run_id).engine_gone is False  # recorded, not only read
    with pytest.raises(Exception, match="not running"):
        client.terminate_run(run.run_id)


def test_retry_resumes_a_failed_run_reusing_succeeded_tasks(server, client):
    package = _package(server["tmp"], flaky_pipe, "flaky.yaml")
    marker = server["tmp"] / "marker"
    run = client.create_run_from_pipeline_package(package, arguments={"marker": str(marker)})
    failed = client.wait_for_run_completion(run.run_id, 120, 1)
    assert failed.state == "FAILED"
    assert "first attempt fails" in failed.error.message
    first = {t.display_name: t for t in failed.run_details.task_details}["say"]
    assert first.state == "SUCCEEDED"
    client._run_api.run_service_retry_run(run_id=run.run_id)
    deadline = time.monotonic() + 120
    while client.get_run(run.run_id).state != "SUCCEEDED":
        assert time.monotonic() < deadline, client.get_run(run.run_id)
        time.sleep(0.5)
    nodes = {t.display_name: t for t in client.get_run(run.run_id).run_details.task_details}
    assert nodes["flaky"].state == nodes["say-2"].state == "SUCCEEDED"
    assert nodes["say"].state == "SUCCEEDED"
    log = server["root"] / run.run_id / "say" / "task.log"
    assert log.read_text().count("saying before") == 1  # reused, not run again


def test_a_bad_request_answers_in_the_backends_error_format(server, client):
    import kfp_server_api

    with pytest.raises(kfp_server_api.ApiException) as err:
        client.get_run("no-such-run")
    assert err.value.status == 404
    assert json.loads(err.value.body)["code"] == 5
    with pytest.raises(kfp_server_api.ApiException) as err:
        client._run_api.run_service_create_run(kfp_server_api.V2beta1Run(display_name="x"))
    assert err.value.status == 400
    for bad in ({"page_token": "%%%"}, {"filter": "{not json"}, {"page_size": "many"}):
        with pytest.raises(kfp_server_api.ApiException) as err:
            client.list_runs(**bad)
        assert err.value.status == 400, bad


def test_kubeflow_pipelines_client_when_installed(server):
    kc = pytest.importorskip("kfp.kubeflow_client")
    pc = kc.PipelinesClient(
        kc.KubernetesBackendConfig(base_url=server["url"], user_token=TOKEN, namespace="default")
    )
    package = _package(server["tmp"], hello, "hello-kc.yaml")
    version = pc.upload_pipeline(package, name="hello-kc")
    assert pc.get_pipeline("hello-kc").display_name == "hello-kc"
    pc.create_experiment("exp-kc")
    run = pc.run("hello-kc", experiment="exp-kc", params={"text": "kc"})
    done = pc.wait_for_run_status(run.run_id, timeout=120, polling_interval=1)
    assert done.state == "SUCCEEDED", done
    assert done.pipeline_version_reference.pipeline_version_id == version.pipeline_version_id


def test_serve_refuses_a_non_loopback_bind_without_a_token(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "kfp_notebook._cli", "serve", "--bind", "0.0.0.0", "--port", "0",
         "--pipeline-root", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert "without --token" in out.stderr


def test_a_run_with_a_wrong_argument_fails_with_the_engines_message(server, client):
    package = _package(server["tmp"], hello, "hello-bad.yaml")
    run = client.create_run_from_pipeline_package(package, arguments={"txt": "typo"})
    done = client.wait_for_run_completion(run.run_id, timeout=60, sleep_duration=0.5)
    assert done.state == "FAILED"
    assert "no input 'txt'" in done.error.message


def test_the_root_answers_the_run_details_link_with_a_page(server):
    """kfp.Client links `<host>/#/runs/details/ID`: the root is a static page (no data, so no
    token), not a 404; the page itself asks the API for the run (tests/browser)."""
    with urllib.request.urlopen(server["url"] + "/", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/html")
        page = answer.read().decode()
    assert "runs\\/details" in page and "apis/v2beta1/runs/" in page


def test_a_run_keeps_the_fields_a_client_sends(server, client):
    """plugins_input, plugins_output and recurring_run_id, stored and returned on get and list
    as the backend does (backend/api/v2beta1/run.proto): over raw HTTP, and through
    kfp_server_api's own model where it has them (kfp-server-api 2.15 and later)."""
    import kfp_server_api

    spec = yaml.safe_load(Path(_package(server["tmp"], hello, "kept.yaml")).read_text())
    plugins = {"mlflow": {"experiment_name": "from-kfp", "disabled": False}}
    output = {"mlflow": {"entries": {"run_id": {"value": "abc"}}, "state": "SUCCEEDED"}}

    def call(method, path, payload=None):
        request = urllib.request.Request(
            server["url"] + path, method=method,
            data=json.dumps(payload).encode() if payload is not None else None,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    raw = call("POST", "/apis/v2beta1/runs", {
        "display_name": "out", "pipeline_spec": spec, "plugins_input": plugins,
        "plugins_output": output, "recurring_run_id": "rr-0", "service_account": "sa-0",
    })  # fmt: skip
    assert raw["plugins_output"] == output and raw["plugins_input"] == plugins
    again = call("GET", f"/apis/v2beta1/runs/{raw['run_id']}")
    assert (again["plugins_input"], again["recurring_run_id"]) == (plugins, "rr-0")
    listed = {r["run_id"]: r for r in call("GET", "/apis/v2beta1/runs?page_size=100")["runs"]}
    assert listed[raw["run_id"]]["plugins_output"] == output
    with pytest.raises(urllib.error.HTTPError) as err:
        call(
            "POST",
            "/apis/v2beta1/runs",
            {"display_name": "bad", "pipeline_spec": spec, "plugins_input": {"mlflow": 3}},
        )
    assert err.value.code == 400 and "plugins_input" in json.loads(err.value.read())["message"]
    client.wait_for_run_completion(raw["run_id"], timeout=120, sleep_duration=1)
    if "plugins_input" not in kfp_server_api.V2beta1Run.openapi_types:
        return  # an older kfp-server-api's model has no such fields (kfp 2.14)

    body = kfp_server_api.V2beta1Run(
        display_name="kept", description="with plugins", pipeline_spec=spec,
        runtime_config=kfp_server_api.V2beta1RuntimeConfig(parameters={"text": "k"}),
        service_account="sa-1", recurring_run_id="rr-1", plugins_input=plugins,
    )  # fmt: skip
    created = client._run_api.run_service_create_run(body)
    assert created.plugins_input == plugins and created.recurring_run_id == "rr-1"
    got = client.get_run(created.run_id)
    assert (got.display_name, got.description, got.service_account) == (
        "kept",
        "with plugins",
        "sa-1",
    )
    assert got.plugins_input == plugins and got.recurring_run_id == "rr-1"
    assert got.runtime_config.parameters == {"text": "k"}
    assert client.get_run(raw["run_id"]).plugins_output["mlflow"].state == "SUCCEEDED"
    client.wait_for_run_completion(created.run_id, timeout=120, sleep_duration=1)
