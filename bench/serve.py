"""A real `jupyter server` subprocess with the kfp-notebook extension enabled over given roots,
for benchmarks that time the REST API over HTTP. `with serve([root], work) as get:` then
`get("/roots")` returns the body of `<base>/kfp-notebook/api/roots`."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(roots: List[Path], work: Path) -> Iterator[Callable[[str], bytes]]:
    port, token = free_port(), secrets.token_hex(16)
    config = {
        "ServerApp": {
            "jpserver_extensions": {"kfp_notebook": True},
            "port": port,
            "ip": "127.0.0.1",
            "open_browser": False,
            "root_dir": str(work),
            "allow_root": True,
        },
        "IdentityProvider": {"token": token},
        "KfpNotebookServer": {"roots": [str(r) for r in roots], "registered_roots": False},
    }
    (work / "cfg.json").write_text(json.dumps(config))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KFP_NOTEBOOK_HOME": str(work / "home")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--config={work / 'cfg.json'}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "server.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/kfp-notebook/api"
    headers = {"Authorization": f"token {token}"}

    def get(path: str) -> bytes:
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as r:
            return bytes(r.read())

    try:
        deadline = time.time() + 60
        while True:
            try:
                get("/roots")
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    log = (work / "server.log").read_text()[-3000:]
                    raise SystemExit(f"jupyter server did not start:\n{log}") from None
                time.sleep(0.2)
        yield get
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
