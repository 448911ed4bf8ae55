"""The run widget's Spin in real JupyterLab and Chromium: on a failed run's task, Spin runs
that task alone with the run's inputs and shows its failure; after the `%%component` cell is
fixed and run again, Spin runs the edited code and shows its output. Nothing is recorded."""

from tests.browser.notebooks import write_notebook

CELLS = [
    "%load_ext kfp_notebook\n"
    "import kfp_notebook\n"
    "kfp_notebook.init(pipeline_root='widget_spin_outputs', raise_on_error=False)",
    "%%component\n"
    "def explode(n: int) -> int:\n"
    "    print(f'exploding on {n}', flush=True)\n"
    "    if n == 2:\n"
    "        raise ValueError(f'bad n {n}')\n"
    "    return n * 10",
    "from kfp import dsl\n\n"
    "@dsl.pipeline(name='boom')\n"
    "def boom(n: int = 2) -> None:\n"
    "    explode(n=n)\n\n"
    "run = kfp_notebook.run(boom)",
]

FIXED = (
    "%%component\ndef explode(n: int) -> int:\n    print('fixed', flush=True)\n    return n * 10"
)


def test_spin_a_task_from_the_widget_then_with_the_fixed_cell(jupyterlab, page, screenshot) -> None:
    write_notebook(jupyterlab.root_dir / "widget_spin.ipynb", CELLS)
    jupyterlab.open(page, "widget_spin.ipynb")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    widget = page.locator(".kfpnb-root").first
    widget.locator(".kfpnb-badge[data-status='FAILED']").wait_for(timeout=180_000)
    spin = widget.locator("button.kfpnb-spin")  # a one-task run shows its task: no click
    spin.wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # the kernel goes idle once the cell's last output is out
    spin.click()
    status = widget.locator(".kfpnb-spin-status")
    status.filter(has_text="FAILED").wait_for(timeout=60_000)
    said = widget.locator(".kfpnb-spin-box pre.kfpnb-message").inner_text()
    assert said == "task 'explode' failed with exit status 1 after 1 attempt(s)."  # once
    log = widget.locator(".kfpnb-spin-log").inner_text()
    assert "exploding on 2" in log and log.rstrip().endswith("ValueError: bad n 2")
    screenshot(widget, "widget-spin-failed")

    page.evaluate(
        "code => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
        ".requestExecute({code}).done",
        FIXED,
    )  # the cell fixed and run again: its name is bound to the edited component
    spin.click()
    status.filter(has_text="SUCCEEDED").wait_for(timeout=60_000)
    assert widget.locator(".kfpnb-spin-output").inner_text() == "Output = 20"
    assert "fixed" in widget.locator(".kfpnb-spin-log").inner_text()
    assert "kfp-notebook-spin-" in widget.locator(".kfpnb-spin-box").inner_text()
    widget.scroll_into_view_if_needed()
    screenshot(widget, "widget-spin-fixed")

    index = jupyterlab.root_dir / "widget_spin_outputs"
    runs = [p.name for p in index.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(runs) == 1, runs  # the spins were not recorded in the notebook's root
