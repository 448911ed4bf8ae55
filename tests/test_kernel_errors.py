"""In a real kernel (nbclient), a failed run reads once: the widget and its log hold the task's
traceback, and the cell's error is one block naming the task, its frame of the user's code and
its exception, not a traceback through kfp's and kfp-notebook's frames. A cancel reads as a
cancel, naming no task."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

SETUP = """\
import threading
import kfp_notebook
from kfp import dsl

kfp_notebook.init(pipeline_root="outputs")

@dsl.component(base_image="python:3.11")
def explode(n: int) -> int:
    raise ValueError(f"bad n {n}")

@dsl.component(base_image="python:3.11")
def long_nap() -> None:
    import time
    print("napping", flush=True)
    time.sleep(600)
"""

COMPONENT_CELL = """\
%%component
import math

def halve(n: int) -> int:
    if n % 2:
        raise ValueError(f"odd {n}")
    return math.floor(n / 2)
"""

CANCEL = """\
def cancel_when_napping():
    import time
    for _ in range(1200):
        runs = kfp_notebook.list_runs(limit=1, pipeline_name="long-nap")
        if runs and "napping" in kfp_notebook.get_run(runs[0].run_id).logs():
            kfp_notebook.get_run(runs[0].run_id).cancel()
            return
        time.sleep(0.1)

threading.Thread(target=cancel_when_napping, daemon=True).start()
kfp_notebook.run(long_nap)
"""


def _run_cells(tmp_path: Path, *sources: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )  # fmt: skip
    try:
        client.execute()
    except CellExecutionError as exc:  # allow_errors keeps going; this is only a safety net
        raise AssertionError(str(exc)) from exc
    return notebook


def _errors(cell: nbformat.NotebookNode) -> list[dict]:
    return [o for o in cell.outputs if o.output_type == "error"]


def test_a_failed_run_is_one_line_naming_the_task_and_a_cancel_is_no_failure(
    tmp_path: Path,
) -> None:
    notebook = _run_cells(
        tmp_path, SETUP, "explode(n=3)", "%load_ext kfp_notebook", COMPONENT_CELL, "halve(n=7)",
        CANCEL,
    )  # fmt: skip
    assert not _errors(notebook.cells[0])
    (failed,) = _errors(notebook.cells[1])
    assert failed.ename == "RunFailedError"
    assert len(failed.traceback) == 1, failed.traceback  # no frames of kfp's or ours
    (line,) = failed.traceback
    assert "explode" in line and "ValueError: bad n 3" in line, line
    assert "kfp_notebook/" not in line and "site-packages" not in line
    # the frame of the user's code names the cell and its line, as IPython's own tracebacks do
    assert 'Cell In[1], line 9, in explode\n    raise ValueError(f"bad n {n}")' in line, line
    assert ".components" not in line
    # the log is in the widget above: the error names the task, the frame and the exception
    assert "last log lines" not in line and "Traceback" not in line, line
    assert line.rstrip().splitlines()[-1].startswith("full log: "), line
    assert failed.evalue.count("last log lines") == 1  # str(error) keeps the whole message
    (odd,) = _errors(notebook.cells[4])
    assert "%%component cell In[4], line 6, in halve" in odd.traceback[0], odd.traceback[0]
    assert "ValueError: odd 7" in odd.traceback[0]
    (cancelled,) = _errors(notebook.cells[5])
    assert cancelled.ename == "RunCancelledError"
    assert cancelled.traceback == [f"RunCancelledError: {cancelled.evalue}"]
    assert "was cancelled" in cancelled.evalue and "FAILED" not in cancelled.evalue
