"""The shipped notebooks run top to bottom in a real kernel (nbclient) and show run widgets."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kfp_notebook._views.packed_tasks import unpack_tasks

ROOT = Path(__file__).resolve().parent.parent
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"
MAX_SAVED_WIDGET = 50_000  # bytes of saved state per run widget


def _execute(name: str, tmp_path: Path) -> nbformat.NotebookNode:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    path = tmp_path / "notebooks" / name
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return notebook


def _outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.mark.parametrize("name", ["quickstart.ipynb", "compiled_yaml.ipynb"])
def test_notebook_runs_and_shows_widgets(name: str, tmp_path: Path) -> None:
    notebook = _execute(name, tmp_path)
    outputs = _outputs(notebook)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(WIDGET_MIME in o.get("data", {}) for o in outputs), "no run widget was displayed"
    texts = " ".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "RunState.SUCCEEDED" in texts
    assert (tmp_path / "notebooks" / "local_outputs" / ".kfp-notebook.sqlite").exists()


def test_saved_widgets_stay_small(tmp_path: Path) -> None:
    """nbclient saves every widget's synced state into the notebook, as JupyterLab does: a run
    widget keeps its run and graph there (no logs, previews or front-end bundle)."""
    notebook = _execute("quickstart.ipynb", tmp_path)
    nbformat.write(notebook, tmp_path / "saved.ipynb")
    saved = json.loads((tmp_path / "saved.ipynb").read_text())
    models = saved["metadata"]["widgets"][STATE_MIME]["state"].values()
    runs = [m for m in models if m["model_name"] == "AnyModel"]
    assert len(runs) == 2  # the pipeline's run and the direct call's
    for model in runs:
        state = model["state"]
        assert state["run"]["status"] == "SUCCEEDED" and unpack_tasks(state["packed_tasks"])[0]
        assert len(json.dumps(model)) < MAX_SAVED_WIDGET, sorted(
            ((len(json.dumps(v)), k) for k, v in state.items()), reverse=True
        )[:4]
    assert (tmp_path / "saved.ipynb").stat().st_size < 3 * MAX_SAVED_WIDGET
