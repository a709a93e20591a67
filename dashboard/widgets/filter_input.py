"""The fleet filter: a one-line query language and the input that edits it.

A query is words separated by spaces; a row must match every word:

- ``key=value``: a tag, e.g. ``region=emea`` (case-insensitive); a merged view tags
  every cluster with its ``source`` (``source=emea``); ``product=unity``
  (``cucm``, ``unity``, ``expressway``, or the table's word: ``expwy``) is the cluster's
  product, unless the cluster has a tag of that name;
- a state word: ``ok``, ``warning``, ``critical``, ``unknown``, ``stale``,
  ``unreachable``, ``evaluation``, ``expired``, ``unregistered``, ``ooc``, ``reserved``
  (or any registration or authorization status word, e.g. ``out_of_compliance``);
- anything else: free text found in the name, tags, status words or error kind.

A leading ``!`` negates a word: ``!ok`` shows everything that is not fine.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from collectors.model import AuthorizationStatus, RegistrationStatus, Severity
from collectors.products import PRODUCTS, product_info
from collectors.results import ClusterStatus

PRODUCT_KEY = "product"

_Predicate = Callable[[ClusterStatus, bool], bool]


def _auth(*states: AuthorizationStatus) -> _Predicate:
    def check(status: ClusterStatus, stale: bool) -> bool:
        return status.last_good is not None and status.last_good.authorization.status in states

    return check


def _reg(*states: RegistrationStatus) -> _Predicate:
    def check(status: ClusterStatus, stale: bool) -> bool:
        return status.last_good is not None and status.last_good.registration.status in states

    return check


def _severity(severity: Severity) -> _Predicate:
    return lambda status, stale: status.severity is severity


STATE_WORDS: dict[str, _Predicate] = {
    **{s.value: _severity(s) for s in Severity},
    "stale": lambda status, stale: stale,
    "unreachable": lambda status, stale: status.unreachable,
    "failing": lambda status, stale: status.unreachable,
    "fresh": lambda status, stale: not stale and not status.unreachable,
    **{a.value: _auth(a) for a in AuthorizationStatus if a is not AuthorizationStatus.UNKNOWN},
    **{r.value: _reg(r) for r in RegistrationStatus if r is not RegistrationStatus.UNKNOWN},
    "eval": _auth(AuthorizationStatus.EVALUATION, AuthorizationStatus.EVALUATION_EXPIRED),
    "ooc": _auth(AuthorizationStatus.OUT_OF_COMPLIANCE),
    "reserved": _reg(RegistrationStatus.REGISTERED_SLR, RegistrationStatus.REGISTERED_ULR),
    "slr": _reg(RegistrationStatus.REGISTERED_SLR),
}
STATE_WORDS["evaluation"] = STATE_WORDS["eval"]
_EXPIRED = (
    _auth(AuthorizationStatus.EVALUATION_EXPIRED, AuthorizationStatus.AUTHORIZATION_EXPIRED),
    _reg(RegistrationStatus.REGISTRATION_EXPIRED),
)
STATE_WORDS["expired"] = lambda status, stale: any(p(status, stale) for p in _EXPIRED)


def _product_words(status: ClusterStatus) -> tuple[str, ...]:
    """What ``product=...`` and free text find a cluster's product by."""
    info = product_info(status.product)
    return (info.key, info.short.lower(), info.name.lower())


def _haystack(status: ClusterStatus) -> str:
    parts = [status.cluster, status.transport or "", status.axl_version or ""]
    parts += _product_words(status)
    parts += [f"{k}={v}" for k, v in status.tags.items()]
    if status.last_good is not None:
        snap = status.last_good
        parts += [
            snap.registration.status.value,
            snap.registration.raw or "",
            snap.authorization.status.value,
            snap.authorization.raw or "",
            snap.publisher or "",
        ]
    if status.last_error is not None:
        parts.append(status.last_error.kind)
    return " ".join(parts).lower()


