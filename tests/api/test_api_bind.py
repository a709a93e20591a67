"""Where ``licdash collect --api-port`` may listen: loopback as it is; anywhere else only
with a bearer token **and** TLS, or the collector refuses to start (exit 2) before it
binds anything or opens its store. Real subprocesses; nothing ever listens beyond
loopback (the refusal comes first)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from collectors.addresses import is_loopback
from collectors.api.guard import BindRefused, check_bind
from tests.support.collector import ROOT

CONFIG = """\
[[clusters]]
name = "lon"
publisher = "127.0.0.1:1"
username = "axl"
password_env = "LICDASH_TEST_UNUSED"
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "licdash.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "api.token").write_text("a-token-long-enough-to-use\n", encoding="utf-8")
    (tmp_path / "cert.pem").write_text("not used: refused first\n", encoding="utf-8")
    return {
        "config": tmp_path / "licdash.toml",
        "token": tmp_path / "api.token",
        "cert": tmp_path / "cert.pem",
        "store": tmp_path / "store",
    }


def collect(files: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "collectors.cli", "collect", "--config", str(files["config"]),
         "--store", str(files["store"]), "--api-port", "0", *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("host", "give", "missing"),
    [
        ("0.0.0.0", (), ("bearer token", "TLS")),
        ("0.0.0.0", ("token",), ("TLS",)),
        ("0.0.0.0", ("tls",), ("bearer token",)),
        ("192.0.2.10", (), ("bearer token", "TLS")),
        ("::", ("token",), ("TLS",)),
        ("collector.example.net", ("tls",), ("bearer token",)),
    ],
)
def test_beyond_loopback_without_token_and_tls_is_refused(
    files: dict[str, Path], host: str, give: tuple[str, ...], missing: tuple[str, ...]
) -> None:
    extra = ["--api-host", host]
    if "token" in give:
        extra += ["--api-token-file", str(files["token"])]
    if "tls" in give:
        extra += ["--api-tls-cert", str(files["cert"]), "--api-tls-key", str(files["cert"])]
    done = collect(files, *extra)
    assert done.returncode == 2
    assert f"the API would listen on {host}, beyond this host, without" in done.stderr
    for what in missing:
        assert what in done.stderr
    assert not files["store"].exists()  # refused before anything started


def test_a_short_token_and_half_a_tls_pair_are_refused(files: dict[str, Path]) -> None:
    short = files["token"].with_name("short.token")
    short.write_text("tooshort\n", encoding="utf-8")
    done = collect(files, "--api-token-file", str(short))
    assert done.returncode == 2 and "use at least 16" in done.stderr
    done = collect(files, "--api-tls-cert", str(files["cert"]))
    assert done.returncode == 2 and "go together" in done.stderr
    assert not files["store"].exists()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("localhost.example.net", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        check_bind(host, token_file=None, tls_cert=None, tls_key=None)
    else:
        with pytest.raises(BindRefused):
            check_bind(host, token_file=None, tls_cert=None, tls_key=None)
