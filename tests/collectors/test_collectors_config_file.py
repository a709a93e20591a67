"""Config loading: a good file, and every bad one named by file, cluster and field."""

from __future__ import annotations

import logging
import textwrap
import tomllib
from pathlib import Path

import pytest

from collectors import config as config_module
from collectors.config import load_config, parse_config, resolve_config_path
from collectors.errors import ConfigError

GOOD = """
[settings]
interval = 120
timeout = 10
concurrency = 20
stale_after = 4
warning_days = 45
critical_days = 10

[[clusters]]
name = "emea-lon-cucm1"
publisher = "cucm-pub.example.net"
transport = "auto"
axl_version = "14.0"
username = "licdash-axl"
password_env = "LICDASH_PW_EMEA"
verify = "ca.pem"
timezone = "Europe/London"
interval = 600
tags = { region = "emea", customer = "acme", environment = "prod" }
ssh_port = 2222
known_hosts = "known_hosts"

[[clusters]]
name = "apac-del-cucm1"
publisher = "[2001:db8::5]:9443"
username = "axl"
password_keyring = { service = "licdash", username = "apac" }

[[clusters]]
name = "amer-sea-cucm1"
publisher = "10.1.2.3:8443"
username = "axl"
password_keyring = "licdash/amer"

[[clusters]]
name = "amer-nyc-cucm1"
publisher = "10.1.2.4"
username = "axl"
password_command = "pass show cucm/nyc"
verify = false
"""

CLUSTER = """
[[clusters]]
name = "{name}"
publisher = "pub.example.net"
username = "axl"
password_env = "PW"
"""


