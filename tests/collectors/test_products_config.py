"""A cluster's ``product`` in the config: its transport, its port, Expressway's peers."""

from __future__ import annotations

import pytest

from collectors.config import LicdashConfig, parse_config
from collectors.errors import ConfigError

BASE = 'username = "admin"\npassword_env = "PW"\n'


def config(*tables: str) -> LicdashConfig:
    return parse_config("\n".join(f"[[clusters]]\n{t}\n{BASE}" for t in tables))


def test_product_defaults_to_cucm_over_axl_on_8443() -> None:
    (c,) = config('name = "a"\npublisher = "pub"').clusters
    assert (c.product, c.transport, c.port) == ("cucm", "axl", 8443)


@pytest.mark.parametrize(("product", "transport"), [("unity", "cupi"), ("expressway", "rest")])
def test_each_product_has_its_own_transport_and_port_443(product: str, transport: str) -> None:
    (c,) = config(f'name = "a"\nproduct = "{product}"\npublisher = "node"').clusters
    assert (c.product, c.transport, c.port) == (product, transport, 443)
    (c,) = config(f'name = "a"\nproduct = "{product}"\npublisher = "node:8443"').clusters
    assert c.port == 8443


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('product = "unity"\ntransport = "axl"', ("transport 'axl'", "Unity Connection", "'cupi'")),
        ('product = "expressway"\ntransport = "cli"', ("transport 'cli'", "'rest'")),
        ('transport = "rest"', ("transport 'rest'", "CUCM", "'axl' or 'cli' or 'auto'")),
        ('product = "unity"\npeers = ["b"]', ("peers", "Unity Connection", "publisher alone")),
        ('product = "voicemail"', ("product",)),
        ('product = "expressway"\npeers = ["bad/path"]', ("peers",)),
    ],
)
def test_product_mismatches_are_config_errors(table: str, words: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as caught:
        config(f'name = "a"\npublisher = "node"\n{table}')
    text = str(caught.value)
    for word in words:
        assert word in text, text


def test_expressway_peers_become_one_row_each_in_order() -> None:
    cfg = config(
        'name = "lon-expc"\nproduct = "expressway"\npublisher = "exp1.example.net"\n'
        'peers = ["exp2.example.net:8443", "[2001:db8::3]"]\ntags = { region = "emea" }',
        'name = "nyc-cucm"\npublisher = "cucm"',
    )
    rows = [(c.name, c.host, c.port, c.peers, c.product, dict(c.tags)) for c in cfg.clusters]
    assert rows == [
        ("lon-expc/peer1", "exp1.example.net", 443, (), "expressway", {"region": "emea"}),
        ("lon-expc/peer2", "exp2.example.net", 8443, (), "expressway", {"region": "emea"}),
        ("lon-expc/peer3", "2001:db8::3", 443, (), "expressway", {"region": "emea"}),
        ("nyc-cucm", "cucm", 8443, (), "cucm", {}),
    ]
    assert cfg.names == ("lon-expc/peer1", "lon-expc/peer2", "lon-expc/peer3", "nyc-cucm")


def test_an_expressway_without_peers_is_one_row_under_its_own_name() -> None:
    (c,) = config('name = "edge"\nproduct = "expressway"\npublisher = "exp"').clusters
    assert c.name == "edge"


def test_a_peer_row_may_not_clash_with_another_cluster() -> None:
    with pytest.raises(ConfigError, match="duplicate cluster name 'x/peer2'"):
        config(
            'name = "x"\nproduct = "expressway"\npublisher = "a"\npeers = ["b"]',
            'name = "x/peer2"\npublisher = "c"',
        )
