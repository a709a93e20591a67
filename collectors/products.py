"""The products licdash polls, and what each one's interface does and does not tell.

The one owner of product facts: names, the transport and port a product is polled on,
whether a product reports per-licence counts, and the timers used to derive the
deadlines a product's interface does not state (docs/products.md). Faces never branch on
a product's name: they ask this module what the product lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final, get_args

from collectors.model import Product

DEFAULT_PRODUCT: Final[Product] = "cucm"
PRODUCT_KEYS: Final[tuple[Product, ...]] = get_args(Product)

REGISTRATION_VALIDITY: Final = timedelta(days=365)
"""A registration (ID certificate) is valid one year after its last successful renewal."""
AUTHORIZATION_VALIDITY: Final = timedelta(days=90)
"""An authorization lapses 90 days after the last successful contact with Cisco."""


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """Static facts of one product."""

    key: Product
    name: str
    """Its full name, for sentences: ``Unity Connection``."""
    short: str
    """A table cell's word: ``Unity``."""
    transports: tuple[str, ...]
    """The config's ``transport`` values it accepts; the first is the default."""
    default_port: int
    per_licence_counts: bool
    """Whether its status lists licences with counts (Expressway's does not)."""
    every_node: bool
    """Whether each node registers on its own (Expressway peers), rather than a
    publisher for the whole cluster."""
    states_expiries: bool
    """Whether its interface states registration and authorization expiry dates; when
    not, the parser derives them from the validity timers above."""


PRODUCTS: Final[dict[Product, ProductInfo]] = {
    "cucm": ProductInfo(
        key="cucm",
        name="CUCM",
        short="CUCM",
        transports=("axl", "cli", "auto"),
        default_port=8443,
        per_licence_counts=True,
        every_node=False,
        states_expiries=True,
    ),
    "unity": ProductInfo(
        key="unity",
        name="Unity Connection",
        short="Unity",
        transports=("cupi",),
        default_port=443,
        per_licence_counts=True,
        every_node=False,
        states_expiries=False,
    ),
    "expressway": ProductInfo(
        key="expressway",
        name="Expressway",
        short="Expwy",
        transports=("rest",),
        default_port=443,
        per_licence_counts=False,
        every_node=True,
        states_expiries=True,
    ),
}


def product_info(product: Product) -> ProductInfo:
    return PRODUCTS[product]


def counts_note(product: Product) -> str | None:
    """What a face says instead of a licence count the product never reports, or None."""
    info = PRODUCTS[product]
    return None if info.per_licence_counts else f"no per-licence counts for {info.name}"
