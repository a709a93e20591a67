"""Realistic, seed-deterministic publisher profiles: names, accounts, zones, licences."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from collectors.mock.products import (
    check_versions,
    draw_versions,
    expressway_groups,
    unity_tags,
)
from collectors.mock.state import (
    AUTHORIZATION_RENEWAL,
    AUTHORIZATION_VALIDITY,
    DAY,
    REGISTRATION_RENEWAL,
    REGISTRATION_VALIDITY,
    EntitlementPlan,
    LicencePlan,
    Timer,
)

AXL_VERSIONS: Final = ("12.5", "14.0", "15.0")

# region -> (site code, IANA zone); zones whose abbreviations Java also prints.
SITES: Final = {
    "amer": (
        ("nyc", "America/New_York"),
        ("chi", "America/Chicago"),
        ("dal", "America/Chicago"),
        ("den", "America/Denver"),
        ("phx", "America/Phoenix"),
        ("sfo", "America/Los_Angeles"),
        ("sea", "America/Los_Angeles"),
    ),
    "emea": (
        ("lon", "Europe/London"),
        ("dub", "Europe/Dublin"),
        ("fra", "Europe/Berlin"),
        ("par", "Europe/Paris"),
        ("ams", "Europe/Amsterdam"),
        ("tlv", "Asia/Jerusalem"),
        ("jnb", "Africa/Johannesburg"),
    ),
    "apac": (
        ("tok", "Asia/Tokyo"),
        ("syd", "Australia/Sydney"),
        ("mel", "Australia/Melbourne"),
        ("blr", "Asia/Kolkata"),
        ("sha", "Asia/Shanghai"),
        ("akl", "Pacific/Auckland"),
    ),
}
CUSTOMERS: Final = (
    ("acme", "ACME CORPORATION"),
    ("globex", "Globex International"),
    ("initech", "Initech Holdings"),
    ("umbrella", "Umbrella Health Systems"),
    ("hooli", "HOOLI INC"),
    ("wayne", "Wayne Enterprises"),
    ("stark", "Stark Industries"),
    ("tyrell", "Tyrell Corp"),
)
VIRTUAL_ACCOUNTS: Final = ("Default", "UC-Prod", "Collab", "Voice-{region}", "CUCM-{site}")
ENVIRONMENTS: Final = (("prod", 7), ("staging", 2), ("lab", 1))

TAGS: Final = (
    "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965",
    "regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792-588c-4caa-b279-8587e5ce2f82",
    "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a",
    "regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a",
    "regid.2016-07.com.cisco.UCM_Essential,12.0_25f9c396-c67c-4519-aa98-d4b3ad18f805",
    "regid.2016-07.com.cisco.UCM_TelePresenceRoom,12.0_d9a71418-29e9-4c9a-9d3a-1366ebe38e7c",
)
HCS_NAMES: Final = (
    "HUCM_Essential",
    "HUCM_Basic",
    "HUCM_Foundation",
    "HUCM_Standard",
    "HUCM_TelePresenceRoom",
)
FAILURE_REASONS: Final = (
    "Communication send error.",
    "Fail to send out Call Home HTTP message.",
    "Couldn't resolve host name",
    "Failed to connect to tools.cisco.com port 443: Connection timed out",
    "SSL peer certificate or SSH remote key was not OK",
)


@dataclass(frozen=True, slots=True)
class Profile:
    """Static facts of one simulated publisher."""

    index: int
    name: str
    scenario: str
    axl_version: str
    timezone: str
    tags: dict[str, str]
    username: str
    password: str
    plan: LicencePlan
    variant: int  # picks between equivalent fault flavours (and status wordings)
    product: str = "cucm"
    version: str | None = None
    """Unity Connection or Expressway version (CUCM's is ``axl_version``)."""
    group: str | None = None
    """Expressway: the cluster this node is a peer of (its config table's name)."""


def make_profiles(
    scenarios: list[str],
    seed: int,
    start: datetime,
    versions: Sequence[str] | None = None,
    products: Sequence[str] | None = None,
    product_versions: Sequence[str] | None = None,
) -> list[Profile]:
    """One profile per scenario; the same seed and start give the same fleet.

    ``versions`` (one per publisher) overrides the drawn AXL versions. ``products`` (one
    per publisher, default all ``cucm``) makes some Unity Connection or Expressway
    (:mod:`collectors.mock.products`), whose versions ``product_versions`` may set.
    """
    if versions is not None:
        bad = [v for v in versions if v not in AXL_VERSIONS]
        if len(versions) != len(scenarios) or bad:
            raise ValueError(
                f"axl_versions must give one of {', '.join(AXL_VERSIONS)} per publisher"
            )
    if products is not None and len(products) != len(scenarios):
        raise ValueError("products must name one product per publisher")
    rng = random.Random(f"licdash-mock-profiles:{seed}")
    per_site: dict[str, int] = {}
    out = []
    regions = list(SITES)
    for i, scenario in enumerate(scenarios):
        region = rng.choices(regions, weights=(5, 4, 3))[0]
        site, zone = rng.choice(SITES[region])
        prefix = f"{region}-{site}"
        per_site[prefix] = per_site.get(prefix, 0) + 1
        name = f"{prefix}-cucm{per_site[prefix]}"
        customer, account = rng.choice(CUSTOMERS)
        env = rng.choices([e for e, _ in ENVIRONMENTS], weights=[w for _, w in ENVIRONMENTS])[0]
        version = rng.choices(AXL_VERSIONS, weights=(3, 5, 3))[0]
        if versions is not None:
            version = versions[i]
        va = rng.choice(VIRTUAL_ACCOUNTS).format(region=region.upper(), site=site.upper())
        plan = _plan(rng, f"{seed}:{name}", scenario, start, account, va)
        out.append(
            Profile(
                index=i,
                name=name,
                scenario=scenario,
                axl_version=version,
                timezone=zone,
                tags={"region": region, "customer": customer, "environment": env},
                username=rng.choice(("licdash-axl", "axl-monitor", "axlro")),
                password=f"mock-{rng.getrandbits(48):012x}",
                plan=plan,
                variant=rng.randrange(2),
            )
        )
    if products is not None and any(p != "cucm" for p in products):
        out = _as_products(out, list(products), product_versions, seed)
    return out


def _as_products(
    profiles: list[Profile], products: list[str], versions: Sequence[str] | None, seed: int
) -> list[Profile]:
    """The CUCM profiles drawn above, made into the products asked for.

    Extra randomness comes from a seed of its own, so a CUCM-only fleet is unchanged."""
    if versions is None:
        drawn = draw_versions(products, seed)
    else:
        check_versions(products, versions)
        drawn = list(versions)
    groups = expressway_groups(products, seed)
    sizes = {
        first: sum(1 for f, _ in groups.values() if f == first) for first, _ in groups.values()
    }
    per_site: dict[str, int] = {}
    out: list[Profile] = []
    for i, (profile, product) in enumerate(zip(profiles, products, strict=True)):
        if product == "cucm":
            out.append(profile)
            continue
        rng = random.Random(f"licdash-mock-product:{seed}:{i}")
        version = drawn[i]
        prefix = profile.name.rsplit("-", 1)[0]
        if product == "unity":
            per_site[f"{prefix}-cuc"] = n = per_site.get(f"{prefix}-cuc", 0) + 1
            name, group, base = f"{prefix}-cuc{n}", None, profile
            ents = _entitlements(rng, _word(profile.scenario), unity_tags(version or "14.0", rng))
            udi = f"pid=Cisco Unity Connection sn={rng.getrandbits(128):032x}"
        else:
            first, peer = groups[i]
            base = out[first] if peer > 1 else profile
            if peer == 1:
                role = rng.choice(("expc", "expe"))
                per_site[f"{prefix}-{role}"] = n = per_site.get(f"{prefix}-{role}", 0) + 1
                group = f"{prefix}-{role}{n}"
            else:
                group = base.group
            ents = []
            if sizes[first] > 1:  # rows of a cluster with peers are "<cluster>/peer<n>"
                name = f"{group}/peer{peer}"
            else:
                name, group = group or profile.name, None
            udi = f"PID:EXPWY-VE-M-K9,SN:{rng.getrandbits(40):010X}"
        if profile.scenario == "out_of_compliance" and ents:
            e = ents[0]
            ents[0] = EntitlementPlan(e.tag, e.base + 5, e.amplitude, e.phase, "OutOfCompliance")
        plan = replace(
            profile.plan,
            key=f"{seed}:{name}",
            udi=udi,
            entitlements=tuple(ents),
            smart_account=base.plan.smart_account,
            virtual_account=base.plan.virtual_account,
        )
        out.append(
            replace(
                profile,
                name=name,
                product=product,
                version=version,
                group=group,
                timezone=base.timezone,
                tags=dict(base.tags),
                # An Expressway cluster replicates its administrator accounts to every peer.
                username=base.username if base is not profile else rng.choice(_USERS[product]),
                password=base.password,
                plan=plan,
            )
        )
    return out


_USERS: Final = {
    "unity": ("licdash-cupi", "cupi-monitor", "cucadmin"),
    "expressway": ("admin", "licdash-ro", "monitor"),
}


def _word(scenario: str) -> str:
    """The status word of an entitlement in use under ``scenario``."""
    return {"evaluation": "Eval", "evaluation_expired": "Eval"}.get(scenario, "InCompliance")


def _cucm_tags(rng: random.Random) -> list[str]:
    if rng.random() < 0.08:
        return [
            f"regid.2016-07.com.cisco.{n},12.0_{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            for n in HCS_NAMES
        ]
    return list(TAGS)


def _entitlements(
    rng: random.Random, status: str, tags: list[str] | None = None
) -> list[EntitlementPlan]:
    if tags is None:
        tags = _cucm_tags(rng)
    size = rng.choice((50, 200, 800, 2500, 6000))
    plans = []
    for tag in tags:
        base = 0 if rng.random() < 0.2 else max(1, int(size * rng.uniform(0.02, 0.6)))
        amp = max(1, base // 40) if base else 0
        plans.append(EntitlementPlan(tag, base, amp, rng.uniform(0, 6.28), status))
    return plans


def _plan(
    rng: random.Random, key: str, scenario: str, t0: datetime, account: str, va: str
) -> LicencePlan:
    udi_uuid = f"{rng.getrandbits(128):032x}"
    udi = f"UDI: PID:UCM,SN:{udi_uuid[-5:]},UUID:{udi_uuid}"
    export = "ALLOWED" if rng.random() < 0.9 else "Not Allowed"
    reason = rng.choice(FAILURE_REASONS)
    ents = _entitlements(rng, _word(scenario))
    if scenario == "out_of_compliance":
        i = next((k for k, e in enumerate(ents) if e.base), 0)
        e = ents[i]
        ents[i] = EntitlementPlan(e.tag, e.base + 5, e.amplitude, e.phase, "OutOfCompliance")
    base = LicencePlan(key, "registered", account, va, udi, export, tuple(ents))
    if scenario in ("evaluation", "evaluation_expired"):
        used = rng.uniform(5, 80) if scenario == "evaluation" else rng.uniform(91, 160)
        return replace(base, kind="evaluation", evaluation_start=t0 - used * DAY)
    if scenario == "unregistered":
        return replace(base, kind="unregistered")
    if scenario == "slr_reserved":
        return replace(base, kind="reserved")
    frozen = rng.randint(40, 89)
    reg = Timer(t0 - rng.uniform(5, 700) * DAY, REGISTRATION_RENEWAL, REGISTRATION_VALIDITY)
    auth = Timer(t0 - rng.uniform(0.1, 29.5) * DAY, AUTHORIZATION_RENEWAL, AUTHORIZATION_VALIDITY)
    if scenario == "renewal_failing":
        f = rng.uniform(1, 20)
        auth = _failing(t0 - (30 + f) * DAY, AUTHORIZATION_RENEWAL, AUTHORIZATION_VALIDITY, reason)
        reg = _failing(t0 - (183 + f) * DAY, REGISTRATION_RENEWAL, REGISTRATION_VALIDITY, reason)
    elif scenario == "authorization_expired":
        a0 = t0 - rng.uniform(91, 130) * DAY
        auth = _failing(a0, AUTHORIZATION_RENEWAL, AUTHORIZATION_VALIDITY, reason)
        reg = _failing(a0 - rng.uniform(0, 45) * DAY, REGISTRATION_RENEWAL, REGISTRATION_VALIDITY,
                       reason, fail_from=a0)  # fmt: skip
    elif scenario == "registration_expired":
        r0 = t0 - rng.uniform(366, 420) * DAY
        reg = _failing(r0, REGISTRATION_RENEWAL, REGISTRATION_VALIDITY, reason)
        auth = _failing(t0 - rng.uniform(100, 180) * DAY, AUTHORIZATION_RENEWAL,
                        AUTHORIZATION_VALIDITY, reason)  # fmt: skip
    elif scenario == "registration_expiring":
        r0 = t0 - (365 - rng.uniform(1.5, 6.5)) * DAY
        reg = _failing(r0, REGISTRATION_RENEWAL, REGISTRATION_VALIDITY,
                       "The ID certificate could not be renewed")  # fmt: skip
    authorized = "Out of Compliance" if scenario == "out_of_compliance" else "Authorized"
    return replace(
        base,
        registration=reg,
        authorization=auth,
        authorized_word=authorized,
        evaluation_days_frozen=frozen,
    )


def _failing(
    last_ok: datetime,
    period: timedelta,
    validity: timedelta,
    reason: str,
    *,
    fail_from: datetime | None = None,
) -> Timer:
    """A timer whose last success was ``last_ok`` and which fails from then on."""
    return Timer(
        last_ok,
        period,
        validity,
        fail_from=fail_from or last_ok + timedelta(seconds=1),
        failure_reason=reason,
    )
