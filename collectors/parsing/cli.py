"""Smart Agent CLI text (``show license all|summary|status``) to a snapshot.

The three commands print the same sections, so one line-by-line reader takes them all.
It tracks which section it is in and reads a ``Status:`` line only for the section
that owns it: registration, authorization or one entitlement. Everything else
(Utility, Transport, Data Privacy, License Conversion, Product Information, Agent
Version, ``License Authorization Status:`` under License Usage) is skipped. SSH
leftovers are dropped first: ``\\r``, the ``admin:`` prompt with its echoed command,
pager lines and control characters.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from collectors import vocab
from collectors.dates import parse_remaining_days
from collectors.errors import MalformedResponseError, UnsupportedFormatError
from collectors.model import LicenseSnapshot
from collectors.parsing._common import (
    MAX_RESPONSE_BYTES,
    Collected,
    check_size,
    normalise_udi,
    smart_licensing_word,
)
from collectors.severity import DEFAULT_THRESHOLDS, Thresholds
from collectors.text_safety import neutralise

_PAGER: Final = re.compile(
    r"press\s*<enter>\s*for\s*1\s*line,?\s*<space>\s*for\s*one\s*page,?\s*or\s*<q>\s*to\s*quit"
    r"|(?<!-)-{2,}+\s*more\s*-{2,}+|<-++\s*more\s*-++>",
    re.IGNORECASE,
)
_PROMPT: Final = re.compile(r"^\s*(?:admin:|[A-Za-z0-9_.\-]+(?:\([^)]*\))?[#>]|#)")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\x1b\[[0-9;?]*[A-Za-z]")
_UNDERLINE: Final = re.compile(r"^\s*={3,}\s*$")
_SEPARATOR: Final = re.compile(r"^\s*-{5,}\s*$")
_KEY: Final = re.compile(r"[A-Za-z][A-Za-z0-9 ._/()\-]*")
_SMART: Final = re.compile(r"^\s*smart\s+licensing\s+is\s+(?P<word>[A-Za-z]+)", re.IGNORECASE)
_EVAL_EXPIRED: Final = re.compile(
    r"^\s*evaluation\s+(?:period\s+)?expired(?:\s+on\s+.*)?$", re.IGNORECASE
)
_STATUS_WORD: Final = re.compile(r"[A-Za-z][A-Za-z_\-]*|-")
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")
MAX_LINE: Final = 1000

_TOP, _REG, _AUTH, _EVAL, _USAGE, _OTHER = "top", "reg", "auth", "eval", "usage", "other"
_SECTIONS: Final = {
    "smart licensing status": _TOP,
    "registration": _REG,
    "license authorization": _AUTH,
    "license authorisation": _AUTH,
    "authorization": _AUTH,
    "evaluation period": _EVAL,
    "license usage": _USAGE,
}
#: Section headers only "Smart Licensing Using Policy" (IOS-XE 17.3 and later) prints: it
#: has no registration or authorization, so licdash names the format instead of reading it.
_USING_POLICY_SECTIONS: Final = frozenset(
    {
        "smart licensing using policy",
        "account information",
        "usage reporting",
        "trust code installed",
        "policy",
    }
)
USING_POLICY: Final = (
    "Smart Licensing Using Policy output: no registration or authorization status; not supported"
)


def _key(text: str) -> str:
    return " ".join(_NON_ALNUM.sub(" ", text.lower()).split())


def _split_kv(line: str) -> tuple[str, str, int] | None:
    """``  Key: value`` -> (key, value, indent); None when the line is not one."""
    head, sep, value = line.partition(":")
    key = head.lstrip()
    if not sep or not _KEY.fullmatch(key):
        return None
    return key.rstrip(), value.strip(), len(head) - len(key)


def _table_row(line: str) -> tuple[str, int, str] | None:
    """``<label> <tag> <count> <status words>`` -> (tag, count, status)."""
    tokens = line.split()
    for i in range(len(tokens) - 2, max(len(tokens) - 8, 0), -1):
        if not _STATUS_WORD.fullmatch(tokens[i + 1]):
            return None
        if tokens[i].isdecimal():
            return tokens[i - 1], int(tokens[i]), " ".join(tokens[i + 1 :])
    return None


def _entitlement_tag(line: str, *, spaced: bool = False) -> str | None:
    """The tag of an entitlement heading ``<label> (<tag>)`` or ``(<tag>):``, else None.

    ``spaced``: the line is a ``Key:`` header, whose tag may hold spaces (Catalyst prints
    ``C9300 48P Network Advantage (C9300-48 Network Advantage):``); in a plain line a
    spaced parenthesis is prose, not a tag.
    """
    text = line.rstrip().removesuffix(":").rstrip()
    if not text.endswith(")"):
        return None
    tag = text[text.rfind("(") + 1 : -1].strip()
    if len(tag) < 2 or "(" not in text or not any(c.isalpha() for c in tag):
        return None
    if not spaced and any(c.isspace() for c in tag):
        return None
    return " ".join(tag.split())


def clean_lines(text: str) -> list[str]:
    """The capture's lines without SSH leftovers, prompts, pager text or trailing space."""
    lines: list[str] = []
    for raw in text.splitlines():
        if len(raw) > MAX_LINE:  # no real status line is this long; keeps regexes linear
            continue
        line = neutralise(_CONTROL.sub("", raw).expandtabs())
        lowered = line.lower()
        if "press" in lowered or "more" in lowered:
            line = _PAGER.sub("", line)
        line = line.rstrip()
        if not line.strip() or _PROMPT.match(line):
            continue
        lines.append(line)
    return lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


