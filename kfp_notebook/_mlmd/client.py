"""A minimal MLMD client: the five MetadataStoreService reads a follower needs, over gRPC-Web.

Why our own and not `ml-metadata`: the PyPI package pins protobuf<5 while kfp needs protobuf 6, so
it cannot live in the package's environment; and building message classes at run time from a
FileDescriptorProto (google.protobuf's descriptor_pb2) would need metadata_store.proto's
descriptor shipped or generated, and its imports (struct.proto, any.proto, descriptor.proto
extensions), for five calls. A wire codec for the handful of messages (wire.py, messages.py,
service.py) is smaller and has no build step. gRPC-Web (not native gRPC) because it is plain
HTTP/1.1: the KFP UI proxies `/ml_metadata.*` to MLMD's envoy (frontend/server/app.ts), so the
host and token `kfp.Client` uses reach it from a laptop, as
`<host>/ml_metadata.MetadataStoreService/<Method>`; `kfp-notebook serve` answers the same path.
A native gRPC path (grpcio, to `metadata-grpc-service:8080` inside a cluster) is left out:
grpcio is not a dependency, nor installed here.

    client = MetadataClient("https://kfp.example.com", token)  # kfp.Client's host
    run = client.context_by_type_and_name("system.PipelineRun", run_id)
"""

from __future__ import annotations

from kfp_notebook._mlmd.grpcweb import GrpcError, call
from kfp_notebook._mlmd.messages import Artifact, Context, Event, Execution
from kfp_notebook._mlmd.service import SERVICE, ByIds, ByTypeAndName, InContext, Listed

__all__ = ["GrpcError", "MetadataClient"]

_PAGE = 100  # records a page when paging by context (MLMD's own default is 20)
_MAX_PAGES = 10_000


class MetadataClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        """`base_url` is kfp.Client's host: the KFP UI (or serve); the service's methods sit at
        `<base_url>/ml_metadata.MetadataStoreService/<Method>`."""
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, request: bytes) -> Listed:
        raw = call(self.base_url, SERVICE, method, request, self.headers, self.timeout)
        return Listed.decode(method, raw)

    def context_by_type_and_name(self, type_name: str, name: str) -> Context | None:
        got = self._call("GetContextByTypeAndName", ByTypeAndName(type_name, name).encode())
        return got.contexts[0] if got.contexts else None

    def _paged(self, method: str, context_id: int) -> Listed:
        total, token = Listed(), ""
        for _ in range(_MAX_PAGES):
            page = self._call(method, InContext(context_id, _PAGE, token).encode())
            total.executions += page.executions
            total.artifacts += page.artifacts
            token = page.next_page_token
            if not token:
                return total
        raise GrpcError(11, f"{method}: more than {_MAX_PAGES} pages")

    def executions_by_context(self, context_id: int) -> list[Execution]:
        return self._paged("GetExecutionsByContext", context_id).executions

    def artifacts_by_context(self, context_id: int) -> list[Artifact]:
        return self._paged("GetArtifactsByContext", context_id).artifacts

    def artifacts_by_id(self, ids: list[int]) -> list[Artifact]:
        return self._call("GetArtifactsByID", ByIds(ids).encode()).artifacts if ids else []

    def events_by_execution_ids(self, ids: list[int]) -> list[Event]:
        return self._call("GetEventsByExecutionIDs", ByIds(ids).encode()).events if ids else []
