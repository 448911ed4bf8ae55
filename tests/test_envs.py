"""Cached environments: real virtualenv + uv builds, reuse, conflicts, failures, gc."""

import threading
import time
from datetime import timedelta

import pytest

from kfp_notebook._errors import EnvironmentBuildError
from kfp_notebook.executors.subprocess.env_spec import make_env_spec
from kfp_notebook.executors.subprocess.envs import MARKER, EnvironmentManager


def test_spec_is_normalized_and_keyed_by_content() -> None:
    a = make_env_spec(["Typing_Extensions>=4", "six", "Six"], index_urls=["https://x/simple"])
    b = make_env_spec(["six", "typing-extensions>=4"], index_urls=["https://x/simple"])
    assert a.requirements == ("six", "typing-extensions>=4")
    assert a.key == b.key
    assert make_env_spec(["six"]).key != make_env_spec(["six"], index_urls=["https://y"]).key
    old = make_env_spec(['numpy; python_version < "3.0"'])
    assert old.requirements == ()


def test_conflicting_pins_fail_before_any_build() -> None:
    with pytest.raises(EnvironmentBuildError, match="conflicting requirements for numpy"):
        make_env_spec(["numpy==1.26.4", "numpy==2.0.0"])
    with pytest.raises(EnvironmentBuildError, match="conflicting"):
        make_env_spec(["numpy==1.26.4", "numpy>=2"])
    with pytest.raises(EnvironmentBuildError, match="not a valid requirement"):
        make_env_spec(["numpy=>1"])


def test_build_once_reuse_across_managers_and_threads(tmp_path) -> None:
    spec = make_env_spec(["six"], no_deps=["kfp==2.17.0"])
    first, second = EnvironmentManager(tmp_path), EnvironmentManager(tmp_path)
    pythons: list = []
    threads = [
        threading.Thread(target=lambda m=m: pythons.append(m.ensure(spec)))
        for m in (first, second, first)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(pythons)) == 1
    marker = tmp_path / spec.key / MARKER
    built_at = marker.stat().st_mtime
    start = time.perf_counter()
    EnvironmentManager(tmp_path).ensure(spec)
    assert time.perf_counter() - start < 0.05
    assert marker.stat().st_mtime == built_at
    import subprocess

    out = subprocess.run(
        [str(pythons[0]), "-c", "import six, kfp.dsl.executor_main"],
        env={"_KFP_RUNTIME": "true"},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr


def test_failed_install_says_what_to_do_and_leaves_nothing(tmp_path) -> None:
    spec = make_env_spec(["this-package-does-not-exist-kfpnb==1.0"])
    lines: list[str] = []
    with pytest.raises(EnvironmentBuildError, match="Check the package names"):
        EnvironmentManager(tmp_path).ensure(spec, lines.append)
    assert not (tmp_path / spec.key).exists()
    assert any("building environment" in line for line in lines)


def test_gc_removes_unused_environments(tmp_path) -> None:
    manager = EnvironmentManager(tmp_path)
    spec = make_env_spec(["six"])
    manager.ensure(spec)
    assert manager.gc(older_than=timedelta(days=1)) == []
    removed = manager.gc(older_than=None, dry_run=True)
    assert [e.key for e in removed] == [spec.key] and (tmp_path / spec.key).exists()
    manager.gc()
    assert not (tmp_path / spec.key).exists()
