"""The protobuf wire format, as far as MLMD's messages need it: varints (int64, enums, bools),
64-bit fixed (double), length-delimited (strings, bytes, sub-messages, packed repeated varints).

A message is read into `Fields` (field number -> the raw values in the order they came) and
written from `(number, value)` pairs. Unknown fields are kept out of the way: a reader asks only
for the numbers it knows, as protobuf does.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Fields", "WireError", "decode", "enc_bytes", "enc_double", "enc_msg", "enc_varint"]

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_MASK64 = (1 << 64) - 1


class WireError(ValueError):
    """Bytes that are not a protobuf message of the expected shape."""


def varint(value: int) -> bytes:
    value &= _MASK64  # negative int64s take ten bytes, as protobuf writes them
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise WireError("truncated or overlong varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _key(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def enc_varint(number: int, value: int | bool) -> bytes:
    return _key(number, VARINT) + varint(int(value))


def enc_double(number: int, value: float) -> bytes:
    return _key(number, FIXED64) + struct.pack("<d", value)


def enc_bytes(number: int, value: bytes | str) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return _key(number, LENGTH) + varint(len(raw)) + raw


def enc_msg(number: int, parts: Iterable[bytes]) -> bytes:
    """A sub-message field from its already encoded fields (present even when empty)."""
    return enc_bytes(number, b"".join(parts))


@dataclass
class Fields:
    """One decoded message: the raw values of each field number."""

    values: dict[int, list[int | bytes]] = field(default_factory=dict)

    def has(self, number: int) -> bool:
        return number in self.values

    def ints(self, number: int) -> list[int]:
        """A repeated int64 (packed or not), signed as int64."""
        out: list[int] = []
        for raw in self.values.get(number, []):
            if isinstance(raw, bytes):  # packed
                pos = 0
                while pos < len(raw):
                    value, pos = _read_varint(raw, pos)
                    out.append(_signed(value))
            else:
                out.append(_signed(raw))
        return out

    def int64(self, number: int, default: int | None = None) -> int | None:
        found = self.ints(number)
        return found[-1] if found else default  # the last one wins, as in protobuf

    def blobs(self, number: int) -> list[bytes]:
        out = []
        for raw in self.values.get(number, []):
            if not isinstance(raw, bytes):
                raise WireError(f"field {number} is not length-delimited")
            out.append(raw)
        return out

    def text(self, number: int, default: str | None = None) -> str | None:
        found = self.blobs(number)
        return found[-1].decode("utf-8") if found else default

    def double(self, number: int) -> float | None:
        found = self.values.get(number)
        if not found:
            return None
        raw = found[-1]
        if not isinstance(raw, bytes) or len(raw) != 8:
            raise WireError(f"field {number} is not a double")
        return float(struct.unpack("<d", raw)[0])

    def messages(self, number: int) -> list[Fields]:
        return [decode(b) for b in self.blobs(number)]


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def decode(data: bytes) -> Fields:
    """The fields of one message (fixed64 values stay 8 raw bytes; fixed32 4)."""
    out = Fields()
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == VARINT:
            value, pos = _read_varint(data, pos)
        elif wire_type == FIXED64:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire_type == FIXED32:
            value, pos = data[pos : pos + 4], pos + 4
        elif wire_type == LENGTH:
            length, pos = _read_varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        else:
            raise WireError(f"unsupported wire type {wire_type}")
        if pos > len(data) or number == 0:
            raise WireError("truncated message")
        out.values.setdefault(number, []).append(value)
    return out
