"""The Jupyter server extension's REST API, served by a real jupyter_server over runs the engine
really made: auth, path confinement, listing and paging, previews, raw download, delete, the
change token and re-run."""

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
from kfp import dsl
from kfp.dsl import (
    HTML,
    Artifact,
    ClassificationMetrics,
    Dataset,
    Input,
    Markdown,
    Metrics,
    Output,
)
from traitlets.config import Config

from kfp_notebook import RunState, Session, TaskState
from kfp_notebook._server._paths import PathRefused, confine, confine_uri, list_roots, root_id
from kfp_notebook._store.layout import INDEX_NAME
from kfp_notebook._store.store import RunStore

pytest_plugins = ["pytest_jupyter.jupyter_server"]

API = "kfp-notebook/api"


@dsl.component(base_image="python:3.11")
def make(n: int, data: Output[Dataset], notes: Output[Markdown]) -> int:
    print(f"making {n} rows")
    with open(data.path, "w") as f:
        f.write("a,b\n" + "".join(f"{i},{i * i}\n" for i in range(n)))
    with open(notes.path, "w") as f:
        f.write(f"# Notes\n\n<script>alert(1)</script> {n} rows\n")
    return n


@dsl.component(base_image="python:3.11")
def count(data: Input[Dataset]) -> int:
    with open(data.path) as f:
        return len(f.read().splitlines()) - 1


@dsl.pipeline(name="tiny")
def tiny(n: int = 3) -> int:
    made = make(n=n)
    return count(data=made.outputs["data"]).output


@dsl.component(base_image="python:3.11")
def extras(
    page: Output[HTML],
    blob: Output[Artifact],
    folder: Output[Artifact],
    scores: Output[Metrics],
    quality: Output[ClassificationMetrics],
) -> None:
    import os

    scores.log_metric("accuracy", 0.75)  # metrics live in metadata: no file is written
    quality.log_confusion_matrix(["no", "yes"], [[3, 1], [0, 4]])

    with open(page.path, "w") as f:
        f.write("<html><body><script>document.title='x'</script>hi</body></html>")
    with open(blob.path, "wb") as f:
        f.write(bytes(range(256)) * 4)
    os.makedirs(os.path.join(folder.path, "sub"))
    with open(os.path.join(folder.path, "a.txt"), "w") as f:
        f.write("alpha\n")
    with open(os.path.join(folder.path, "sub", "b.csv"), "w") as f:
        f.write("x,y\n1,2\n")


@dsl.pipeline(name="extras")
def extras_pipeline() -> None:
    extras()


@dsl.component(base_image="python:3.11")
def boom() -> None:
    raise ValueError("boom")


