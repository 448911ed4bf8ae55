"""Pure converters from our records (run store + API registry) to KFP v2beta1 JSON, with the
backend's field names (backend/api/v2beta1/*.proto, `json_name` = the proto field name), and the
list helpers: the JSON `filter` (predicates), `sort_by` ("field [desc]") and `page_token`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from kfp_notebook._kfp_api.tasks import rfc3339, task_details
from kfp_notebook._kfp_api.validate import predicates
from kfp_notebook._model.states import RunState
from kfp_notebook._store.records import RunRecord, TaskRecord

__all__ = [
    "RUN_STATES",
    "ListQuery",
    "experiment_json",
    "pipeline_json",
    "run_json",
    "run_state",
    "version_json",
]

RUN_STATES = {
    RunState.RUNNING: "RUNNING",
    RunState.SUCCEEDED: "SUCCEEDED",
    RunState.FAILED: "FAILED",
    RunState.CANCELLED: "CANCELED",
    RunState.INTERRUPTED: "FAILED",
}


def run_state(entry: dict[str, Any], record: RunRecord | None, canceling: bool) -> str:
    """The v2beta1 RuntimeState of a run: PENDING until its process records it."""
    if record is None:
        return "FAILED" if entry.get("error") else "PENDING"
    if canceling and not record.status.terminal:
        return "CANCELING"
    return RUN_STATES[record.status]


def run_json(
    entry: dict[str, Any],
    record: RunRecord | None,
    tasks: list[TaskRecord] | None,
    canceling: bool = False,
    extras: bool = True,
) -> dict[str, Any]:
    """A `Run` message; `tasks` None leaves out run_details (the list call sends them too);
    `extras=False`: task details exactly as the backend's (`tasks.task_details`)."""
    state = run_state(entry, record, canceling)
    message = entry.get("error") or (record.message if record else "")
    out: dict[str, Any] = {
        "run_id": entry["run_id"],
        "experiment_id": entry["experiment_id"],
        "display_name": entry["display_name"],
        "description": entry["description"],
        "storage_state": entry["storage_state"],
        "service_account": entry["service_account"],
        "runtime_config": entry["runtime_config"],
        "created_at": rfc3339(entry["created"]),
        "scheduled_at": rfc3339(entry["created"]),
        "finished_at": rfc3339(record.finished if record else None),
        "state": state,
        "state_history": [{"update_time": rfc3339(entry["created"]), "state": "PENDING"}],
    }
    if entry["pipeline_version_id"]:
        out["pipeline_version_reference"] = {
            "pipeline_id": entry["pipeline_id"],
            "pipeline_version_id": entry["pipeline_version_id"],
        }
    if record is not None:
        started = {"update_time": rfc3339(record.created), "state": "RUNNING"}
        out["state_history"].append(started)
        if record.status.terminal:
            out["state_history"].append({"update_time": rfc3339(record.finished), "state": state})
    if message and state in ("FAILED", "CANCELED"):
        out["error"] = {"code": 2 if state == "FAILED" else 1, "message": message, "details": []}
    if tasks is not None and record is not None:
        out["run_details"] = {
            "pipeline_context_id": "0",
            "pipeline_run_context_id": "0",
            "task_details": task_details(record, tasks, extras),
        }
    return out


def experiment_json(e: dict[str, Any], last_run: float | None = None) -> dict[str, Any]:
    return {
        "experiment_id": e["experiment_id"],
        "display_name": e["display_name"],
        "description": e["description"],
        "created_at": rfc3339(e["created"]),
        "namespace": e["namespace"],
        "storage_state": e["storage_state"],
        "last_run_created_at": rfc3339(last_run),
    }


def pipeline_json(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "pipeline_id": p["pipeline_id"],
        "display_name": p["display_name"],
        "description": p["description"],
        "created_at": rfc3339(p["created"]),
        "namespace": p["namespace"],
    }


