"""Reading and writing records of an MLMD SQLite store (schema.py) as MLMD does: properties in
the `<Node>Property` tables (a struct as `mlmd-struct::` + base64 of the serialized Struct in
string_value, which is how ml-metadata stores one), times in milliseconds, an event's path in
EventPath, membership in Association (executions) and Attribution (artifacts).

Writes are upserts keyed by `external_id` (executions and artifacts) or by (type, name)
(contexts, as MLMD makes them unique), so re-filling a run updates it in place.
"""

from __future__ import annotations

import base64
import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from kfp_notebook._mlmd.messages import (
    Artifact,
    Context,
    Event,
    Execution,
    Node,
    Value,
    decode_struct,
    encode_struct,
)
from kfp_notebook._mlmd.schema import CONTEXT_TYPE, open_store, transaction

__all__ = ["SqliteMetadata"]

_STRUCT = "mlmd-struct::"
_COLUMNS = "int_value, double_value, string_value, proto_value, bool_value"
N = TypeVar("N", bound=Node)
# table, property table, owner column, extra columns (in the order of the dataclass fields)
_SHAPE: dict[type, tuple[str, str, str, tuple[str, ...]]] = {
    Artifact: ("Artifact", "ArtifactProperty", "artifact_id", ("uri", "state", "name")),
    Execution: ("Execution", "ExecutionProperty", "execution_id", ("last_known_state", "name")),
    Context: ("Context", "ContextProperty", "context_id", ("name",)),
}


def _cells(v: Value) -> tuple[Any, ...]:
    if v.kind == "struct":
        text = _STRUCT + base64.b64encode(encode_struct(v.value)).decode()
        return (None, None, text, None, None)
    index = {"int": 0, "double": 1, "string": 2, "proto": 3, "bool": 4}[v.kind]
    return tuple(v.value if i == index else None for i in range(5))


def _value(row: sqlite3.Row) -> Value:
    if row["string_value"] is not None:
        text = str(row["string_value"])
        if text.startswith(_STRUCT):
            return Value("struct", decode_struct(base64.b64decode(text[len(_STRUCT) :])))
        return Value("string", text)
    if row["double_value"] is not None:
        return Value("double", float(row["double_value"]))
    if row["bool_value"] is not None:
        return Value("bool", bool(row["bool_value"]))
    if row["proto_value"] is not None:
        return Value("proto", bytes(row["proto_value"]))
    return Value("int", int(row["int_value"] or 0))


def _parts(ids: list[int], size: int = 500) -> list[tuple[int, ...]]:
    """Distinct ids in groups small enough for one SQL statement's variables."""
    unique = sorted(set(ids))
    return [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]


