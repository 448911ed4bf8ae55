"""The sidebar's spin: POST .../runs/RUN/spin runs one task of a finished run alone, with the
inputs RUN gave it, in a detached `kfp-notebook spin --persist` process, recorded as a new run;
RUN itself is untouched. Served by a real jupyter_server over runs the engine really made."""

import json
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
from kfp import dsl
from kfp.dsl import Dataset, Input, Output
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from kfp_notebook import RunState, Session
from kfp_notebook._server._paths import root_id
from kfp_notebook._store.store import RunStore

pytest_plugins = ["pytest_jupyter.jupyter_server"]

API = "kfp-notebook/api"


@dsl.component(base_image="python:3.11")
def make(n: int, data: Output[Dataset]) -> int:
    with open(data.path, "w") as f:
        f.write("row\n" * n)
    return n


@dsl.component(base_image="python:3.11")
def check(data: Input[Dataset], limit: int) -> int:
    with open(data.path) as f:
        rows = len(f.read().splitlines())
    if rows > limit:
        raise ValueError(f"{rows} rows > {limit}")
    return rows


@dsl.pipeline(name="gate")
def gate(n: int = 3, limit: int = 2) -> int:
    made = make(n=n)
    return check(data=made.outputs["data"], limit=limit).output


@pytest.fixture
def failed_root(tmp_path: Path) -> Path:
    """A root with one run of `gate` whose `check` failed (3 rows > 2)."""
    root = (tmp_path / "spin-root").resolve()
    session = Session(pipeline_root=root, raise_on_error=False)
    try:
        assert session.run(gate).status is RunState.FAILED
    finally:
        session.close()
    return root


@pytest.fixture
def jp_server_config() -> Config:
    return Config({"ServerApp": {"jpserver_extensions": {"kfp_notebook": True}}})


def runs_of(root: Path) -> List[Any]:
    store = RunStore(root)
    try:
        return store.list_runs(limit=100)
    finally:
        store.close()


def tasks_of(root: Path, run_id: str) -> Dict[str, Any]:
    store = RunStore(root)
    try:
        return {t.name: t for t in store.get_tasks(run_id)}
    finally:
        store.close()


async def post(jp_fetch: Any, root: Path, run_id: str, verb: str, body: Any) -> Any:
    return await jp_fetch(
        API, "roots", root_id(root), "runs", run_id, verb, method="POST", body=json.dumps(body)
    )


async def refused(jp_fetch: Any, root: Path, run_id: str, body: Any) -> HTTPClientError:
    with pytest.raises(HTTPClientError) as err:
        await post(jp_fetch, root, run_id, "spin", body)
    assert "message" in json.loads(err.value.response.body)  # the API's error shape
    return err.value


def wait_for_end(root: Path, run_id: str, timeout: float = 180) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        record = {r.run_id: r for r in runs_of(root)}.get(run_id)
        if record is not None and record.status.terminal:
            return record
        time.sleep(0.3)
    log = root / run_id / "launch.log"
    raise AssertionError(f"{run_id} did not finish; its log:\n{log.read_text()}")


async def test_spin_records_the_task_as_a_new_run_and_leaves_the_run_alone(
    jp_fetch: Any, failed_root: Path
) -> None:
    (run,) = runs_of(failed_root)
    before = tasks_of(failed_root, run.run_id)
    response = await post(jp_fetch, failed_root, run.run_id, "spin", {"task": "check"})
    assert response.code == 202
    started = json.loads(response.body)
    assert started["run_id"] != run.run_id and started["run_id"].startswith("gate-spin-check-")
    assert (started["spun_from"], started["task"]) == (run.run_id, "check")
    assert (started["log"], started["runner"]) == ("launch.log", "subprocess")
    assert (failed_root / started["run_id"] / "launch.log").is_file()

    record = wait_for_end(failed_root, started["run_id"])
    assert record.status is RunState.FAILED  # the same inputs: 3 rows > 2 again
    spun = tasks_of(failed_root, started["run_id"])
    assert spun["check"].status.value == "FAILED"
    assert spun["check"].inputs == before["check"].inputs == {"limit": 2}
    assert "3 rows > 2" in (failed_root / started["run_id"] / "launch.log").read_text()
    assert "make" not in spun  # the one task alone, its input artifact imported

    assert [r.run_id for r in runs_of(failed_root)].count(run.run_id) == 1
    after = tasks_of(failed_root, run.run_id)
    assert {n: (t.status, t.started, t.finished, t.attempts) for n, t in after.items()} == {
        n: (t.status, t.started, t.finished, t.attempts) for n, t in before.items()
    }
    deadline = time.time() + 30
    while time.time() < deadline and Path(f"/proc/{started['pid']}").exists():
        time.sleep(0.1)
    assert not Path(f"/proc/{started['pid']}").exists(), "the spin's process outlived its run"


async def test_spin_refuses_what_it_cannot_spin(
    jp_fetch: Any, jp_serverapp: Any, failed_root: Path
) -> None:
    (run,) = runs_of(failed_root)
    err = await refused(jp_fetch, failed_root, run.run_id, {"task": "nope"})
    assert err.code == 400 and b"nope" in err.response.body and b"check" in err.response.body
    assert (await refused(jp_fetch, failed_root, run.run_id, {})).code == 400
    err = await refused(jp_fetch, failed_root, run.run_id, {"task": "check", "runner": "k8s"})
    assert err.code == 400 and b"runner" in err.response.body
    assert (await refused(jp_fetch, failed_root, "no-such-run", {"task": "check"})).code == 404

    options = jp_serverapp.web_app.settings["kfp_notebook"]
    options.allow_rerun = False
    try:
        err = await refused(jp_fetch, failed_root, run.run_id, {"task": "check"})
        assert err.code == 403 and b"allow_rerun" in err.response.body
    finally:
        options.allow_rerun = True

    # While the run is being re-run, it is not spun: 409.
    response = await post(jp_fetch, failed_root, run.run_id, "rerun", {"from_task": "check"})
    assert response.code == 202
    pid = json.loads(response.body)["pid"]
    try:
        err = await refused(jp_fetch, failed_root, run.run_id, {"task": "check"})
    except pytest.fail.Exception:  # accepted: say whether the re-run had already ended
        log = (failed_root / run.run_id / "launch.log").read_text(errors="replace")
        alive = Path(f"/proc/{pid}").exists()
        raise AssertionError(f"spun during a re-run (its process alive: {alive}); its log:\n"
                             f"{log[-3000:]}") from None  # fmt: skip
    assert err.code == 409 and b"still running" in err.response.body
    deadline = time.time() + 180
    while time.time() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    assert len(runs_of(failed_root)) == 1  # nothing refused was recorded


async def test_spin_refuses_unauthenticated_requests(raw: Any, failed_root: Path) -> None:
    (run,) = runs_of(failed_root)
    url = f"/{API}/roots/{root_id(failed_root)}/runs/{run.run_id}/spin"
    response = await raw(url, method="POST", body=b'{"task": "check"}')
    assert response.code in (401, 403)
    assert len(runs_of(failed_root)) == 1


@pytest.fixture
def raw(http_server_client: Any, jp_base_url: str) -> Any:
    """Requests for exact URLs below the base URL, with no credentials, never raising."""

    async def fetch(url: str, **kwargs: Any) -> Any:
        full = jp_base_url.rstrip("/") + url
        return await http_server_client.fetch(full, headers={}, raise_error=False, **kwargs)

    return fetch
