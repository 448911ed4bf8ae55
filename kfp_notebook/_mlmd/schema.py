"""An MLMD SQLite store in MLMD's own schema, version 10 (ml_metadata/util/
metadata_source_query_config.cc since ml-metadata 1.11, so also the ml_metadata_store_server
1.14.0 that KFP's manifests deploy; the tables and columns checked against a fresh store made by
ml-metadata 1.17.1), so that the real library (`MetadataStore(sqlite config)`) opens it.

`open_store` makes the tables and the library's nine simple types (mlmd.Dataset ... mlmd.Deploy,
as the library inserts them) in a new file, or opens one already there (written by us or by the
library) after checking its schema version.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["SCHEMA_VERSION", "SchemaError", "open_store", "transaction"]

SCHEMA_VERSION = 10
ARTIFACT_TYPE, EXECUTION_TYPE, CONTEXT_TYPE = 1, 0, 2  # Type.type_kind

_PROPS = (
    "`{owner}` INT NOT NULL, `name` VARCHAR(255) NOT NULL,"
    " `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE,"
    " `string_value` TEXT, `byte_value` BLOB, `proto_value` BLOB, `bool_value` BOOLEAN,"
    " PRIMARY KEY (`{owner}`, `name`, `is_custom_property`)"
)
_TIMES = (
    "`create_time_since_epoch` INT NOT NULL DEFAULT 0,"
    " `last_update_time_since_epoch` INT NOT NULL DEFAULT 0"
)
_ID = "`id` INTEGER PRIMARY KEY AUTOINCREMENT"
_TABLES = {
    "Type": f"{_ID}, `name` VARCHAR(255) NOT NULL, `version` VARCHAR(255),"
    " `type_kind` TINYINT(1) NOT NULL, `description` TEXT, `input_type` TEXT, `output_type` TEXT,"
    " `external_id` VARCHAR(255) UNIQUE",
    "TypeProperty": "`type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `data_type` INT NULL,"
    " PRIMARY KEY (`type_id`, `name`)",
    "ParentType": "`type_id` INT NOT NULL, `parent_type_id` INT NOT NULL,"
    " PRIMARY KEY (`type_id`, `parent_type_id`)",
    "Artifact": f"{_ID}, `type_id` INT NOT NULL, `uri` TEXT, `state` INT, `name` VARCHAR(255),"
    f" `external_id` VARCHAR(255) UNIQUE, {_TIMES}, UNIQUE(`type_id`, `name`)",
    "ArtifactProperty": _PROPS.format(owner="artifact_id"),
    "Execution": f"{_ID}, `type_id` INT NOT NULL, `last_known_state` INT, `name` VARCHAR(255),"
    f" `external_id` VARCHAR(255) UNIQUE, {_TIMES}, UNIQUE(`type_id`, `name`)",
    "ExecutionProperty": _PROPS.format(owner="execution_id"),
    "Event": f"{_ID}, `artifact_id` INT NOT NULL, `execution_id` INT NOT NULL, `type` INT NOT NULL,"
    " `milliseconds_since_epoch` INT, UNIQUE(`artifact_id`, `execution_id`, `type`)",
    "EventPath": "`event_id` INT NOT NULL, `is_index_step` TINYINT(1) NOT NULL,"
    " `step_index` INT, `step_key` TEXT",
    "MLMDEnv": "`schema_version` INTEGER PRIMARY KEY",
    "Context": f"{_ID}, `type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL,"
    f" `external_id` VARCHAR(255) UNIQUE, {_TIMES}, UNIQUE(`type_id`, `name`)",
    "ContextProperty": _PROPS.format(owner="context_id"),
    "ParentContext": "`context_id` INT NOT NULL, `parent_context_id` INT NOT NULL,"
    " PRIMARY KEY (`context_id`, `parent_context_id`)",
    "Association": f"{_ID}, `context_id` INT NOT NULL, `execution_id` INT NOT NULL,"
    " UNIQUE(`context_id`, `execution_id`)",
    "Attribution": f"{_ID}, `context_id` INT NOT NULL, `artifact_id` INT NOT NULL,"
    " UNIQUE(`context_id`, `artifact_id`)",
}
_INDEXES = {
    "artifact_uri": ("Artifact", "uri"),
    "event_execution_id": ("Event", "execution_id"),
    "eventpath_event_id": ("EventPath", "event_id"),
    "parentcontext_parent_context_id": ("ParentContext", "parent_context_id"),
    "type_name": ("Type", "name"),
    **{f"{t.lower()}_{c}": (t, c) for t in ("Artifact", "Execution", "Context")
       for c in ("create_time_since_epoch", "last_update_time_since_epoch", "external_id")},
}  # fmt: skip
_SIMPLE_TYPES = [
    *((name, ARTIFACT_TYPE) for name in ("Dataset", "Model", "Metrics", "Statistics")),
    *((name, EXECUTION_TYPE) for name in ("Train", "Transform", "Process", "Evaluate", "Deploy")),
]


class SchemaError(RuntimeError):
    """A file that is not an MLMD store of the schema version we write."""


def open_store(path: Path) -> sqlite3.Connection:
    """The store at `path`, made when absent (shared between threads: callers hold a lock)."""
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 5000")
    have = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "MLMDEnv" in have:
        versions = [r[0] for r in db.execute("SELECT schema_version FROM MLMDEnv")]
        if versions != [SCHEMA_VERSION]:
            db.close()
            raise SchemaError(f"{path}: MLMD schema version {versions}, not {SCHEMA_VERSION}")
        return db
    if have:
        db.close()
        raise SchemaError(f"{path} holds tables but is not an MLMD store")
    with transaction(db):
        for table, columns in _TABLES.items():
            db.execute(f"CREATE TABLE `{table}` ({columns})")
        for name, (table, column) in _INDEXES.items():
            db.execute(f"CREATE INDEX `idx_{name}` ON `{table}`(`{column}`)")
        db.executemany(
            "INSERT INTO Type (name, type_kind) VALUES (?, ?)",
            [(f"mlmd.{name}", kind) for name, kind in _SIMPLE_TYPES],
        )
        db.execute("INSERT INTO MLMDEnv (schema_version) VALUES (?)", (SCHEMA_VERSION,))
    return db


class transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an error); inside an open one, nothing: the
    outer transaction holds it all."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db, self.owner = db, False

    def __enter__(self) -> sqlite3.Connection:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.owner = True
        return self.db

    def __exit__(self, kind: object, *rest: object) -> None:
        if self.owner:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
