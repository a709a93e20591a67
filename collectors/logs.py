"""Logging for the headless commands: human lines or JSON lines on stderr, secrets redacted.

``setup_logging("human")`` prints ``2026-11-28T14:30:00Z WARNING collectors.engine: ...``;
``setup_logging("json")`` prints one JSON object per line (``ts``, ``level``, ``logger``,
``message`` plus ``cluster``, ``kind`` and any other ``extra=`` fields a caller passes),
which journald, Loki or Elasticsearch ingest as they are.

Messages are built from hosts, cluster names and status codes, never from passwords. As
defence in depth the handler also carries a :class:`SecretRedactor`: every configured
secret it knows of, and anything shaped like ``password=...`` or an HTTP ``Authorization``
header, is replaced by ``***`` before a line is written.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO

from collectors import secret_scrub
from collectors.text_safety import neutralise, neutralise_lines

if TYPE_CHECKING:
    from collectors.config import LicdashConfig

LogFormat = Literal["human", "json"]
LOG_FORMATS: Final[tuple[str, ...]] = ("human", "json")
REDACTED: Final = "***"
MIN_SECRET_LEN: Final = 4
"""Shorter values are not redacted by value: masking "ab" everywhere would mangle text."""

_HANDLER_NAME: Final = "licdash-stderr"
_CHATTY: Final = ("httpx", "httpcore", "asyncssh", "aiohttp.access")
_PATTERNS: Final = (
    # password=..., "password": "...", pass: ..., secret=..., token=...
    re.compile(
        r"(?i)(\b(?:password|passwd|pass|secret|token|api[_-]?key)\b[\"']?\s*[:=]\s*)"
        r"(\"[^\"]*\"|'[^']*'|[^\s\"',;&}]+)"
    ),
    # Authorization: Basic dXNlcjpwYXNz / Bearer ...
    re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?(?:basic|bearer|digest)\s+)(\S+)"),
    # scheme://user:password@host
    re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)([^\s@/]+)(@)"),
)
# a Basic token anywhere (a publisher echoing its request headers back)
_BASIC_ANYWHERE: Final = re.compile(r"(?i)(\bbasic\s+)([A-Za-z0-9+/]{6,}={0,2})")


def _mask_basic(match: re.Match[str]) -> str:
    """Masks ``Basic <token>`` when the token really is base64 of ``user:password``."""
    token = match.group(2)
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (ValueError, binascii.Error):
        return match.group(0)
    return f"{match.group(1)}{REDACTED}" if b":" in decoded else match.group(0)


# LogRecord attributes that are not caller-supplied ``extra`` fields.
_STANDARD_ATTRS: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class SecretRedactor(logging.Filter):
    """Rewrites each record so that no known secret, and nothing shaped like one, remains.

    The record's message is rendered once (``msg % args``), redacted, and stored back with
    empty ``args``; exception text is rendered and redacted too. Secrets can be added while
    the program runs (after a config reload); the set is replaced, never mutated in place.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self._longest_first: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        fresh = {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}
        with self._lock:
            self._secrets = self._secrets | fresh
            self._longest_first = tuple(sorted(self._secrets, key=len, reverse=True))

    def redact(self, text: str) -> str:
        # Every password any source resolved, in every form it is sent in.
        text = secret_scrub.scrub(text)
        # Longest first, so a secret that contains another is masked whole.
        for secret in self._longest_first:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(_mask, text)
        return _BASIC_ANYWHERE.sub(_mask_basic, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if (
                key in _STANDARD_ATTRS
                or key.startswith("_")
                or isinstance(value, int | float | bool | None)
            ):
                continue
            # anything else reaches a line as text (JsonFormatter uses str()): mask that
            setattr(record, key, self.redact(value if isinstance(value, str) else str(value)))
        return True


def _mask(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[:1] in ("'", '"') else ""
    tail = match.group(3) if match.re.groups >= 3 else ""
    return f"{match.group(1)}{quote}{REDACTED}{quote}{tail}"


def _utc_iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class HumanFormatter(logging.Formatter):
    """``2026-11-28T14:30:00.123Z WARNING collectors.engine: [emea-lon] read timeout``."""

    def format(self, record: logging.LogRecord) -> str:
        # One event, one physical line: text from outside cannot forge another line or
        # talk to the terminal (tracebacks keep their own line breaks).
        message = neutralise(record.getMessage())
        line = f"{_utc_iso(record.created)} {record.levelname} {record.name}: {message}"
        if record.exc_text:
            line = f"{line}\n{neutralise_lines(record.exc_text)}"
        if record.stack_info:
            line = f"{line}\n{neutralise_lines(record.stack_info)}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra=`` fields become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _utc_iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD_ATTRS or key.startswith("_") or key in entry:
                continue
            entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at emit time (tests swap it; so do daemons)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


def setup_logging(
    fmt: LogFormat = "human",
    *,
    level: int | str = logging.INFO,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> SecretRedactor:
    """Route every logger to one stderr handler with the chosen format; idempotent.

    Calling it again (say after ``--log-format`` is known) replaces licdash's handler
    rather than adding a second one. Returns the handler's redactor, so callers can add
    secrets learned later (:func:`config_secrets` after a reload).
    """
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else HumanFormatter())
    redactor = SecretRedactor(secrets)
    handler.addFilter(redactor)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request at INFO: one line per poll drowns the useful ones.
    quiet = logging.WARNING if logging.getLevelName(root.level) != "DEBUG" else logging.NOTSET
    for name in _CHATTY:
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
    return redactor


def config_secrets(config: LicdashConfig) -> set[str]:
    """The secrets a config names without running anything: plain passwords and the
    values of the ``password_env`` variables. Keyring and command passwords are not
    fetched here (that would prompt or run commands); the message rules keep those out."""
    found: set[str] = set()
    for cluster in config.clusters:
        if cluster.password is not None:
            found.add(cluster.password.get_secret_value())
        if cluster.password_env:
            value = os.environ.get(cluster.password_env)
            if value:
                found.add(value)
    return found
