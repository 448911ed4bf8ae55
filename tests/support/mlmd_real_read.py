"""Run by the REAL ml-metadata library (scratch venv): `dump STORE.sqlite` prints, as JSON, what
`metadata_store.MetadataStore` reads from a SQLite store; `wire` reads {"requests": {method:
hex}, "responses": {method: hex}} on stdin, parses each with the library's generated message
classes and prints them as dicts, plus reference encodings the library makes ("made")."""

import json
import sys

from google.protobuf.json_format import MessageToDict
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc


def as_dict(message):
    return MessageToDict(message, preserving_proto_field_name=True)


def dump(path: str) -> dict:
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READONLY
    store = metadata_store.MetadataStore(config)
    out: dict = {"contexts": [as_dict(c) for c in store.get_contexts()], "by_context": {}}
    for c in store.get_contexts():
        executions = store.get_executions_by_context(c.id)
        out["by_context"][c.name] = {
            "type": c.type,
            "executions": [as_dict(e) for e in executions],
            "artifacts": [as_dict(a) for a in store.get_artifacts_by_context(c.id)],
            "parents": [p.name for p in store.get_parent_contexts_by_context(c.id)],
        }
    executions = store.get_executions()
    out["events"] = [
        as_dict(e) for e in store.get_events_by_execution_ids([e.id for e in executions])
    ]
    out["execution_types"] = sorted(t.name for t in store.get_execution_types())
    out["artifact_types"] = sorted(t.name for t in store.get_artifact_types())
    return out


def wire(given: dict) -> dict:
    parsed: dict = {"requests": {}, "responses": {}}
    for kind, suffix in (("requests", "Request"), ("responses", "Response")):
        for method, hexed in given.get(kind, {}).items():
            message = getattr(svc, method + suffix)()
            message.ParseFromString(bytes.fromhex(hexed))
            parsed[kind][method] = as_dict(message)
    art = pb.Artifact(
        id=7, type_id=3, type="system.Metrics", uri="s3://b/m", state=pb.Artifact.LIVE
    )
    art.custom_properties["accuracy"].double_value = 0.9
    art.custom_properties["n"].int_value = -5
    art.custom_properties["s"].struct_value.update({"list": [1, "a", {"k": None}]})
    response = svc.GetArtifactsByIDResponse(artifacts=[art])
    event = pb.Event(artifact_id=7, execution_id=2, type=pb.Event.OUTPUT)
    event.path.steps.add().key = "metrics"
    events = svc.GetEventsByExecutionIDsResponse(events=[event])
    parsed["made"] = {
        "GetArtifactsByID": response.SerializeToString().hex(),
        "GetEventsByExecutionIDs": events.SerializeToString().hex(),
    }
    return parsed


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        print(json.dumps(dump(sys.argv[2])))
    else:
        print(json.dumps(wire(json.load(sys.stdin))))
