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
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _reference(text: str, registered: list[tuple[str, str, str]]) -> str:
    """What scrubbing must give: every cluster's full pattern applied, no prefilter."""
    for cluster, _, _ in registered:
        text = secret_scrub._by_cluster[cluster].pattern().sub(secret_scrub.REDACTED, text)
    return text


@settings(max_examples=150, deadline=None)
@given(
    password=st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1, max_size=14
    ),
    noise=st.text(max_size=30),
    form=st.integers(min_value=0, max_value=7),
)
def test_the_anchor_prefilter_never_lets_a_secret_through(
    password: str, noise: str, form: int
) -> None:
    """Skipping the regex on text without an anchor changes nothing: the result equals
    the full patterns', whatever the password and the spelling it comes back in."""
    secret_scrub.clear()
    registered = [("c1", password, "axl")]
    secret_scrub.register(*registered[0])
    spelling = _every_form(password)[form]
    text = f"{noise}{spelling}{noise[::-1]}"
    assert secret_scrub.scrub(text, "c1") == _reference(text, registered)
    assert secret_scrub.scrub_bytes(text.encode(), "c1") == _reference(text, registered).encode()
    assert secret_scrub.scrub(text) == _reference(text, registered)


def test_an_unnamed_scrub_over_many_clusters_finds_each_secret() -> None:
    """Past a few clusters an unnamed scrub (the log redactor's) looks anchors up in an
    index instead of compiling one pattern of every secret of the fleet."""
    registered = [(f"c{n}", f"pw-{n:04d}-Secret", "axl") for n in range(300)]
    for entry in registered:
        secret_scrub.register(*entry)
    token = base64.b64encode(b"axl:pw-0123-Secret").decode()
    line = f"fault: pw-0042-Secret then Basic {token} and {quote('pw-0299-Secret')} end"
    assert secret_scrub.scrub(line) == "fault: *** then Basic *** and *** end"
    assert secret_scrub.scrub("nothing secret here") == "nothing secret here"


def test_a_clean_answer_compiles_no_pattern() -> None:
    """Compiling a cluster's pattern costs about a TLS handshake: an answer that holds
    none of its anchors must not pay it."""
    secret_scrub.register("c1", "Tr0ub4dor-and-3", "axl")
    body = b"<soapenv:Envelope><return><LicenseStatus>Registered</LicenseStatus></return>"
    assert secret_scrub.scrub_bytes(body, "c1") == body
    assert secret_scrub._by_cluster["c1"]._bytes is None
    assert secret_scrub.scrub_bytes(body + b"Tr0ub4dor-and-3", "c1") == body + b"***"
