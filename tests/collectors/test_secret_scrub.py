"""The scrubber removes every form of every password licdash sent, whatever its source."""

from __future__ import annotations

import base64
import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from collectors import secret_scrub
from collectors.config import parse_config
from collectors.errors import SoapFaultError
from collectors.logs import HumanFormatter, SecretRedactor
from collectors.results import ErrorInfo
from collectors.secrets import resolve_password

PW = "p@ss w/rd%9!"


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    secret_scrub.clear()
    yield
    secret_scrub.clear()


def _cluster(source: str) -> object:
    text = f'[[clusters]]\nname = "c1"\npublisher = "pub.example.net"\nusername = "axl"\n{source}\n'
    return parse_config(text).clusters[0]


def _every_form(pw: str, user: str = "axl") -> list[str]:
    pair = f"{user}:{pw}"
    token = base64.b64encode(pair.encode()).decode()
    return [
        pw,
        pair,
        token,
        token.rstrip("="),
        quote(pw, safe=""),
        quote(pw, safe="").lower(),
        quote_plus(pw),
        base64.b64encode(pw.encode()).decode(),
    ]


def test_every_form_is_removed() -> None:
    secret_scrub.register("c1", PW, "axl")
    text = " | ".join(_every_form(PW))
    scrubbed = secret_scrub.scrub(text, "c1")
    for form in _every_form(PW):
        assert form not in scrubbed, form
    assert secret_scrub.scrub_bytes(text.encode(), "c1").count(b"***") >= len(_every_form(PW))


@pytest.mark.parametrize(
    "source",
    [
        f'password = "{PW}"',
        'password_env = "SCRUB_PW"',
        f'password_command = ["/bin/echo", "{PW}"]',
        'password_keyring = "svc/axl"',
    ],
    ids=["plain", "env", "command", "keyring"],
)
def test_a_password_from_any_source_is_learned_by_the_log_redactor(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUB_PW", PW)
    fake = type(sys)("keyring")
    fake.get_password = lambda service, user: PW  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    cluster = _cluster(source)
    assert resolve_password(cluster) == PW  # type: ignore[arg-type]
    redactor = SecretRedactor()  # told nothing: it learns from the registry
    line = redactor.redact(f"fault: {PW} and Basic {_every_form(PW)[2]}")
    assert PW not in line and _every_form(PW)[2] not in line


def test_error_values_are_scrubbed_and_made_inert() -> None:
    secret_scrub.register("c1", PW, "axl")
    fault = SoapFaultError(f"bad password {quote(PW, safe='')}\nERROR forged", cluster="c1")
    info = ErrorInfo.from_exception(fault)
    assert quote(PW, safe="") not in info.message
    assert "\n" not in info.message and "\\n" in info.message


def test_a_basic_token_anywhere_in_a_log_line_is_masked() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(HumanFormatter())
    handler.addFilter(SecretRedactor())
    log = logging.getLogger("test.scrub")
    log.addHandler(handler)
    try:
        token = base64.b64encode(b"someone:elses-secret").decode()
        log.warning("the publisher said: echo Basic %s back", token)
        assert token not in stream.getvalue()
        log.warning("HTTP basic authentication failed")
        assert "basic authentication failed" in stream.getvalue()
    finally:
        log.removeHandler(handler)


def test_short_passwords_are_scrubbed_only_in_their_long_forms(tmp_path: Path) -> None:
    secret_scrub.register("c1", "ab", "axl")
    assert secret_scrub.scrub("ab axl:ab", "c1") == "ab ***"
