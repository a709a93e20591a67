"""``--source`` values and ``[[sources]]`` tables: names, the config lending tokens and
CAs to a URL given on the command line, and the mistakes named plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.config import parse_config
from collectors.errors import ConfigError
from collectors.sources.spec import SourceSpec, derived_name, resolve


def config(tmp_path: Path, text: str):
    return parse_config(text, source=tmp_path / "licdash.toml")


def test_values_and_configured_sources(tmp_path: Path) -> None:
    (tmp_path / "emea.token").write_text("x" * 20, encoding="utf-8")
    (tmp_path / "ca.pem").write_text("ca", encoding="utf-8")
    cfg = config(
        tmp_path,
        '[[sources]]\nname = "emea"\nurl = "https://emea-collector:9465/"\n'
        'token_file = "emea.token"\nverify = "ca.pem"\n\n'
        '[[sources]]\nname = "lab"\nstore = "stores/lab"\n',
    )
    assert [s.name for s in resolve([], cfg.sources)] == ["emea", "lab"]
    emea = resolve(["https://emea-collector:9465"], cfg.sources)[0]
    assert emea == SourceSpec(
        "emea", "https://emea-collector:9465", None, tmp_path / "emea.token",
        str(tmp_path / "ca.pem"), 10.0,
    )  # fmt: skip
    renamed = resolve(["europe=https://emea-collector:9465"], cfg.sources)[0]
    assert renamed.name == "europe" and renamed.token_file == tmp_path / "emea.token"
    assert resolve(["lab"], cfg.sources)[0].store == tmp_path / "stores" / "lab"
    plain = resolve(["/var/lib/amer/store", "http://127.0.0.1:9465"], ())
    assert [s.name for s in plain] == ["amer", "127.0.0.1-9465"]
    assert plain[1].token_file is None and plain[1].verify is True


def test_mistakes_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two sources are named emea"):
        resolve(["https://emea.example.net:9465", "/srv/emea"], ())
    with pytest.raises(ValueError, match="plain http"):
        resolve(["http://emea.example.net:9465"], ())
    with pytest.raises(ConfigError, match="exactly one of url and store"):
        config(tmp_path, '[[sources]]\nname = "x"\nurl = "https://a:1"\nstore = "/s"\n')
    with pytest.raises(ConfigError, match="token_file is for a url source"):
        config(tmp_path, '[[sources]]\nname = "x"\nstore = "/s"\ntoken_file = "t"\n')
    with pytest.raises(ConfigError, match="duplicate source name"):
        config(
            tmp_path,
            '[[sources]]\nname = "x"\nstore = "/a"\n[[sources]]\nname = "x"\nstore = "/b"\n',
        )
    with pytest.raises(ConfigError, match=r"token file .* does not exist"):
        config(tmp_path, '[[sources]]\nname = "x"\nurl = "https://a:1"\ntoken_file = "nope"\n')
    with pytest.raises(ConfigError, match="name"):
        config(tmp_path, '[[sources]]\nname = "no spaces"\nstore = "/a"\n')


def test_derived_names() -> None:
    assert derived_name("https://emea-collector.example.net:9465") == "emea-collector"
    assert derived_name("/var/lib/licdash/store") == "licdash"
    assert derived_name("~/stores/amer") == "amer"


def test_a_sources_only_config_is_not_a_collectors(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.support.collector import ROOT

    path = tmp_path / "noc.toml"
    path.write_text('[[sources]]\nname = "emea"\nurl = "https://emea.example.net:9465"\n', "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "collectors.cli", "collect", "--once", "--config", str(path),
         "--store", str(tmp_path / "store")],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2 and "lists [[sources]] and no clusters" in done.stderr
    assert not (tmp_path / "store").exists()
    check = subprocess.run(
        [sys.executable, "-m", "collectors.cli", "config", "check", "--no-connect",
         "--config", str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert check.returncode == 0 and "valid, 0 clusters, 1 sources" in check.stdout
