"""A pipeline's graph before it runs, displayed in a real kernel (nbclient): a @dsl.pipeline
function after `%load_ext kfp_notebook`, `kfp_notebook.graph(FILE)` and
`kfp_notebook.dry_run(...)` each show the graph widget (its synced tasks the graph's), with the
graph's Mermaid as Markdown and a text line; outside a kernel only those two."""

import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"

CELLS = [
    "%load_ext kfp_notebook\nimport kfp_notebook\nfrom kfp import dsl",
    '@dsl.component(base_image="python:3.11")\ndef square(x: int) -> int:\n    return x * x\n\n'
    "@dsl.pipeline\ndef sweep() -> None:\n    with dsl.ParallelFor([1, 2, 3]) as x:\n"
    "        with dsl.If(x > 1):\n            square(x=x)",
    "sweep",
    'kfp_notebook.graph("seed_pipeline.yaml")',
    "kfp_notebook.dry_run(sweep)",
]


def test_pipelines_files_and_dry_runs_display_their_graph(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "seed_pipeline.yaml", tmp_path)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [c.get("outputs", []) for c in notebook.cells]
    assert not [o for cell in outputs for o in cell if o.get("output_type") == "error"]
    shown = {i: cell[-1]["data"] for i, cell in enumerate(outputs) if i >= 2}
    assert all(WIDGET_MIME in data for data in shown.values()), shown
    models = notebook.metadata["widgets"][STATE_MIME]["state"]
    graphs = [models[d[WIDGET_MIME]["model_id"]]["state"] for d in shown.values()]
    assert [g["name"] for g in graphs] == ["sweep", "seed-pipeline", "sweep"]
    loop, condition, leaf = graphs[0]["tasks"]
    assert (loop["kind"], condition["kind"], leaf["kind"]) == ("loop", "condition", "container")
    assert leaf["parent_id"] == condition["task_id"] and condition["parent_id"] == loop["task_id"]
    assert [t["task_id"] for t in graphs[1]["tasks"]] == [f"stage-{i}" for i in range(4)]
    assert graphs[2]["tasks"] == graphs[0]["tasks"]
    # Mermaid where no widget is drawn, and text
    assert shown[3]["text/markdown"].startswith("```mermaid\nflowchart TD\n")
    assert "stage-0" in shown[3]["text/markdown"]
    assert shown[3]["text/plain"] == "<PipelineGraph seed-pipeline: 4 task(s)>"
    assert shown[4]["text/plain"].startswith("pipeline sweep: 3 task(s) would be scheduled")
    # the widget's loader draws the graph from the run widget's bundle
    esm = next(m for m in models.values() if m["state"].get("name") == "sweep")["state"]["_esm"]
    assert "renderGraphWidget" in esm and len(esm) < 10_000


def test_outside_a_kernel_the_graph_is_mermaid_and_text(tmp_path: Path) -> None:
    import kfp_notebook

    graph = kfp_notebook.graph(ROOT / "examples" / "seed_pipeline.yaml")
    bundle = graph._repr_mimebundle_()
    assert sorted(bundle) == ["text/markdown", "text/plain"]
    assert graph.mermaid in bundle["text/markdown"]
    page = graph.save(tmp_path / "seed.html")
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert graph.save(tmp_path / "seed.mmd").read_text() == graph.mermaid
