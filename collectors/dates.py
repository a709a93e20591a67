"""Dates as Cisco's licensing interfaces print them, and the zone-abbreviation table.

These layouts reach licdash:

* Smart Agent CLI: ``Jan 26 15:11:23 2018 IST`` (day may be one digit),
* the same agent on other products: ``Jan 20 2023 10:59:10 UTC`` (year before time),
* AXL (Java ``Date.toString()``): ``Sun Mar 02 11:10:25 EST 2025``,
* Expressway's REST API: ``February, 05 Feb 2020 06:18:07 GMT`` (day first, after a
  word that is a month name in Cisco's example and may be a weekday: it is ignored),
* Unity Connection's CUPI: ``2017-11-22 13:17:19.0`` (no zone at all: the cluster's).

Abbreviations are ambiguous (IST, CST), so a cluster may name its IANA zone: an
abbreviation that zone uses around that date, or one the table does not know, is read
in the cluster zone; any other is read from :data:`ZONE_OFFSETS`. A zone nobody can
resolve keeps the wall time and yields a reason line; these functions never raise.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_H = 3600

#: Default reading of each abbreviation, in seconds east of UTC.
ZONE_OFFSETS: Final[dict[str, int]] = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "ZULU": 0,
    "WET": 0, "WEST": 1 * _H, "BST": 1 * _H, "IST": 5 * _H + 1800,
    "CET": 1 * _H, "CEST": 2 * _H, "MET": 1 * _H, "MEST": 2 * _H,
    "EET": 2 * _H, "EEST": 3 * _H, "MSK": 3 * _H, "SAST": 2 * _H, "CAT": 2 * _H,
    "EAT": 3 * _H, "WAT": 1 * _H, "GST": 4 * _H, "PKT": 5 * _H, "NPT": 5 * _H + 2700,
    "ICT": 7 * _H, "WIB": 7 * _H, "SGT": 8 * _H, "HKT": 8 * _H, "AWST": 8 * _H,
    "PHT": 8 * _H, "MYT": 8 * _H, "JST": 9 * _H, "KST": 9 * _H,
    "ACST": 9 * _H + 1800, "ACDT": 10 * _H + 1800, "AEST": 10 * _H, "AEDT": 11 * _H,
    "NZST": 12 * _H, "NZDT": 13 * _H,
    "EST": -5 * _H, "EDT": -4 * _H, "CST": -6 * _H, "CDT": -5 * _H,
    "MST": -7 * _H, "MDT": -6 * _H, "PST": -8 * _H, "PDT": -7 * _H,
    "AKST": -9 * _H, "AKDT": -8 * _H, "HST": -10 * _H, "AST": -4 * _H, "ADT": -3 * _H,
    "NST": -3 * _H - 1800, "NDT": -2 * _H - 1800,
    "BRT": -3 * _H, "ART": -3 * _H, "CLT": -4 * _H, "COT": -5 * _H, "PET": -5 * _H,
}  # fmt: skip

_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_WEEKDAYS: Final = frozenset(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")
_YEAR = re.compile(r"^\d{4}$")
_DAY = re.compile(r"^\d{1,2},?$")
_ZONE = re.compile(r"^[A-Za-z][A-Za-z]{0,5}$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$", re.IGNORECASE)
_ISO: Final = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_NONE_DATES: Final = frozenset(("", "none", "n/a", "na", "unavailable", "null", "-"))


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def valid_zone(name: str) -> bool:
    """True when ``name`` is an IANA zone this machine knows."""
    return _zone(name) is not None


@lru_cache(maxsize=1024)
def _zone_abbreviations(name: str, year: int, month: int) -> dict[str, timedelta]:
    """The abbreviations ``name`` uses around a date, each with its UTC offset."""
    zone = _zone(name)
    found: dict[str, timedelta] = {}
    if zone is None:
        return found
    probes = [datetime(year, month, 15, 12)]
    probes += [datetime(year, m, 1, 12) for m in (1, 4, 7, 10)]
    for probe in probes:
        for fold in (0, 1):
            aware = probe.replace(tzinfo=zone, fold=fold)
            abbr, offset = aware.tzname(), aware.utcoffset()
            if abbr and offset is not None:
                found.setdefault(abbr.upper(), offset)
    return found


def _offset_zone(text: str) -> tzinfo | None:
    match = _OFFSET.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta >= timedelta(hours=15):
        return None
    return timezone(-delta if sign == "-" else delta)


def _resolve(
    wall: datetime, abbr: str | None, cluster_zone: str | None, field: str
) -> tuple[datetime, str | None]:
    """Attach a zone to a naive wall time; returns (aware UTC datetime, reason or None)."""
    zone = _zone(cluster_zone) if cluster_zone else None
    where = cluster_zone if zone is not None else "UTC"
    if abbr:
        upper = abbr.upper()
        if zone is not None and cluster_zone is not None:
            used = _zone_abbreviations(cluster_zone, wall.year, wall.month)
            if upper in used:
                return (wall.replace(tzinfo=timezone(used[upper]))).astimezone(UTC), None
        if upper in ZONE_OFFSETS:
            tz = timezone(timedelta(seconds=ZONE_OFFSETS[upper]))
            return wall.replace(tzinfo=tz).astimezone(UTC), None
        fixed = _offset_zone(abbr)
        if fixed is not None:
            return wall.replace(tzinfo=fixed).astimezone(UTC), None
        reason = f"{field}: zone '{abbr}' is unknown; read as {where} time"
    elif zone is not None:
        reason = None
    else:
        reason = f"{field}: date has no zone; read as UTC time"
    if zone is not None:
        return wall.replace(tzinfo=zone).astimezone(UTC), reason
    return wall.replace(tzinfo=UTC), reason


def parse_datetime(
    text: str | None, *, field: str, cluster_zone: str | None = None
) -> tuple[datetime | None, str | None]:
    """Read one CLI or AXL date.

    Returns ``(aware UTC datetime or None, reason or None)``. ``None``-like text gives
    ``(None, None)``; text that is not a date gives ``(None, reason)``.
    """
    if text is None:
        return None, None
    raw = text.strip()
    if len(raw) > 80:  # no date is this long; also keeps the cache small
        return None, f"{field}: cannot read date '{raw[:60]}...'"
    return _parse_datetime(raw, field, cluster_zone)


@lru_cache(maxsize=8192)
def _parse_datetime(
    raw: str, field: str, cluster_zone: str | None
) -> tuple[datetime | None, str | None]:
    if raw.lower() in _NONE_DATES:
        return None, None
    if _ISO.match(raw):
        return _parse_iso(raw, field, cluster_zone)
    tokens = raw.replace(",", " ").split()
    if tokens and tokens[0][:3].lower() in _WEEKDAYS and tokens[0].isalpha():
        tokens = tokens[1:]
    if len(tokens) > 2 and _DAY.match(tokens[1]) and tokens[2][:3].lower() in _MONTHS:
        tokens = tokens[1:]  # "February, 05 Feb 2020": a leading word before the day
    if len(tokens) > 1 and _DAY.match(tokens[0]) and tokens[1][:3].lower() in _MONTHS:
        tokens[0], tokens[1] = tokens[1], tokens[0]  # day first: "05 Feb 2020 06:18:07 GMT"
    month = day = year = None
    clock: tuple[int, int, int] | None = None
    abbr: str | None = None
    ok = len(tokens) >= 3
    for i, token in enumerate(tokens):
        low = token.lower()
        if i == 0:
            month = _MONTHS.get(low[:3]) if token.isalpha() else None
            ok = ok and month is not None
        elif day is None and _DAY.match(token):
            day = int(token.rstrip(","))
        elif year is None and _YEAR.match(token):
            year = int(token)
        elif clock is None and (m := _TIME.match(token)):
            clock = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
        elif abbr is None and (_ZONE.match(token) or _OFFSET.match(token)):
            abbr = token
        else:
            ok = False
        if not ok:
            break
    if not ok or month is None or day is None or year is None or clock is None:
        return None, f"{field}: cannot read date '{raw[:60]}'"
    try:
        wall = datetime(year, month, day, *clock)
    except ValueError:
        return None, f"{field}: cannot read date '{raw[:60]}'"
    try:
        return _resolve(wall, abbr, cluster_zone, field)
    except (OverflowError, ValueError):
        return None, f"{field}: date '{raw[:60]}' is out of range"


def _parse_iso(
    raw: str, field: str, cluster_zone: str | None
) -> tuple[datetime | None, str | None]:
    text = raw.replace(" ", "T", 1) if "T" not in raw else raw
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None, f"{field}: cannot read date '{raw[:60]}'"
    if value.tzinfo is not None:
        try:
            return value.astimezone(UTC), None
        except (OverflowError, ValueError):
            return None, f"{field}: date '{raw[:60]}' is out of range"
    try:
        return _resolve(value, None, cluster_zone, field)
    except (OverflowError, ValueError):
        return None, f"{field}: date '{raw[:60]}' is out of range"


_REMAINING_PART = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b",
    re.IGNORECASE,
)
_UNIT_DAYS: Final = {"d": 1.0, "h": 1 / 24, "m": 1 / 1440, "s": 1 / 86400}
_PLAIN_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")
_COLON_PARTS = re.compile(r"^\s*(\d{1,6}):(\d{1,2})(?::(\d{1,2}))?\s*$")


def parse_remaining_days(text: str | None) -> float | None:
    """Evaluation time left in days, two decimals.

    Takes ``89 days, 1 hours, 33 minutes, 51 seconds``, ``87 days 1 hr 41 min 0 sec``,
    AXL's plain ``89`` and Unity Connection's ``87:0:36`` (read as days:hours:minutes,
    which Cisco does not document); anything else is None.
    """
    if text is None:
        return None
    plain = _PLAIN_NUMBER.match(text)
    if plain:
        return round(float(plain.group(1)), 2)
    colon = _COLON_PARTS.match(text)
    if colon:
        days, hours, minutes = (int(g or 0) for g in colon.groups())
        return round(days + hours / 24 + minutes / 1440, 2)
    total = 0.0
    found = False
    for match in _REMAINING_PART.finditer(text):
        unit = match.group("unit").lower()[0]
        total += float(match.group("n")) * _UNIT_DAYS[unit]
        found = True
    return round(total, 2) if found else None


def human_span(delta: timedelta) -> str:
    """A compact duration: ``45 s``, ``12 min``, ``5 h``, ``12 d`` (sign ignored)."""
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$")
_DURATION_UNITS: Final = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``900``, ``15m``, ``2h``, ``1d`` (a ``--stale-after`` value); ValueError otherwise."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration such as 900, 15m, 2h or 1d")
    return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2)])