@dsl.pipeline(name="flaky")
def flaky() -> None:
    boom()


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five real runs: tiny x3 (n=1,2,3), one failed, one with HTML/binary/folder artifacts;
    plus a sibling folder `outputs-evil` holding a secret the API must never serve."""
    base = tmp_path_factory.mktemp("srv")
    root = base / "outputs"
    (base / "outputs-evil").mkdir()
    (base / "outputs-evil" / "secret.txt").write_text("TOP-SECRET")
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        for n in (1, 2, 3):
            assert session.run(tiny, {"n": n}).status is RunState.SUCCEEDED
        assert session.run(flaky).status is RunState.FAILED
        assert session.run(extras_pipeline).status is RunState.SUCCEEDED
    finally:
        session.close()
    return root.resolve()


@pytest.fixture
def own_root(tmp_path: Path) -> Path:
    """A root for tests that change it (delete, re-run, token), with one tiny run."""
    root = (tmp_path / "own").resolve()
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        assert session.run(tiny, {"n": 2}).status is RunState.SUCCEEDED
    finally:
        session.close()
    return root


@pytest.fixture
def configured_root(tmp_path: Path) -> Path:
    path = tmp_path / "configured-only"
    path.mkdir()
    return path


@pytest.fixture
def jp_server_config(request: Any, configured_root: Path) -> Config:
    config: Dict[str, Any] = {
        "ServerApp": {"jpserver_extensions": {"kfp_notebook": True}},
        "KfpNotebookServer": {"roots": [str(configured_root)]},
    }
    if request.node.get_closest_marker("deny_kfp_notebook"):
        from jupyter_server.auth import Authorizer

        class Deny(Authorizer):
            def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
                return resource != "kfp-notebook"

        config["ServerApp"]["authorizer_class"] = Deny
    return Config(config)


async def get_json(jp_fetch: Any, *parts: str, **params: str) -> Any:
    response = await jp_fetch(API, *parts, params=params)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return json.loads(response.body)


@pytest.fixture
def raw(http_server_client: Any, jp_base_url: str) -> Any:
    """Requests for exact URLs below the base URL (no escaping), never raising on an error."""

    async def fetch(url: str, headers: Any = None, **kwargs: Any) -> Any:
        full = jp_base_url.rstrip("/") + url
        return await http_server_client.fetch(
            full, headers=headers or {}, raise_error=False, **kwargs
        )

    return fetch


def runs_of(root: Path, **filters: Any) -> List[Any]:
    store = RunStore(root)
    try:
        return store.list_runs(limit=100, **filters)
    finally:
        store.close()


def tasks_of(root: Path, run_id: str) -> Dict[str, Any]:
    store = RunStore(root)
    try:
        return {t.name: t for t in store.get_tasks(run_id)}
    finally:
        store.close()


def rid(root: Path) -> str:
    return root_id(root)


async def test_roots_list_registered_and_configured(
    jp_fetch: Any, runs_root: Path, configured_root: Path
) -> None:
    roots = (await get_json(jp_fetch, "roots"))["roots"]
    by_path = {r["path"]: r for r in roots}
    assert str(runs_root) in by_path  # registered by the runs themselves
    assert str(configured_root.resolve()) in by_path
    assert by_path[str(configured_root.resolve())]["token"] == "none"
    assert by_path[str(runs_root)]["id"] == rid(runs_root)
    empty = await get_json(jp_fetch, "roots", rid(configured_root.resolve()), "runs")
    assert empty == {"runs": [], "total": 0, "next_cursor": None, "token": "none"}


async def test_listing_pages_newest_first_with_filters(jp_fetch: Any, runs_root: Path) -> None:
    expected = [r.run_id for r in runs_of(runs_root)]
    assert len(expected) == 5
    seen: List[str] = []
    cursor = ""
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await get_json(jp_fetch, "roots", rid(runs_root), "runs", **params)
        assert page["total"] == 5 and len(page["runs"]) <= 2
        seen += [r["run_id"] for r in page["runs"]]
        pages += 1
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert pages == 3 and seen == expected
    created = [r.created for r in runs_of(runs_root)]
    assert created == sorted(created, reverse=True)

    failed = await get_json(jp_fetch, "roots", rid(runs_root), "runs", status="failed")
    assert failed["total"] == 1 and failed["runs"][0]["pipeline_name"] == "flaky"
    assert failed["runs"][0]["status"] == "FAILED"
    both = await get_json(jp_fetch, "roots", rid(runs_root), "runs", status="FAILED,SUCCEEDED")
    assert both["total"] == 5
    tinies = await get_json(jp_fetch, "roots", rid(runs_root), "runs", pipeline="tiny")
    assert tinies["total"] == 3
    assert [r["arguments"]["n"] for r in tinies["runs"]] == [3, 2, 1]
    none = await get_json(
        jp_fetch, "roots", rid(runs_root), "runs", pipeline="tiny", status="FAILED"
    )
    assert none["total"] == 0 and none["runs"] == []
    names = await get_json(jp_fetch, "roots", rid(runs_root), "pipelines")
    assert names["pipelines"] == {"extras": 1, "flaky": 1, "tiny": 3}
    found = await get_json(jp_fetch, "roots", rid(runs_root), "runs", q="LAK")  # case-insensitive
    assert [r["pipeline_name"] for r in found["runs"]] == ["flaky"]
    one = await get_json(jp_fetch, "roots", rid(runs_root), "runs", q=expected[0][-6:])
    assert [r["run_id"] for r in one["runs"]] == [expected[0]]
    assert (await get_json(jp_fetch, "roots", rid(runs_root), "runs", q="%"))["total"] == 0
    roots = {r["id"]: r for r in (await get_json(jp_fetch, "roots"))["roots"]}
    assert roots[rid(runs_root)]["runs"] == 5
    assert roots[rid(runs_root)]["name"] == str(runs_root)  # outside the server folder and ~


async def test_bad_listing_arguments_get_400_with_a_message(jp_fetch: Any, runs_root: Path) -> None:
    from tornado.httpclient import HTTPClientError

    for params in ({"status": "DONE"}, {"limit": "0"}, {"limit": "x"}, {"cursor": "nope"}):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch(API, "roots", rid(runs_root), "runs", params=params)
        assert err.value.code == 400
        assert json.loads(err.value.response.body)["message"]


async def test_one_run_has_tasks_with_status_timings_parameters_artifacts(
    jp_fetch: Any, runs_root: Path
) -> None:
    run = runs_of(runs_root, pipeline_name="tiny")[0]
    body = await get_json(jp_fetch, "roots", rid(runs_root), "runs", run.run_id)
    assert body["run"]["status"] == "SUCCEEDED" and body["run"]["arguments"] == {"n": 3}
    tasks = {t["name"]: t for t in body["tasks"]}
    assert tasks["make"]["status"] == "SUCCEEDED" and tasks["make"]["inputs"] == {"n": 3}
    assert tasks["make"]["outputs"] == {"Output": 3}
    assert tasks["make"]["started"] <= tasks["make"]["finished"]
    assert tasks["count"]["started"] >= tasks["make"]["finished"]
    assert tasks["count"]["outputs"] == {"Output": 3}
    arts = {a["name"]: a["type"] for a in tasks["make"]["artifacts"]}
    assert arts == {"data": "system.Dataset", "notes": "system.Markdown"}
    data = next(a for a in tasks["make"]["artifacts"] if a["name"] == "data")
    assert data["task_id"] == "make" and not data["is_dir"]
    assert data["path"] == f"{run.run_id}/make/data" and runs_root / data["path"] == Path(
        data["uri"]
    )
    log = await get_json(jp_fetch, "roots", rid(runs_root), "runs", run.run_id, "log", task="make")
    assert "making 3 rows" in log["text"]
    from tornado.httpclient import HTTPClientError

    for bad in ("-5", "many"):  # -5 answered an empty text as if the log had no end
        with pytest.raises(HTTPClientError) as err:
            await get_json(jp_fetch, "roots", rid(runs_root), "runs", run.run_id, "log",
                           task="make", max_bytes=bad)  # fmt: skip
        assert err.value.code == 400, bad


async def test_previews_of_a_csv_dataset_and_markdown(jp_fetch: Any, runs_root: Path) -> None:
    run = runs_of(runs_root, pipeline_name="tiny")[0]
    base = ("roots", rid(runs_root), "runs", run.run_id, "artifacts", "preview")
    table = await get_json(jp_fetch, *base, task="make", name="data")
    assert table["kind"] == "table" and table["columns"] == ["a", "b"]
    assert table["rows"] == [[0, 0], [1, 1], [2, 4]]
    notes = await get_json(jp_fetch, *base, task="make", name="notes")
    assert notes["kind"] == "markdown" and notes["text"].startswith("# Notes")
    (ex,) = runs_of(runs_root, pipeline_name="extras")
    base = ("roots", rid(runs_root), "runs", ex.run_id, "artifacts", "preview")
    folder = await get_json(jp_fetch, *base, task="extras", name="folder")
    assert folder["kind"] == "files"
    assert {e["path"] for e in folder["entries"]} >= {"a.txt", "sub/b.csv"}
    inner = await get_json(jp_fetch, *base, task="extras", name="folder", path="sub/b.csv")
    assert inner["kind"] == "table" and inner["rows"] == [[1, 2]]
    scores = await get_json(jp_fetch, *base, task="extras", name="scores")
    assert scores["kind"] == "metrics"
    assert scores["items"] == [{"name": "accuracy", "value": 0.75}]
    quality = await get_json(jp_fetch, *base, task="extras", name="quality")
    assert quality["confusion_matrix"] == {"labels": ["no", "yes"], "matrix": [[3, 1], [0, 4]]}


async def test_raw_download_types_and_html_only_in_a_sandbox(
    jp_fetch: Any, runs_root: Path
) -> None:
    run = runs_of(runs_root, pipeline_name="tiny")[0]
    (ex,) = runs_of(runs_root, pipeline_name="extras")

    async def fetch(run_id: str, **params: str) -> Any:
        path = ("roots", rid(runs_root), "runs", run_id, "artifacts", "raw")
        response = await jp_fetch(API, *path, params=params)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        return response

    csv = await fetch(run.run_id, task="make", name="data")
    assert csv.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert csv.body.startswith(b"a,b\n0,0\n")
    assert csv.headers["Content-Disposition"].startswith("inline")
    html = await fetch(ex.run_id, task="extras", name="page")
    assert html.headers["Content-Type"].startswith("text/html")
    assert "sandbox allow-scripts" in html.headers["Content-Security-Policy"]
    blob = await fetch(ex.run_id, task="extras", name="blob")
    assert blob.headers["Content-Type"] == "application/octet-stream"
    assert blob.headers["Content-Disposition"].startswith("attachment")
    assert blob.body == bytes(range(256)) * 4
    forced = await fetch(ex.run_id, task="extras", name="page", download="1")
    assert forced.headers["Content-Type"] == "application/octet-stream"
    assert forced.headers["Content-Disposition"].startswith("attachment")
    inner = await fetch(ex.run_id, task="extras", name="folder", path="a.txt")
    assert inner.body == b"alpha\n"


def _urls(root_rid: str, run_id: str) -> List[str]:
    run = f"/{API}/roots/{root_rid}/runs/{run_id}"
    return [
        f"/{API}/roots",
        f"/{API}/roots/{root_rid}/token",
        f"/{API}/roots/{root_rid}/pipelines",
        f"/{API}/roots/{root_rid}/runs",
        run,
        f"{run}/log",
        f"{run}/artifacts/preview?task=make&name=data",
        f"{run}/artifacts/raw?task=make&name=data",
    ]


async def test_every_endpoint_refuses_unauthenticated_requests(
    jp_fetch: Any, raw: Any, runs_root: Path
) -> None:
    run = runs_of(runs_root, pipeline_name="tiny")[0]
    urls = _urls(rid(runs_root), run.run_id)
    for url in urls:
        response = await raw(url)
        assert response.code in (401, 403), url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert b"a,b" not in response.body and b"run_id" not in response.body
    for method, url, body in (
        ("DELETE", f"/{API}/roots/{rid(runs_root)}/runs/{run.run_id}", None),
        ("POST", f"/{API}/roots/{rid(runs_root)}/runs/{run.run_id}/rerun", b"{}"),
        ("POST", f"/{API}/roots/{rid(runs_root)}/runs/{run.run_id}/cancel", b"{}"),
    ):
        response = await raw(url, method=method, body=body)
        assert response.code in (401, 403), (method, url)
    assert run.run_id in [r.run_id for r in runs_of(runs_root)]  # nothing was deleted


@pytest.mark.deny_kfp_notebook
async def test_an_authorizer_that_denies_the_resource_is_obeyed(
    jp_fetch: Any, raw: Any, jp_auth_header: Any, runs_root: Path
) -> None:
    run = runs_of(runs_root, pipeline_name="tiny")[0]
    for url in _urls(rid(runs_root), run.run_id):
        response = await raw(url, headers=jp_auth_header)
        assert response.code == 403, url
    ok = await raw("/api/status", headers=jp_auth_header)
    assert ok.code == 200  # the same user may use the rest of the server


async def test_traversal_and_escapes_are_refused(
    raw: Any, jp_auth_header: Any, runs_root: Path
) -> None:
    (ex,) = runs_of(runs_root, pipeline_name="extras")
    evil = runs_root.parent / "outputs-evil" / "secret.txt"
    folder = runs_root / ex.run_id / "extras" / "folder"
    (folder / "link").symlink_to(evil)
    (folder / "etc").symlink_to("/etc")
    db = sqlite3.connect(runs_root / INDEX_NAME)
    with db:
        for name, uri in (("evil", str(evil)), ("passwd", "/etc/passwd")):
            db.execute(
                "INSERT OR REPLACE INTO artifacts VALUES (?,?,?,?,?,?)",
                (ex.run_id, "extras", name, uri, "system.Dataset", "{}"),
            )
    db.close()
    r = rid(runs_root)
    run_urls = [
        f"/{API}/roots/{r}/runs/..",
        f"/{API}/roots/{r}/runs/%2e%2e",
        f"/{API}/roots/{r}/runs/..%2F..%2Fetc",
        f"/{API}/roots/{r}/runs/%2Fetc%2Fpasswd",
        f"/{API}/roots/{r}/runs/x%00y/log",
        f"/{API}/roots/{r}/runs/..%2Foutputs-evil/log",
        f"/{API}/roots/..%2F..%2Fetc/runs",
    ]
    q = f"/{API}/roots/{r}/runs/{ex.run_id}/artifacts/"
    subs = [
        "../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/outputs-evil/secret.txt",
        "..%2F..%2F..%2F..%2Foutputs-evil%2Fsecret.txt",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "a.txt%00.png",
        "link",
        "etc/passwd",
    ]
    artifact_urls = [
        f"{q}{kind}?task=extras&name=folder&path={sub}"
        for kind in ("raw", "preview")
        for sub in subs
    ]
    artifact_urls += [
        f"{q}{kind}?task=extras&name={name}"
        for kind in ("raw", "preview")
        for name in ("evil", "passwd")
    ]
    for url in run_urls + artifact_urls:
        response = await raw(url, headers=jp_auth_header)
        assert response.code in (403, 404), (url, response.code)
        assert b"TOP-SECRET" not in response.body and b"root:" not in response.body
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    sibling = await raw(f"{q}raw?task=extras&name=evil", headers=jp_auth_header)
    assert sibling.code == 403  # outputs-evil shares the root's name prefix: still outside


def test_confinement_rules_directly(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "run").mkdir(parents=True)
    (root / "run" / "f.txt").write_text("ok")
    (tmp_path / "root-evil").mkdir()
    (tmp_path / "root-evil" / "x").write_text("no")
    assert confine(root, "run", "f.txt") == (root / "run" / "f.txt").resolve()
    for bad in ("../root-evil/x", "/etc/passwd", "run/\x00", "run\\..\\x"):
        with pytest.raises(PathRefused):
            confine(root, bad)
    with pytest.raises(PathRefused):
        confine_uri(str(tmp_path / "root-evil" / "x"), root)
    with pytest.raises(PathRefused):
        confine_uri("gs://bucket/x", root)
    assert confine_uri("file://" + str(root / "run" / "f.txt"), root).read_text() == "ok"
    with pytest.raises(FileNotFoundError):
        confine(root, "run", "missing")
    assert [p.path for p in list_roots([root, root / "run" / ".."], registry=False)] == [
        root.resolve()
    ]


async def test_delete_a_run_and_the_token_moves(jp_fetch: Any, own_root: Path) -> None:
    from tornado.httpclient import HTTPClientError

    r = rid(own_root)
    (run,) = runs_of(own_root)
    token = (await get_json(jp_fetch, "roots", r, "token"))["token"]
    assert token == (await get_json(jp_fetch, "roots", r, "token"))["token"]  # stable when idle
    response = await jp_fetch(API, "roots", r, "runs", run.run_id, method="DELETE")
    assert response.code == 204 and response.headers["X-Content-Type-Options"] == "nosniff"
    assert not (own_root / run.run_id).exists()
    assert runs_of(own_root) == []
    assert (await get_json(jp_fetch, "roots", r, "token"))["token"] != token
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(API, "roots", r, "runs", run.run_id, method="DELETE")
    assert err.value.code == 404


@dsl.component(base_image="python:3.11")
def naps() -> None:
    import time

    time.sleep(600)


async def test_cancel_asks_the_engine_of_a_run_in_progress(jp_fetch: Any, own_root: Path) -> None:
    """The engine may be another process (a kernel busy in a cell): the request goes through the
    run folder, which the engine polls."""
    from tornado.httpclient import HTTPClientError

    session = Session(pipeline_root=own_root, raise_on_error=False)
    try:
        run = session.run(naps, wait=False)
        deadline = time.time() + 60
        while not any(t.status is TaskState.RUNNING for t in run.tasks.values()):
            assert time.time() < deadline
            time.sleep(0.1)
        path = ("roots", rid(own_root), "runs", run.run_id, "cancel")
        response = await jp_fetch(API, *path, method="POST", body="{}")
        assert response.code == 202
        run.wait(timeout=30)
        assert run.status is RunState.CANCELLED
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch(API, *path, method="POST", body="{}")
        assert err.value.code == 409
        assert not (own_root / run.run_id / "cancel-requested").exists()
    finally:
        session.close()


async def test_token_changes_after_a_run(jp_fetch: Any, own_root: Path) -> None:
    r = rid(own_root)
    before = await get_json(jp_fetch, "roots", r, "runs")
    session = Session(pipeline_root=own_root, raise_on_error=False)
    try:
        session.run(tiny, {"n": 5})
    finally:
        session.close()
    after = await get_json(jp_fetch, "roots", r, "runs")
    assert after["token"] != before["token"] and after["total"] == before["total"] + 1
    assert (await get_json(jp_fetch, "roots", r, "token"))["token"] == after["token"]


async def test_rerun_from_a_task_in_a_detached_cli_process(jp_fetch: Any, own_root: Path) -> None:
    from tornado.httpclient import HTTPClientError

    r = rid(own_root)
    (run,) = runs_of(own_root)
    before = tasks_of(own_root, run.run_id)
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(
            API, "roots", r, "runs", run.run_id, "rerun", method="POST", body='{"from_task": "x"}'
        )
    assert err.value.code == 400 and b"count" in err.value.response.body
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(
            API,
            "roots",
            r,
            "runs",
            run.run_id,
            "rerun",
            method="POST",
            body='{"from_task": "count", "runner": "k8s"}',
        )
    assert err.value.code == 400 and b"runner" in err.value.response.body
    response = await jp_fetch(
        API, "roots", r, "runs", run.run_id, "rerun", method="POST", body='{"from_task": "count"}'
    )
    assert response.code == 202
    started = json.loads(response.body)
    assert started["run_id"] == run.run_id
    for method, extra in (("DELETE", ()), ("POST", ("rerun",))):
        body = '{"from_task": "count"}' if method == "POST" else None
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch(API, "roots", r, "runs", run.run_id, *extra, method=method, body=body)
        assert err.value.code == 409, method  # while the re-run goes on
    deadline = time.time() + 180
    while time.time() < deadline:
        tasks = tasks_of(own_root, run.run_id)
        (record,) = runs_of(own_root)
        if tasks["count"].started != before["count"].started and record.status.terminal:
            break
        time.sleep(0.3)
    else:
        log = (own_root / run.run_id / "launch.log").read_text()
        raise AssertionError(f"the re-run did not finish; its log:\n{log}")
    tasks = tasks_of(own_root, run.run_id)  # read after the run ended, not before
    assert record.status is RunState.SUCCEEDED
    assert tasks["make"].status.value == "CACHED" and "reused" in tasks["make"].message
    assert tasks["count"].status.value == "SUCCEEDED"
    deadline = time.time() + 30
    while time.time() < deadline and Path(f"/proc/{started['pid']}").exists():
        time.sleep(0.1)
    assert not Path(f"/proc/{started['pid']}").exists(), "the re-run process outlived its run"


@dsl.component(base_image="python:3.11")
def where() -> bool:
    import os

    return os.path.exists("/.dockerenv")  # Docker's mark inside every container


@dsl.pipeline(name="where")
def where_pipeline() -> bool:
    return where().output


@pytest.mark.docker
async def test_a_docker_run_is_rerun_from_the_sidebar_with_docker(
    jp_fetch: Any, tmp_path: Path
) -> None:
    """The re-run takes the runner, worker bound and environment mode the run recorded (it
    used to resume every run with the subprocess runner and the default worker count)."""
    root = (tmp_path / "docker-root").resolve()
    session = Session(runner="docker", pipeline_root=root, max_workers=1, raise_on_error=False)
    try:
        first = session.run(where_pipeline)
        assert first.status is RunState.SUCCEEDED and first.outputs["Output"] is True
    finally:
        session.close()
    (record,) = runs_of(root)
    assert (record.runner, record.settings["workers"]) == ("docker", 1)
    before = tasks_of(root, first.run_id)["where"]
    response = await jp_fetch(
        API, "roots", rid(root), "runs", first.run_id, "rerun", method="POST",
        body='{"from_task": "where"}',
    )  # fmt: skip
    started = json.loads(response.body)
    assert response.code == 202 and started["runner"] == "docker"
    deadline = time.time() + 240
    while time.time() < deadline:
        (record,) = runs_of(root)
        task = tasks_of(root, first.run_id)["where"]
        if task.started != before.started and record.status.terminal:
            break
        time.sleep(0.3)
    else:
        log = (root / first.run_id / "launch.log").read_text()
        raise AssertionError(f"the re-run did not finish; its log:\n{log}")
    assert record.status is RunState.SUCCEEDED, (root / first.run_id / "launch.log").read_text()
    assert (record.runner, record.settings["workers"]) == ("docker", 1)
    assert record.outputs["parameters"]["Output"] is True  # it ran in a container again


@pytest.fixture(scope="module")
def big_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of 10,000 runs built by bench/store_listing.py (through the store's schema)."""
    import importlib.util

    bench = Path(__file__).resolve().parent.parent / "bench" / "store_listing.py"
    spec = importlib.util.spec_from_file_location("store_listing", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = tmp_path_factory.mktemp("big") / "root"
    module.build(root, 10_000)
    return root.resolve()


@pytest.fixture
def big_config(big_root: Path, jp_server_config: Config) -> Config:
    jp_server_config.KfpNotebookServer.roots = [str(big_root)]
    return jp_server_config


async def test_ten_thousand_runs_page_fast_and_completely(
    big_config: Config, jp_fetch: Any, big_root: Path
) -> None:
    r = rid(big_root)
    start = time.perf_counter()
    first = await get_json(jp_fetch, "roots", r, "runs", limit="50")
    took = time.perf_counter() - start
    assert first["total"] == 10_000 and len(first["runs"]) == 50
    assert first["runs"][0]["arguments"] == {"n": 9999}  # newest first
    assert took < 0.2, f"first page of 10,000 runs took {took * 1000:.0f} ms"
    seen = {x["run_id"] for x in first["runs"]}
    cursor = first["next_cursor"]
    while cursor:
        page = await get_json(jp_fetch, "roots", r, "runs", limit="500", cursor=cursor)
        seen.update(x["run_id"] for x in page["runs"])
        cursor = page["next_cursor"]
    assert len(seen) == 10_000
    failed = await get_json(jp_fetch, "roots", r, "runs", status="FAILED", pipeline="pipe-2")
    assert failed["total"] == 1000 and {x["status"] for x in failed["runs"]} == {"FAILED"}
    assert [x["pipeline_name"] for x in failed["runs"]] == ["pipe-2"] * 50
    none = await get_json(jp_fetch, "roots", r, "runs", status="FAILED", pipeline="pipe-0")
    assert none["total"] == 0


async def test_roots_are_labelled_readably_pruned_and_the_servers_own_come_first(
    jp_fetch: Any, jp_root_dir: Path, runs_root: Path, tmp_path: Path
) -> None:
    from kfp_notebook._store.roots import known_roots, register_root

    inside = jp_root_dir / "project" / "r0"
    elsewhere = tmp_path / "elsewhere" / "r0"  # same basename: labels must tell them apart
    gone = tmp_path / "gone" / "r0"
    for path in (inside, elsewhere, gone):
        path.mkdir(parents=True)
        register_root(path)
    gone.rmdir()
    roots = (await get_json(jp_fetch, "roots"))["roots"]
    labels = [r["name"] for r in roots]
    assert str(gone) not in [r["path"] for r in roots]  # gone roots are not offered
    assert labels[0] == "project/r0"  # under the server's folder: first, relative to it
    assert str(elsewhere.resolve()) in labels or f"~/{elsewhere}" in labels
    assert len(set(labels)) == len(labels)
    register_root(runs_root)  # a registration drops gone roots from the registry itself
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    register_root(fresh)
    assert gone.resolve() not in known_roots() and fresh.resolve() in known_roots()


async def test_an_artifact_whose_uri_the_component_changed_is_served(
    jp_fetch: Any, tmp_path: Path
) -> None:
    """`page.uri += ".html"` in the component: the sidebar previews and serves the file where
    the run recorded it (it once stayed under .partial/: a 404, and "incomplete")."""
    from test_artifact_uri_changed import renamed

    root = (tmp_path / "renamed").resolve()
    session = Session(pipeline_root=root)
    try:
        run_id = session.run(renamed).run_id
    finally:
        session.close()
    base = ("roots", rid(root), "runs", run_id, "artifacts")
    page = await get_json(jp_fetch, *base, "preview", task="report", name="page")
    assert page["kind"] == "html" and "accuracy 0.9" in page["html"]
    notes = await jp_fetch(API, *base, "raw", params={"task": "report", "name": "notes"})
    assert notes.code == 200 and notes.body == b"# Summary\n"
