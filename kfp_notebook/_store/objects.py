"""Object-store I/O, kept once: upload a file or folder, download it into a cache checked by
ETag, and check that a bucket is reachable. `s3://` and `minio://` speak the S3 API through
boto3 (endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, credentials from the standard AWS
chain); `gs://` goes through gcsfs where it is installed. Every failure is one ObjectStoreError
saying what to do.

An artifact that is a folder is stored as the objects below `<key>/`, as KFP's launcher uploads
one; a download finds out which it is (the object itself, else the objects below it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from kfp_notebook._errors import KfpNotebookError
from kfp_notebook._store.objroot import ObjectRoot, cache_path, split_uri
from kfp_notebook._store.roots import state_home

__all__ = [
    "Fetched",
    "ObjectMissingError",
    "ObjectStoreError",
    "check_bucket",
    "download",
    "endpoint_url",
    "exists",
    "upload",
]


class ObjectStoreError(KfpNotebookError):
    """The object store cannot be used: no client library, endpoint down, bucket missing,
    credentials refused."""


class ObjectMissingError(ObjectStoreError):
    """The store answers, but the object is not there."""


@dataclass(frozen=True)
class Fetched:
    path: Path  # the local copy (a file, or a folder for a folder artifact)
    from_cache: bool  # True: the cached copy's ETag matched, nothing was transferred


@dataclass(frozen=True)
class _Entry:
    key: str
    etag: str


class _Bucket(Protocol):
    where: str

    def check(self) -> None: ...
    def head(self, key: str) -> str | None: ...
    def listing(self, prefix: str) -> list[_Entry]: ...
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
                f"{scheme}:// pipeline roots need boto3: pip install 'kfp-notebook[s3]'"
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

    def listing(self, prefix: str) -> list[_Entry]:
        found: list[_Entry] = []
        with self._errors():
            pages = self.client.get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
                found += [_Entry(o["Key"], str(o["ETag"])) for o in page.get("Contents", [])]
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

    def listing(self, prefix: str) -> list[_Entry]:
        try:
            found = self._call(self.fs.find, f"{self.bucket}/{prefix}", None, False, True)
        except FileNotFoundError:
            return []
        return [
            _Entry(path.removeprefix(f"{self.bucket}/"), str(i.get("etag") or i.get("size")))
            for path, i in found.items()
        ]

    def put(self, path: Path, key: str) -> None:
        self._call(self.fs.put_file, str(path), f"{self.bucket}/{key}")

    def get(self, key: str, path: Path) -> None:
        self._call(self.fs.get_file, f"{self.bucket}/{key}", str(path))


_clients: dict[tuple[str, str, str | None], _Bucket] = {}
_clients_lock = threading.Lock()


def _bucket(scheme: str, bucket: str) -> _Bucket:
    key = (scheme, bucket, endpoint_url())
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            found = _clients[key] = _GCS(bucket) if scheme == "gs" else _S3(scheme, bucket)
        return found


def check_bucket(root: ObjectRoot) -> None:
    """Raise ObjectStoreError unless `root`'s bucket can be reached (before a run starts)."""
    _bucket(root.scheme, root.bucket).check()


def upload(local: Path, uri: str) -> None:
    """Upload a file to `uri`, or a folder as the objects below `uri/`."""
    scheme, bucket, key = split_uri(uri)
    store = _bucket(scheme, bucket)
    if local.is_dir():
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            store.put(path, f"{key}/{path.relative_to(local).as_posix()}")
    else:
        store.put(local, key)


def exists(uri: str) -> bool:
    scheme, bucket, key = split_uri(uri)
    store = _bucket(scheme, bucket)
    return store.head(key) is not None or bool(store.listing(key + "/"))


def download(uri: str) -> Fetched:
    """The object (or folder) at `uri` as a local copy under the cache, transferred only when
    the cached copy's ETag differs from the store's. ObjectStoreError when it is not there."""
    scheme, bucket, key = split_uri(uri)
    store = _bucket(scheme, bucket)
    etag = store.head(key)
    entries: list[_Entry] = []
    if etag is None:
        entries = store.listing(key + "/")
        if not entries:
            raise ObjectMissingError(f"{uri} is not in the object store (deleted or never written)")
        etag = hashlib.sha256(
            json.dumps(sorted((e.key, e.etag) for e in entries)).encode()
        ).hexdigest()
    target, stamp = cache_path(uri), _stamp_path(uri)
    if target.exists() and _read(stamp) == etag:
        return Fetched(target, True)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        if entries:
            for entry in entries:
                part = temp.joinpath(*entry.key.removeprefix(key + "/").split("/"))
                part.parent.mkdir(parents=True, exist_ok=True)
                store.get(entry.key, part)
        else:
            store.get(key, temp)
        _remove(target)
        os.replace(temp, target)
    finally:
        _remove(temp)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(etag, encoding="utf-8")
    return Fetched(target, False)


def _stamp_path(uri: str) -> Path:
    """The ETag a cached copy was downloaded at, kept apart from the copies themselves."""
    digest = hashlib.sha256(uri.encode()).hexdigest()
    return state_home() / "object-cache" / ".etags" / digest[:2] / digest


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)
