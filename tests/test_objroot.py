"""Object-root URIs: parsing, one clear error per bad URI, the local part, and the mapping of a
local output path to KFP's bucket key and back (pure; no server)."""

from pathlib import Path

import pytest

from kfp_notebook._detached import RunnerSettings
from kfp_notebook._store.objroot import (
    ObjectRootError,
    cache_path,
    key_to_local,
    local_to_key,
    output_salt,
    parse_object_root,
    resolve_root,
)

pytestmark = pytest.mark.unit


def test_parse_and_the_local_part(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KFP_NOTEBOOK_HOME", str(tmp_path))
    root = parse_object_root("minio://mlpipeline/v2/artifacts/")
    assert (root.scheme, root.bucket, root.prefix) == ("minio", "mlpipeline", "v2/artifacts")
    assert root.uri == "minio://mlpipeline/v2/artifacts"
    assert root.local_root() == tmp_path / "object-roots/minio/mlpipeline/v2/artifacts"
    assert resolve_root("s3://b-1/x") == tmp_path / "object-roots/s3/b-1/x"
    assert parse_object_root("./local_outputs") is None
    assert parse_object_root("file:///tmp/x") is None
    assert resolve_root("file:///tmp/x") == Path("/tmp/x")
    assert cache_path("gs://bkt/a/b") == tmp_path / "object-cache/gs/bkt/a/b"


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("s3://", "names no usable bucket"),
        ("s3://Upper/x", "names no usable bucket"),
        ("s3://bucket/a/../b", ". or .. parts"),
        ("ftp://bucket/x", "not an object-store URI"),
    ],
)
def test_a_bad_uri_is_one_clear_error(uri: str, says: str) -> None:
    with pytest.raises(ObjectRootError, match=says.replace(".", r"\.")):
        parse_object_root(uri)


def test_a_local_output_maps_to_kfps_key_and_back(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KFP_NOTEBOOK_HOME", str(tmp_path / "home"))
    root = parse_object_root("s3://mlpipeline/v2/artifacts")
    local_root = tmp_path / "outputs"
    task = "for-loop-2[1]/train"
    local = local_root / "my-run" / "for-loop-2.1" / "train" / "model"
    key = local_to_key(root, local, local_root, "My Pipeline", "my-run", task)
    salt = output_salt("my-run", task)
    assert key == f"v2/artifacts/My-Pipeline/my-run/for-loop-2.1/train/{salt}/model"
    assert key_to_local(root, key, local_root) == local
    assert key_to_local(root, key) == root.local_root() / "my-run/for-loop-2.1/train/model"
    with pytest.raises(ObjectRootError):
        key_to_local(root, "other/prefix/x")


def test_runner_settings_carry_the_object_root_to_the_detached_run() -> None:
    settings = RunnerSettings("subprocess", 2, True, "s3://mlpipeline/x")
    assert settings.arguments()[-2:] == ["--object-root", "s3://mlpipeline/x"]
    assert "--object-root" not in settings.arguments(workers=False)  # spin: outputs stay local
