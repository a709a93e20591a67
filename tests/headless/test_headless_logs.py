"""Log lines: JSON that parses, human lines that read, and no password in either."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.config import parse_config
from collectors.logs import REDACTED, SecretRedactor, config_secrets, setup_logging

SECRET = "Tr0ub4dor&3-horse"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


def emit_everything(log: logging.Logger) -> None:
    log.info("cluster %s: polled in %.1f s", "emea-lon", 0.25, extra={"cluster": "emea-lon"})
    log.warning("login with password=%s refused", SECRET)
    log.warning("Authorization: Basic bGljZGFzaDpUcjB1YjRkb3I= sent to %s", "10.0.0.1")
    log.error("the secret itself, %s, inside a message", SECRET, extra={"detail": SECRET})
    try:
        raise RuntimeError(f"connect https://axl:{SECRET}@cucm.example.net failed")
    except RuntimeError:
        log.exception("poll crashed")


def test_json_lines_parse_and_never_hold_the_password(restore_root) -> None:
    out = io.StringIO()
    setup_logging("json", stream=out, secrets=[SECRET])
    emit_everything(logging.getLogger("collectors.test"))
    text = out.getvalue()
    assert SECRET not in text
    assert "bGljZGFzaDpUcjB1YjRkb3I=" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert len(lines) == 5
    # A traceback stays inside its JSON object: every line is a JSON object.
    assert all(line.startswith("{") for line in text.splitlines())
    first = lines[0]
    assert first["level"] == "info" and first["logger"] == "collectors.test"
    assert first["message"] == "cluster emea-lon: polled in 0.2 s"
    assert first["cluster"] == "emea-lon"
    assert first["ts"].endswith("Z")
    assert lines[1]["message"] == f"login with password={REDACTED} refused"
    assert lines[3]["detail"] == REDACTED
    assert "RuntimeError" in lines[4]["exception"] and REDACTED in lines[4]["exception"]


def test_human_lines_are_redacted_too(restore_root) -> None:
    out = io.StringIO()
    setup_logging("human", stream=out, secrets=[SECRET])
    emit_everything(logging.getLogger("collectors.test"))
    text = out.getvalue()
    assert SECRET not in text
    assert " INFO collectors.test: cluster emea-lon: polled in 0.2 s" in text.splitlines()[0]


def test_setup_is_idempotent_and_quietens_httpx(restore_root) -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging("human", stream=first)
    setup_logging("json", stream=second)
    logging.getLogger("collectors.x").warning("once")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/axl/")
    assert first.getvalue() == ""
    assert [json.loads(x)["message"] for x in second.getvalue().splitlines()] == ["once"]


def test_secrets_from_a_config(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LICDASH_TEST_LOGS_PW", "from-the-environment")
    config = parse_config(
        '[[clusters]]\nname = "a"\npublisher = "a.example.net"\nusername = "u"\n'
        'password = "plain-text-pw"\n\n'
        '[[clusters]]\nname = "b"\npublisher = "b.example.net"\nusername = "u"\n'
        'password_env = "LICDASH_TEST_LOGS_PW"\n',
        source=tmp_path / "c.toml",
    )
    assert config_secrets(config) == {"plain-text-pw", "from-the-environment"}


def test_redactor_patterns() -> None:
    r = SecretRedactor(["hunter22", "ab"])  # "ab" is too short to mask by value
    assert r.redact("pw hunter22 and ab") == f"pw {REDACTED} and ab"
    assert r.redact('{"password": "x y"}') == f'{{"password": "{REDACTED}"}}'
    assert r.redact("token=abc&user=me") == f"token={REDACTED}&user=me"
    assert r.redact("ssh://admin:s3cret@host") == f"ssh://admin:{REDACTED}@host"
    assert r.redact("passwords checked: 3 sources") == "passwords checked: 3 sources"


def test_a_structured_extra_field_is_redacted_too(restore_root: None) -> None:
    """A dict or list passed as ``extra=`` reaches a JSON line as text; it must be masked."""
    out = io.StringIO()
    setup_logging("json", stream=out, secrets=[SECRET])
    logging.getLogger("licdash.test").warning(
        "login refused", extra={"request": {"user": "axl", "pw": SECRET}, "tried": [SECRET]}
    )
    entry = json.loads(out.getvalue())
    assert SECRET not in out.getvalue()
    assert REDACTED in entry["request"] and "axl" in entry["request"]
    assert REDACTED in entry["tried"]
