"""The MetadataStoreService calls a follower needs, as request and response codecs used by both
sides (our client encodes requests and decodes responses; serve's endpoint the other way round).
Field numbers: ml_metadata/proto/metadata_store_service.proto of ml-metadata 1.17 (google/
ml-metadata b37bfad; checked against ml-metadata 1.17.1's generated classes by the tests).

    GetContextByTypeAndName  type_name 1, context_name 2, type_version 3 -> context 1
    GetExecutionsByContext   context_id 1, options 2                    -> executions 1, token 2
    GetArtifactsByContext    context_id 1, options 2                    -> artifacts 1, token 2
    GetArtifactsByID         artifact_ids 1                             -> artifacts 1
    GetEventsByExecutionIDs  execution_ids 1                            -> events 1
    ListOperationOptions     max_result_size 1 (default 20), order_by_field 2 (field 1,
                             is_asc 2), next_page_token 3, filter_query 4
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kfp_notebook._mlmd.messages import Artifact, Context, Event, Execution
from kfp_notebook._mlmd.wire import decode, enc_bytes, enc_msg, enc_varint

__all__ = [
    "METHODS",
    "SERVICE",
    "ByIds",
    "ByTypeAndName",
    "InContext",
    "Listed",
]

SERVICE = "ml_metadata.MetadataStoreService"
METHODS = (
    "GetContextByTypeAndName",
    "GetExecutionsByContext",
    "GetArtifactsByContext",
    "GetArtifactsByID",
    "GetEventsByExecutionIDs",
)


@dataclass
class ByTypeAndName:
    type_name: str
    context_name: str

    def encode(self) -> bytes:
        return enc_bytes(1, self.type_name) + enc_bytes(2, self.context_name)

    @classmethod
    def decode(cls, data: bytes) -> ByTypeAndName:
        f = decode(data)
        return cls(f.text(1, "") or "", f.text(2, "") or "")


@dataclass
class InContext:
    """GetExecutionsByContext / GetArtifactsByContext; `page_size` None sends no options
    (MLMD then answers everything in one response)."""

    context_id: int
    page_size: int | None = None
    page_token: str = ""
    # what the options ask that serve does not do: a filter_query (4), or an order_by_field (2)
    # other than MLMD's default, id ascending (field 1 = ID 3, is_asc 2 = true)
    unserved: str = ""

    def encode(self) -> bytes:
        out = enc_varint(1, self.context_id)
        if self.page_size is not None or self.page_token:
            options = [enc_varint(1, self.page_size or 20)]
            if self.page_token:
                options.append(enc_bytes(3, self.page_token))
            out += enc_msg(2, options)
        return out

    @classmethod
    def decode(cls, data: bytes) -> InContext:
        f = decode(data)
        options = f.messages(2)
        if not options:
            return cls(f.int64(1, 0) or 0)
        o = options[-1]
        unserved = "filter_query" if o.text(4) else ""
        for order in o.messages(2):
            if order.int64(1, 3) not in (0, 3) or not order.int64(2, 1):
                unserved = "order_by_field other than id ascending"
        return cls(f.int64(1, 0) or 0, o.int64(1, 20), o.text(3, "") or "", unserved)


@dataclass
class ByIds:
    """GetArtifactsByID (artifact_ids) / GetEventsByExecutionIDs (execution_ids): field 1."""

    ids: list[int]

    def encode(self) -> bytes:
        return b"".join(enc_varint(1, i) for i in self.ids)

    @classmethod
    def decode(cls, data: bytes) -> ByIds:
        return cls(decode(data).ints(1))


@dataclass
class Listed:
    """Any of the responses: its records (field 1) and next_page_token (field 2)."""

    contexts: list[Context] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    next_page_token: str = ""

    def encode(self) -> bytes:
        records: list[Context | Execution | Artifact | Event] = [
            *self.contexts,
            *self.executions,
            *self.artifacts,
            *self.events,
        ]
        out = b"".join(enc_bytes(1, r.encode()) for r in records)
        return out + (enc_bytes(2, self.next_page_token) if self.next_page_token else b"")

    @classmethod
    def decode(cls, method: str, data: bytes) -> Listed:
        f = decode(data)
        blobs = f.blobs(1)
        paged = method in ("GetExecutionsByContext", "GetArtifactsByContext")
        token = (f.text(2, "") or "") if paged else ""  # GetArtifactsByID's 2: artifact_types
        if method == "GetContextByTypeAndName":
            return cls(contexts=[Context.decode(b) for b in blobs])
        if method == "GetExecutionsByContext":
            return cls(executions=[Execution.decode(b) for b in blobs], next_page_token=token)
        if method in ("GetArtifactsByContext", "GetArtifactsByID"):
            return cls(artifacts=[Artifact.decode(b) for b in blobs], next_page_token=token)
        return cls(events=[Event.decode(b) for b in blobs])
