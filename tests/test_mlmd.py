"""ML Metadata (`kfp_notebook/_mlmd`): our SQLite store read by the REAL ml-metadata library (in a
scratch venv: it pins protobuf<5), our wire codec against the library's generated messages, and
the gRPC-Web answers (paging, refusals)."""

import json
from pathlib import Path

import pytest

from kfp_notebook._kfp_api.mlmd import executor_pod
from kfp_notebook._kfp_api.tasks import log_task_for, task_details
from kfp_notebook._mlmd import reader
from kfp_notebook._mlmd.answer import answer
from kfp_notebook._mlmd.fill import fill_run
from kfp_notebook._mlmd.grpcweb import GrpcError, frame, split_frames, trailers
from kfp_notebook._mlmd.messages import Artifact, Event, Execution, Value
from kfp_notebook._mlmd.service import ByIds, ByTypeAndName, InContext, Listed
from kfp_notebook._mlmd.sqlstore import SqliteMetadata
from kfp_notebook._model.states import RunState, TaskKind, TaskState
from kfp_notebook._store.records import ArtifactRecord, RunRecord, TaskRecord
from tests.support.mlmd_venv import mlmd_python, run_real

OUTPUTS = {"parameters": {"best": 0.9}, "artifacts": {}}
RUN = RunRecord("metrics-demo-1", "metrics-demo", RunState.SUCCEEDED, 1000.0, 1010.0,
                {"n": 2}, OUTPUTS, "", {"SUCCEEDED": 6})  # fmt: skip
METRICS = ArtifactRecord(
    "train",
    "metrics",
    "/root/metrics-demo-1/train/metrics",
    "system.Metrics",
    {"accuracy": 0.9, "best": True, "display_name": "m"},
)
DATA = ArtifactRecord("prepare", "data", "/root/metrics-demo-1/prepare/data", "system.Dataset", {})


def _task(task_id, name, kind, parent=None, **more):
    fields = dict(run_id=RUN.run_id, task_id=task_id, name=name, parent_id=parent, kind=kind,
                  component="comp-" + name, dependencies=[], status=TaskState.SUCCEEDED,
                  started=1001.0, finished=1002.0, attempts=1, inputs={}, outputs={}, message="",
                  cache_key=None)  # fmt: skip
    return TaskRecord(**{**fields, **more})


TASKS = [
    _task("prepare", "prepare", TaskKind.CONTAINER, artifacts=[DATA], outputs={"rows": 3}),
    _task("train", "train", TaskKind.CONTAINER, artifacts=[METRICS], inputs={"lr": 0.1},
          input_artifacts={"data": [{"uri": DATA.uri, "type": "system.Dataset"}]}, attempts=2),
    _task("for-loop-1", "for-loop-1", TaskKind.LOOP),
    _task("for-loop-1[0]", "for-loop-1", TaskKind.ITERATION, "for-loop-1"),
    _task("for-loop-1[0]/square", "square", TaskKind.CONTAINER, "for-loop-1[0]"),
    _task("later", "later", TaskKind.CONTAINER, status=TaskState.PENDING),
]  # fmt: skip


@pytest.fixture(scope="module")
def real_python(tmp_path_factory):
    return mlmd_python(tmp_path_factory)


def _filled(path: Path) -> SqliteMetadata:
    md = SqliteMetadata(path)
    fill_run(md, RUN, TASKS, lambda t: executor_pod(RUN, TASKS, t), "/root")
    return md


@pytest.mark.unit
def test_the_fill_is_idempotent_and_an_update_changes_in_place(tmp_path):
    md = _filled(tmp_path / "m.sqlite")
    ctx = md.context_by_type_and_name("system.PipelineRun", RUN.run_id)
    assert ctx is not None and ctx.id is not None
    before = [(e.id, e.custom_properties["task_name"]) for e in md.executions_by_context(ctx.id)]
    fill_run(md, RUN, TASKS, lambda t: "pod", "/root")
    after = md.executions_by_context(ctx.id)
    assert [(e.id, e.custom_properties["task_name"]) for e in after] == before
    assert len(after) == 6  # root, prepare, train, loop, iteration, square; `later` not started
    pods = {
        e.custom_properties["pod_name"].value for e in after if "pod_name" in e.custom_properties
    }
    assert pods == {"pod"}
    assert len(md.events_by_execution_ids([e.id for e in after if e.id])) == 3  # 2 out, 1 in