class _Reader:
    """Reads lines in order, tracking the section each belongs to.

    Which section a line belongs to never depends on absolute indentation (a capture
    pasted from a document may indent every line, and headers and fields differently):
    an unknown header ends the current section when it is indented no deeper than the
    header that opened it, and is a sub-header of that section otherwise.
    """

    def __init__(self, got: Collected) -> None:
        self.got = got
        self.section = _TOP
        self.section_indent: int | None = None  # None: before any header
        self.table = False
        self.ent: list[str | int | None] | None = None  # [tag, count, status]
        self.eval_in_use: bool | None = None
        self.using_policy = False

    def flush(self) -> None:
        if self.ent is not None:
            tag, count, status = self.ent
            self.got.entitlement(str(tag), count, None if status is None else str(status))
            self.ent = None

    def enter(self, section: str, indent: int) -> None:
        self.flush()
        self.section = section
        self.section_indent = indent
        self.table = False

    def titled(self, title: str, indent: int) -> None:
        """A header line (``Key:`` with no value, or a title over ``====``)."""
        key = _key(title)
        if key in _USING_POLICY_SECTIONS:
            self.using_policy = True
        self.enter(_SECTIONS.get(key, _OTHER), indent)

    def header(self, text: str, indent: int) -> None:
        key = _key(text)
        if key in _SECTIONS or key in _USING_POLICY_SECTIONS:
            self.titled(text, indent)
            return
        if self.section == _USAGE and not self.table:
            tag = _entitlement_tag(text, spaced=True)
            if tag:
                self.flush()
                self.ent = [tag, 0, None]
                return
        if self.section_indent is None or indent <= self.section_indent:
            self.enter(_OTHER, indent)

    def line(self, line: str, next_line: str | None) -> None:
        if next_line is not None and _UNDERLINE.match(next_line):
            self.titled(line, _indent(line))
            return
        if _UNDERLINE.match(line) or _SEPARATOR.match(line):
            return
        smart = _SMART.match(line)
        if smart:
            self.got.smart_licensing = smart_licensing_word(smart["word"])
            return
        if self.section == _EVAL and _EVAL_EXPIRED.match(line):
            self.got.authorization.setdefault("evaluation_remaining_days", 0.0)
            return
        if self.section == _USAGE and self.table:
            row = _table_row(line)
            if row:
                self.got.entitlement(*row)
                return
        kv = _split_kv(line)
        if kv is None:
            self.plain(line)
            return
        raw_key, value, indent = kv
        key = _key(raw_key)
        if not value:
            self.header(raw_key, indent)
            return
        if key == "smart licensing using policy":
            self.using_policy = True
        if key == "udi" and self.ent is None:
            self.got.udi = normalise_udi(value)
        elif self.section == _REG:
            self.registration(key, value)
        elif self.section == _AUTH:
            self.authorization(key, value)
        elif self.section == _EVAL:
            self.evaluation(key, value)
        elif self.section == _USAGE and self.ent is not None:
            if key == "count":
                self.ent[1] = value
            elif key == "status":
                self.ent[2] = value

    def plain(self, line: str) -> None:
        if self.section != _USAGE:
            return
        low = line.lower()
        if "count" in low and "status" in low and ("entitlement" in low or "license" in low):
            self.flush()
            self.table = True
            return
        tag = None if self.table else _entitlement_tag(line)
        if tag:
            self.flush()
            self.ent = [tag, 0, None]

    def registration(self, key: str, value: str) -> None:
        got, reg = self.got, self.got.registration
        if key == "status":
            reg["raw"], _ = got.status_with_date(value, "registration.status")
        elif key == "smart account":
            reg["smart_account"] = value
        elif key == "virtual account":
            reg["virtual_account"] = value
        elif key.startswith("export controlled"):
            reg["export_controlled"] = vocab.export_control(value)
        elif key == "initial registration":
            result, when = got.attempt(value, "registration.initial_registration")
            if result != "failed":
                reg["initial_registration"] = when
        elif key == "last renewal attempt":
            result, when = got.attempt(value, "registration.last_renewal_attempt")
            reg["last_renewal_result"], reg["last_renewal_attempt"] = result, when
        elif key == "next renewal attempt":
            reg["next_renewal_attempt"] = got.date(value, "registration.next_renewal_attempt")
        elif key in ("registration expires", "expires"):
            reg["expires"] = got.date(value, "registration.expires")
        elif key == "failure reason" and reg.get("failure_reason") is None:
            reg["failure_reason"] = vocab.failure_reason(value)

    def authorization(self, key: str, value: str) -> None:
        got, auth = self.got, self.got.authorization
        if key == "status":
            auth["raw"], auth["since"] = got.status_with_date(value, "authorization.since")
        elif key == "last communication attempt":
            result, when = got.attempt(value, "authorization.last_communication_attempt")
            auth["last_communication_result"], auth["last_communication_attempt"] = result, when
        elif key == "next communication attempt":
            auth["next_communication_attempt"] = got.date(
                value, "authorization.next_communication_attempt"
            )
        elif key in ("communication deadline", "authorization expires", "expires"):
            auth["expires"] = got.date(value, "authorization.expires")
        elif key == "evaluation period remaining":
            auth["evaluation_remaining_days"] = parse_remaining_days(value)
        elif key == "failure reason" and auth.get("failure_reason") is None:
            auth["failure_reason"] = vocab.failure_reason(value)

    def evaluation(self, key: str, value: str) -> None:
        if key == "evaluation mode":
            self.eval_in_use = _key(value) == "in use"
        elif key == "evaluation period remaining":
            days = parse_remaining_days(value)
            if days is not None:
                self.got.authorization["evaluation_remaining_days"] = days