def version_json(v: dict[str, Any], spec: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {
        "pipeline_id": v["pipeline_id"],
        "pipeline_version_id": v["pipeline_version_id"],
        "display_name": v["display_name"],
        "description": v["description"],
        "created_at": rfc3339(v["created"]),
    }
    if spec is not None:
        out["pipeline_spec"] = spec
    return out


# A page as the backend sizes it (backend/src/apiserver/list/list.go `validatePageSize`): 20
# when none is asked, never more than 200 (a client that wants more follows next_page_token).
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 200


class ListQuery:
    """`filter`, `sort_by`, `page_size` and `page_token` of a List call, applied to JSON rows
    (the already converted messages, so filters use the API's field names)."""

    def __init__(self, args: dict[str, str]) -> None:
        size = int(args.get("page_size") or 0)
        token = args.get("page_token") or ""
        self.offset = int(base64.b64decode(token, altchars=b"-_", validate=True)) if token else 0
        if size < 0 or self.offset < 0:
            raise ValueError("page_size and page_token must not be negative")
        self.size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        sort_by = args.get("sort_by") or ""
        sort = sort_by.lower().split() or ["created_at"]
        if len(sort) > 2 or sort[1:] not in ([], ["asc"], ["desc"]):
            raise ValueError(
                f"Received invalid sort by format {sort_by!r}. Supported format: "
                '"field_name", "field_name desc", or "field_name asc"'
            )
        self.sort_key, self.descending = sort[0], sort[1:] == ["desc"]
        raw = args.get("filter")
        parsed = json.loads(raw) if raw else {}
        if not isinstance(parsed, dict):
            raise ValueError("filter must be a JSON object with predicates")
        self.predicates = predicates(parsed)

    def keep(self, row: dict[str, Any]) -> bool:
        return all(_matches(row, p) for p in self.predicates)

    def apply(self, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, str]:
        kept = [r for r in rows if self.keep(r)]
        key = _sort_field(self.sort_key, kept)
        kept.sort(key=lambda r: str(r.get(key, "")), reverse=self.descending)
        page = kept[self.offset : self.offset + self.size]
        end = self.offset + self.size
        token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(kept) else ""
        return page, len(kept), token


def _sort_field(name: str, rows: list[dict[str, Any]]) -> str:
    """The field `sort_by` names, with the backend's aliases (`name` for display_name, `id`
    for the message's own id); a field no row has is refused, as the backend refuses it."""
    if name == "name":
        name = "display_name"
    if name == "id":
        ids = ("run_id", "pipeline_version_id", "pipeline_id", "experiment_id")
        name = next((k for k in ids if rows and k in rows[0]), name)
    if rows and not any(name in r for r in rows):
        raise ValueError(f"Invalid sorting field: {name!r}")
    return name


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQUALS": lambda a, b: a == b,
    "NOT_EQUALS": lambda a, b: a != b,
    "GREATER_THAN": lambda a, b: a > b,
    "GREATER_THAN_EQUALS": lambda a, b: a >= b,
    "LESS_THAN": lambda a, b: a < b,
    "LESS_THAN_EQUALS": lambda a, b: a <= b,
    "IS_SUBSTRING": lambda a, b: str(b) in str(a),
}
_NUMBER_OPS: dict[int, str] = {  # the proto's enum numbers (backend/api/v2beta1/filter.proto)
    1: "EQUALS", 2: "NOT_EQUALS", 3: "GREATER_THAN", 5: "GREATER_THAN_EQUALS",
    6: "LESS_THAN", 7: "LESS_THAN_EQUALS", 8: "IN", 9: "IS_SUBSTRING",
}  # fmt: skip


def _matches(row: dict[str, Any], predicate: dict[str, Any]) -> bool:
    op = predicate.get("operation", "EQUALS")
    op = _NUMBER_OPS.get(op, op) if isinstance(op, int) else str(op)
    key = predicate.get("key", "")
    if key in ("name", "run_name"):
        key = "display_name"
    value: Any = None
    for field in ("string_value", "stringValue", "int_value", "intValue", "long_value",
                  "longValue", "timestamp_value", "timestampValue"):  # fmt: skip
        if field in predicate:
            value = predicate[field]
            break
    if op == "IN":
        values = predicate.get("string_values") or predicate.get("stringValues") or {}
        return row.get(key) in values.get("values", [])
    check = _OPS.get(op)
    return check is not None and check(row.get(key), value)
