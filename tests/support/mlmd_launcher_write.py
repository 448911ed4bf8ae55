"""Run by the REAL ml-metadata library (in a scratch venv, never in the package's environment):
writes a SQLite MLMD store the way KFP's driver and launcher fill one for a one-task run
(backend/src/v2/metadata/client.go: GetPipeline, CreateExecution, PrePublishExecution,
RecordArtifact, PublishExecution). Usage: python mlmd_launcher_write.py STORE.sqlite; prints the
ids it wrote as JSON."""

import json
import sys

from google.protobuf import struct_pb2
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb


def main(path: str) -> None:
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    store = metadata_store.MetadataStore(config)

    pipeline_type = store.put_context_type(pb.ContextType(name="system.Pipeline"))
    run_type = store.put_context_type(pb.ContextType(name="system.PipelineRun"))
    [pipeline_ctx] = store.put_contexts([pb.Context(type_id=pipeline_type, name="metrics-demo")])
    run = pb.Context(type_id=run_type, name="run-1234")
    run.custom_properties["namespace"].string_value = "kubeflow"
    run.custom_properties["pipeline_root"].string_value = "minio://mlpipeline/v2/artifacts/x"
    [run_ctx] = store.put_contexts([run])
    store.put_parent_contexts([pb.ParentContext(child_id=run_ctx, parent_id=pipeline_ctx)])
    contexts = store.get_contexts_by_id([pipeline_ctx, run_ctx])

    dag_type = store.put_execution_type(pb.ExecutionType(name="system.DAGExecution"))
    container_type = store.put_execution_type(pb.ExecutionType(name="system.ContainerExecution"))
    root = pb.Execution(type_id=dag_type, last_known_state=pb.Execution.COMPLETE)
    root.custom_properties["display_name"].string_value = ""
    root.custom_properties["task_name"].string_value = ""
    root_id, _, _ = store.put_execution(root, [], contexts)

    ex = pb.Execution(type_id=container_type, last_known_state=pb.Execution.RUNNING)
    for key, text in {
        "display_name": "train",
        "task_name": "train",
        "image": "python:3.11",
        "pod_name": "metrics-demo-x7k2p-1234567",
        "pod_uid": "u-1",
        "namespace": "kubeflow",
    }.items():
        ex.custom_properties[key].string_value = text
    ex.custom_properties["parent_dag_id"].int_value = root_id
    inputs = struct_pb2.Struct()
    inputs.update({"epochs": 3.0})
    ex.custom_properties["inputs"].struct_value.CopyFrom(inputs)
    dataset_type = store.put_artifact_type(pb.ArtifactType(name="system.Dataset"))
    given = pb.Artifact(type_id=dataset_type, uri="minio://mlpipeline/v2/artifacts/x/prep/data",
                        state=pb.Artifact.LIVE)  # fmt: skip
    given.custom_properties["display_name"].string_value = "data"
    [given_id] = store.put_artifacts([given])
    consumed = pb.Event(type=pb.Event.INPUT)  # the driver's: the input's name as the one key
    consumed.path.steps.add().key = "data"
    ex_id, _, _ = store.put_execution(
        ex, [(store.get_artifacts_by_id([given_id])[0], consumed)], contexts
    )

    metrics_type = store.put_artifact_type(pb.ArtifactType(name="system.Metrics"))
    art = pb.Artifact(
        type_id=metrics_type,
        uri="minio://mlpipeline/v2/artifacts/x/train/metrics",
        state=pb.Artifact.LIVE,
    )
    art.custom_properties["accuracy"].double_value = 0.9
    art.custom_properties["display_name"].string_value = "metrics"
    art.custom_properties["store_session_info"].string_value = "{}"
    [art_id] = store.put_artifacts([art])
    [ex] = store.get_executions_by_id([ex_id])
    ex.last_known_state = pb.Execution.COMPLETE
    outputs = struct_pb2.Struct()
    outputs.update({"note": "ok"})
    ex.custom_properties["outputs"].struct_value.CopyFrom(outputs)
    event = pb.Event(type=pb.Event.OUTPUT)
    event.path.steps.add().key = "metrics"
    generic = store.put_artifact_type(pb.ArtifactType(name="system.Artifact"))
    log_uri = "minio://mlpipeline/v2/artifacts/x/train/abc/executor-logs-0"
    logs = pb.Artifact(type_id=generic, state=pb.Artifact.LIVE, uri=log_uri)
    [logs_id] = store.put_artifacts([logs])  # the launcher's, where logs are published
    logged = pb.Event(type=pb.Event.OUTPUT)
    logged.path.steps.add().key = "executor-logs"
    written = store.get_artifacts_by_id([art_id, logs_id])
    store.put_execution(ex, [(written[0], event), (written[1], logged)], contexts)
    print(
        json.dumps(
            {"run_context": run_ctx, "execution": ex_id, "root": root_id, "artifact": art_id}
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
