"""The server extension's experiments, compare and trend endpoints, served by a real
jupyter_server over real runs: the comparison JSON, filters, usage errors, auth and confinement."""

import json
import shutil
from pathlib import Path
from typing import Any, Dict

import pytest
from traitlets.config import Config

from kfp_notebook._server._paths import root_id
from kfp_notebook._store.reader import StoreReader
from tests.support.compare_pipelines import Runs, make_runs

pytest_plugins = ["pytest_jupyter.jupyter_server"]

API = "kfp-notebook/api"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return make_runs((tmp_path_factory.mktemp("srvcmp") / "outputs").resolve())


@pytest.fixture
def jp_server_config(request: Any) -> Config:
    config: Dict[str, Any] = {"ServerApp": {"jpserver_extensions": {"kfp_notebook": True}}}
    if request.node.get_closest_marker("deny_kfp_notebook"):
        from jupyter_server.auth import Authorizer

        class Deny(Authorizer):
            def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
                return resource != "kfp-notebook"

        config["ServerApp"]["authorizer_class"] = Deny
    return Config(config)


@pytest.fixture
def raw(http_server_client: Any, jp_base_url: str) -> Any:
    async def fetch(url: str, headers: Any = None) -> Any:
        full = jp_base_url.rstrip("/") + url
        return await http_server_client.fetch(full, headers=headers or {}, raise_error=False)

    return fetch


async def get_json(jp_fetch: Any, *parts: str, **params: str) -> Any:
    response = await jp_fetch(API, *parts, params=params)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return json.loads(response.body)


async def test_compare_returns_the_comparison_json(jp_fetch: Any, runs: Runs) -> None:
    rid = root_id(runs.root)
    ids = [runs.ids["a"], runs.ids["b"], runs.ids["c"]]
    body = await get_json(jp_fetch, "roots", rid, "compare", runs=",".join(ids))
    assert [r["run_id"] for r in body["runs"]] == ids
    params = {p["name"]: p for p in body["parameters"]}
    assert params["lr"] == {
        "name": "lr", "values": [0.1, 0.2, 0.1], "text": ["0.1", "0.2", "0.1"], "differs": True
    }  # fmt: skip
    metrics = {m["key"]: m for m in body["metrics"]}
    assert metrics["fit/accuracy"]["values"] == [0.9, 0.8, 0.95]
    assert metrics["fit/accuracy"]["best"] == [2]
    assert metrics["fit/accuracy"]["best_reversed"] == [1]
    # what every view draws comes with it: the per-run table and the sections
    assert body["table"]["columns"][:2] == ["run_id", "pipeline"]
    assert [row[0] for row in body["table"]["rows"]] == ids
    assert body["sections"][0]["title"] == "runs"
    assert body["changed_components"] == ["comp-fit"]
    assert body["classification"][0]["previews"][0]["kind"] == "classification"
    assert {d["name"] for d in body["documents"]} == {"notes", "page"}
    latest = await get_json(jp_fetch, "roots", rid, "compare", experiment="sweep", last="3")
    assert [r["run_id"] for r in latest["runs"]] == runs.sweep[-3:]


async def test_experiments_listing_filter_and_trend(jp_fetch: Any, runs: Runs) -> None:
    rid = root_id(runs.root)
    assert (await get_json(jp_fetch, "roots", rid, "experiments")) == {
        "experiments": {"misc": 1, "sweep": 10}
    }
    misc = await get_json(jp_fetch, "roots", rid, "runs", experiment="misc")
    assert misc["total"] == 1 and misc["runs"][0]["run_id"] == runs.ids["d"]
    assert misc["runs"][0]["experiment"] == "misc"
    shown = await get_json(jp_fetch, "roots", rid, "trend", experiment="sweep", metric="loss")
    assert len(shown["points"]) == 10 and shown["higher_is_better"] is False
    assert shown["points"][0]["run_id"] == runs.ids["a"] and shown["points"][0]["value"] == 0.3


@pytest.mark.parametrize(
    "params, code",
    [
        ({"runs": "only-one"}, 400),
        ({"runs": "a-run-that-is-not-there,another"}, 404),
        ({"runs": "..,x"}, 403),
        ({"experiment": "sweep", "last": "11"}, 400),
        ({"experiment": "sweep", "last": "x"}, 400),
        ({}, 400),
    ],
)
async def test_compare_usage_mistakes(
    raw: Any, jp_auth_header: Any, runs: Runs, params: Dict[str, str], code: int
) -> None:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    url = f"/{API}/roots/{root_id(runs.root)}/compare?{query}"
    response = await raw(url, headers=jp_auth_header)
    assert response.code == code, response.body
    assert json.loads(response.body)["message"]


async def test_unauthenticated_and_denied(raw: Any, runs: Runs) -> None:
    rid = root_id(runs.root)
    for path in ("experiments", f"compare?runs={runs.ids['a']},{runs.ids['b']}",
                 "trend?experiment=sweep&metric=loss"):  # fmt: skip
        response = await raw(f"/{API}/roots/{rid}/{path}")
        assert response.code in (401, 403) and b"run_id" not in response.body


@pytest.mark.deny_kfp_notebook
async def test_an_authorizer_that_denies_is_obeyed(
    raw: Any, jp_auth_header: Any, runs: Runs
) -> None:
    rid = root_id(runs.root)
    for path in ("experiments", f"compare?runs={runs.ids['a']},{runs.ids['b']}"):
        response = await raw(f"/{API}/roots/{rid}/{path}", headers=jp_auth_header)
        assert response.code == 403


async def test_files_outside_the_root_are_never_read(
    jp_fetch: Any, tmp_path: Path, runs: Runs
) -> None:
    """A run whose Markdown artifact and pipeline.yaml were replaced by symlinks leading out of
    the root: the comparison shows them missing and never carries the outside file's text."""
    root = tmp_path / "own"
    shutil.copytree(runs.root, root, symlinks=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    reader = StoreReader(root)
    (notes,) = [
        a for t in reader.get_tasks(runs.ids["a"]) for a in t.artifacts if a.name == "notes"
    ]
    reader.close()
    # The index records absolute URIs under the original root; point this copy's at its files.
    moved = Path(notes.uri.replace(str(runs.root), str(root)))
    moved.unlink()
    moved.symlink_to(secret)
    (root / runs.ids["a"] / "pipeline.yaml").unlink()
    (root / runs.ids["a"] / "pipeline.yaml").symlink_to(secret)
    _rewrite_uris(root, str(runs.root), str(root))
    from kfp_notebook._store.store import RunStore

    RunStore(root).close()  # registers the copy as a root the server shows
    body = await get_json(
        jp_fetch, "roots", root_id(root.resolve()), "compare",
        runs=f"{runs.ids['a']},{runs.ids['b']}",
    )  # fmt: skip
    assert "TOP-SECRET" not in json.dumps(body)
    notes_row = next(d for d in body["documents"] if d["name"] == "notes")
    assert notes_row["previews"][0]["kind"] == "missing"
    assert notes_row["previews"][1]["kind"] == "markdown"
    fit = next(t for t in body["tasks"] if t["task_id"] == "fit")
    assert fit["digests"][0] is None and fit["digests"][1] is not None


def _rewrite_uris(root: Path, old: str, new: str) -> None:
    import sqlite3

    db = sqlite3.connect(root / ".kfp-notebook.sqlite")
    db.execute("UPDATE artifacts SET uri = replace(uri, ?, ?)", (old, new))
    db.commit()
    db.close()
