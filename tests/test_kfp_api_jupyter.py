"""KFP's API mounted in a real Jupyter server (a subprocess), used by the real kfp.Client with the
Jupyter token; the extension loads no engine module."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import kfp
import pytest
from kfp import compiler, dsl

JUPYTER_TOKEN = "jupyter-" + "y" * 24
ENGINE_SIDE = (
    "kfp_notebook._api", "kfp_notebook._engine", "kfp_notebook._remote",
    "kfp_notebook.executors", "kfp_notebook._spec", "kfp.dsl", "kfp.compiler",
)  # fmt: skip


@dsl.component
def greet(name: str) -> str:
    print(f"hello {name}")
    return name


@dsl.pipeline(name="greeter")
def greeter(name: str = "lab"):
    greet(name=name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("lab")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={JUPYTER_TOKEN}",
         "--ServerApp.open_browser=False", f"--ServerApp.root_dir={tmp}",
         "--ServerApp.jpserver_extensions={'kfp_notebook': True}",
         f"--ServerApp.runtime_dir={tmp / 'runtime'}", "--allow-root"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/kfp-notebook/kfp"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "jupyter did not start"
            time.sleep(0.3)
    yield {"url": url, "tmp": tmp}
    proc.terminate()
    proc.wait(timeout=30)


def test_kfp_client_runs_a_pipeline_through_jupyter(lab):
    client = kfp.Client(host=lab["url"], existing_token=JUPYTER_TOKEN)
    package = lab["tmp"] / "greeter.yaml"
    compiler.Compiler().compile(greeter, str(package))
    run = client.create_run_from_pipeline_package(str(package), arguments={"name": "nb"})
    done = client.wait_for_run_completion(run.run_id, timeout=120, sleep_duration=1)
    assert done.state == "SUCCEEDED", done.error
    assert (lab["tmp"] / "local_outputs" / run.run_id / "greet" / "task.log").read_text().count(
        "hello nb"
    ) == 1


def test_ml_metadata_answers_beside_the_api_with_the_jupyter_token(lab):
    """As on a deployment, MLMD answers at the API's host: the task's pod (whose log the API
    serves) and its output artifact, read with the Jupyter token (POSTs authorized as reads)."""
    from kfp_notebook._mlmd.reader import task_metadata

    client = kfp.Client(host=lab["url"], existing_token=JUPYTER_TOKEN)
    package = lab["tmp"] / "greeter.yaml"
    compiler.Compiler().compile(greeter, str(package))
    run = client.create_run_from_pipeline_package(str(package), arguments={"name": "md"})
    assert client.wait_for_run_completion(run.run_id, timeout=120, sleep_duration=1).state == (
        "SUCCEEDED"
    )
    greet = task_metadata(lab["url"], run.run_id, JUPYTER_TOKEN)["greet"]
    assert greet["state"] == "COMPLETE" and greet["pod_name"], greet
    request = urllib.request.Request(
        f"{lab['url']}/apis/v1alpha1/runs/{run.run_id}/nodes/{greet['pod_name']}/log",
        headers={"Authorization": f"Bearer {JUPYTER_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "hello md" in response.read().decode()
    with pytest.raises(Exception, match=r"403|401"):  # and not without the token
        task_metadata(lab["url"], run.run_id, "nope")


def test_without_the_jupyter_token_it_is_refused(lab):
    for headers in ({}, {"Authorization": "Bearer nope"}):
        request = urllib.request.Request(lab["url"] + "/apis/v2beta1/runs", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 403


def test_loading_the_extension_loads_no_engine_module(tmp_path):
    script = textwrap.dedent(
        f"""
        import json, sys
        from jupyter_server.serverapp import ServerApp
        app = ServerApp()
        app.initialize(argv=[
            "--ServerApp.jpserver_extensions={{'kfp_notebook': True}}",
            "--ServerApp.port=0", "--ServerApp.open_browser=False",
            "--ServerApp.runtime_dir={tmp_path / "runtime"}",
            "--ServerApp.root_dir={tmp_path}",
        ], find_extensions=False)
        patterns = [str(getattr(r.matcher, "regex", ""))
                    for host in app.web_app.default_router.rules
                    for r in getattr(host.target, "rules", [])]
        print(json.dumps({{
            "kfp_routes": len([p for p in patterns if "/kfp-notebook/kfp/apis/" in p]),
            "modules": sorted(m for m in sys.modules if m.startswith(("kfp", "docker"))),
        }}))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=tmp_path, env=env)  # fmt: skip
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["kfp_routes"] > 10
    assert [m for m in report["modules"] if m.startswith(ENGINE_SIDE)] == []
    assert not (tmp_path / "local_outputs").exists()  # nothing made before the first request
