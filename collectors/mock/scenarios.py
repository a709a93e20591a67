"""The scenario catalogue and the ``--scenario-mix`` language.

A mix is one scenario or preset name (``healthy``, ``demo``, ``all``) or a weighted list
such as ``healthy=5,evaluation=2,slow=1``. Choice is deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Final

LICENCE_SCENARIOS: Final = (
    "healthy",
    "evaluation",
    "evaluation_expired",
    "unregistered",
    "out_of_compliance",
    "authorization_expired",
    "registration_expired",
    "renewal_failing",
    "registration_expiring",
    "slr_reserved",
)
FAULT_SCENARIOS: Final = (
    "slow",
    "hang",
    "flapping",
    "auth_failure",
    "malformed",
    "truncated",
    "soap_fault",
    "untrusted_tls",
    "refused",
)
SCENARIOS: Final = LICENCE_SCENARIOS + FAULT_SCENARIOS

# The demo opens with every licence scenario and a few faults, then mostly healthy.
_DEMO_HEAD: Final = (*LICENCE_SCENARIOS, "slow", "flapping", "soap_fault", "hang")
_DEMO_TAIL: Final = {
    "healthy": 30,
    "evaluation": 3,
    "renewal_failing": 2,
    "registration_expiring": 1,
    "out_of_compliance": 1,
    "authorization_expired": 1,
    "slow": 1,
    "flapping": 1,
}
PRESETS: Final = ("demo", "all")


def parse_mix(text: str) -> dict[str, float]:
    """Parse a weighted mix (``name=weight,...``) or a single scenario name.

    Presets are not weights; :func:`choose_scenarios` handles them. Raises ``ValueError``
    naming the bad part.
    """
    text = text.strip()
    if not text:
        raise ValueError("scenario mix is empty")
    weights: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if name not in SCENARIOS:
            known = ", ".join(SCENARIOS + PRESETS)
            raise ValueError(f"unknown scenario {name!r} in mix {text!r}; known: {known}")
        if sep:
            try:
                weight = float(value)
            except ValueError:
                raise ValueError(f"weight of {name!r} is not a number: {value!r}") from None
            if weight < 0:
                raise ValueError(f"weight of {name!r} is negative: {value!r}")
        else:
            weight = 1.0
        weights[name] = weights.get(name, 0.0) + weight
    if not weights or sum(weights.values()) <= 0:
        raise ValueError(f"scenario mix {text!r} has no positive weight")
    return weights


def choose_scenarios(count: int, mix: str, seed: int) -> list[str]:
    """``count`` scenario names for a mix, the same for the same seed."""
    rng = random.Random(f"licdash-mock-scenarios:{seed}")
    name = mix.strip()
    if name == "all":
        return [SCENARIOS[i % len(SCENARIOS)] for i in range(count)]
    if name == "demo":
        head = list(_DEMO_HEAD[:count])
        return head + _draw(rng, _DEMO_TAIL, count - len(head))
    return _draw(rng, parse_mix(mix), count)


def _draw(rng: random.Random, weights: Mapping[str, float], count: int) -> list[str]:
    if count <= 0:
        return []
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names], k=count)


def check_scenarios(names: Sequence[str]) -> list[str]:
    """Validate an explicit per-publisher scenario list."""
    bad = [n for n in names if n not in SCENARIOS]
    if bad:
        raise ValueError(f"unknown scenario(s) {', '.join(bad)}; known: {', '.join(SCENARIOS)}")
    return list(names)
