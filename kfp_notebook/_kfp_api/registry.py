"""What KFP's API knows and the run store does not: experiments, uploaded pipelines and their
versions, and per run its display name, experiment, pipeline version, runtime config and
storage state. One SQLite file next to the run index (`.kfp-api.sqlite` in the pipeline root),
versioned like it: `_SCHEMA` is version 0 and every later change is appended to `MIGRATIONS`.

Runs themselves (state, tasks, logs, artifacts) stay in the run store; a run is listed here from
the moment the API accepts it, before its process has recorded anything."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kfp_notebook._store.layout import API_INDEX_NAME
from kfp_notebook._store.schema import migrate

__all__ = ["MIGRATIONS", "Registry"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    experiment_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, description TEXT NOT NULL,
    namespace TEXT NOT NULL, created REAL NOT NULL, storage_state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pipelines (
    pipeline_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, description TEXT NOT NULL,
    namespace TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    pipeline_version_id TEXT PRIMARY KEY, pipeline_id TEXT NOT NULL, display_name TEXT NOT NULL,
    description TEXT NOT NULL, created REAL NOT NULL, spec TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, description TEXT NOT NULL,
    experiment_id TEXT NOT NULL, pipeline_id TEXT NOT NULL, pipeline_version_id TEXT NOT NULL,
    runtime_config TEXT NOT NULL, service_account TEXT NOT NULL, created REAL NOT NULL,
    storage_state TEXT NOT NULL, error TEXT NOT NULL DEFAULT ''
);
"""

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []

_TABLES = {
    "experiments": "experiment_id",
    "pipelines": "pipeline_id",
    "versions": "pipeline_version_id",
    "runs": "run_id",
}


class Registry:
    """Rows of the four tables as plain dicts (JSON columns decoded). Thread-safe."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            root / API_INDEX_NAME, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        migrate(self._db, _SCHEMA, MIGRATIONS, "KFP API database")
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    def _row(self, row: sqlite3.Row | None) -> dict[str, Any] | None:
        if row is None:
            return None
        out = dict(row)
        for key in ("runtime_config",):
            if key in out:
                out[key] = json.loads(out[key])
        return out

    def insert(self, table: str, **values: Any) -> dict[str, Any]:
        values.setdefault("created", time.time())
        if "runtime_config" in values:
            values["runtime_config"] = json.dumps(values["runtime_config"])
        columns = ",".join(values)
        with self._lock:
            self._db.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({','.join('?' * len(values))})",
                tuple(values.values()),
            )
        row = self.get(table, values[_TABLES[table]])
        assert row is not None
        return row

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT * FROM {table} WHERE {_TABLES[table]}=?", (key,)
            ).fetchone()
        return self._row(row)

    def all(self, table: str, **equal: Any) -> list[dict[str, Any]]:
        where = " AND ".join(f"{k}=?" for k in equal)
        sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "")
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY created, rowid", tuple(equal.values()))
            return [r for r in (self._row(x) for x in rows.fetchall()) if r is not None]

    def update(self, table: str, key: str, **values: Any) -> None:
        sets = ",".join(f"{k}=?" for k in values)
        with self._lock:
            self._db.execute(
                f"UPDATE {table} SET {sets} WHERE {_TABLES[table]}=?", (*values.values(), key)
            )

    def delete(self, table: str, key: str) -> bool:
        with self._lock:
            cur = self._db.execute(f"DELETE FROM {table} WHERE {_TABLES[table]}=?", (key,))
        return cur.rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._db.close()