@pytest.mark.unit
def test_answers_page_by_id_and_refuse_what_they_do_not_serve(tmp_path):
    md = _filled(tmp_path / "m.sqlite")
    ctx = md.context_by_type_and_name("system.PipelineRun", RUN.run_id)
    assert ctx is not None and ctx.id is not None
    seen, token = [], ""
    while True:
        raw = answer(md, "GetExecutionsByContext", InContext(ctx.id, 4, token).encode())
        page = Listed.decode("GetExecutionsByContext", raw)
        seen += [e.id for e in page.executions]
        token = page.next_page_token
        if not token:
            break
    assert seen == [e.id for e in md.executions_by_context(ctx.id)] and len(seen) == 6
    with pytest.raises(GrpcError) as err:
        answer(md, "PutExecution", b"")
    assert err.value.status == 12
    big = Listed.decode("GetExecutionsByContext", answer(md, "GetExecutionsByContext",
                        InContext(ctx.id, 1000).encode()))  # fmt: skip
    assert len(big.executions) == 6 and not big.next_page_token  # bounded at 100, not refused
    options = b"\x12\x0c" + b"\x08\x05" + b"\x22\x08name = 1"  # options: size 5, filter_query
    with pytest.raises(GrpcError) as err:
        answer(md, "GetExecutionsByContext", bytes([8, ctx.id]) + options)
    assert err.value.status == 12 and "filter_query" in err.value.message
    with pytest.raises(GrpcError) as err:
        answer(md, "GetArtifactsByID", b"\x0a\x05ab")  # a truncated field
    assert err.value.status == 3
    many = list(range(1, 100_001))  # more than one SQL statement's variables
    found = Listed.decode("GetArtifactsByID", answer(md, "GetArtifactsByID", ByIds(many).encode()))
    assert [a.id for a in found.artifacts] == [a.id for a in md.artifacts_by_id([1, 2, 2])]
    assert len(found.artifacts) == 2
    events = answer(md, "GetEventsByExecutionIDs", ByIds(many).encode())
    assert len(Listed.decode("GetEventsByExecutionIDs", events).events) == 3
    nothing = ByTypeAndName("system.PipelineRun", "no").encode()
    missing = answer(md, "GetContextByTypeAndName", nothing)
    assert missing == b""  # found nothing: an empty response, as MLMD answers


@pytest.mark.unit
def test_task_metadata_keys_loop_members_by_iteration(tmp_path, monkeypatch):
    md = _filled(tmp_path / "m.sqlite")  # the store answers what the client would ask it
    monkeypatch.setattr(reader, "MetadataClient", lambda *args: md)
    tasks = reader.task_metadata("http://kfp.example", RUN.run_id, "t")
    assert set(tasks) == {"prepare", "train", "for-loop-1", "for-loop-1[0]", "square[0]"}
    assert tasks["train"]["pod_name"] == executor_pod(RUN, TASKS, TASKS[1])
    assert tasks["for-loop-1"]["pod_name"] is None  # a DAG has no pod
    [metrics] = tasks["train"]["artifacts"]
    assert metrics["metadata"] == {"accuracy": 0.9, "best": 1, "display_name": "m"}
    assert (metrics["name"], metrics["type"], metrics["uri"]) == (
        "metrics", "system.Metrics", METRICS.uri)  # fmt: skip
    assert reader.task_metadata("http://kfp.example", "no-such-run") == {}
    assert reader.metadata_url("https://h/pipeline/ml_metadata/") == "https://h/pipeline"


@pytest.mark.unit
def test_grpc_web_frames_and_trailers():
    body = frame(b"abc") + trailers(5, "no such thing: 100%")
    messages, found = split_frames(body)
    assert messages == [b"abc"]
    assert found["grpc-status"] == "5" and "100%25" in found["grpc-message"]
    with pytest.raises(GrpcError):
        split_frames(frame(b"abc")[:-1])


def test_our_store_is_read_by_the_real_ml_metadata_library(tmp_path, real_python):
    path = tmp_path / "m.sqlite"
    _filled(path).close()
    got = run_real(real_python, "mlmd_real_read.py", "dump", str(path))
    run = got["by_context"][RUN.run_id]
    assert run["type"] == "system.PipelineRun" and run["parents"] == ["metrics-demo"]
    assert got["by_context"]["metrics-demo"]["type"] == "system.Pipeline"
    ctx = next(c for c in got["contexts"] if c["name"] == RUN.run_id)
    assert ctx["custom_properties"]["pipeline_root"] == {"string_value": "/root/metrics-demo-1"}
    by_task = {e["custom_properties"]["task_name"]["string_value"]: e for e in run["executions"]}
    root = by_task[""]
    assert root["type"] == "system.DAGExecution" and root["name"] == "run/metrics-demo-1"
    assert root["custom_properties"]["inputs"] == {"struct_value": {"n": 2}}
    assert root["custom_properties"]["outputs"] == {"struct_value": {"best": 0.9}}
    train = by_task["train"]
    assert train["type"] == "system.ContainerExecution" and train["last_known_state"] == "COMPLETE"
    custom = train["custom_properties"]
    assert custom["pod_name"]["string_value"] == executor_pod(RUN, TASKS, TASKS[1])
    details = {d["pod_name"]: d["display_name"] for d in task_details(RUN, TASKS)}
    assert details[custom["pod_name"]["string_value"]] == "executor(1)"  # its second attempt
    assert log_task_for(RUN, TASKS, custom["pod_name"]["string_value"]) == TASKS[1]
    assert custom["display_name"] == {"string_value": "train"}
    assert custom["parent_dag_id"] == {"int_value": root["id"]}
    assert custom["inputs"] == {"struct_value": {"lr": 0.1}}
    assert by_task["prepare"]["custom_properties"]["outputs"] == {"struct_value": {"rows": 3}}
    loop, square = by_task["for-loop-1"], by_task["square"]  # loop and iteration share the name
    assert square["custom_properties"]["parent_dag_id"]["int_value"] != root["id"]
    assert loop["type"] == "system.DAGExecution"
    metrics = next(a for a in run["artifacts"] if a["type"] == "system.Metrics")
    assert metrics["uri"] == METRICS.uri and metrics["state"] == "LIVE"
    assert metrics["custom_properties"] == {
        "accuracy": {"double_value": 0.9}, "best": {"int_value": "1"},
        "display_name": {"string_value": "m"},
    }  # fmt: skip
    events = {(e["execution_id"], e["type"], e["path"]["steps"][0]["key"]) for e in got["events"]}
    assert (train["id"], "OUTPUT", "metrics") in events
    assert (train["id"], "INPUT", "data") in events
    assert (by_task["prepare"]["id"], "OUTPUT", "data") in events
    assert "system.ContainerExecution" in got["execution_types"]
    assert {"system.Metrics", "system.Dataset"} <= set(got["artifact_types"])  # mlmd.* hidden


