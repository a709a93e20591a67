"""Decoded-size limits: every layer inflated in bounded steps, unasked encodings refused."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import pytest

from collectors.errors import MalformedResponseError, OversizeResponseError
from collectors.transports.body_limits import encodings, read_bounded

BODY = b"<a>" + b"licence " * 2000 + b"</a>"


async def _chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _zeros_gzip(megabytes: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    return b"".join(comp.compress(block) for _ in range(megabytes)) + comp.flush()


def test_encodings_are_read_in_order_without_identity() -> None:
    assert encodings(["gzip, identity", "x-gzip"]) == ["gzip", "x-gzip"]
    assert encodings([]) == []


@pytest.mark.parametrize(
    ("data", "codings"),
    [
        (BODY, []),
        (gzip.compress(BODY), ["gzip"]),
        (gzip.compress(gzip.compress(BODY)), ["gzip", "gzip"]),
        (zlib.compress(BODY), ["deflate"]),
        (zlib.compress(BODY)[2:-4], ["deflate"]),  # raw deflate, as some servers send it
        (gzip.compress(BODY[:100]) + gzip.compress(BODY[100:]), ["gzip"]),  # two members
    ],
    ids=["identity", "gzip", "gzip-gzip", "deflate", "raw-deflate", "members"],
)
async def test_bodies_within_the_cap_decode(data: bytes, codings: list[str]) -> None:
    assert await read_bounded(_chunks(data), codings, 100_000, "pub") == BODY


@pytest.mark.parametrize("layers", [1, 2])
async def test_a_bomb_is_stopped_at_the_cap_without_inflating_it(layers: int) -> None:
    data = _zeros_gzip(64)
    if layers == 2:
        data = gzip.compress(data)
    tracemalloc.start()
    try:
        with pytest.raises(OversizeResponseError, match="decoded"):
            await read_bounded(_chunks(data, 16384), ["gzip"] * layers, 2_000_000, "pub")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"peak {peak:,} bytes for a 2 MB cap"


@pytest.mark.parametrize(
    ("codings", "words"),
    [(["br"], "'br'"), (["zstd"], "'zstd'"), (["gzip"] * 3, "3 nested")],
)
async def test_encodings_not_asked_for_are_refused(codings: list[str], words: str) -> None:
    with pytest.raises(MalformedResponseError, match=words):
        await read_bounded(_chunks(b"x"), codings, 1000, "pub")


async def test_a_truncated_or_corrupt_stream_is_malformed() -> None:
    with pytest.raises(MalformedResponseError, match="truncated"):
        await read_bounded(_chunks(gzip.compress(BODY)[:-20]), ["gzip"], 100_000, "pub")
    with pytest.raises(MalformedResponseError, match="undecodable"):
        await read_bounded(_chunks(b"\x1f\x8b\x08\x00garbage" * 5), ["gzip"], 100_000, "pub")


async def test_the_wire_size_is_capped_too() -> None:
    with pytest.raises(OversizeResponseError):
        await read_bounded(_chunks(b"x" * 5000), [], 4000, "pub")
