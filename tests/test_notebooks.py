"""The shipped notebooks run top to bottom in a real kernel (nbclient) and show run widgets."""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


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
