"""Reading an HTTP body under a cap on its *decoded* size, however it is encoded.

licdash asks for ``Accept-Encoding: identity``. A publisher (or a proxy in front of it)
may compress anyway; a body of a few kilobytes on the wire can then inflate to
gigabytes (``Content-Encoding: gzip, gzip`` nests the bomb). httpx decodes a whole
chunk before a caller can count it, so the body is read raw here and every layer is
inflated incrementally with :meth:`zlib.Decompress.decompress` and ``max_length``:
no step produces more than :data:`STEP` bytes, and the decoded total is counted as it
grows. Peak memory stays near the cap whatever the ratio or the number of layers.

Only gzip and deflate are understood, at most :data:`MAX_LAYERS` of them; any other
coding (br, zstd, compress, unknown words) is refused as a malformed answer.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Final

from collectors.errors import MalformedResponseError, OversizeResponseError

STEP: Final = 64 * 1024
"""The most any one inflate step may produce."""
MAX_LAYERS: Final = 2
"""Nested encodings accepted (we asked for none; two covers a server plus a proxy)."""
_GZIP: Final = ("gzip", "x-gzip")
_DEFLATE: Final = ("deflate",)


def encodings(header_values: list[str]) -> list[str]:
    """``Content-Encoding`` values as a list of codings, in the order they were applied."""
    out: list[str] = []
    for value in header_values:
        for part in value.split(","):
            word = part.strip().lower()
            if word and word != "identity":
                out.append(word)
    return out


class _Layer:
    """One gzip or deflate layer, inflated in bounded steps."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._gzip = coding in _GZIP
        self._first = True
        self._d = self._new()

    def _new(self, raw: bool = False) -> zlib._Decompress:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            if self._d.eof:
                rest = self._d.unused_data + data
                if not rest.strip(b"\x00"):
                    return  # nothing more, or padding after the last member
                if not self._gzip:
                    raise zlib.error("data after the end of a deflate stream")
                self._d = self._new()  # gzip allows concatenated members
                data = rest
            try:
                out = self._d.decompress(data, STEP)
            except zlib.error:
                if self._first and not self._gzip:  # "deflate" sent as raw deflate
                    self._first = False
                    self._d = self._new(raw=True)
                    continue
                raise
            self._first = False
            data = self._d.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < STEP and not (self._d.eof and self._d.unused_data):
                return

    def finish(self) -> Iterator[bytes]:
        yield from self.feed(b"")
        if not self._d.eof:
            raise zlib.error(f"the {self._coding} stream is truncated")


class BoundedBody:
    """Decodes the raw chunks of one body, raising as soon as the decoded size passes
    ``limit``."""

    def __init__(self, codings: list[str], limit: int, where: str) -> None:
        self._where = where
        self._limit = limit
        self.size = 0
        if len(codings) > MAX_LAYERS:
            raise MalformedResponseError(
                f"{where} sent {len(codings)} nested content encodings"
                f" ({', '.join(codings)}); licdash asked for none"
            )
        unknown = [c for c in codings if c not in _GZIP + _DEFLATE]
        if unknown:
            raise MalformedResponseError(
                f"{where} sent a body in content encoding {unknown[0]!r}, which licdash"
                " did not ask for (it asks for identity)"
            )
        # Applied in header order, so undone in reverse.
        self._layers = [_Layer(c) for c in reversed(codings)]
        self._chunks: list[bytes] = []

    def _through(self, index: int, data: bytes, final: bool) -> None:
        if index == len(self._layers):
            self._take(data)
            return
        layer = self._layers[index]
        for piece in layer.feed(data):
            self._through(index + 1, piece, False)
        if final:
            for piece in layer.finish():
                self._through(index + 1, piece, False)
            self._through(index + 1, b"", True)

    def _take(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self._limit:
            raise OversizeResponseError(
                f"{self._where} sent more than {self._limit:,} bytes (decoded);"
                " the answer was cut off"
            )
        self._chunks.append(data)

    def feed(self, raw: bytes) -> None:
        try:
            self._through(0, raw, False)
        except zlib.error as exc:
            raise MalformedResponseError(
                f"{self._where} sent an undecodable compressed body ({exc})"
            ) from None

    def finish(self) -> bytes:
        try:
            self._through(0, b"", True)
        except zlib.error as exc:
            raise MalformedResponseError(
                f"{self._where} sent an undecodable compressed body ({exc})"
            ) from None
        body = b"".join(self._chunks)
        self._chunks = []
        return body


async def read_bounded(
    chunks: AsyncIterator[bytes], codings: list[str], limit: int, where: str
) -> bytes:
    """The decoded body of ``chunks`` (raw, as sent), at most ``limit`` bytes of it.

    The raw bytes are capped too: an uncompressed body over the cap fails on the wire.
    """
    body = BoundedBody(codings, limit, where)
    wire = 0
    async for chunk in chunks:
        wire += len(chunk)
        if wire > limit:
            raise OversizeResponseError(
                f"{where} sent more than {limit:,} bytes; the answer was cut off"
            )
        body.feed(chunk)
    return body.finish()