class SqliteMetadata:
    """One store file; safe to share between threads (one connection behind a lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_store(path)
        self.db.row_factory = sqlite3.Row
        self.lock = threading.RLock()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Every write inside as one transaction (one fsync for a whole run, not one a row)."""
        with self.lock, transaction(self.db):
            yield

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # ------------------------------------------------------------------ reading
    def _nodes(self, cls: type[N], where: str, args: tuple[Any, ...]) -> list[N]:
        table, props, owner, extra = _SHAPE[cls]
        cols = ", ".join(f"n.{c}" for c in extra)
        sql = (
            f"SELECT n.id, n.type_id, t.name AS type_name, n.external_id, {cols},"
            f" n.create_time_since_epoch, n.last_update_time_since_epoch FROM {table} n"
            f" JOIN Type t ON t.id = n.type_id WHERE {where} ORDER BY n.id"
        )
        with self.lock:
            rows = self.db.execute(sql, args).fetchall()
            out = []
            for r in rows:
                node = cls(
                    id=r["id"], type_id=r["type_id"], type=r["type_name"],
                    external_id=r["external_id"],
                    create_time_since_epoch=r["create_time_since_epoch"],
                    last_update_time_since_epoch=r["last_update_time_since_epoch"],
                    **{c: r[c] for c in extra},
                )  # fmt: skip
                for p in self.db.execute(
                    f"SELECT name, is_custom_property, {_COLUMNS} FROM {props} WHERE {owner} = ?",
                    (r["id"],),
                ):
                    which = node.custom_properties if p["is_custom_property"] else node.properties
                    which[p["name"]] = _value(p)
                out.append(node)
        return out

    def context_by_type_and_name(self, type_name: str, name: str) -> Context | None:
        found = self._nodes(Context, "t.name = ? AND n.name = ?", (type_name, name))
        return found[0] if found else None

    def executions_by_context(self, context_id: int) -> list[Execution]:
        where = "n.id IN (SELECT execution_id FROM Association WHERE context_id = ?)"
        return self._nodes(Execution, where, (context_id,))

    def artifacts_by_context(self, context_id: int) -> list[Artifact]:
        where = "n.id IN (SELECT artifact_id FROM Attribution WHERE context_id = ?)"
        return self._nodes(Artifact, where, (context_id,))

    def artifacts_by_id(self, ids: list[int]) -> list[Artifact]:
        out: list[Artifact] = []
        for part in _parts(ids):
            out += self._nodes(Artifact, f"n.id IN ({', '.join('?' * len(part))})", part)
        return sorted(out, key=lambda a: a.id or 0)

    def events_by_execution_ids(self, ids: list[int]) -> list[Event]:
        with self.lock:
            rows = [
                row
                for part in _parts(ids)
                for row in self.db.execute(
                    f"SELECT * FROM Event WHERE execution_id IN ({', '.join('?' * len(part))})",
                    part,
                ).fetchall()
            ]
            rows.sort(key=lambda r: int(r["id"]))
            out = []
            for r in rows:
                steps = self.db.execute(
                    "SELECT * FROM EventPath WHERE event_id = ? ORDER BY rowid", (r["id"],)
                ).fetchall()
                path: list[int | str] = [
                    int(s["step_index"]) if s["is_index_step"] else str(s["step_key"])
                    for s in steps
                ]
                out.append(Event(r["artifact_id"], r["execution_id"], path, r["type"],
                                 r["milliseconds_since_epoch"]))  # fmt: skip
        return out

    # ------------------------------------------------------------------ writing
    def type_id(self, name: str, kind: int) -> int:
        with self.lock:
            row = self.db.execute(
                "SELECT id FROM Type WHERE name = ? AND type_kind = ? AND version IS NULL",
                (name, kind),
            ).fetchone()
            if row:
                return int(row[0])
            cur = self.db.execute("INSERT INTO Type (name, type_kind) VALUES (?, ?)", (name, kind))
            return int(cur.lastrowid or 0)

    def put(self, node: Node, key: str) -> int:
        """Insert or update `node` (its type_id set), found by `key`: external_id, or name for a
        context. Its properties are replaced by the node's. Returns its id."""
        table, props, owner, extra = _SHAPE[type(node)]
        now = int(time.time() * 1000)
        values = [getattr(node, c) for c in extra]
        with self.lock, transaction(self.db):
            if key == "name":
                found = self.db.execute(
                    f"SELECT id FROM {table} WHERE type_id = ? AND name = ?",
                    (node.type_id, node.name),
                ).fetchone()
            else:
                found = self.db.execute(
                    f"SELECT id FROM {table} WHERE external_id = ?", (node.external_id,)
                ).fetchone()
            if found:
                ident = int(found[0])
                sets = ", ".join(f"{c} = ?" for c in extra)
                self.db.execute(
                    f"UPDATE {table} SET {sets}, last_update_time_since_epoch = ? WHERE id = ?",
                    (*values, now, ident),
                )
                self.db.execute(f"DELETE FROM {props} WHERE {owner} = ?", (ident,))
            else:
                cols = ", ".join(extra)
                marks = ", ".join("?" * (len(extra) + 4))
                cur = self.db.execute(
                    f"INSERT INTO {table} (type_id, external_id, {cols}, create_time_since_epoch,"
                    f" last_update_time_since_epoch) VALUES ({marks})",
                    (node.type_id, node.external_id, *values, now, now),
                )
                ident = int(cur.lastrowid or 0)
            rows = [
                (ident, name, custom, *_cells(v))
                for custom, which in ((0, node.properties), (1, node.custom_properties))
                for name, v in which.items()
            ]
            self.db.executemany(
                f"INSERT INTO {props} ({owner}, name, is_custom_property, {_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return ident

    def put_context(self, type_name: str, context: Context) -> int:
        context.type_id = self.type_id(type_name, CONTEXT_TYPE)
        return self.put(context, "name")

    def link(self, sql_table: str, context_id: int, member: int) -> None:
        """Association (execution) or Attribution (artifact), or ParentContext (child, parent)."""
        cols = {"Association": ("context_id", "execution_id"),
                "Attribution": ("context_id", "artifact_id"),
                "ParentContext": ("context_id", "parent_context_id")}[sql_table]  # fmt: skip
        with self.lock:
            self.db.execute(
                f"INSERT OR IGNORE INTO {sql_table} ({cols[0]}, {cols[1]}) VALUES (?, ?)",
                (context_id, member),
            )

    def put_event(self, event: Event) -> None:
        """An event once (MLMD keeps one per artifact, execution and type) with its path."""
        with self.lock, transaction(self.db):
            cur = self.db.execute(
                "INSERT OR IGNORE INTO Event (artifact_id, execution_id, type,"
                " milliseconds_since_epoch) VALUES (?, ?, ?, ?)",
                (event.artifact_id, event.execution_id, event.type,
                 event.milliseconds_since_epoch or int(time.time() * 1000)),
            )  # fmt: skip
            if cur.rowcount == 1:
                self.db.executemany(
                    "INSERT INTO EventPath (event_id, is_index_step, step_index, step_key)"
                    " VALUES (?, ?, ?, ?)",
                    [(cur.lastrowid, 1, s, None) if isinstance(s, int)
                     else (cur.lastrowid, 0, None, s) for s in event.path],
                )  # fmt: skip
