"""A failed run as a user sees it in real JupyterLab and Chromium: a `%%component` whose code
raises, called in a pipeline. The widget's header says which task failed and its log pane holds the
task's traceback, its frame pointing at the `%%component` cell; the cell's error is one block
naming the task, the cell and line, the exception and the log's path: no traceback of kfp's or
kfp-notebook's frames, and the task's traceback shown once. docs/failed-run.png is a copy of the
screenshot."""

from tests.browser.notebooks import write_notebook

CELLS = [
    "%load_ext kfp_notebook\n"
    "import kfp_notebook\n"
    "from kfp import dsl\n"
    "kfp_notebook.init(pipeline_root='failed_run_outputs')",
    "%%component\n"
    "def train(rate: float) -> float:\n"
    "    print(f'training at {rate}', flush=True)\n"
    "    if rate > 1:\n"
    "        raise ValueError(f'rate {rate} is above 1')\n"
    "    return rate / 2",
    "@dsl.pipeline(name='sweep')\n"
    "def sweep(rate: float = 3.0) -> None:\n"
    "    train(rate=rate)\n\n"
    "kfp_notebook.run(sweep)",
]


def test_a_failed_task_reads_once_at_the_users_cell(jupyterlab, page, screenshot) -> None:
    write_notebook(jupyterlab.root_dir / "failed_run.ipynb", CELLS)
    jupyterlab.open(page, "failed_run.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    cell = page.locator(".jp-CodeCell").nth(2)
    cell.locator(".kfpnb-badge[data-status='FAILED']").wait_for(timeout=180_000)
    error = cell.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']")
    error.first.wait_for(timeout=60_000)
    said = error.all_inner_texts()
    assert len(said) == 1, said  # one error output
    (text,) = said
    assert text.startswith("RunFailedError: "), text
    assert "task 'train' failed" in text, text
    assert "%%component cell In[2], line 5, in train" in text, text
    assert text.splitlines()[-2:] == ["ValueError: rate 3.0 is above 1", text.splitlines()[-1]]
    assert text.splitlines()[-1].startswith("full log: "), text
    assert "Traceback" not in text and "training at" not in text, text  # the log is above
    assert "site-packages" not in text and ".components" not in text and "kfp_notebook" not in text
    widget = cell.locator(".kfpnb-root")
    assert "train" in (widget.locator(".kfpnb-node[data-status='FAILED']").text_content() or "")
    # the widget's header and task pane say what failed; the log pane holds the traceback,
    # its frame of the user's code pointing at the %%component cell as the error does
    said = "task 'train' failed with exit status 1 after 1 attempt(s)."
    assert widget.locator(".kfpnb-run-message").inner_text() == said
    widget.locator(".kfpnb-node[data-status='FAILED']").first.click()
    pane = widget.locator(".kfpnb-outputs pre.kfpnb-message")
    pane.wait_for(timeout=30_000)
    assert pane.inner_text() == said
    log = widget.locator("pre.kfpnb-log-lines").first
    log.filter(has_text="ValueError: rate 3.0 is above 1").wait_for(timeout=30_000)
    assert "%%component cell In[2], line 5, in train" in log.inner_text()
    assert ".components" not in log.inner_text()
    assert cell.inner_text().count("Traceback (most recent call last)") == 1  # the log's
    page.set_viewport_size({"width": 1100, "height": 900})
    cell.scroll_into_view_if_needed()
    screenshot(cell, "failed-run")