def parse_cli(
    text: str,
    *,
    cluster: str,
    publisher: str | None = None,
    now: datetime,
    timezone: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> LicenseSnapshot:
    """Read ``show license all``, ``show license summary`` or ``show license status``.

    Raises:
        OversizeResponseError: the text is over ``max_bytes`` characters.
        MalformedResponseError: the text holds no Smart Licensing status.
        UnsupportedFormatError: "Smart Licensing Using Policy" output (IOS-XE 17.3 and
            later), which has no registration or authorization status.
    """
    check_size(len(text), max_bytes, cluster)
    if isinstance(text, bytes):  # tolerate a raw capture despite the annotation
        text = text.decode("utf-8", "replace")
    got = Collected(cluster=cluster, zone=timezone)
    reader = _Reader(got)
    lines = clean_lines(text)
    for i, line in enumerate(lines):
        reader.line(line, lines[i + 1] if i + 1 < len(lines) else None)
    reader.flush()
    auth = got.authorization
    if auth.get("raw") is None and reader.eval_in_use:
        auth["raw"] = "Evaluation Mode: In Use"
    statuses = got.registration.get("raw") or auth.get("raw")
    if reader.using_policy and not statuses:
        raise UnsupportedFormatError(USING_POLICY, cluster=cluster)
    if not (got.smart_licensing or statuses):
        raise MalformedResponseError("no Smart Licensing status found", cluster=cluster)
    return got.snapshot(source="cli", publisher=publisher, now=now, thresholds=thresholds)
