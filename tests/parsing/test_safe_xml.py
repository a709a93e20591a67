"""XML from the network: the C parser only for documents plainly without a DTD; every
DTD or entity refused on either path, and both paths give the same tree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from collectors.parsing import safe_xml

PLAIN = b'<?xml version="1.0" encoding="UTF-8"?><a xmlns:n="urn:x"><n:b>1 &amp; 2</n:b><c/></a>'

HOSTILE = [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
    b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><a>&b;</a>',
    b'<!doctype x [<!ENTITY e "e">]><a>&e;</a>',
    b'<!DOCTYPE a SYSTEM "http://127.0.0.1:9/x.dtd"><a/>',
    # The declaration hidden from a byte search by the encoding.
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "e">]><a>&e;</a>'.encode(
        "utf-16"
    ),
    '<!DOCTYPE x [<!ENTITY e "e">]><a>&e;</a>'.encode("utf-16-le"),
    '<?xml version="1.0" encoding="cp500"?><!DOCTYPE x [<!ENTITY e "e">]><a>&e;</a>'.encode(
        "cp500"
    ),
    b'<?xml version="1.0" encoding="cp500"?>'
    + '<!DOCTYPE x [<!ENTITY e "e">]><a>&e;</a>'.encode("cp500"),
]


def tree(element: ET.Element) -> object:
    return (element.tag, element.text, element.attrib, [tree(c) for c in element])


def defused(data: str | bytes) -> ET.Element:
    from defusedxml.ElementTree import fromstring

    return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)


@pytest.mark.parametrize("data", HOSTILE)
def test_a_dtd_is_refused_however_it_is_encoded(data: bytes) -> None:
    assert not safe_xml.plainly_without_dtd(data)
    with pytest.raises(
        (safe_xml.DefusedXmlException, safe_xml.ParseError, ValueError, LookupError)
    ):
        safe_xml.parse(data)


@pytest.mark.parametrize("data", [d.decode("latin-1") for d in HOSTILE[:4]])
def test_a_dtd_in_text_is_refused(data: str) -> None:
    with pytest.raises((safe_xml.DefusedXmlException, safe_xml.ParseError)):
        safe_xml.parse(data)


@pytest.mark.parametrize(
    "data",
    [
        PLAIN,
        b"\xef\xbb\xbf" + PLAIN,
        PLAIN.replace(b"UTF-8", b"ISO-8859-1").replace(b"1 &amp;", b"\xe9 &amp;"),
        PLAIN.replace(b' encoding="UTF-8"', b""),
        b"<a><![CDATA[<!DOCTYPE is only text here]]></a>",  # the careful path
        "<a>\u00e9t\u00e9</a>".encode("utf-16"),  # the careful path
    ],
)
def test_both_paths_read_the_same_tree(data: bytes) -> None:
    assert tree(safe_xml.parse(data)) == tree(defused(data))


@pytest.mark.parametrize(
    "data",
    [
        PLAIN.decode(),
        PLAIN.decode().replace("UTF-8", "UTF-16"),  # text: its declaration does not count
        "<a>\u00e9t\u00e9 \U0001f600</a>",
        "<a><![CDATA[<!DOCTYPE is only text here]]></a>",
    ],
)
def test_both_paths_read_the_same_tree_from_text(data: str) -> None:
    assert tree(safe_xml.parse(data)) == tree(defused(data))


def test_the_fast_path_is_taken_for_a_plain_answer() -> None:
    assert safe_xml.plainly_without_dtd(PLAIN)
    assert safe_xml.plainly_without_dtd(PLAIN.replace(b"UTF-8", b"us-ascii"))
    assert not safe_xml.plainly_without_dtd(PLAIN.replace(b"UTF-8", b"windows-1252"))
    assert not safe_xml.plainly_without_dtd(b"<a><![CDATA[<!ENTITY]]></a>")
    assert not safe_xml.plainly_without_dtd("<a/>".encode("cp500"))


@pytest.mark.parametrize(
    "data", [b"<a>&undefined;</a>", b"<a><b></a>", b"", b"<a>\xff\xfe</a>", b"<a/><b/>"]
)
def test_broken_xml_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(safe_xml.ParseError):
        safe_xml.parse(data)
