"""The quick-start notebook in real JupyterLab and Chromium: the run widget goes live, streams
logs while a task runs, turns its graph green, previews a table, a confusion matrix, Markdown,
and keeps an HTML artifact's script away from the page."""

from typing import Any

from playwright.sync_api import expect

GREEN = "rgb(187, 247, 208)"


def _widget(page: Any) -> Any:
    return page.locator(".kfpnb-root").first


def test_quickstart_notebook_live_widget(jupyterlab, page, screenshot) -> None:
    jupyterlab.open(page, "notebooks/quickstart.ipynb")
    # not awaited: the command's promise settles only when every cell has run
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    # the quick-start run's widget, not the direct call's further down the notebook
    widget = page.locator(".kfpnb-root", has=page.locator(".kfpnb-node[data-id='slow-report']"))
    widget.wait_for(timeout=180_000)

    # a log line of a task shows while that task still runs
    page.wait_for_function(
        "() => { const root = document.querySelector('.kfpnb-root');"
        " const node = root && root.querySelector('.kfpnb-node[data-id=\"slow-report\"]');"
        " const logs = root && root.querySelector('.kfpnb-log-lines');"
        " return node && node.getAttribute('data-status') === 'RUNNING'"
        " && logs && logs.textContent.includes('tick 1'); }",
        timeout=180_000,
    )
    screenshot(widget, "widget-running")

    widget.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=120_000)
    leaves = widget.locator(".kfpnb-node")
    statuses = leaves.evaluate_all("ns => ns.map(n => n.getAttribute('data-status'))")
    assert statuses and set(statuses) == {"SUCCEEDED"}, statuses
    fills = leaves.evaluate_all("ns => ns.map(n => getComputedStyle(n.querySelector('rect')).fill)")
    assert set(fills) == {GREEN}, fills
    expect(widget.locator(".kfpnb-progress")).to_contain_text(" of ", timeout=30_000)

    widget.locator(".kfpnb-node[data-id='make-data']").click()
    table = widget.locator(".kfpnb-preview-table table")
    table.wait_for()
    assert table.locator("th").all_inner_texts() == ["x", "label"]

    widget.locator(".kfpnb-node[data-id='train']").click()
    widget.locator(".kfpnb-confusion").wait_for()
    assert "negative" in widget.locator(".kfpnb-confusion").inner_text()
    assert widget.locator(".kfpnb-roc .kfpnb-curve").count() == 1
    assert "Model notes" in widget.locator(".kfpnb-markdown h2").inner_text()
    frame_element = widget.locator("iframe.kfpnb-html")
    assert frame_element.get_attribute("sandbox") == "allow-scripts"
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_function("document.getElementById('verdict').textContent.length > 0")
    assert "sandboxed" in frame.locator("#verdict").inner_text()
    assert page.title() != "escaped"
    widget.scroll_into_view_if_needed()
    screenshot(widget, "widget-succeeded")


def test_saved_notebook_without_kernel_shows_the_run(jupyterlab, page, screenshot) -> None:
    """Save, stop the kernel, reopen: the widget comes back from the notebook's small saved
    state (graph and status), and its logs and outputs from the server extension."""
    import json

    jupyterlab.open(page, "notebooks/compiled_yaml.ipynb")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.locator(".kfpnb-badge[data-status='SUCCEEDED']:visible").first.wait_for(timeout=120_000)
    page.wait_for_timeout(1000)  # the last cell's output
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    saved = json.loads((jupyterlab.root_dir / "notebooks" / "compiled_yaml.ipynb").read_text())
    models = saved["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    runs = [m for m in models.values() if m["model_name"] == "AnyModel"]
    assert runs and all(len(json.dumps(m)) < 50_000 for m in runs)
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-OutputArea-output", state="attached")
    hint = page.locator(".jp-OutputArea-output:visible", has_text="%kfp show").first
    hint.wait_for()
    assert "re-display it any time" in hint.inner_text()

    widget = _widget(page)
    widget.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=30_000)
    widget.locator(".kfpnb-node[data-id='stage-3']").wait_for()
    assert widget.locator(".kfpnb-node").count() == 4
    widget.locator(".kfpnb-node[data-id='stage-1']").click()
    title = widget.locator(".kfpnb-artifact-title", has_text="data (Dataset)")
    title.wait_for(timeout=30_000)  # asked of the server: the kernel is gone
    assert widget.locator(".kfpnb-outputs table").count() >= 1
    page.wait_for_function(
        "() => document.querySelector('.kfpnb-root .kfpnb-log-lines').textContent.length > 0"
    )
    widget.scroll_into_view_if_needed()
    screenshot(widget, "widget-reopened-without-kernel")


CANCEL_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "import kfp_notebook\nfrom kfp import dsl\n\n"
            "@dsl.component(base_image='python:3.11')\n"
            "def long_nap() -> None:\n"
            "    import time\n"
            "    print('napping', flush=True)\n"
            "    time.sleep(600)\n\n"
            "kfp_notebook.init(pipeline_root='cancel_outputs')\n"
            "kfp_notebook.run(long_nap)  # the cell waits: the kernel is busy\n",
        }
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_cancel_button_stops_a_run_while_its_cell_waits(jupyterlab, page, screenshot) -> None:
    import json

    (jupyterlab.root_dir / "cancel.ipynb").write_text(json.dumps(CANCEL_NOTEBOOK))
    jupyterlab.open(page, "cancel.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    widget = _widget(page)
    widget.locator(".kfpnb-node[data-status='RUNNING']").wait_for(timeout=120_000)
    widget.locator(".kfpnb-log-lines", has_text="napping").wait_for(timeout=60_000)
    # a single-task run shows its task without a click
    assert "long-nap · RUNNING" in widget.locator(".kfpnb-outputs .kfpnb-meta").first.inner_text()
    assert widget.locator(".kfpnb-node.selected[data-id='long-nap']").count() == 1
    widget.locator(".kfpnb-cancel").click()
    widget.locator(".kfpnb-badge[data-status='CANCELLED']").wait_for(timeout=20_000)
    assert widget.locator(".kfpnb-node").first.get_attribute("data-status") == "CANCELLED"
    cancelled = page.locator(".jp-OutputArea-output", has_text="RunCancelledError")
    cancelled.first.wait_for(timeout=30_000)  # one line, no traceback: a cancel is no failure
    assert "Traceback" not in cancelled.first.inner_text()
    screenshot(widget, "widget-cancelled")