@dataclass(frozen=True, slots=True)
class FleetFilter:
    """A parsed query; an empty query matches everything."""

    text: str = ""
    _terms: tuple[tuple[bool, str], ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, text: str) -> FleetFilter:
        terms: list[tuple[bool, str]] = []
        for word in text.lower().split():
            negate = word.startswith("!")
            word = word.lstrip("!")
            if word:
                terms.append((negate, word))
        return cls(text=text.strip(), _terms=tuple(terms))

    @property
    def empty(self) -> bool:
        return not self._terms

    def matches(self, status: ClusterStatus, stale: bool) -> bool:
        """Whether ``status`` (stale or not, at the caller's clock) passes every word."""
        haystack: str | None = None
        for negate, word in self._terms:
            if "=" in word:
                key, _, value = word.partition("=")
                tags = {k.lower(): v.lower() for k, v in status.tags.items()}
                if key == PRODUCT_KEY and key not in tags:
                    hit = value in _product_words(status) if value else True
                else:
                    hit = tags.get(key) == value if value else key in tags
            elif (predicate := STATE_WORDS.get(word)) is not None:
                hit = predicate(status, stale)
            else:
                if haystack is None:
                    haystack = _haystack(status)
                hit = word in haystack
            if hit == negate:
                return False
        return True

    def unknown_tag_keys(self, statuses: Iterable[ClusterStatus]) -> list[str]:
        """The ``key`` of every ``key=value`` word that no cluster has as a tag."""
        keys = {k.lower() for status in statuses for k in status.tags} | {PRODUCT_KEY}
        asked = [w.partition("=")[0] for _, w in self._terms if "=" in w]
        return [key for key in dict.fromkeys(asked) if key and key not in keys]


def no_match_text(fleet_filter: FleetFilter, statuses: Collection[ClusterStatus]) -> str:
    """What an empty, filtered table says: nothing matched, and why when it can tell."""
    text = f"No cluster matches {fleet_filter.text!r} ({len(statuses)} hidden)."
    unknown = fleet_filter.unknown_tag_keys(statuses)
    if unknown:
        tags = sorted({k.lower() for status in statuses for k in status.tags})
        have = f"tags here: {', '.join(tags)}" if tags else "no cluster has tags"
        text += f" No cluster has a tag {', '.join(map(repr, unknown))} ({have})."
        words = [w.partition("=")[2] for w in fleet_filter.text.lower().split() if "=" in w]
        states = [w for w in words if w.lstrip("!") in STATE_WORDS]
        if states:
            text += f" For a state, type the word alone: {' '.join(states)}."
    terms = [w.lstrip("!") for w in fleet_filter.text.lower().split()]
    asked = [t.partition("=")[2] for t in terms if t.startswith(f"{PRODUCT_KEY}=")]
    known = {word for info in PRODUCTS.values() for word in (info.key, info.short.lower())}
    if any(value and value not in known for value in asked):
        text += f" Products: {', '.join(PRODUCTS)}."
    return text + "  Esc clears the filter."


class FilterInput(Input):
    """Edits the fleet filter; every keystroke re-filters, enter keeps, escape clears."""

    DEFAULT_CSS = """
    FilterInput {
        dock: bottom;
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
        display: none;
        &.-open {
            display: block;
        }
        &:focus {
            border: none;
            background-tint: $foreground 5%;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Clear filter", show=False),
    ]

    class Updated(Message):
        """The query changed (posted on every keystroke)."""

        def __init__(self, filter_input: FilterInput, query: FleetFilter) -> None:
            super().__init__()
            self.filter_input = filter_input
            self.fleet_filter = query

        @property
        def control(self) -> FilterInput:
            return self.filter_input

    class Closed(Message):
        """The input closed: ``kept`` is False when escape cleared the query."""

        def __init__(self, filter_input: FilterInput, query: FleetFilter, kept: bool) -> None:
            super().__init__()
            self.filter_input = filter_input
            self.fleet_filter = query
            self.kept = kept

        @property
        def control(self) -> FilterInput:
            return self.filter_input

    def __init__(
        self,
        value: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            value,
            placeholder=(
                "filter: name  tag=value  product=unity  critical  stale  evaluation  !ok  text"
            ),
            name=name,
            id=id,
            classes=classes,
        )

    @property
    def fleet_filter(self) -> FleetFilter:
        return FleetFilter.parse(self.value)

    def open(self) -> None:
        """Show the input and take focus."""
        self.add_class("-open")
        self.focus()

    def _close(self, kept: bool) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed(self, self.fleet_filter, kept))

    def _on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Updated(self, self.fleet_filter))

    def _on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close(kept=True)

    def action_cancel(self) -> None:
        self.value = ""
        self._close(kept=False)
