"""Where environments come from: a private index with a trusted http host, the pip fallback, and
`kfp-notebook gc` keeping environments that a live session still uses."""

import base64
import hashlib
import http.server
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from kfp import dsl

from kfp_notebook import RunState, Session
from kfp_notebook.executors.subprocess.env_spec import make_env_spec
from kfp_notebook.executors.subprocess.envs import EnvironmentManager

IMAGE = "python:3.11"


def _wheel(folder: Path, name: str, version: str, source: str) -> Path:
    """A real, minimal wheel (the format is a zip with METADATA, WHEEL and RECORD)."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": source,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def private_index(tmp_path: Path) -> Iterator[str]:
    """A PEP 503 simple index over plain http on localhost, holding one package."""
    project = tmp_path / "index" / "simple" / "kfpnb-private-hello"
    project.mkdir(parents=True)
    wheel = _wheel(project, "kfpnb-private-hello", "1.0", 'GREETING = "hello from the index"\n')
    (project / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>\n')

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path / "index"), **kwargs)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    server.shutdown()


def test_pip_index_urls_and_trusted_host_reach_the_installer(private_index, pipeline_root) -> None:
    @dsl.component(
        base_image=IMAGE,
        packages_to_install=["kfpnb-private-hello==1.0"],
        pip_index_urls=[private_index, "https://pypi.org/simple"],
    )
    def hello() -> str:
        import kfpnb_private_hello

        return kfpnb_private_hello.GREETING

    session = Session(pipeline_root=pipeline_root, raise_on_error=False)
    run = session.run(hello)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "hello from the index"
    session.close()
    built = [e.spec for e in EnvironmentManager().environments() if e.complete]
    spec = next(s for s in built if private_index in s["index_urls"])
    assert spec["index_urls"] == [private_index, "https://pypi.org/simple"]
    host = private_index.split("/")[2]
    assert spec["trusted_hosts"] == [host, "pypi.org"]  # KFP writes URLs; hosts reach uv


def test_pip_builds_the_environment_when_asked(tmp_path, private_index) -> None:
    manager = EnvironmentManager(tmp_path, installer="pip")
    spec = make_env_spec(
        ["kfpnb-private-hello"], index_urls=[private_index], trusted_hosts=["127.0.0.1"]
    )
    lines: list[str] = []
    python = manager.ensure(spec, lines.append)
    out = subprocess.run(
        [str(python), "-c", "import kfpnb_private_hello as m; print(m.GREETING)"],
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "hello from the index", out.stderr
    assert any("Successfully installed kfpnb-private-hello" in line for line in lines), lines


def test_gc_cli_keeps_environments_in_use(tmp_path, pipeline_root, monkeypatch) -> None:
    @dsl.component(base_image=IMAGE, packages_to_install=["six"])
    def uses_six() -> str:
        import six

        return six.__name__

    env_dir = tmp_path / "envs"
    monkeypatch.setenv("KFP_NOTEBOOK_ENV_DIR", str(env_dir))
    session = Session(pipeline_root=pipeline_root, raise_on_error=False)
    assert session.run(uses_six).output == "six"
    cli = [sys.executable, "-m", "kfp_notebook._cli", "gc"]
    kept = subprocess.run(cli, capture_output=True, text=True, check=True)
    assert "removed 0 environment(s)" in kept.stdout
    assert len([p for p in env_dir.iterdir() if p.is_dir()]) == 1
    session.close()
    dry = subprocess.run([*cli, "--dry-run"], capture_output=True, text=True, check=True)
    assert "would remove 1 environment(s)" in dry.stdout
    gone = subprocess.run(cli, capture_output=True, text=True, check=True)
    assert "removed 1 environment(s)" in gone.stdout
    assert not [p for p in env_dir.iterdir() if p.is_dir()]
