"""The one rule for listeners: loopback is free; beyond it, TLS and a token, or refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from collectors.listener import (
    ListenerError,
    check_listener,
    is_loopback,
    read_token,
    session_cookie,
    token_matches,
)

TOKEN = "s3cret-token-0123456789abcdef"


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def tls(tmp_path: Path) -> tuple[Path, Path]:
    ca = trustme.CA()
    cert = ca.issue_cert("licdash.example.net")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    return cert_path, key_path


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.0.2.10", False),
        ("name.invalid", False),
    ],
)
def test_which_hosts_are_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_loopback_needs_neither_tls_nor_token() -> None:
    security = check_listener("127.0.0.1")
    assert security.loopback and security.ssl_context is None and security.token is None
    assert security.scheme == "http" and security.warning("127.0.0.1", 8000) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_beyond_loopback_without_tls_and_token_is_refused(host: str) -> None:
    with pytest.raises(ListenerError) as refused:
        check_listener(host, what="the browser view")
    message = str(refused.value)
    assert "beyond loopback" in message
    assert "--tls-cert/--tls-key" in message and "--token-file" in message
    assert refused.value.hint is not None and "SSH tunnel" in refused.value.hint


def test_beyond_loopback_with_tls_but_no_token_is_refused(tls: tuple[Path, Path]) -> None:
    with pytest.raises(ListenerError, match=r"without --token-file$"):
        check_listener("0.0.0.0", tls_cert=tls[0], tls_key=tls[1])


def test_beyond_loopback_with_a_token_but_no_tls_is_refused(token_file: Path) -> None:
    with pytest.raises(ListenerError, match=r"without --tls-cert/--tls-key$"):
        check_listener("0.0.0.0", token_file=token_file)


def test_beyond_loopback_with_both_starts_and_warns(
    tls: tuple[Path, Path], token_file: Path
) -> None:
    security = check_listener("0.0.0.0", tls_cert=tls[0], tls_key=tls[1], token_file=token_file)
    assert security.ssl_context is not None and security.token == TOKEN
    assert security.scheme == "https"
    warning = security.warning("0.0.0.0", 8443)
    assert warning is not None and "beyond loopback" in warning


def test_a_certificate_without_its_key_is_refused(tls: tuple[Path, Path]) -> None:
    with pytest.raises(ListenerError, match="go together"):
        check_listener("127.0.0.1", tls_cert=tls[0])


def test_a_key_that_does_not_load_is_named(tmp_path: Path, tls: tuple[Path, Path]) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("not a key")
    with pytest.raises(ListenerError, match="cannot load the TLS certificate"):
        check_listener("127.0.0.1", tls_cert=tls[0], tls_key=broken)


def test_weak_or_exposed_tokens_are_refused(tmp_path: Path) -> None:
    short = tmp_path / "short"
    short.write_text("abc")
    short.chmod(0o600)
    with pytest.raises(ListenerError, match="at least 16"):
        read_token(short)
    exposed = tmp_path / "exposed"
    exposed.write_text(TOKEN)
    exposed.chmod(0o644)
    with pytest.raises(ListenerError, match="read by other users"):
        read_token(exposed)
    with pytest.raises(ListenerError, match="cannot read"):
        read_token(tmp_path / "missing")


def test_the_browser_keeps_a_derived_cookie_not_the_token() -> None:
    cookie = session_cookie(TOKEN)
    assert TOKEN not in cookie and cookie == session_cookie(TOKEN)
    assert cookie != session_cookie(TOKEN + "x")
    assert token_matches(TOKEN, TOKEN) and not token_matches(TOKEN, TOKEN[:-1])
    assert not token_matches(TOKEN, None)
