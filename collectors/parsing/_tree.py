"""JSON or XML answers as one tree of plain values, read leniently by name.

Unity Connection answers the same resource in JSON or XML, and neither it nor
Expressway has a published schema: a field may be an object or a list of one, a number
or a string, missing or null, and any key's capitalisation may differ from the
documentation's. The tree keeps what arrived; :func:`pick` finds a key whatever its case
and :func:`as_list` and :func:`as_text` take either shape.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any, Final

from collectors.errors import MalformedResponseError
from collectors.parsing import safe_xml
from collectors.text_safety import neutralise

Tree = dict[str, Any]
MAX_TEXT: Final = 2000
"""No licensing value is longer; longer text is cut (it still reads as damage)."""


def decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8-sig", errors="replace")
    return data.removeprefix("\ufeff")


def load_json(data: str | bytes, *, cluster: str, what: str) -> Any:
    try:
        return json.loads(decode(data))
    except (ValueError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise MalformedResponseError(
            f"unreadable {what} JSON ({reason})", cluster=cluster
        ) from None


def load_xml(data: str | bytes, *, cluster: str, what: str) -> Tree:
    """The document as ``{root name: tree}``; repeated children become lists."""
    try:
        root = safe_xml.parse(data)
    except (
        ET.ParseError,
        safe_xml.DefusedXmlException,
        ValueError,
        UnicodeError,
        LookupError,
    ) as exc:
        raise MalformedResponseError(f"unreadable {what} XML ({exc})", cluster=cluster) from None
    return {_local(root.tag): _element(root)}


def _local(tag: object) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


def _element(element: ET.Element) -> Any:
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        return element.text
    out: Tree = {}
    for child in children:
        key, value = _local(child.tag), _element(child)
        if key in out:
            held = out[key]
            out[key] = [*held, value] if isinstance(held, list) else [held, value]
        else:
            out[key] = value
    return out


def pick(tree: Any, *names: str) -> Any:
    """The value of the first of ``names`` the object has, any capitalisation; else None.

    A list of one object counts as that object (a converter's single-item lists)."""
    if isinstance(tree, list) and len(tree) == 1:
        tree = tree[0]
    if not isinstance(tree, dict):
        return None
    folded = {str(k).lower(): v for k, v in tree.items()}
    for name in names:
        value = folded.get(name.lower())
        if value is not None:
            return value
    return None


def as_list(value: Any) -> list[Any]:
    """An object or a list of objects, as a list (null and text as an empty list)."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def as_text(value: Any) -> str | None:
    """A scalar as stripped text with control characters made visible; None for null,
    empty text and anything that is not a scalar."""
    if value is None or isinstance(value, dict | list):
        return None
    text = ("true" if value else "false") if isinstance(value, bool) else str(value).strip()
    return neutralise(text[:MAX_TEXT]) if text else None


def as_count(value: Any) -> str | int | None:
    """A count as the entitlement reader takes it: an int stays an int, text stays text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    return as_text(value)
