"""collectors.acks: the non-sticky rule, snoozes, expiry, scopes, and the policy's count.

Statuses come from the shared factory (severity and reasons by the real rules at the
snapshot's time), so "the same problem a day later" really has a different reason text
("in 20 d" then "in 19 d") and the keys must still match.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from collectors.acks import (
    CLUSTER_SCOPE,
    Ack,
    AckBook,
    AckKind,
    entitlement_scope,
    judge,
    parse_until,
    problem_key,
    problem_of,
    reason_scope,
    scopes_of,
    user_text,
)
from collectors.model import EntitlementStatus, RegistrationStatus, Severity
from collectors.policy import DEFAULT_POLICY
from collectors.results import ClusterStatus
from tests.support.factory import CUWL, NOW, days, snapshot, status

HOUR = timedelta(hours=1)


def expiring(at: datetime = NOW, *, cuwl: EntitlementStatus | None = None) -> ClusterStatus:
    """Registration expires 20 days after NOW (a warning at NOW, critical from day 13)."""
    marks = {CUWL: cuwl} if cuwl else None
    snap = snapshot("lon", at, reg_expires_days=20, statuses=marks)
    return status("lon", snap, now=at)


def made(
    st: ClusterStatus,
    *,
    kind: AckKind = "ack",
    scope: str = CLUSTER_SCOPE,
    until: datetime | None = None,
    at: datetime = NOW,
) -> Ack:
    """An acknowledgement as ``licdash ack`` records it from ``st``."""
    from collectors.acks import in_scope

    problem = problem_of(st)
    return Ack(
        id="a1",
        cluster=st.cluster,
        kind=kind,
        scope=scope,
        by="alice",
        at=at,
        reason="INC42",
        until=until,
        severity=problem.severity,
        problems=tuple(sorted(in_scope(scope, problem.keys))),
    )


def ended(ack: Ack, st: ClusterStatus | None, now: datetime) -> str | None:
    state = judge("lon", st, [ack], now)
    return state.cleared[0][1].cause if state.cleared else None


# ----- problem keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        ("Registration expires in 20 d (2026-03-21)", "Registration expires"),
        ("Evaluation ends in 3 h (2026-03-01)", "Evaluation ends"),
        ("In evaluation mode (12 d left)", "In evaluation mode"),
        ("Last registration renewal failed: Send error.", "Last registration renewal failed"),
        ("Entitlement CUWL is out of compliance", "Entitlement CUWL is out of compliance"),
        ("Registration expiry date passed (2026-02-01)", "Registration expiry date passed"),
    ],
)  # fmt: skip
def test_a_problem_keeps_its_key_while_its_numbers_move(reason: str, key: str) -> None:
    assert problem_key(reason) == key


def test_the_problems_of_a_status() -> None:
    assert problem_of(expiring()).keys == {"Registration expires"}
    assert problem_of(expiring()).severity is Severity.WARNING
    assert problem_of(status("ok", snapshot("ok"))).keys == frozenset()  # ok: no problem
    failing = status("f", snapshot("f"), failures=2, error="read_timeout")
    assert problem_of(failing).keys == {"Unreachable (read_timeout)"}
    assert problem_of(status("n", None)).keys == {"Never polled"}


# ----- the non-sticky acknowledgement ---------------------------------------------------


def test_an_acknowledgement_holds_while_the_same_problem_only_ages() -> None:
    ack = made(expiring())
    later = NOW + days(2)  # "in 18 d": the same problem, the same severity
    state = judge("lon", expiring(later), [ack], later)
    assert state.acknowledged and state.holding == (ack,) and not state.cleared
    assert DEFAULT_POLICY.acknowledgement(expiring(later), AckBook.of([ack]), later) == state


def test_a_higher_severity_clears_it_and_says_so() -> None:
    ack = made(expiring())
    later = NOW + days(14)  # 6 days left: critical
    worse = expiring(later)
    assert worse.severity is Severity.CRITICAL
    state = judge("lon", worse, [ack], later)
    assert not state.acknowledged and state.holding == ()
    (cleared, why), = state.cleared  # fmt: skip
    assert cleared == ack and why.cause == "worse"
    assert why.text == "cluster got worse: critical (was warning)"
    assert why.at == later


def test_a_new_problem_clears_it_and_names_the_problem() -> None:
    ack = made(expiring())
    st = expiring(NOW + HOUR, cuwl=EntitlementStatus.EVALUATION)  # still a warning
    assert st.severity is Severity.WARNING
    state = judge("lon", st, [ack], NOW + HOUR)
    assert state.cleared[0][1].cause == "new_problem"
    assert state.cleared[0][1].text == "new problem: Entitlement CUWL is in evaluation"


def test_failing_polls_are_a_new_problem() -> None:
    ack = made(expiring())
    failing = expiring(NOW + HOUR).model_copy(
        update={"consecutive_failures": 3, "last_error": status("lon", error="auth").last_error}
    )
    assert ended(ack, failing, NOW + HOUR) == "new_problem"


def test_recovery_clears_it() -> None:
    ack = made(expiring())
    healthy = status("lon", snapshot("lon", NOW + HOUR))
    state = judge("lon", healthy, [ack], NOW + HOUR)
    assert state.cleared[0][1].cause == "recovered"
    assert state.cleared[0][1].text == "the cluster recovered"


def test_a_problem_going_away_while_others_stay_keeps_it() -> None:
    two = expiring(cuwl=EntitlementStatus.EVALUATION)
    ack = made(two)
    one = expiring(NOW + HOUR)  # the entitlement is fine again, the expiry stays
    assert judge("lon", one, [ack], NOW + HOUR).acknowledged


def test_the_end_of_an_acknowledgement_is_its_until() -> None:
    ack = made(expiring(), until=NOW + 4 * HOUR)
    assert judge("lon", expiring(), [ack], NOW + 4 * HOUR - timedelta(seconds=1)).acknowledged
    state = judge("lon", expiring(), [ack], NOW + 4 * HOUR)
    assert state.cleared[0][1].cause == "expired"
    assert state.cleared[0][1].at == NOW + 4 * HOUR  # recorded at its end, not when seen


# ----- snoozes --------------------------------------------------------------------------


def test_a_snooze_holds_through_anything_until_its_end() -> None:
    snooze = made(expiring(), kind="snooze", until=NOW + days(20))
    worse = expiring(NOW + days(14))  # critical
    new = expiring(NOW + HOUR, cuwl=EntitlementStatus.OUT_OF_COMPLIANCE)
    for st, at in ((worse, NOW + days(14)), (new, NOW + HOUR)):
        state = judge("lon", st, [snooze], at)
        assert state.acknowledged and state.snoozed and state.glyph == "◷", st.severity
    healthy = status("lon", snapshot("lon", NOW + HOUR))
    state = judge("lon", healthy, [snooze], NOW + HOUR)
    assert state.holding == (snooze,) and not state.acknowledged  # nothing to dim: ok
    relapse = expiring(NOW + 2 * HOUR)
    assert judge("lon", relapse, [snooze], NOW + 2 * HOUR).acknowledged  # still covered
    assert ended(snooze, worse, NOW + days(20)) == "expired"


# ----- scopes ---------------------------------------------------------------------------


def test_one_problem_acknowledged_leaves_the_cluster_loud() -> None:
    two = expiring(cuwl=EntitlementStatus.EVALUATION)
    only = made(two, scope=reason_scope("Registration expires in 20 d (2026-03-21)"))
    assert only.problems == ("Registration expires",)
    state = judge("lon", two, [only], NOW)
    assert not state.acknowledged and state.partly
    assert state.uncovered == {"Entitlement CUWL is in evaluation"}
    other = made(two, scope=entitlement_scope("CUWL")).model_copy(update={"id": "a2"})
    both = judge("lon", two, [only, other], NOW)
    assert both.acknowledged and not both.partly


def test_a_scoped_acknowledgement_clears_when_its_problem_does() -> None:
    two = expiring(cuwl=EntitlementStatus.EVALUATION)
    cuwl = made(two, scope=entitlement_scope("CUWL"))
    fixed = expiring(NOW + HOUR)  # CUWL fine, the expiry stays
    state = judge("lon", fixed, [cuwl], NOW + HOUR)
    assert state.cleared[0][1].cause == "recovered"
    assert state.cleared[0][1].text == "entitlement CUWL recovered"
    worse_cuwl = expiring(NOW + HOUR, cuwl=EntitlementStatus.OUT_OF_COMPLIANCE)
    assert ended(cuwl, worse_cuwl, NOW + HOUR) == "worse"  # the cluster rose to critical


def test_what_the_dashboard_offers_to_acknowledge() -> None:
    two = expiring(cuwl=EntitlementStatus.EVALUATION)
    assert scopes_of(two) == [
        "cluster",
        "reason:Entitlement CUWL is in evaluation",
        "reason:Registration expires",
        "entitlement:CUWL",
    ]
    assert scopes_of(status("n", None)) == ["cluster", "reason:Never polled"]
    assert scopes_of(None) == ["cluster"]  # not in the fleet: only a snooze makes sense


# ----- the fleet count ------------------------------------------------------------------


def test_the_policy_counts_acknowledged_clusters_apart_by_true_severity() -> None:
    crit = status("crit", snapshot("crit", registration=RegistrationStatus.REGISTRATION_EXPIRED))
    other = status("other", snapshot("other", registration=RegistrationStatus.REGISTRATION_EXPIRED))
    warn = expiring()
    book = AckBook.of([made(crit), made(warn).model_copy(update={"id": "a2"})])
    found = DEFAULT_POLICY.count([crit, other, warn], NOW, acks=book)
    assert found.severity[Severity.CRITICAL] == 2  # true severities, as before
    assert found.acknowledged[Severity.CRITICAL] == 1
    assert found.acknowledged[Severity.WARNING] == 1
    assert found.unacknowledged(Severity.CRITICAL) == 1
    assert found.acknowledged_total == 2
    assert DEFAULT_POLICY.count([crit, other, warn], NOW).acknowledged_total == 0


# ----- text from people, times ----------------------------------------------------------


def test_reasons_are_scrubbed_neutralised_flattened_and_capped() -> None:
    text = user_text(
        "INC42\nsee password=hunter2 and token: abc123 \x1b[31m, pw s3cr3t-pw",
        limit=200,
        secrets=["s3cr3t-pw"],
    )
    assert "hunter2" not in text and "abc123" not in text and "s3cr3t-pw" not in text
    assert "\x1b" not in text and "\n" not in text and "\\x1b" in text
    assert user_text("x" * 600, limit=500) == "x" * 499 + "…"


def test_until_takes_durations_times_and_no_end() -> None:
    assert parse_until("4h", NOW) == NOW + 4 * HOUR
    assert parse_until("2d", NOW) == NOW + days(2)
    assert parse_until("2026-03-01T18:00Z", NOW) == NOW + 6 * HOUR
    assert parse_until("2026-03-01T18:00", NOW) == NOW + 6 * HOUR  # UTC unless it says
    assert parse_until("2026-03-01T18:00+01:00", NOW) == NOW + 5 * HOUR
    assert parse_until("cleared", NOW) is None and parse_until(None, NOW) is None
    with pytest.raises(ValueError, match="already passed"):
        parse_until("2026-03-01T11:00Z", NOW)
    with pytest.raises(ValueError, match="neither a duration"):
        parse_until("tomorrow-ish", NOW)


def test_a_status_nobody_polled_yet_ends_nothing_but_time() -> None:
    from collectors.results import ClusterStatus as Status

    ack = made(expiring(), until=NOW + HOUR)
    fresh = Status(cluster="lon")  # a collector that just started
    assert judge("lon", fresh, [ack], NOW).holding == (ack,)
    assert judge("lon", fresh, [ack], NOW + HOUR).cleared[0][1].cause == "expired"
