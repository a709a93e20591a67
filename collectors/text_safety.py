"""The one neutraliser for text that came from outside licdash (publishers, stores).

A publisher's fault text, an SSH shell's error line or a field read back from a store
may carry anything: a newline that forges a second log line, an OSC sequence that
rewrites a terminal's title, a C1 CSI (U+009B) that some terminals obey, a bidi override
(U+202E) that makes ``gpj.exe`` read as ``exe.jpg``. :func:`neutralise` turns every such
character into a visible escape (``\\n``, ``\\x1b``, ``\\u202e``), so the text stays on
one line and shows what was sent without acting on the terminal.

It is applied where text enters (parsers, transports, :class:`collectors.results.ErrorInfo`)
and again at every sink that writes to a terminal or a line-oriented log. JSON output
keeps using JSON's own escaping instead.
"""

from __future__ import annotations

import re
from typing import Final

_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BIDI: Final = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f"
    + _BIDI
    + "\u2028\u2029\ufeff]"  # line/paragraph separators start new lines too
)


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """``text`` with control, C1, bidi and line-separator characters as visible escapes."""
    if text.isascii() and text.isprintable():  # no such character (a table's cells)
        return text
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_escape, text)


def neutralise_opt(text: str | None) -> str | None:
    return None if text is None else neutralise(text)


def is_safe(text: str) -> bool:
    """Whether ``text`` would come out of :func:`neutralise` unchanged."""
    return _UNSAFE.search(text) is None


def neutralise_lines(text: str) -> str:
    """Each line neutralised, the line breaks kept (tracebacks, multi-line help)."""
    return "\n".join(neutralise(line) for line in text.split("\n"))
