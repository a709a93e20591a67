"""Where ``licdash collect --api-port`` and ``--metrics-port`` may listen: loopback as
they are; anywhere else only with a bearer token **and** TLS (the one listener rule,
:mod:`collectors.listener`), or the collector refuses to start (exit 2) before it binds
anything or opens its store. Real subprocesses; nothing ever listens beyond loopback
(the refusal comes first), and no host name is looked up beyond ``localhost``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from collectors.listener import ListenerError, check_listener, is_loopback
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
    (tmp_path / "api.token").chmod(0o600)
    (tmp_path / "cert.pem").write_text("not used: refused first\n", encoding="utf-8")
    return {
        "config": tmp_path / "licdash.toml",
        "token": tmp_path / "api.token",
        "cert": tmp_path / "cert.pem",
        "store": tmp_path / "store",
    }


def collect(
    files: dict[str, Path], *args: str, listener: str = "api"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "collectors.cli", "collect", "--config", str(files["config"]),
         "--store", str(files["store"]), f"--{listener}-port", "0", *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


TOKEN, TLS = "--token-file", "--tls-cert/--tls-key"


@pytest.mark.parametrize(
    ("listener", "host", "give", "missing"),
    [
        ("api", "0.0.0.0", (), (TLS, TOKEN)),
        ("api", "0.0.0.0", ("token",), (TLS,)),
        ("api", "0.0.0.0", ("tls",), (TOKEN,)),
        ("api", "192.0.2.10", (), (TLS, TOKEN)),
        ("api", "::", ("token",), (TLS,)),
        ("api", "198.51.100.7", ("tls",), (TOKEN,)),
        ("metrics", "0.0.0.0", (), (TLS, TOKEN)),
        ("metrics", "::", ("token",), (TLS,)),
    ],
)
def test_beyond_loopback_without_token_and_tls_is_refused(
    files: dict[str, Path],
    listener: str,
    host: str,
    give: tuple[str, ...],
    missing: tuple[str, ...],
) -> None:
    extra = [f"--{listener}-host", host]
    if "token" in give:
        extra += ["--token-file", str(files["token"])]
    if "tls" in give:  # the API's own spellings still work
        extra += ["--api-tls-cert", str(files["cert"]), "--api-tls-key", str(files["cert"])]
    done = collect(files, *extra, listener=listener)
    assert done.returncode == 2
    what = "the data API" if listener == "api" else "the metrics"
    assert f"refusing to serve {what} on {host!r}, beyond loopback, without" in done.stderr
    for option in missing:
        assert option in done.stderr
    assert f"--{listener}-host 127.0.0.1" in done.stderr  # the hint names the right option
    assert not files["store"].exists()  # refused before anything started


def test_a_short_token_and_half_a_tls_pair_are_refused(files: dict[str, Path]) -> None:
    short = files["token"].with_name("short.token")
    short.write_text("tooshort\n", encoding="utf-8")
    short.chmod(0o600)
    done = collect(files, "--api-token-file", str(short))
    assert done.returncode == 2 and "at least 16 characters" in done.stderr
    exposed = files["token"].with_name("exposed.token")
    exposed.write_text("a-token-long-enough-to-use\n", encoding="utf-8")
    exposed.chmod(0o644)
    done = collect(files, "--token-file", str(exposed))
    assert done.returncode == 2 and "can be read by other users" in done.stderr
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
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        check_listener(host)
    else:
        with pytest.raises(ListenerError):
            check_listener(host)
