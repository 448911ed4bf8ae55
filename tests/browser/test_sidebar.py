"""The sidebar in real JupyterLab and Chromium: a run started from a notebook turns from running
to succeeded without a refresh, a Dataset and a Markdown artifact preview, a run is deleted."""

import json
import re
from pathlib import Path

from kfp import dsl

NOTEBOOK_CODE = [
    """\
import kfp_notebook
from kfp import dsl

@dsl.component(base_image="python:3.11")
def report(gate: str, data: dsl.Output[dsl.Dataset], notes: dsl.Output[dsl.Markdown]):
    import os, time
    deadline = time.time() + 120
    while not os.path.exists(gate) and time.time() < deadline:
        time.sleep(0.2)
    with open(data.path, "w") as f:
        f.write("city,visitors\\nLyon,1200\\nOslo,875\\n")
    with open(notes.path, "w") as f:
        f.write("# Weekly notes\\n\\nAll **good**.\\n\\n")
        f.write("<img src=x onerror=\\"window.top.pwned=1\\">\\n")

@dsl.pipeline
def weekly(gate: str):
    report(gate=gate)
""",
    """\
import os
kfp_notebook.init(runner=kfp_notebook.SubprocessRunner(use_venv=False),
                  pipeline_root="outputs")
run = kfp_notebook.run(weekly, arguments={"gate": os.path.abspath("gate")}, wait=False)
print("started", run.run_id)
""",
]


_OUTPUTS = re.compile(r"^outputs$")  # the server folder's own root, labelled exactly so


def write_notebook(path: Path) -> None:
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": code,
        }
        for code in NOTEBOOK_CODE
    ]
    path.write_text(
        json.dumps(
            {
                "cells": cells,
                "metadata": {
                    "kernelspec": {
                        "name": "python3",
                        "display_name": "Python 3",
                        "language": "python",
                    },
                    "language_info": {"name": "python"},
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


def test_sidebar_follows_a_run_previews_and_deletes(jupyterlab, page, screenshot) -> None:
    def shot(page, name: str) -> None:
        screenshot(page, f"sidebar-{name}")

    write_notebook(jupyterlab.root_dir / "weekly.ipynb")
    jupyterlab.open(page, "weekly.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.get_by_text("started weekly-").wait_for(timeout=90_000)

    page.locator("li[data-id='kfp-notebook-sidebar']").click()
    sidebar = page.locator("#kfp-notebook-sidebar")
    root = sidebar.locator(".kfpsb-root").filter(
        has=page.locator(".kfpsb-label", has_text=_OUTPUTS)
    )
    root.wait_for(timeout=15_000)
    root.click()
    running = sidebar.locator(".kfpsb-run[data-status='RUNNING']")
    running.wait_for(timeout=30_000)
    run_id = running.get_attribute("data-run-id")
    assert run_id and run_id.startswith("weekly-")
    shot(page, "running")

    (jupyterlab.root_dir / "gate").write_text("go")  # the task may finish now
    done = sidebar.locator(f".kfpsb-run[data-run-id='{run_id}'][data-status='SUCCEEDED']")
    done.wait_for(timeout=60_000)  # no click, no reload: the sidebar polls the change token
    done.click()
    task = sidebar.locator(".kfpsb-task[data-task-id='report']")
    task.wait_for(timeout=10_000)
    assert task.get_attribute("data-status") == "SUCCEEDED"
    task.click()

    sidebar.locator(".kfpsb-artifact[data-artifact='data']").click()
    table = page.locator(".kfpsb-preview-body[data-kind='table'] table")
    table.wait_for(timeout=15_000)
    assert table.locator("th").all_inner_texts() == ["city", "visitors"]
    assert table.locator("tbody tr").first.locator("td").all_inner_texts() == ["Lyon", "1200"]
    shot(page, "dataset-preview")

    sidebar.locator(".kfpsb-artifact[data-artifact='notes']").click()
    heading = page.locator(".kfpsb-preview-body[data-kind='markdown'] .kfpnb-markdown h1")
    heading.wait_for(timeout=15_000)
    assert heading.inner_text().strip() == "Weekly notes"
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.pwned") is None  # raw HTML was sanitized away
    shot(page, "markdown-preview")

    run_row = sidebar.locator(f".kfpsb-run[data-run-id='{run_id}']")
    run_row.hover()  # actions show on hover
    run_row.locator("button[title='Delete this run']").click()
    page.locator(".jp-Dialog button.jp-mod-warn").click()
    run_row.wait_for(state="detached", timeout=15_000)
    assert not (jupyterlab.root_dir / "outputs" / run_id).exists()
    shot(page, "deleted")


@dsl.component(base_image="python:3.11")
def stays_busy() -> None:
    import time

    print("busy", flush=True)
    time.sleep(600)


def test_sidebar_cancels_a_run_of_another_process(jupyterlab, page, screenshot) -> None:
    """This test process is the run's engine; the sidebar's ■ goes through the server."""
    from kfp_notebook import RunState, Session

    session = Session(pipeline_root=jupyterlab.root_dir / "outputs", raise_on_error=False)
    try:
        run = session.run(stays_busy, wait=False)
        jupyterlab.open(page, "notebooks/compiled_yaml.ipynb")
        page.locator("li[data-id='kfp-notebook-sidebar']").click()
        sidebar = page.locator("#kfp-notebook-sidebar")
        root = sidebar.locator(".kfpsb-root").filter(
            has=page.locator(".kfpsb-label", has_text=_OUTPUTS)
        )
        root.wait_for(timeout=15_000)
        row = sidebar.locator(f".kfpsb-run[data-run-id='{run.run_id}']")
        if not row.is_visible():
            root.click()
        row.hover()  # actions show on hover
        row.locator("button[title='Cancel this run']").click()
        sidebar.locator(
            f".kfpsb-run[data-run-id='{run.run_id}'][data-status='CANCELLED']"
        ).wait_for(timeout=30_000)
        run.wait(timeout=30)
        assert run.status is RunState.CANCELLED
        screenshot(page, "sidebar-cancelled")
    finally:
        session.close()
