"""kfp.Client's "Run details" link (`<host>/#/runs/details/<id>`) opens a page, not a 404: in
JupyterLab (logged in) it shows the run's state and tasks from the API; against `kfp-notebook
serve` (bearer token only) it says how to see the run. Real servers, real Chromium."""

import kfp
from kfp import compiler, dsl
from serve_helper import serving


@dsl.component(base_image="python:3.11")
def greet(name: str) -> str:
    return f"hello {name}"


@dsl.pipeline(name="greeter")
def greeter(name: str = "page") -> None:
    greet(name=name)


def test_run_details_link_shows_the_run_in_jupyter_and_a_hint_from_serve(
    jupyterlab, page, tmp_path
) -> None:
    api = f"{jupyterlab.url}/kfp-notebook/kfp"
    client = kfp.Client(host=api, existing_token=jupyterlab.token)
    package = tmp_path / "greeter.yaml"
    compiler.Compiler().compile(greeter, str(package))
    run = client.create_run_from_pipeline_package(str(package), arguments={})
    done = client.wait_for_run_completion(run.run_id, timeout=180, sleep_duration=1)
    assert done.state == "SUCCEEDED", done.error
    page.goto(f"{jupyterlab.url}/lab/tree?reset&token={jupyterlab.token}")  # logs in: a cookie
    page.goto(f"{api}/#/runs/details/{run.run_id}")
    page.locator(".state", has_text="SUCCEEDED").wait_for(timeout=30_000)
    rows = page.locator("table").inner_text()
    assert "greet\tSUCCEEDED" in rows, rows

    with serving(tmp_path / "served") as url:
        answer = page.goto(f"{url}/#/runs/details/{run.run_id}")
        assert answer is not None and answer.status == 200
        page.get_by_text("needs its token").wait_for(timeout=30_000)
        assert f"kfp-notebook show {run.run_id}" in page.inner_text("body")