def _write(tmp_path: Path, text: str, name: str = "licdash.toml") -> Path:
    (tmp_path / "ca.pem").write_text("not checked here")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_config_loads(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = load_config(_write(tmp_path, GOOD))
    s = config.settings
    assert (s.interval, s.timeout, s.concurrency, s.stale_after) == (120, 10, 20, 4)
    assert (s.warning_days, s.critical_days) == (45, 10)
    lon, delhi, sea, nyc = config.clusters
    assert (lon.host, lon.port, lon.transport, lon.axl_version) == (
        "cucm-pub.example.net",
        8443,
        "auto",
        "14.0",
    )
    assert lon.verify == str(tmp_path / "ca.pem")  # relative to the config file
    assert lon.known_hosts == str(tmp_path / "known_hosts")
    assert lon.effective_interval(s) == 600 and delhi.effective_interval(s) == 120
    assert lon.tags == {"region": "emea", "customer": "acme", "environment": "prod"}
    assert lon.cli_username == "licdash-axl" and lon.ssh_port == 2222
    assert (delhi.host, delhi.port) == ("2001:db8::5", 9443)
    assert delhi.password_keyring is not None and delhi.password_keyring.username == "apac"
    assert sea.password_keyring is not None
    assert (sea.password_keyring.service, sea.password_keyring.username) == ("licdash", "amer")
    assert nyc.verify is False and nyc.password_source == "password_command"
    assert config.source == tmp_path / "licdash.toml"
    assert "CERTIFICATE CHECKING IS OFF" in caplog.text and "amer-nyc-cucm1" in caplog.text


def test_plain_passwords_warn_once_with_a_count(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = "".join(
        CLUSTER.format(name=f"c{i}").replace('password_env = "PW"', 'password = "pl41n-text"')
        for i in range(7)
    )
    with caplog.at_level(logging.WARNING):
        config = load_config(_write(tmp_path, text))
    assert config.clusters[0].password is not None
    warnings = [r for r in caplog.records if "plain-text password" in r.getMessage()]
    assert len(warnings) == 1
    assert "7 of 7 clusters" in warnings[0].getMessage()
    assert "pl41n-text" not in caplog.text
    assert "pl41n-text" not in repr(config)


@pytest.mark.parametrize(
    ("text", "cluster", "field", "words"),
    [
        (CLUSTER.format(name="x") + 'verify = "missing.pem"\n', "x", "verify", "does not exist"),
        (CLUSTER.format(name="x") + 'timezone = "Mars/Olympus"\n', "x", "timezone", "IANA"),
        (CLUSTER.format(name="x") + "interval = -5\n", "x", "interval", "greater than 0"),
        (CLUSTER.format(name="x") + "pasword = 'typo'\n", "x", "pasword", "unknown field"),
        (CLUSTER.format(name="x") + 'transport = "telnet"\n', "x", "transport", "'axl'"),
        (CLUSTER.format(name="x") + "verify = 3\n", "x", "verify", "CA bundle"),
        (
            CLUSTER.format(name="x").replace("pub.example.net", "https://pub/axl"),
            "x",
            "publisher",
            "host[:port]",
        ),
        (
            CLUSTER.format(name="x").replace("pub.example.net", "pub:99999"),
            "x",
            "publisher",
            "port",
        ),
        (CLUSTER.format(name="x") + 'password_command = "pass x"\n', "x", None, "one password"),
        (
            CLUSTER.format(name="x").replace('password_env = "PW"', ""),
            "x",
            None,
            "no password source",
        ),
        (
            CLUSTER.format(name="x").replace('password_env = "PW"', 'password_keyring = "bad"'),
            "x",
            "password_keyring",
            "service/username",
        ),
        (
            CLUSTER.format(name="x").replace(
                'password_env = "PW"', """password_command = 'pass show "cucm'"""
            ),
            "x",
            "password_command",
            "No closing quotation",
        ),
        (CLUSTER.format(name="a") + CLUSTER.format(name="a"), "a", "name", "unique"),
        (
            CLUSTER.format(name="ok") + CLUSTER.format(name="b").replace('name = "b"\n', ""),
            None,
            "clusters[2].name",
            "missing",
        ),
        ("[settings]\ncritical_days = 40\n", None, "settings", "warning_days"),
        ("[settings]\nconcurency = 4\n", None, "settings.concurency", "unknown field"),
    ],
)
def test_bad_configs_name_file_cluster_and_field(
    tmp_path: Path, text: str, cluster: str | None, field: str | None, words: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    message = str(err)
    assert str(path) in message
    assert words in message
    assert err.cluster == cluster
    if cluster:
        assert f"[{cluster}]" in message
    if field:
        assert err.field == field and field in message


def test_toml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[settings]\ninterval = 30\ntimeout = "15\n')
    with pytest.raises(ConfigError, match=r"TOML syntax error.*line 3"):
        load_config(path)


def test_the_fast_toml_parser_reads_a_config_exactly_as_tomllib(tmp_path: Path) -> None:
    """toml_rs parses the config (a 10,000-cluster file in a tenth of tomllib's time);
    what it gives must be what tomllib gives, every TOML type a config uses included."""
    text = textwrap.dedent(
        """
        [settings]
        interval = 300
        timeout = 15.5
        stale_after = 3
        [[clusters]]
        name = "emea-lon-cucm1"
        publisher = "cucm-pub.example.net:8443"
        username = "licdash-axl"
        password_env = "LICDASH_PW"
        verify = false
        tags = { region = "emea", "customer name" = 'ACME "UK"', unicode = "M\u00fcnchen" }
        [[clusters]]
        name = "amer-nyc"
        publisher = "[2001:db8::1]:8443"
        username = "licdash-axl"
        password_command = ["/usr/bin/pass", "show", "cucm/nyc"]
        """
    )
    assert config_module._parse_toml(text) == tomllib.loads(text)
    assert load_config(_write(tmp_path, text)).clusters[1].password_command == [
        "/usr/bin/pass",
        "show",
        "cucm/nyc",
    ]


@pytest.mark.parametrize(
    "line",
    [
        'tags = { region = "emea", }',  # trailing comma in an inline table
        'tags = { region = "emea",\n  site = "lon" }',  # newline in an inline table
        'tags = { region = "\\e" }',  # the \e escape
    ],
)
def test_toml_1_1_syntax_is_refused_as_tomllib_refuses_it(tmp_path: Path, line: str) -> None:
    """The fast parser reads TOML 1.0, as tomllib does: what TOML 1.1 added is a syntax
    error worded by tomllib, not a config that loads here and fails elsewhere."""
    text = CLUSTER.format(name="x") + line + "\n"
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(ConfigError, match=r"TOML syntax error.*line"):
        load_config(_write(tmp_path, text))


def test_missing_file_and_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")
    target = _write(tmp_path, CLUSTER.format(name="env"))
    monkeypatch.setenv("LICDASH_CONFIG", str(target))
    assert resolve_config_path() == target
    assert load_config().clusters[0].name == "env"
    assert resolve_config_path(tmp_path / "other.toml") == tmp_path / "other.toml"


def test_defaults() -> None:
    config = parse_config(CLUSTER.format(name="d"))
    s = config.settings
    assert (s.interval, s.concurrency, s.stale_after, s.warning_days, s.critical_days) == (
        300,
        100,
        3,
        30,
        7,
    )
    c = config.clusters[0]
    assert (c.transport, c.axl_version, c.verify, c.port, c.ssh_port) == (
        "axl",
        "auto",
        True,
        8443,
        22,
    )