def test_our_wire_codec_and_the_real_generated_messages_agree(real_python):
    custom = {"accuracy": Value("double", 0.9), "n": Value("int", -5),
              "s": Value("struct", {"list": [1.0, "a", {"k": None}]})}  # fmt: skip
    art = Artifact(id=7, type_id=3, type="system.Metrics", uri="s3://b/m", state=2,
                   custom_properties=custom)  # fmt: skip
    ex = Execution(id=2, type_id=4, last_known_state=3, name="run/x",
                   custom_properties={"pod_name": Value("string", "p-1")})  # fmt: skip
    given = {
        "requests": {
            "GetContextByTypeAndName": ByTypeAndName("system.PipelineRun", "r-1").encode().hex(),
            "GetExecutionsByContext": InContext(5, 10, "after:3").encode().hex(),
            "GetArtifactsByID": ByIds([1, 2**40]).encode().hex(),
        },
        "responses": {
            "GetArtifactsByID": Listed(artifacts=[art]).encode().hex(),
            "GetExecutionsByContext": Listed(executions=[ex], next_page_token="t").encode().hex(),
            "GetEventsByExecutionIDs": Listed(
                events=[Event(7, 2, ["metrics", 0], 4, 123)]).encode().hex(),
        },
    }  # fmt: skip
    got = run_real(real_python, "mlmd_real_read.py", "wire", stdin=json.dumps(given))
    req = got["requests"]
    by_name = {"type_name": "system.PipelineRun", "context_name": "r-1"}
    assert req["GetContextByTypeAndName"] == by_name
    assert req["GetExecutionsByContext"] == {
        "context_id": "5",
        "options": {"max_result_size": 10, "next_page_token": "after:3"},
    }
    assert req["GetArtifactsByID"] == {"artifact_ids": ["1", str(2**40)]}
    [a] = got["responses"]["GetArtifactsByID"]["artifacts"]
    assert a["custom_properties"] == {
        "accuracy": {"double_value": 0.9}, "n": {"int_value": "-5"},
        "s": {"struct_value": {"list": [1.0, "a", {"k": None}]}},
    }  # fmt: skip
    assert (a["uri"], a["state"], a["type"], a["id"]) == ("s3://b/m", "LIVE", "system.Metrics", "7")
    [e] = got["responses"]["GetExecutionsByContext"]["executions"]
    assert e["name"] == "run/x" and e["last_known_state"] == "COMPLETE"
    assert got["responses"]["GetExecutionsByContext"]["next_page_token"] == "t"
    [ev] = got["responses"]["GetEventsByExecutionIDs"]["events"]
    assert ev["path"] == {"steps": [{"key": "metrics"}, {"index": "0"}]} and ev["type"] == "OUTPUT"
    made = Listed.decode("GetArtifactsByID", bytes.fromhex(got["made"]["GetArtifactsByID"]))
    [back] = made.artifacts
    assert back.custom_properties["n"] == Value("int", -5)
    assert back.custom_properties["accuracy"] == Value("double", 0.9)
    assert back.custom_properties["s"] == Value("struct", {"list": [1.0, "a", {"k": None}]})
    assert (back.id, back.uri, back.state, back.type) == (7, "s3://b/m", 2, "system.Metrics")
    raw = bytes.fromhex(got["made"]["GetEventsByExecutionIDs"])
    events = Listed.decode("GetEventsByExecutionIDs", raw)
    assert events.events == [Event(7, 2, ["metrics"], 4, None)]
