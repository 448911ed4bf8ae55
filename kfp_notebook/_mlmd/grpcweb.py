"""gRPC-Web framing, both ends: the body of a request or response is frames of a 1-byte flag
(0 data, 0x80 trailers) and a 4-byte big-endian length; the trailers frame holds
`grpc-status: N` / `grpc-message: text` lines. `application/grpc-web-text` is the same, base64
(what a browser client may send). A trailers-only error carries grpc-status in the HTTP headers.

`call` posts one unary call with urllib (no dependency beyond the standard library): to the KFP
UI, which proxies `/ml_metadata.*` to MLMD's envoy on a real deployment, or to `kfp-notebook
serve` here.
"""

from __future__ import annotations

import base64
import struct
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

__all__ = ["CONTENT_TYPE", "GrpcError", "call", "frame", "split_frames", "trailers"]

CONTENT_TYPE = "application/grpc-web+proto"
TEXT_TYPE = "application/grpc-web-text"
_TRAILERS = 0x80


class GrpcError(RuntimeError):
    """A call answered with a non-zero grpc-status (or not answered as gRPC-Web at all)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"gRPC status {status}: {message}")
        self.status, self.message = status, message


def frame(payload: bytes, flag: int = 0) -> bytes:
    return struct.pack(">BI", flag, len(payload)) + payload


def trailers(status: int, message: str = "") -> bytes:
    text = f"grpc-status:{status}\r\ngrpc-message:{urllib.parse.quote(message, safe=' ')}\r\n"
    return frame(text.encode(), _TRAILERS)


def split_frames(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    """The data frames' payloads and the trailers (lower-cased names)."""
    messages: list[bytes] = []
    found: dict[str, str] = {}
    pos = 0
    while pos + 5 <= len(body):
        flag, length = struct.unpack(">BI", body[pos : pos + 5])
        payload = body[pos + 5 : pos + 5 + length]
        if len(payload) != length:
            raise GrpcError(13, "truncated gRPC-Web frame")
        pos += 5 + length
        if flag & _TRAILERS:
            for line in payload.decode("utf-8", "replace").split("\r\n"):
                name, sep, value = line.partition(":")
                if sep:
                    found[name.strip().lower()] = value.strip()
        else:
            messages.append(payload)
    if pos != len(body):
        raise GrpcError(13, "trailing bytes after the last gRPC-Web frame")
    return messages, found


def call(
    base_url: str,
    service: str,
    method: str,
    request: bytes,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> bytes:
    """One unary call to `<base_url>/<service>/<method>`: the response message's bytes."""
    url = f"{base_url.rstrip('/')}/{service}/{method}"
    sent = {"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE, "X-Grpc-Web": "1",
            "X-User-Agent": "grpc-web-python/kfp-notebook", **(headers or {})}  # fmt: skip
    req = urllib.request.Request(url, data=frame(request), headers=sent, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body, head = resp.read(), resp.headers
            kind = head.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        text = exc.read()[:300].decode("utf-8", "replace")
        raise GrpcError(_http_status(exc.code), f"HTTP {exc.code} from {url}: {text}") from exc
    if kind.startswith(TEXT_TYPE):
        body = base64.b64decode(body)
    elif not kind.startswith("application/grpc-web"):
        raise GrpcError(13, f"{url} did not answer gRPC-Web (Content-Type {kind!r})")
    messages, found = split_frames(body)
    status = found.get("grpc-status", head.get("grpc-status", "0"))
    if status != "0":
        note = found.get("grpc-message", head.get("grpc-message", ""))
        raise GrpcError(int(status), urllib.parse.unquote(note))
    return messages[0] if messages else b""


def _http_status(code: int) -> int:
    """gRPC's mapping of an HTTP status without grpc-status (UNAUTHENTICATED, NOT_FOUND...)."""
    return {400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14}.get(code, 2)
