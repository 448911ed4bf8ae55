"""Bucket clients, one per scheme, behind one small interface: `s3://` and `minio://` speak
the S3 API through boto3 (endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, credentials
from the standard AWS chain; path-style addressing on a custom endpoint, as MinIO and SeaweedFS
want); `gs://` goes through gcsfs where it is installed. Each failure becomes one
ObjectStoreError saying what to do. `objects.py` is their one user.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from kfp_notebook._errors import KfpNotebookError

__all__ = [
    "Bucket",
    "Entry",
    "ObjectMissingError",
    "ObjectStoreError",
    "client_for",
    "endpoint_url",
]


class ObjectStoreError(KfpNotebookError):
    """The object store cannot be used: no client library, endpoint down, bucket missing,
    credentials refused."""


class ObjectMissingError(ObjectStoreError):
    """The store answers, but the object is not there."""


@dataclass(frozen=True)
class Entry:
    key: str
    etag: str


class Bucket(Protocol):
    where: str

    def check(self) -> None: ...
    def head(self, key: str) -> str | None: ...
    def listing(self, prefix: str) -> list[Entry]: ...
    def put(self, path: Path, key: str) -> None: ...
    def get(self, key: str, path: Path) -> None: ...


def endpoint_url() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


class _S3:
    def __init__(self, scheme: str, bucket: str) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise ObjectStoreError(
                f"{scheme}:// pipeline roots need boto3:"
                " pip install 'kfp-notebook-runner[s3]' (or boto3)"
            ) from None
        endpoint = endpoint_url()
        if scheme == "minio" and endpoint is None:
            raise ObjectStoreError(
                "minio:// needs the MinIO (or other S3 server) address: set AWS_ENDPOINT_URL_S3,"
                " e.g. AWS_ENDPOINT_URL_S3=http://localhost:9000"
            )
        self.bucket, self.where = bucket, f"{scheme}://{bucket} at {endpoint or 'AWS S3'}"
        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"} if endpoint else {},
        )
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, config=config, region_name=region or "us-east-1"
        )

    def check(self) -> None:
        with self._errors():
            self.client.head_bucket(Bucket=self.bucket)

    def head(self, key: str) -> str | None:
        from botocore.exceptions import ClientError

        with self._errors():
            try:
                return str(self.client.head_object(Bucket=self.bucket, Key=key)["ETag"])
            except ClientError as exc:
                if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise

    def listing(self, prefix: str) -> list[Entry]:
        found: list[Entry] = []
        with self._errors():
            pages = self.client.get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
                found += [Entry(o["Key"], str(o["ETag"])) for o in page.get("Contents", [])]
        return found

    def put(self, path: Path, key: str) -> None:
        with self._errors():
            self.client.upload_file(str(path), self.bucket, key)

    def get(self, key: str, path: Path) -> None:
        with self._errors():
            self.client.download_file(self.bucket, key, str(path))

    def _errors(self) -> Any:
        return _translated(self.where, self.bucket)


class _translated:
    """botocore's exceptions as one ObjectStoreError each, in words."""

    def __init__(self, where: str, bucket: str) -> None:
        self.where, self.bucket = where, bucket

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> Literal[False]:
        if exc is None or isinstance(exc, ObjectStoreError):
            return False
        from botocore import exceptions as be

        if isinstance(exc, (be.EndpointConnectionError, be.ConnectTimeoutError)):
            raise ObjectStoreError(
                f"cannot reach the object store {self.where} ({exc}); start it, or set"
                " AWS_ENDPOINT_URL_S3 to its address"
            ) from None
        if isinstance(exc, (be.NoCredentialsError, be.PartialCredentialsError)):
            raise ObjectStoreError(
                f"no credentials for {self.where}: set AWS_ACCESS_KEY_ID and"
                " AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
            ) from None
        if isinstance(exc, be.ClientError):
            code = _code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise ObjectStoreError(
                    f"bucket {self.bucket!r} does not exist on {self.where}; create it first"
                ) from None
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise ObjectStoreError(
                    f"{self.where} refused the credentials ({code}): check AWS_ACCESS_KEY_ID,"
                    " AWS_SECRET_ACCESS_KEY and the bucket's policy"
                ) from None
            raise ObjectStoreError(f"{self.where} answered {code}: {exc}") from None
        if isinstance(exc, (be.BotoCoreError, OSError)):
            raise ObjectStoreError(f"object store {self.where}: {exc}") from None
        return False


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _GCS:
    def __init__(self, bucket: str) -> None:
        try:
            import gcsfs
        except ImportError:
            raise ObjectStoreError("gs:// pipeline roots need gcsfs: pip install gcsfs") from None
        self.bucket, self.where, self.fs = bucket, f"gs://{bucket}", gcsfs.GCSFileSystem()

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise ObjectStoreError(f"{self.where}: {exc}") from None

    def check(self) -> None:
        try:
            if not self._call(self.fs.exists, self.bucket):
                raise FileNotFoundError
        except FileNotFoundError:
            msg = f"bucket gs://{self.bucket} does not exist or is not readable"
            raise ObjectStoreError(msg) from None

    def head(self, key: str) -> str | None:
        try:
            info = self._call(self.fs.info, f"{self.bucket}/{key}")
        except FileNotFoundError:
            return None
        if info.get("type") == "directory":
            return None
        return str(info.get("etag") or info.get("md5Hash") or info.get("size"))

    def listing(self, prefix: str) -> list[Entry]:
        try:
            found = self._call(self.fs.find, f"{self.bucket}/{prefix}", None, False, True)
        except FileNotFoundError:
            return []
        return [
            Entry(path.removeprefix(f"{self.bucket}/"), str(i.get("etag") or i.get("size")))
            for path, i in found.items()
        ]

    def put(self, path: Path, key: str) -> None:
        self._call(self.fs.put_file, str(path), f"{self.bucket}/{key}")

    def get(self, key: str, path: Path) -> None:
        self._call(self.fs.get_file, f"{self.bucket}/{key}", str(path))


_clients: dict[tuple[str, str, str | None], Bucket] = {}
_clients_lock = threading.Lock()


def client_for(scheme: str, bucket: str) -> Bucket:
    key = (scheme, bucket, endpoint_url())
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            found = _clients[key] = _GCS(bucket) if scheme == "gs" else _S3(scheme, bucket)
        return found
