"""The run widget following a Kubeflow run, in real JupyterLab and Chromium: the notebook runs a
pipeline with `%kfp init --runner kubeflow` against a `kfp-notebook serve` subprocess (KFP's
REST API, as a cluster serves it); the tasks turn green live; Cancel terminates the run on the
server (CANCELED there)."""

import kfp
from serve_helper import TOKEN, serving  # tests/serve_helper.py

from notebooks import write_notebook

GREEN = "rgb(187, 247, 208)"

PIPELINE = """\
import kfp_notebook
from kfp import dsl

@dsl.component(base_image="python:3.11")
def warm_up() -> str:
    print("warming up", flush=True)
    return "warm"

@dsl.component(base_image="python:3.11")
def long_nap(state: str):
    import time
    print("napping while", state, flush=True)
    time.sleep(600)

@dsl.pipeline
def remote_nap():
    long_nap(state=warm_up().output)

run = kfp_notebook.run(remote_nap)  # the cell waits: the kernel is busy
"""


def test_widget_follows_and_cancels_a_kubeflow_run(jupyterlab, page, tmp_path, screenshot):
    (tmp_path / "cluster").mkdir()
    with serving(tmp_path / "cluster" / "outputs") as url:
        init = "%load_ext kfp_notebook\n"
        init += f"%kfp init --runner kubeflow --endpoint {url} --token {TOKEN}"
        write_notebook(jupyterlab.root_dir / "kubeflow.ipynb", [init, PIPELINE])
        jupyterlab.open(page, "kubeflow.ipynb")
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        widget = page.locator(".kfpnb-root").first
        widget.wait_for(timeout=120_000)

        # live: warm-up turns green while the run goes on, long-nap runs and logs
        warm = widget.locator(".kfpnb-node[data-id='warm-up'][data-status='SUCCEEDED']")
        warm.wait_for(timeout=120_000)
        assert widget.locator(".kfpnb-badge").get_attribute("data-status") == "RUNNING"
        assert warm.evaluate("n => getComputedStyle(n.querySelector('rect')).fill") == GREEN
        widget.locator(".kfpnb-node[data-id='long-nap'][data-status='RUNNING']").wait_for(
            timeout=60_000
        )
        widget.locator(".kfpnb-node[data-id='long-nap']").click()
        widget.locator(".kfpnb-log-lines", has_text="napping while warm").wait_for(timeout=60_000)
        screenshot(widget, "widget-kubeflow-running")

        client = kfp.Client(host=url, existing_token=TOKEN)
        (remote,) = client.list_runs().runs  # named by the cluster (the widget shows ours)
        run_id = remote.run_id
        assert client.get_run(run_id).state == "RUNNING"
        widget.locator(".kfpnb-cancel").click()
        widget.locator(".kfpnb-badge[data-status='CANCELLED']").wait_for(timeout=60_000)
        assert client.get_run(run_id).state == "CANCELED"  # terminated on the server
        nap = widget.locator(".kfpnb-node[data-id='long-nap']")
        # as on a cluster, Argo marks the terminated pod Failed (the run says CANCELED)
        assert nap.get_attribute("data-status") in ("FAILED", "CANCELLED")
        assert warm.count() == 1  # the finished task stays green
        assert widget.locator(".kfpnb-cancel").inner_text() == "Cancel"  # not "Cancelling…"
        widget.locator(".kfpnb-outputs .kfpnb-loading").wait_for(state="detached", timeout=30_000)
        screenshot(widget, "widget-kubeflow-cancelled")
