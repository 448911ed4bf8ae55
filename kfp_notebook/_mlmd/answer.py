"""The MetadataStoreService side of a gRPC-Web endpoint, host-neutral: one request message in,
the response message (or a GrpcError) out, answered from an MLMD SQLite store. serve's route
(kfp_notebook/_kfp_api/mlmd.py) frames it.

Paging follows ListOperationOptions as far as a client sees it: without options every record in
one response; with them `max_result_size` records (at most 100, as MLMD bounds it) and a
next_page_token, ordered by id ascending. The token is ours (opaque, as MLMD's is): the last id
sent. A `filter_query`, or an order other than id ascending, is refused (UNIMPLEMENTED) rather
than ignored: a follower sends neither.
"""

from __future__ import annotations

from typing import TypeVar

from kfp_notebook._mlmd.grpcweb import GrpcError
from kfp_notebook._mlmd.messages import Node
from kfp_notebook._mlmd.service import METHODS, ByIds, ByTypeAndName, InContext, Listed
from kfp_notebook._mlmd.sqlstore import SqliteMetadata
from kfp_notebook._mlmd.wire import WireError

__all__ = ["INVALID_ARGUMENT", "UNIMPLEMENTED", "answer"]

INVALID_ARGUMENT, UNIMPLEMENTED = 3, 12
_MAX_PAGE = 100
N = TypeVar("N", bound=Node)


def answer(md: SqliteMetadata, method: str, request: bytes) -> bytes:
    if method not in METHODS:
        raise GrpcError(UNIMPLEMENTED, f"kfp-notebook serves no MetadataStoreService.{method}")
    try:
        return _answer(md, method, request).encode()
    except (WireError, UnicodeDecodeError) as exc:
        raise GrpcError(INVALID_ARGUMENT, f"malformed {method}Request: {exc}") from exc


def _answer(md: SqliteMetadata, method: str, request: bytes) -> Listed:
    if method == "GetContextByTypeAndName":
        q = ByTypeAndName.decode(request)
        if not q.type_name or not q.context_name:
            raise GrpcError(INVALID_ARGUMENT, "type_name and context_name are required")
        found = md.context_by_type_and_name(q.type_name, q.context_name)
        return Listed(contexts=[found] if found else [])
    if method in ("GetArtifactsByID", "GetEventsByExecutionIDs"):
        ids = ByIds.decode(request).ids
        if method == "GetArtifactsByID":
            return Listed(artifacts=md.artifacts_by_id(ids))
        return Listed(events=md.events_by_execution_ids(ids))
    q2 = InContext.decode(request)
    if method == "GetExecutionsByContext":
        executions, token = _page(md.executions_by_context(q2.context_id), q2)
        return Listed(executions=executions, next_page_token=token)
    artifacts, token = _page(md.artifacts_by_context(q2.context_id), q2)
    return Listed(artifacts=artifacts, next_page_token=token)


def _page(records: list[N], q: InContext) -> tuple[list[N], str]:
    if q.unserved:
        raise GrpcError(UNIMPLEMENTED, f"kfp-notebook's MLMD does not apply {q.unserved}")
    if q.page_size is None:
        return records, ""
    if q.page_size <= 0:
        raise GrpcError(INVALID_ARGUMENT, "max_result_size must be positive")
    size = min(q.page_size, _MAX_PAGE)  # MLMD's upper bound, applied silently as it does
    after = 0
    if q.page_token:
        if not q.page_token.startswith("after:") or not q.page_token[6:].isdigit():
            raise GrpcError(INVALID_ARGUMENT, f"invalid next_page_token {q.page_token!r}")
        after = int(q.page_token[6:])
    rest = [r for r in records if (r.id or 0) > after]
    page = rest[:size]
    more = len(rest) > size
    return page, f"after:{page[-1].id}" if more and page else ""
