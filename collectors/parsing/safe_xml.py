"""XML from the network as an element tree: no DTD, no entity, and expat's C tree builder.

A document type declaration is where every XML attack starts (entity expansion, external
entities): without one, expat knows only the five predefined entities and refuses any
other reference. defusedxml enforces that from Python callbacks on a pure-Python tree
builder, about three times slower than ElementTree's C one (a fifth of an AXL poll's
parse). So a document goes to the C parser only when its bytes show that it holds no
declaration at all:

* it is in an encoding where ``<!DOCTYPE`` has the same bytes as in ASCII (UTF-8,
  US-ASCII, ISO-8859-1: no NUL byte, so no UTF-16 or UTF-32; it starts with ASCII's
  ``<``, so no EBCDIC; an encoding declaration, if any, names one of those), and
* the bytes ``<!DOCTYPE`` and ``<!ENTITY`` appear nowhere in it (in any case).

Anything else (a declaration, text that merely contains those words, another encoding)
goes through defusedxml with DTDs and entities forbidden, as every document did before:
the answer is the same either way, only slower.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Final

from defusedxml import DefusedXmlException

__all__ = ["DefusedXmlException", "ParseError", "parse"]

ParseError = ET.ParseError

_ASCII_COMPATIBLE: Final = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1"}
)
_DECLARED: Final = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]*)["']""")
_DECLARATIONS: Final = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_TEXT_DECLARATIONS: Final = re.compile(r"<!(?:doctype|entity)", re.IGNORECASE)


def plainly_without_dtd(data: bytes) -> bool:
    """Whether ``data`` is certainly free of any DTD as expat would read it."""
    if b"\x00" in data:  # UTF-16/32 (a NUL is never valid XML in an 8-bit encoding)
        return False
    head = data.removeprefix(b"\xef\xbb\xbf")
    if not head.lstrip().startswith(b"<"):  # not ASCII's "<": EBCDIC, or not XML at all
        return False
    if head.startswith(b"<?xml"):
        prolog = head[: head.find(b"?>") + 2] if b"?>" in head else head
        if b"encoding" in prolog:
            found = _DECLARED.match(prolog)
            if found is None or found.group(1).decode().lower() not in _ASCII_COMPATIBLE:
                return False
    return _DECLARATIONS.search(data) is None


def parse(data: str | bytes) -> ET.Element:
    """The document's root element; DTDs and entity declarations are refused.

    Raises ``ParseError`` (broken XML), ``DefusedXmlException`` (a DTD or an entity) or
    ``ValueError``/``UnicodeError``/``LookupError`` (a bad encoding declaration).
    """
    if isinstance(data, str):
        # expat reads text as UTF-8 whatever its declaration says: only the words count.
        if "\x00" not in data and _TEXT_DECLARATIONS.search(data) is None:
            return ET.fromstring(data)
    elif plainly_without_dtd(data):
        return ET.fromstring(data)
    from defusedxml.ElementTree import fromstring  # a pure-Python ElementTree: on demand

    return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
