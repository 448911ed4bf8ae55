"""Property 5, through the sidebar's REST API (a real jupyter_server): the half-written artifact
of a task that exited 0 in the middle of writing it is neither listed nor previewed nor served.
Before, the task was SUCCEEDED and its half artifact registered, previewed and downloadable."""

import json
from typing import Any

import pytest
from kfp import dsl
from kfp.dsl import Model, Output
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from kfp_notebook import RunState, Session
from kfp_notebook._server._paths import root_id

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@dsl.component(base_image="python:3.11")
def exits_mid_artifact(model: Output[Model]) -> None:
    import sys

    with open(model.path, "w") as f:
        f.write("first half")
        f.flush()
        sys.exit(0)


@pytest.fixture
def jp_server_config() -> Config:
    return Config({"ServerApp": {"jpserver_extensions": {"kfp_notebook": True}}})


async def test_the_sidebar_never_offers_a_half_written_artifact(jp_fetch: Any, tmp_path) -> None:
    root = (tmp_path / "outputs").resolve()
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        run = session.run(exits_mid_artifact)
        assert run.status is RunState.FAILED
        task_dir = session.store.task_dir(run.run_id, "exits-mid-artifact")
    finally:
        session.close()
    base = ("kfp-notebook/api", "roots", root_id(root), "runs", run.run_id)
    shown = json.loads((await jp_fetch(*base)).body)
    assert [a for t in shown["tasks"] for a in t["artifacts"]] == []
    for kind in ("preview", "raw"):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(*base, "artifacts", kind,
                           params={"task": "exits-mid-artifact", "name": "model"})  # fmt: skip
        assert refused.value.code == 404
    assert not (task_dir / "model").exists() and (task_dir / ".partial" / "model").exists()
