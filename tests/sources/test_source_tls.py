"""A collector's API over TLS with a token, on loopback: a follower that trusts the
collector's CA (``verify`` in ``[[sources]]``) reads it; one that trusts only the system
CAs is refused by certificate verification and names the source; plain http is never
sent beyond loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from collectors.mock.tls import CertAuthority
from tests.sources.conftest import TOKEN, Region
from tests.support.collector import ROOT

LICDASH = [sys.executable, "-m", "collectors.cli", "status"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LICDASH, *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_tls_with_the_collectors_ca_and_the_token(
    regions: Callable[..., Region], token_file: Path, tmp_path: Path
) -> None:
    ca = CertAuthority(tmp_path / "ca", "emea collector CA")
    pem = ca.issue("emea-collector", ["127.0.0.1"])
    emea = regions(
        "emea", 1,
        "--api-token-file", str(token_file), "--api-tls-cert", str(pem), "--api-tls-key", str(pem),
    )  # fmt: skip
    assert emea.url.startswith("https://127.0.0.1:")
    trusting = tmp_path / "trusting.toml"
    trusting.write_text(
        f'[[sources]]\nname = "emea"\nurl = "{emea.url}"\ntoken_file = "{token_file}"\n'
        f'verify = "{ca.bundle}"\n',
        encoding="utf-8",
    )
    done = run("--config", str(trusting), "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["totals"]["clusters"] == 3 and doc["sources"][0]["state"] == "up"
    assert TOKEN not in done.stdout

    system_only = tmp_path / "system.toml"
    system_only.write_text(
        f'[[sources]]\nname = "emea"\nurl = "{emea.url}"\ntoken_file = "{token_file}"\n',
        encoding="utf-8",
    )
    done = run("--config", str(system_only))
    assert done.returncode == 3
    assert f"source emea ({emea.url}): TLS certificate not trusted" in done.stderr
    assert TOKEN not in done.stderr


def test_plain_http_beyond_loopback_is_refused_before_any_traffic(tmp_path: Path) -> None:
    done = run("--source", "http://192.0.2.10:9465")
    assert done.returncode == 3
    assert "plain http would send the token and the fleet in clear" in done.stderr
    config = tmp_path / "bad.toml"
    config.write_text('[[sources]]\nname = "x"\nurl = "http://192.0.2.10:9465"\n', "utf-8")
    done = run("--config", str(config))
    assert done.returncode == 3
    assert "[source x]" in done.stderr and "plain http" in done.stderr
