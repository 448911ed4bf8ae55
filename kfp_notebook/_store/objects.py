"""Object-store I/O, kept once: upload a file or folder, download it into a cache under
`$KFP_NOTEBOOK_HOME/object-cache/` checked by ETag, check that a bucket is reachable (the
clients: `buckets.py`). Every failure is one ObjectStoreError saying what to do.

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

from kfp_notebook._store.buckets import Entry, ObjectMissingError, ObjectStoreError, client_for
from kfp_notebook._store.objroot import ObjectRoot, cache_path, split_uri
from kfp_notebook._store.roots import state_home

__all__ = [
    "Fetched",
    "ObjectMissingError",
    "ObjectStoreError",
    "check_bucket",
    "download",
    "exists",
    "upload",
]


@dataclass(frozen=True)
class Fetched:
    path: Path  # the local copy (a file, or a folder for a folder artifact)
    from_cache: bool  # True: the cached copy's ETag matched, nothing was transferred


def check_bucket(root: ObjectRoot) -> None:
    """Raise ObjectStoreError unless `root`'s bucket can be reached (before a run starts)."""
    client_for(root.scheme, root.bucket).check()


def upload(local: Path, uri: str) -> None:
    """Upload a file to `uri`, or a folder as the objects below `uri/`."""
    scheme, bucket, key = split_uri(uri)
    store = client_for(scheme, bucket)
    if local.is_dir():
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            store.put(path, f"{key}/{path.relative_to(local).as_posix()}")
    else:
        store.put(local, key)


def exists(uri: str) -> bool:
    scheme, bucket, key = split_uri(uri)
    store = client_for(scheme, bucket)
    return store.head(key) is not None or bool(store.listing(key + "/"))


def download(uri: str) -> Fetched:
    """The object (or folder) at `uri` as a local copy under the cache, transferred only when
    the cached copy's ETag differs from the store's. ObjectStoreError when it is not there."""
    scheme, bucket, key = split_uri(uri)
    store = client_for(scheme, bucket)
    etag = store.head(key)
    entries: list[Entry] = []
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
