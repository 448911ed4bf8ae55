"""MLMD's records (Value, Artifact, Execution, Context, Event) as dataclasses, with their
protobuf encoding. Field numbers are those of ml_metadata/proto/metadata_store.proto of
ml-metadata 1.17 (google/ml-metadata b37bfad, version 1.17.0.dev; checked against the generated
classes of ml-metadata 1.17.1 from PyPI by tests/test_mlmd.py); `google.protobuf.Struct` as in
struct.proto.

A `Value` holds the Python form of its oneof: int, float, str, bool, a JSON-like value for
`struct_value`, or the raw bytes of a `google.protobuf.Any` for `proto_value`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from kfp_notebook._mlmd.wire import Fields, decode, enc_bytes, enc_double, enc_msg
from kfp_notebook._mlmd.wire import enc_varint as enc_int

__all__ = [
    "Artifact",
    "Context",
    "Event",
    "Execution",
    "Node",
    "Value",
    "decode_struct",
    "encode_struct",
]

Kind = Literal["int", "double", "string", "struct", "proto", "bool"]
_VALUE_FIELDS: dict[Kind, int] = {
    "int": 1, "double": 2, "string": 3, "struct": 4, "proto": 5, "bool": 6,
}  # fmt: skip


@dataclass(frozen=True)
class Value:
    kind: Kind
    value: Any

    def encode(self) -> bytes:
        number = _VALUE_FIELDS[self.kind]
        if self.kind in ("int", "bool"):
            return enc_int(number, self.value)
        if self.kind == "double":
            return enc_double(number, self.value)
        if self.kind == "string":
            return enc_bytes(number, self.value)
        if self.kind == "struct":
            return enc_bytes(number, encode_struct(self.value))
        return enc_bytes(number, self.value)  # proto: the Any's bytes

    @classmethod
    def decode(cls, f: Fields) -> Value:
        if f.has(2):
            return cls("double", f.double(2))
        if f.has(3):
            return cls("string", f.text(3))
        if f.has(4):
            return cls("struct", decode_struct(f.blobs(4)[-1]))
        if f.has(5):
            return cls("proto", f.blobs(5)[-1])
        if f.has(6):
            return cls("bool", bool(f.int64(6)))
        return cls("int", f.int64(1, 0))


def encode_struct(obj: dict[str, Any]) -> bytes:
    """A google.protobuf.Struct: `fields` (1) is a map<string, Value>."""
    return b"".join(_map_entry(1, k, _struct_value(v)) for k, v in obj.items())


def _struct_value(v: Any) -> bytes:
    # google.protobuf.Value: null 1, number 2, string 3, bool 4, struct 5, list 6
    if v is None:
        return enc_int(1, 0)
    if isinstance(v, bool):
        return enc_int(4, v)
    if isinstance(v, (int, float)):
        return enc_double(2, float(v))
    if isinstance(v, str):
        return enc_bytes(3, v)
    if isinstance(v, dict):
        return enc_bytes(5, encode_struct(v))
    if isinstance(v, (list, tuple)):
        return enc_msg(6, [enc_bytes(1, _struct_value(x)) for x in v])
    return enc_bytes(3, str(v))


def decode_struct(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in decode(data).messages(1):
        out[entry.text(1, "") or ""] = _plain(decode(entry.blobs(2)[-1]) if entry.has(2) else None)
    return out


def _plain(f: Fields | None) -> Any:
    if f is None or f.has(1):
        return None
    if f.has(2):
        return f.double(2)  # a Struct number is a double: 3 comes back as 3.0
    if f.has(3):
        return f.text(3)
    if f.has(4):
        return bool(f.int64(4))
    if f.has(5):
        return decode_struct(f.blobs(5)[-1])
    if f.has(6):
        return [_plain(x) for x in decode(f.blobs(6)[-1]).messages(1)]
    return None


def _map_entry(number: int, key: str, value: bytes) -> bytes:
    return enc_msg(number, [enc_bytes(1, key), enc_bytes(2, value)])


def _props(number: int, props: dict[str, Value]) -> Iterator[bytes]:
    for key, value in props.items():
        yield _map_entry(number, key, value.encode())


def _read_props(f: Fields, number: int) -> dict[str, Value]:
    out = {}
    for entry in f.messages(number):
        inner = decode(entry.blobs(2)[-1]) if entry.has(2) else Fields()
        out[entry.text(1, "") or ""] = Value.decode(inner)
    return out


def _opt(parts: list[bytes], number: int, value: Any, enc: Any) -> None:
    if value is not None:
        parts.append(enc(number, value))


@dataclass
class Node:
    """What Artifact, Execution and Context share; `NUMBERS` names their field numbers."""

    id: int | None = None
    name: str | None = None
    type_id: int | None = None
    type: str | None = None
    external_id: str | None = None
    properties: dict[str, Value] = field(default_factory=dict)
    custom_properties: dict[str, Value] = field(default_factory=dict)
    create_time_since_epoch: int | None = None
    last_update_time_since_epoch: int | None = None

    NUMBERS: ClassVar[dict[str, int]] = {}  # id, name, type_id, type, external_id, created, updated

    def _common(self) -> list[bytes]:
        n = self.NUMBERS
        parts: list[bytes] = []
        _opt(parts, n["id"], self.id, enc_int)
        _opt(parts, n["type_id"], self.type_id, enc_int)
        _opt(parts, n["name"], self.name, enc_bytes)
        _opt(parts, n["type"], self.type, enc_bytes)
        _opt(parts, n["external_id"], self.external_id, enc_bytes)
        parts.extend(_props(4, self.properties))
        parts.extend(_props(5, self.custom_properties))
        _opt(parts, n["created"], self.create_time_since_epoch, enc_int)
        _opt(parts, n["updated"], self.last_update_time_since_epoch, enc_int)
        return parts

    @classmethod
    def _common_args(cls, f: Fields) -> dict[str, Any]:
        n = cls.NUMBERS
        return {
            "id": f.int64(n["id"]), "name": f.text(n["name"]), "type_id": f.int64(n["type_id"]),
            "type": f.text(n["type"]), "external_id": f.text(n["external_id"]),
            "properties": _read_props(f, 4), "custom_properties": _read_props(f, 5),
            "create_time_since_epoch": f.int64(n["created"]),
            "last_update_time_since_epoch": f.int64(n["updated"]),
        }  # fmt: skip


def _numbers(**n: int) -> dict[str, int]:
    return n


@dataclass
class Artifact(Node):
    uri: str | None = None
    state: int | None = None  # Artifact.State: LIVE = 2

    NUMBERS = _numbers(id=1, type_id=2, name=7, type=8, external_id=11, created=9, updated=10)

    def encode(self) -> bytes:
        parts = self._common()
        _opt(parts, 3, self.uri, enc_bytes)
        _opt(parts, 6, self.state, enc_int)
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> Artifact:
        f = decode(data)
        return cls(**cls._common_args(f), uri=f.text(3), state=f.int64(6))


@dataclass
class Execution(Node):
    last_known_state: int | None = None  # Execution.State: RUNNING 2, COMPLETE 3, FAILED 4...

    NUMBERS = _numbers(id=1, type_id=2, name=6, type=7, external_id=10, created=8, updated=9)

    def encode(self) -> bytes:
        parts = self._common()
        _opt(parts, 3, self.last_known_state, enc_int)
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> Execution:
        f = decode(data)
        return cls(**cls._common_args(f), last_known_state=f.int64(3))


@dataclass
class Context(Node):
    NUMBERS = _numbers(id=1, type_id=2, name=3, type=6, external_id=9, created=7, updated=8)

    def encode(self) -> bytes:
        return b"".join(self._common())

    @classmethod
    def decode(cls, data: bytes) -> Context:
        return cls(**cls._common_args(decode(data)))


@dataclass
class Event:
    artifact_id: int | None = None
    execution_id: int | None = None
    # Event.Path: steps (1), each a oneof of index (1) or key (2)
    path: list[int | str] = field(default_factory=list)
    type: int | None = None  # Event.Type: INPUT 3, OUTPUT 4
    milliseconds_since_epoch: int | None = None

    def encode(self) -> bytes:
        parts: list[bytes] = []
        _opt(parts, 1, self.artifact_id, enc_int)
        _opt(parts, 2, self.execution_id, enc_int)
        if self.path:
            steps = [
                enc_msg(1, [enc_int(1, s) if isinstance(s, int) else enc_bytes(2, s)])
                for s in self.path
            ]
            parts.append(enc_msg(3, steps))
        _opt(parts, 4, self.type, enc_int)
        _opt(parts, 5, self.milliseconds_since_epoch, enc_int)
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> Event:
        f = decode(data)
        path: list[int | str] = []
        for p in f.messages(3):
            for step in p.messages(1):
                if step.has(2):
                    path.append(step.text(2) or "")
                elif step.has(1):
                    path.append(step.int64(1) or 0)
        return cls(f.int64(1), f.int64(2), path, f.int64(4), f.int64(5))
