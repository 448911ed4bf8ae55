"""A real JupyterLab server and a real Chromium page driven by Playwright.

`jupyterlab`: a server on a free port with a token, rooted in a temporary folder holding copies
of notebooks/ and examples/; stopped with its kernels afterwards (its own process group).
`page`: a Playwright page on Debian's chromium. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@dataclass
class Lab:
    url: str
    token: str
    root_dir: Path

    def open(self, page: Any, path: str, ui: str = "lab/tree") -> None:
        """Open a notebook alone (`reset`: no tabs restored from an earlier test) and wait
        until it is the current widget with a connected kernel. Notebook 7: ui="notebooks"."""
        page.goto(f"{self.url}/{ui}/{path}?reset&token={self.token}")
        page.wait_for_function(
            "(path) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " return w && w.context && w.context.path === path && w.sessionContext"
            " && w.sessionContext.session && w.sessionContext.session.kernel"
            " && w.sessionContext.session.kernel.connectionStatus === 'connected'; }",
            arg=path,
            timeout=120_000,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(root: Path, app: str) -> Iterator[Lab]:
    """`jupyter lab` or `jupyter notebook` (Notebook 7) rooted in `root`, until the generator
    is closed; the app is exposed in the page as `window.jupyterapp`."""
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "examples", root / "examples")
    labconfig = root / ".jupyter" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}'
    )
    # save widget state with the notebook, as a user does to reopen runs without a kernel
    settings = root / ".jupyter" / "lab" / "user-settings"
    manager = settings / "@jupyter-widgets" / "jupyterlab-manager"
    manager.mkdir(parents=True)
    (manager / "plugin.jupyterlab-settings").write_text('{"saveState": true}')
    app_class = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}[app]
    port, token = _free_port(), secrets.token_hex(16)
    log = (root / f"jupyter-{app}.log").open("w")
    scratch = root / "tmp"  # the server's and its kernels' temporary files (a spin's folder)
    scratch.mkdir()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root",
            f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.token={token}",
            f"--ServerApp.root_dir={root}", f"--{app_class}.expose_app_in_browser=True",
        ],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_ended_with_this_process,
        env={
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "TMPDIR": str(scratch),
        },
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"jupyter {app} did not start:\n{(root / log.name).read_text()}")
            time.sleep(0.3)
    try:
        yield Lab(url, token, root)
    finally:  # also when the generator is closed (bench/widget.py) rather than run to its end
        os.killpg(server.pid, signal.SIGTERM)  # the server, which shuts its kernels down
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _ended_with_this_process() -> None:
    """In the server's process before it runs: a SIGTERM when pytest dies, even by SIGKILL, so
    the server shuts its kernels down instead of outliving the tests (Linux's PR_SET_PDEATHSIG,
    1; the fixture's own teardown runs only when pytest does)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    yield from _serve(tmp_path_factory.mktemp("lab"), "lab")


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Notebook 7 (`jupyter notebook`); open a notebook with `Lab.open(page, path, "notebooks")`."""
    yield from _serve(tmp_path_factory.mktemp("nb7"), "notebook")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash ci/setup_browser.sh` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture
def screenshot() -> Any:
    """`screenshot(page_or_element, name)` saves test-artifacts/screenshots/NAME.png."""

    def take(target: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        target.screenshot(path=str(path))
        return path

    return take
