"""Local requirements in packages_to_install (a project folder, a wheel, `name @ file://`, and
kfp_package_path): real environments built with uv, keyed by the content of what they install."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kfp import dsl

from kfp_notebook import RunState, Session
from kfp_notebook._errors import EnvironmentBuildError
from kfp_notebook.executors.subprocess.env_spec import make_env_spec
from kfp_notebook.executors.subprocess.envs import MARKER, EnvironmentManager

IMAGE = "python:3.11"
PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "kfpnb-localpkg"
version = "0.1"
"""


def _project(root: Path, value: str) -> Path:
    """A tiny setuptools project whose module says `value`."""
    (root / "kfpnb_localpkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "kfpnb_localpkg" / "__init__.py").write_text(f"VALUE = {value!r}\n")
    return root


def _edit(project: Path, value: str) -> None:
    (project / "kfpnb_localpkg" / "__init__.py").write_text(f"VALUE = {value!r}\n")


def _wheel(project: Path, out: Path) -> Path:
    from uv import find_uv_bin

    command = [find_uv_bin(), "build", "--wheel", "--out-dir", str(out), str(project)]
    subprocess.run(command, check=True, capture_output=True)
    return next(out.glob("*.whl"))


def _built_keys() -> set[str]:
    return {m.parent.name for m in EnvironmentManager().root.glob(f"*/{MARKER}")}


def _built_specs() -> list[dict]:
    return [json.loads(m.read_text()) for m in EnvironmentManager().root.glob(f"*/{MARKER}")]


def test_a_local_project_is_installed_and_an_edit_rebuilds_its_env(tmp_path) -> None:
    project = _project(tmp_path / "project", "first")

    @dsl.component(base_image=IMAGE, packages_to_install=[str(project)])
    def read_value() -> str:
        import kfpnb_localpkg

        return kfpnb_localpkg.VALUE

    def run() -> str:
        session = Session(pipeline_root=tmp_path / "outputs", raise_on_error=False)
        try:
            result = session.run(read_value)
            assert result.status is RunState.SUCCEEDED, result.error
            return str(result.output)
        finally:
            session.close()

    before = _built_keys()
    assert run() == "first"
    first = _built_keys() - before
    assert len(first) == 1
    assert run() == "first"  # unchanged: the same environment again
    assert _built_keys() - before == first
    _edit(project, "second")
    assert run() == "second"  # the edit is seen: a new environment for the new content
    assert len(_built_keys() - before) == 2


def test_an_edit_is_seen_within_one_session(tmp_path, session) -> None:
    """A user's own package under development, edited between two runs in one kernel: the
    second run installs the edit (kfp.local installs it per task); a third, unchanged, builds
    nothing."""
    project = _project(tmp_path / "project", "first")

    @dsl.component(base_image=IMAGE, packages_to_install=[str(project)])
    def read_value() -> str:
        import kfpnb_localpkg

        return kfpnb_localpkg.VALUE

    assert session.run(read_value).output == "first"
    _edit(project, "second")
    assert session.run(read_value).output == "second"
    built = _built_keys()
    assert session.run(read_value).output == "second"
    assert _built_keys() == built
    open_fds = len(os.listdir("/proc/self/fd"))
    for _ in range(3):  # the environment is held in use once, not once per run
        assert session.run(read_value).output == "second"
    assert len(os.listdir("/proc/self/fd")) <= open_fds


def test_a_wheel_path_and_a_file_url_direct_reference_install(tmp_path, session) -> None:
    wheel = _wheel(_project(tmp_path / "project", "from the wheel"), tmp_path / "dist")

    @dsl.component(base_image=IMAGE, packages_to_install=[str(wheel)])
    def from_path() -> str:
        import kfpnb_localpkg

        return kfpnb_localpkg.VALUE

    @dsl.component(base_image=IMAGE, packages_to_install=[f"kfpnb-localpkg @ {wheel.as_uri()}"])
    def from_url() -> str:
        import kfpnb_localpkg

        return kfpnb_localpkg.VALUE

    for component in (from_path, from_url):
        result = session.run(component)
        assert result.status is RunState.SUCCEEDED, result.error
        assert result.output == "from the wheel"


def test_kfp_package_path_installs_that_kfp_without_deps(tmp_path, session) -> None:
    from importlib import metadata

    version = metadata.version("kfp")
    download = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    subprocess.run([*download, "-d", str(tmp_path), f"kfp=={version}"], check=True)
    wheel = next(tmp_path.glob("kfp-*.whl"))

    @dsl.component(base_image=IMAGE, kfp_package_path=str(wheel))
    def which_kfp() -> str:
        import kfp

        return kfp.__file__

    result = session.run(which_kfp)
    assert result.status is RunState.SUCCEEDED, result.error
    spec = next(s for s in _built_specs() if str(wheel) in s["no_deps_requirements"])
    assert spec["requirements"] == []  # kfp came from the wheel alone, without deps
    assert spec["local_digests"][0].endswith(f" {wheel}")


def test_a_missing_path_is_one_error_naming_it_and_the_task(tmp_path, session) -> None:
    missing = tmp_path / "no-such-project"

    @dsl.component(base_image=IMAGE, packages_to_install=["six", str(missing)])
    def needs_missing() -> str:
        return "never"

    before = _built_keys()
    with pytest.raises(EnvironmentBuildError) as caught:
        session.run(needs_missing)
    message = str(caught.value)
    assert f"task 'needs-missing': {missing} does not exist" in message, message
    assert "packages_to_install" in message
    assert _built_keys() == before  # nothing was built (or run)
    with pytest.raises(EnvironmentBuildError, match=r"no-such\.whl .* does not exist"):
        make_env_spec([f"pkg @ file://{tmp_path}/no-such.whl"])


@pytest.mark.unit
def test_keys_follow_the_content_of_what_is_installed(tmp_path, monkeypatch) -> None:
    project = _project(tmp_path / "project", "first")
    spec = make_env_spec([str(project), "six"])
    assert spec.requirements == ("six", str(project))
    assert spec.local_projects == ("kfpnb-localpkg",)
    assert make_env_spec([str(project), "six"]).key == spec.key  # unchanged: the same env
    (project / "build").mkdir()
    (project / "build" / "junk.py").write_text("x = 1\n")  # build output is no content
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref\n")
    assert make_env_spec([str(project), "six"]).key == spec.key
    _edit(project, "second")
    assert make_env_spec([str(project), "six"]).key != spec.key
    # a relative path is resolved against the current directory, as pip does
    monkeypatch.chdir(tmp_path)
    assert make_env_spec(["./project", "six"]).key == make_env_spec([str(project), "six"]).key
    assert make_env_spec([f"file://{project}"]).requirements == (str(project),)
    archive = tmp_path / "kfpnb_localpkg-0.1-py3-none-any.whl"
    archive.write_bytes(b"one")
    by_bytes = make_env_spec([archive.name]).key
    archive.write_bytes(b"two")
    assert make_env_spec([archive.name]).key != by_bytes
    # an index-only spec keeps the key it had before local requirements were known
    plain = make_env_spec(["six"])
    fields = {"python_version": plain.python_version, "requirements": ["six"]}
    fields |= {"no_deps_requirements": [], "index_urls": [], "trusted_hosts": []}
    old_key = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]
    assert plain.key == old_key
    with pytest.raises(EnvironmentBuildError, match=r"no pyproject\.toml or setup\.py"):
        make_env_spec([str(tmp_path)])
