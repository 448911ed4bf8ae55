"""An artifact whose uri the component changed (KFP code often does `report.uri += ".html"`,
or names another file) is moved into place on success like any other: its file is where the
run records it, nothing stays under `.partial/`, the next task reads it and the preview is not
"incomplete". A retried task starts from an empty staging folder. Real runs."""

from pathlib import Path

from kfp import dsl
from kfp.dsl import HTML, Input, Markdown, Output

from kfp_notebook import Session
from kfp_notebook._views.preview import preview_artifact


@dsl.component(base_image="python:3.11")
def report(page: Output[HTML], notes: Output[Markdown]) -> None:
    import os

    page.uri = page.uri + ".html"
    with open(page.path, "w") as f:
        f.write("<h1>accuracy 0.9</h1>")
    notes.uri = os.path.join(os.path.dirname(notes.uri), "summary.md")
    with open(notes.path, "w") as f:
        f.write("# Summary\n")


@dsl.component(base_image="python:3.11")
def read(page: Input[HTML], notes: Input[Markdown]) -> str:
    return open(page.path).read() + open(notes.path).read()


@dsl.pipeline(name="renamed")
def renamed() -> str:
    made = report()
    return read(page=made.outputs["page"], notes=made.outputs["notes"]).output


def test_an_artifact_whose_uri_the_component_changed_is_moved_into_place(tmp_path: Path) -> None:
    session = Session(pipeline_root=tmp_path / "outputs")
    try:
        run = session.run(renamed)
        arts = {a.name: a for a in run.task("report").artifacts}
        output = run.output
    finally:
        session.close()
    page, notes = Path(arts["page"].uri), Path(arts["notes"].uri)
    assert page.name == "page.html" and notes.name == "summary.md"
    assert ".partial" not in page.parts and ".partial" not in notes.parts
    assert page.read_text() == "<h1>accuracy 0.9</h1>" and notes.read_text() == "# Summary\n"
    staging = page.parent / ".partial"
    assert not staging.exists() or not any(staging.iterdir())
    assert output == "<h1>accuracy 0.9</h1># Summary\n"
    assert preview_artifact(page, "system.HTML")["kind"] == "html"
    assert preview_artifact(notes, "system.Markdown")["kind"] == "markdown"
