"""Every problem of a config file at once, each with its file, line, cluster and field.

:func:`problems_from` turns a pydantic ``ValidationError`` into :class:`ConfigProblem`
values; :class:`ConfigProblems` is the one :class:`~collectors.errors.ConfigError` that
carries them all (its ``cluster`` and ``field`` are the first problem's, so code that
reads one error keeps working). An unknown key gets a "did you mean" from the fields
the table really has. Lines come from a light scan of the TOML text: ``tomllib`` keeps
no positions, and a table header or ``key =`` line is all a reader needs to find.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from collectors.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import ValidationError

Path_ = tuple[str | int, ...]

_HEADER: Final = re.compile(r"^\s*(\[\[?)\s*([^\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY: Final = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")
# Union members add their type name to a pydantic location; they are not fields.
_TYPE_LOCS: Final = frozenset(
    {"str", "bool", "float", "int", "list[str]", "KeyringRef", "function-before[_keyring()]"}
)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    where: str
    line: int | None
    cluster: str | None
    field: str | None
    message: str

    @property
    def place(self) -> str:
        return f"{self.where}:{self.line}" if self.line else self.where

    def __str__(self) -> str:
        parts = [f"{self.place}:"]
        if self.cluster:
            parts.append(f"[{self.cluster}]")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        return " ".join(parts)


class ConfigProblems(ConfigError):
    """One or more config problems, reported together."""

    def __init__(self, problems: Sequence[ConfigProblem]):
        if not problems:
            raise ValueError("ConfigProblems needs at least one problem")
        first, rest = problems[0], problems[1:]
        message = f"{first.place}: {first.message}"
        if rest:
            message += f"\n  and {len(rest)} more:" + "".join(f"\n  {p}" for p in rest)
        super().__init__(message, cluster=first.cluster, field=first.field)
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)


def problems_of(exc: BaseException) -> tuple[ConfigProblem, ...] | None:
    return getattr(exc, "problems", None)


# ----- where in the text ------------------------------------------------------------


def key_lines(text: str) -> dict[Path_, int]:
    """``("clusters", 2, "verify") -> 31``: the first line of every table and key.

    Array-of-tables entries are numbered from 0 like pydantic's locations; a dotted
    sub-table (``[clusters.tags]``) belongs to the latest ``[[clusters]]`` entry.
    """
    found: dict[Path_, int] = {}
    counts: dict[str, int] = {}
    current: Path_ = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = [n.strip().strip("\"'") for n in header[2].split(".")]
            if header[1] == "[[":
                table = ".".join(names)
                counts[table] = counts.get(table, -1) + 1
                current = (*names, counts[table])
            elif names[0] in counts:
                current = (names[0], counts[names[0]], *names[1:])
            else:
                current = tuple(names)
            found.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault((*current, key[1].strip("\"'")), number)
    return found


def line_of(lines: Mapping[Path_, int], loc: Path_) -> int | None:
    """The line of ``loc``, else of the nearest enclosing table that has one."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


# ----- from pydantic ----------------------------------------------------------------


TableFields = Mapping[tuple[Any, ...], Collection[str]]
"""The keys each kind of table accepts, by location shape: ``("clusters", int)`` is any
cluster table. The config module passes its own models' fields (no import back)."""


def fields_at(loc: Path_, tables: TableFields) -> Collection[str]:
    """The keys the table at ``loc`` accepts (for "did you mean")."""
    return tables.get(tuple(int if isinstance(p, int) else p for p in loc), ())


def did_you_mean(key: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def problems_from(
    exc: ValidationError,
    data: Mapping[str, Any],
    where: str,
    text: str | None,
    tables: TableFields | None = None,
) -> list[ConfigProblem]:
    lines = key_lines(text) if text else {}
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        loc: Path_ = tuple(p for p in error["loc"] if isinstance(p, int) or p not in _TYPE_LOCS)
        cluster, prefix, rest = _cluster_of(loc, data)
        field = ".".join(prefix + [str(p) for p in rest]) or None
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check its spelling)" + did_you_mean(
                str(loc[-1]), fields_at(loc[:-1], tables or {})
            )
        elif error["type"] == "missing":
            message = "required field is missing"
        out.append(ConfigProblem(where, line_of(lines, loc), cluster, field, message))
    return out


def _cluster_of(loc: Path_, data: Mapping[str, Any]) -> tuple[str | None, list[str], Path_]:
    """The cluster's name (or ``clusters[N]`` when it has none) and the rest of ``loc``."""
    if len(loc) >= 2 and loc[0] == "clusters" and isinstance(loc[1], int):
        index = loc[1]
        tables = data.get("clusters", [])
        table = tables[index] if isinstance(tables, list) and index < len(tables) else None
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str) and name:
            return name, [], loc[2:]
        return None, [f"clusters[{index + 1}]"], loc[2:]
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        tables = data.get("sources", [])
        index = loc[1]
        table = tables[index] if isinstance(tables, list) and index < len(tables) else None
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str) and name:
            return f"source {name}", [], loc[2:]
        return None, [f"sources[{index + 1}]"], loc[2:]
    return None, [], loc


def missing_files(data: Mapping[str, Any], where: str, text: str | None) -> list[ConfigProblem]:
    """CA bundles and key files that do not exist, read from the raw tables (so they are
    reported with the other problems even when validation failed)."""
    from pathlib import Path

    lines = key_lines(text) if text else {}
    tables = data.get("clusters")
    found = []
    for index, table in enumerate(tables if isinstance(tables, list) else []):
        if not isinstance(table, dict):
            continue
        name = table.get("name") if isinstance(table.get("name"), str) else None
        for field, what in (("verify", "CA bundle"), ("ssh_key", "key file")):
            path = table.get(field)
            if isinstance(path, str) and path and not Path(path).is_file():
                line = line_of(lines, ("clusters", index, field))
                shown = field if name else f"clusters[{index + 1}].{field}"
                message = f"{what} {path} does not exist"
                found.append(ConfigProblem(where, line, name, shown, message))
    return found
