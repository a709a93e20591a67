"""Which simulated publishers are Unity Connection or Expressway, and what makes them so.

``--products`` takes ``cucm,unity,expressway`` (equal shares) or weights such as
``cucm=0.6,unity=0.2,expressway=0.2``. The split is exact (largest remainder) and the
positions are drawn from the seed, so the demo's head of every licence scenario lands
on every product. Expressway nodes are grouped into clusters of one or two peers that
share a site, a customer and a Smart Account but register (and so fail) on their own.

Versions, drawn from the seed unless given: a share of Unity Connection publishers run
12.0, which has no CUPI Smart Licensing API (404); a share of Expressway nodes run X12.7
and answer only on ``/api/status/...`` (no ``/api/v1``), the path Cisco's prose names.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Final

PRODUCTS: Final = ("cucm", "unity", "expressway")
UNITY_VERSIONS: Final = ("12.0", "12.5", "14.0", "15.0")
UNITY_NO_API: Final = "12.0"
"""Unity Connection 12.0: Smart Licensing, but no CUPI API for it (from 12.5(1))."""
EXPRESSWAY_VERSIONS: Final = ("X12.7", "X14.2", "X15.3")
EXPRESSWAY_NO_V1: Final = frozenset({"X12.7"})
"""Versions the mock serves on ``/api/status/...`` only (a mock choice; Cisco documents
both paths without saying which versions answer where)."""

# Unity Connection licence names (CUPI's example); 14 and later use Cisco's 14 tags.
UNITY_LICENCES: Final = (
    "BasicMessaging",
    "EnhancedMessaging",
    "SpeechViewPro",
    "SpeechView",
    "SpeechConnectPort",
    "SpeechConnectGuestUser",
)
UNITY_14_TAGS: Final = (
    "regid.2020-06.com.cisco.CUC_BasicMessaging,14_74b6bdc1-b3e1-45dc-9468-6412b12fdef2",
    "regid.2020-06.com.cisco.CUC_EnhancedMessaging,14_5e05b515-5be5-429e-b301-5de5de8d2c09",
    "regid.2020-11.com.cisco.CUC_SpeechViewPro,14_9de30ccc-1671-4c32-9f57-f63c3f66af84",
    "regid.2020-11.com.cisco.CUC_SpeechView,14_5a0e3202-2743-4401-a117-1e9c239acbbf",
    "regid.2020-06.com.cisco.CUC_SpeechConnectPort,14_d0201ba3-0b71-403d-9b74-5cd643dd662b",
    "regid.2020-06.com.cisco.CUC_SpeechConnectGuestUser,14_d49c924c-e587-4a02-8376-7c48bc7ac3ba",
)
UNITY_12_SPEECHVIEW: Final = (
    "regid.2017-04.com.cisco.CUC_SpeechView,12.0_946cef06-3332-4037-9bd3-e4705c2c7ebb"
)
"""The one 12.x tag seen in a public log (TAC 217535); the other 12.x tags are made up
in its shape, with UUIDs drawn from the seed."""


def parse_products(text: str) -> dict[str, float]:
    """``cucm,unity`` (equal shares) or ``cucm=0.6,unity=0.4``; ValueError naming the part."""
    shares: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if name not in PRODUCTS:
            raise ValueError(f"unknown product {name!r} in {text!r}; known: {', '.join(PRODUCTS)}")
        try:
            share = float(value) if sep else 1.0
        except ValueError:
            raise ValueError(f"share of {name!r} is not a number: {value!r}") from None
        if share < 0:
            raise ValueError(f"share of {name!r} is negative: {value!r}")
        shares[name] = shares.get(name, 0.0) + share
    if not shares or sum(shares.values()) <= 0:
        raise ValueError(f"products {text!r} has no positive share")
    return shares


def assign_products(count: int, shares: Mapping[str, float], seed: int) -> list[str]:
    """``count`` product names in exact proportion to ``shares``, placed by the seed."""
    total = sum(shares.values())
    exact = {name: count * share / total for name, share in shares.items()}
    counts = {name: int(value) for name, value in exact.items()}
    left = count - sum(counts.values())
    for name in sorted(exact, key=lambda n: (counts[n] - exact[n], PRODUCTS.index(n)))[:left]:
        counts[name] += 1
    names = [name for name in PRODUCTS for _ in range(counts.get(name, 0))]
    random.Random(f"licdash-mock-products:{seed}").shuffle(names)
    return names


def draw_versions(products: Sequence[str], seed: int) -> list[str | None]:
    """A version per non-CUCM publisher (None for CUCM, whose AXL version is drawn apart).

    About one Unity publisher in eight runs 12.0 (at least one among three or more) and
    about a third of Expressway nodes run X12.7 (at least one among two or more)."""
    rng = random.Random(f"licdash-mock-product-versions:{seed}")
    out: list[str | None] = [None] * len(products)
    for product, pool, rare, share, least in (
        ("unity", ("12.5", "14.0", "14.0", "15.0"), UNITY_NO_API, 1 / 8, 3),
        ("expressway", ("X14.2", "X15.3"), "X12.7", 1 / 3, 2),
    ):
        where = [i for i, p in enumerate(products) if p == product]
        chosen = set(rng.sample(where, _how_many(len(where), share, least)))
        for i in where:
            out[i] = rare if i in chosen else rng.choice(pool)
    return out


def _how_many(n: int, share: float, least: int) -> int:
    return max(1 if n >= least else 0, round(n * share))


def check_versions(products: Sequence[str], versions: Sequence[str]) -> None:
    allowed = {"unity": UNITY_VERSIONS, "expressway": EXPRESSWAY_VERSIONS}
    for product, version in zip(products, versions, strict=True):
        if product in allowed and version not in allowed[product]:
            known = ", ".join(allowed[product])
            raise ValueError(f"{product} version {version!r} is not one of {known}")


def expressway_groups(products: Sequence[str], seed: int) -> dict[int, tuple[int, int]]:
    """Expressway publisher index -> (index of its cluster's first peer, peer number)."""
    rng = random.Random(f"licdash-mock-expressway-peers:{seed}")
    where = [i for i, p in enumerate(products) if p == "expressway"]
    groups: dict[int, tuple[int, int]] = {}
    k = 0
    while k < len(where):
        size = 2 if rng.random() < 0.7 and k + 1 < len(where) else 1
        first = where[k]
        for peer in range(size):
            groups[where[k + peer]] = (first, peer + 1)
        k += size
    return groups


def unity_tags(version: str, rng: random.Random) -> list[str]:
    if version in ("12.0", "12.5"):
        return [
            UNITY_12_SPEECHVIEW
            if name == "SpeechView"
            else f"regid.2017-04.com.cisco.CUC_{name},12.0_"
            f"{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            for name in UNITY_LICENCES[:5]  # 12.x has no SpeechConnect guest-user licence
        ]
    return list(UNITY_14_TAGS)
