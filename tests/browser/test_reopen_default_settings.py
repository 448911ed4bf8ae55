"""A notebook reopened without its kernel under JupyterLab's DEFAULT settings, in real JupyterLab
and Chromium: "Save Widget State Automatically" is off, so the saved notebook keeps no widget
state and JupyterLab draws "Error displaying widget: model not found" for the run widget's output
(it does not fall back to the bundle's text/html for a trusted output). The run's static summary
under the widget (status, tasks, states, durations) shows anyway; while the widget is drawn, the
summary's table is hidden under it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from nbformat.sign import NotebookNotary
from playwright.sync_api import expect

from notebooks import write_notebook

GREEN = "rgb(187, 247, 208)"  # the palette's SUCCEEDED fill
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
MODEL_NOT_FOUND = "Error displaying widget: model not found"

CELLS = [
    """\
import kfp_notebook
from kfp import dsl

@dsl.component(base_image="python:3.11")
def make_greeting(name: str) -> str:
    return f"hello {name}"

@dsl.component(base_image="python:3.11")
def shout(text: str) -> str:
    return text.upper()

@dsl.pipeline
def greet(name: str = "lab") -> str:
    return shout(text=make_greeting(name=name).output).output

runner = kfp_notebook.SubprocessRunner(use_venv=False)
kfp_notebook.init(runner=runner, pipeline_root="reopen_outputs")
run = kfp_notebook.run(greet)
""",
    'print("all cells ran")',
]


@pytest.fixture(scope="module")
def lab(jupyterlab: Any) -> Iterator[Any]:
    """The module's JupyterLab with the widget manager's settings back to their defaults (the
    shared fixture switches on saveState); the server reads settings from disk per request."""
    settings = (
        jupyterlab.root_dir / ".jupyter" / "lab" / "user-settings" / "@jupyter-widgets"
        / "jupyterlab-manager" / "plugin.jupyterlab-settings"
    )  # fmt: skip
    settings.write_text("{}")
    yield jupyterlab


def _widget_manager_settings(page: Any) -> Any:
    return page.evaluate(
        "async () => (await window.jupyterapp.serviceManager.settings"
        ".fetch('@jupyter-widgets/jupyterlab-manager:plugin')).raw"
    )


def _outputs_with(saved: dict[str, Any], needle: str) -> list[dict[str, Any]]:
    outputs = [o for c in saved["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    return [o for o in outputs if needle in "".join(o.get("data", {}).get("text/html", ""))]


def test_lab_draws_no_html_fallback_for_a_missing_trusted_widget(lab, page) -> None:
    """What JupyterLab does with a bundle of a widget view (its model missing) and text/html:
    a trusted output (a notebook JupyterLab saved, signed) gets the widget renderer (rank -10,
    not "safe") and shows "model not found"; only an untrusted one falls back to text/html."""
    cell = nbformat.v4.new_code_cell(
        "# a widget whose model is gone",
        outputs=[
            nbformat.v4.new_output(
                "display_data",
                data={
                    "text/plain": "a widget",
                    "text/html": "<b>HTML-FALLBACK-SHOWN</b>",
                    WIDGET_MIME: {"version_major": 2, "version_minor": 0, "model_id": "0" * 32},
                },
            )
        ],
    )
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    NotebookNotary().sign(notebook)  # the server's notary: the same data dir
    nbformat.write(notebook, lab.root_dir / "trusted.ipynb")
    cell.source += " (not signed)"  # a signature is of the content: another content
    nbformat.write(notebook, lab.root_dir / "untrusted.ipynb")

    lab.open(page, "trusted.ipynb")
    output = page.locator(".jp-OutputArea-output").first
    expect(output).to_contain_text(MODEL_NOT_FOUND, timeout=30_000)
    assert "HTML-FALLBACK-SHOWN" not in output.inner_text()

    lab.open(page, "untrusted.ipynb")
    output = page.locator(".jp-OutputArea-output").first
    expect(output).to_contain_text("HTML-FALLBACK-SHOWN", timeout=30_000)
    assert MODEL_NOT_FOUND not in output.inner_text()


def test_reopened_without_widget_state_shows_the_runs_summary(lab, page, screenshot) -> None:
    write_notebook(lab.root_dir / "reopen.ipynb", CELLS)
    lab.open(page, "reopen.ipynb")
    assert _widget_manager_settings(page) == "{}"  # the default: no saved widget state
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")

    # live: the widget is drawn, the summary's table is hidden under it, the hint line is not
    widget = page.locator(".kfpnb-root").first
    widget.locator(".kfpnb-badge[data-status='SUCCEEDED']").wait_for(timeout=180_000)
    page.locator(".jp-OutputArea-output", has_text="all cells ran").wait_for(timeout=60_000)
    summary = page.locator(".kfpnb-static")
    expect(summary).to_have_attribute("data-status", "SUCCEEDED")  # updated when the run ended
    expect(summary).to_be_hidden()
    expect(page.locator(".jp-OutputArea-output", has_text="re-display it any time")).to_be_visible()
    screenshot(page.locator(".jp-Cell").first, "reopen-default-settings-live")

    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    path = lab.root_dir / "reopen.ipynb"
    saved = json.loads(path.read_text())
    assert "widgets" not in saved["metadata"], "widget state was saved"
    [kept] = _outputs_with(saved, "kfpnb-static")
    html = "".join(kept["data"]["text/html"])
    assert 'data-status="SUCCEEDED"' in html and "make-greeting" in html and "shout" in html
    assert 'data-status="PENDING"' not in html and 'data-status="RUNNING"' not in html
    assert len(json.dumps(kept)) < 50_000
    assert path.stat().st_size < 50_000

    # reopened: the old kernel is gone (the page starts a fresh one that has no models)
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-OutputArea-output", state="attached")
    summary = page.locator(".kfpnb-static")
    expect(summary).to_be_visible(timeout=30_000)
    expect(summary.locator(".kfpnb-static-status")).to_have_text("✓ SUCCEEDED")
    for task in ("make-greeting", "shout"):
        row = summary.locator(f"tr[data-task-id='{task}']")
        expect(row).to_contain_text(task)
        expect(row).to_contain_text("SUCCEEDED")
        fill = row.locator("td").nth(1).evaluate("td => getComputedStyle(td).backgroundColor")
        assert fill == GREEN, fill
        assert re.fullmatch(r"[\d.]+ m?s", row.locator("td").nth(2).inner_text()), "duration"
        align = row.locator("td").first.evaluate("td => getComputedStyle(td).textAlign")
        assert align in ("left", "start"), align
    assert page.locator(".kfpnb-root").count() == 0  # no widget drawn: nothing to restore it
    # JupyterLab's own text for the widget output stays, the summary shows right under it
    first_outputs = page.locator(".jp-Cell").first.locator(".jp-OutputArea-output")
    expect(first_outputs.first).to_contain_text(MODEL_NOT_FOUND, timeout=30_000)
    expect(summary).to_be_visible()
    expect(page.locator(".jp-OutputArea-output", has_text="%kfp show")).to_be_visible()
    page.locator(".jp-Cell").first.scroll_into_view_if_needed()
    screenshot(page.locator(".jp-Cell").first, "reopen-default-settings-without-kernel")
