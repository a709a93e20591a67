"""What an engineer does about a cluster's state: concrete, ordered remediation hints.

A pure function of a :class:`ClusterStatus` (and the time, for deadlines): no I/O, no
Textual. Each hint names the problem and the action in CUCM or in Cisco Smart Software
Manager (SSM, software.cisco.com), worst problem first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from collectors.model import (
    AuthorizationStatus,
    EntitlementStatus,
    LicenseSnapshot,
    RegistrationStatus,
    Severity,
)
from collectors.results import ClusterStatus, ErrorInfo
from collectors.text_safety import neutralise
from dashboard.format import days_left, human_span

LICENSE_MANAGEMENT: Final = "System > Licensing > License Management"
_TRANSPORT_CHECK: Final = (
    "check that the publisher reaches Cisco (DNS, proxy and firewall towards "
    "smartreceiver.cisco.com, or the satellite) in "
    f"{LICENSE_MANAGEMENT} > Transport Settings"
)


@dataclass(frozen=True, slots=True)
class Hint:
    """One problem and what to do about it."""

    severity: Severity
    problem: str
    action: str


def _auth_hints(snap: LicenseSnapshot) -> list[Hint]:
    auth = snap.authorization.status
    A = AuthorizationStatus
    if auth is A.EVALUATION_EXPIRED:
        return [
            Hint(
                Severity.CRITICAL,
                "Evaluation expired: no new users or devices can be added.",
                "Register with a token from Smart Software Manager (Inventory > General > "
                f"New Token), then in CUCM {LICENSE_MANAGEMENT} > Register.",
            )
        ]
    if auth is A.OUT_OF_COMPLIANCE:
        return [
            Hint(
                Severity.CRITICAL,
                "Out of compliance: usage exceeds the licences in the virtual account; "
                "provisioning stops after the 90-day overage.",
                "Buy or transfer the missing licences into the virtual account in Smart "
                "Software Manager (Inventory > Licenses), or remove unused users and devices, "
                f"then {LICENSE_MANAGEMENT} > Actions > Renew Authorization Now.",
            )
        ]
    if auth is A.AUTHORIZATION_EXPIRED:
        return [
            Hint(
                Severity.CRITICAL,
                "Authorization expired: CUCM has not reached Cisco for 90 days.",
                f"Fix the connection to Cisco ({_TRANSPORT_CHECK}), then "
                f"{LICENSE_MANAGEMENT} > Actions > Renew Authorization Now.",
            )
        ]
    if auth is A.NOT_AUTHORIZED_RESERVED:
        return [
            Hint(
                Severity.CRITICAL,
                "Not authorized under reservation: the reserved licences do not cover usage.",
                "Update the reservation in Smart Software Manager to cover current usage and "
                f"install the new authorization code in {LICENSE_MANAGEMENT} > "
                "Specific License Reservation > Update.",
            )
        ]
    if auth is A.EVALUATION:
        left = snap.authorization.evaluation_remaining_days
        when = f" ({left:.0f} days left)" if left is not None else ""
        return [
            Hint(
                Severity.WARNING,
                f"Evaluation mode{when}: unlicensed until registered.",
                "Register with a token from Smart Software Manager before the evaluation "
                f"ends: {LICENSE_MANAGEMENT} > Register.",
            )
        ]
    return []


def _registration_hints(snap: LicenseSnapshot) -> list[Hint]:
    reg = snap.registration.status
    R = RegistrationStatus
    if reg is R.REGISTRATION_EXPIRED:
        return [
            Hint(
                Severity.CRITICAL,
                "Registration expired: the product instance is no longer registered.",
                "Generate a new token in Smart Software Manager and register again with "
                f"'Reregister this product instance' checked: {LICENSE_MANAGEMENT} > Register.",
            )
        ]
    if reg is R.UNREGISTERED:
        return [
            Hint(
                Severity.WARNING,
                "Unregistered: the cluster runs on its evaluation period.",
                "Register with a token from Smart Software Manager: "
                f"{LICENSE_MANAGEMENT} > Register.",
            )
        ]
    if reg is R.RESERVATION_IN_PROGRESS:
        return [
            Hint(
                Severity.WARNING,
                "A license reservation is in progress.",
                "Enter the authorization code from Smart Software Manager in "
                f"{LICENSE_MANAGEMENT} > Specific License Reservation, or cancel it.",
            )
        ]
    return []


def _attempt_hints(snap: LicenseSnapshot) -> list[Hint]:
    hints = []
    reg, auth = snap.registration, snap.authorization
    if reg.last_renewal_result == "failed":
        reason = f" ({reg.failure_reason})" if reg.failure_reason else ""
        hints.append(
            Hint(
                Severity.WARNING,
                f"The last registration renewal failed{reason}.",
                f"{_TRANSPORT_CHECK[0].upper()}{_TRANSPORT_CHECK[1:]}, then "
                f"{LICENSE_MANAGEMENT} > Actions > Renew Registration Now.",
            )
        )
    if auth.last_communication_result == "failed":
        reason = f" ({auth.failure_reason})" if auth.failure_reason else ""
        hints.append(
            Hint(
                Severity.WARNING,
                f"The last authorization renewal failed{reason}.",
                f"{_TRANSPORT_CHECK[0].upper()}{_TRANSPORT_CHECK[1:]}, then "
                f"{LICENSE_MANAGEMENT} > Actions > Renew Authorization Now.",
            )
        )
    return hints


def _entitlement_hints(snap: LicenseSnapshot) -> list[Hint]:
    bad = [
        e.name
        for e in snap.entitlements
        if e.status
        in (
            EntitlementStatus.OUT_OF_COMPLIANCE,
            EntitlementStatus.EVALUATION_EXPIRED,
            EntitlementStatus.AUTHORIZATION_EXPIRED,
            EntitlementStatus.NOT_AUTHORIZED,
        )
    ]
    if not bad or snap.authorization.status is AuthorizationStatus.OUT_OF_COMPLIANCE:
        return []
    return [
        Hint(
            Severity.CRITICAL,
            f"Entitlements not covered: {', '.join(bad)}.",
            "Add licences of these types (or a higher tier) to the virtual account in Smart "
            "Software Manager, or reduce the users and devices that consume them.",
        )
    ]


def _deadline_hints(snap: LicenseSnapshot, now: datetime) -> list[Hint]:
    hints = []
    for deadline in snap.hard_deadlines:
        left = days_left(deadline.at, now)
        if left < 0:
            what = deadline.kind.value.replace("_", " ")
            hints.append(
                Hint(
                    Severity.CRITICAL,
                    f"The {what} passed {human_span(now - deadline.at)} ago: it is overdue.",
                    f"Check the connection to Cisco ({_TRANSPORT_CHECK}), then "
                    f"{LICENSE_MANAGEMENT} > Actions > Renew Registration Now / Renew "
                    "Authorization Now; if the registration lapsed, register again with a new "
                    "token from Smart Software Manager.",
                )
            )
        elif left <= 30:
            what = deadline.kind.value.replace("_", " ")
            hints.append(
                Hint(
                    Severity.CRITICAL if left <= 7 else Severity.WARNING,
                    f"The {what} is in {human_span(deadline.at - now)}.",
                    "Renew before then: "
                    f"{LICENSE_MANAGEMENT} > Actions > Renew Registration Now / Renew "
                    "Authorization Now, after checking the connection to Cisco.",
                )
            )
    return hints


def _unknown_hints(snap: LicenseSnapshot) -> list[Hint]:
    """States licdash could not read: say so, and how to look."""
    hints = []
    look = (
        "Compare with `show license all` on the publisher's CLI or "
        f"{LICENSE_MANAGEMENT}; run `licdash parse` on that output to see what licdash reads."
    )
    if snap.registration.status is RegistrationStatus.UNKNOWN:
        raw = f" ({snap.registration.raw!r})" if snap.registration.raw else ""
        hints.append(Hint(Severity.UNKNOWN, f"Registration state unknown{raw}.", look))
    if snap.authorization.status is AuthorizationStatus.UNKNOWN:
        raw = f" ({snap.authorization.raw!r})" if snap.authorization.raw else ""
        hints.append(Hint(Severity.UNKNOWN, f"Authorization state unknown{raw}.", look))
    unknown = [e.name for e in snap.entitlements if e.status is EntitlementStatus.UNKNOWN]
    if unknown:
        hints.append(
            Hint(Severity.UNKNOWN, f"Entitlement state unknown: {', '.join(unknown)}.", look)
        )
    return hints


_ERROR_ACTIONS: Final[dict[str, str]] = {
    "auth": "Bad credentials: check the AXL application user's password in the config "
    "and that the user holds the 'Standard AXL API Access' role "
    "(User Management > Application User).",
    "ssh_auth": "Bad credentials: check the platform administrator's user name and "
    "password (or key) used for SSH.",
    "secret": "The password source gave nothing: check the environment variable, keyring "
    "entry or command named in the config.",
    "tls": "TLS failed: install the publisher's CA bundle and point `verify` at it, or "
    "fix the certificate's host name or expiry (OS Administration > Security > "
    "Certificate Management).",
    "not_found": "AXL is not enabled here: activate 'Cisco AXL Web Service' in "
    "Serviceability > Tools > Service Activation on the publisher.",
    "read_timeout": "Timed out waiting for AXL: check 'Cisco AXL Web Service' and Tomcat "
    "on the publisher, or raise `timeout` in the config.",
    "connect_timeout": "Connect timed out: check routing and firewalls to port 8443 and "
    "that the publisher is up.",
    "cli_timeout": "The SSH session timed out: VOS logins are slow, raise `timeout`.",
    "dns": "The publisher's name does not resolve: fix the host name or DNS.",
    "refused": "Connection refused: check the host, port 8443 and the Tomcat service.",
    "busy": "AXL is busy or restarting: licdash backs off; check the publisher's load.",
    "server_error": "AXL failed: restart 'Cisco AXL Web Service' (Serviceability > "
    "Tools > Control Center - Feature Services) and check Tomcat.",
    "unsupported_version": "The publisher speaks an older AXL: set axl_version = "
    '"auto" for this cluster.',
    "host_key": "The SSH host key changed or is unknown: verify it with the publisher's "
    "administrator before adding it to known_hosts.",
}


def error_hint(error: ErrorInfo) -> Hint:
    """The action for a failed poll, by error kind (falls back to the error's own hint)."""
    action = _ERROR_ACTIONS.get(error.kind) or error.hint or "See the error message."
    return Hint(Severity.WARNING, f"Polling fails ({error.kind}): {error.message}", action)


def hints_for(status: ClusterStatus, now: datetime) -> list[Hint]:
    """Every remediation hint for a cluster, worst first."""
    hints: list[Hint] = []
    if status.unreachable and status.last_error is not None:
        hints.append(error_hint(status.last_error))
    snap = status.last_good
    if snap is None:
        if not hints:
            hints.append(
                Hint(
                    Severity.UNKNOWN,
                    "Never polled successfully.",
                    "Run `licdash config check` to test the connection to this publisher.",
                )
            )
        return [_one_line(h) for h in hints]
    hints += _auth_hints(snap)
    hints += _registration_hints(snap)
    hints += _entitlement_hints(snap)
    hints += _attempt_hints(snap)
    hints += _deadline_hints(snap, now)
    hints += _unknown_hints(snap)
    if status.stale and not status.unreachable:
        hints.append(
            Hint(
                Severity.UNKNOWN,
                "The data is stale: no good poll for several intervals.",
                "Check that the collector runs (`licdash status`, `systemctl status "
                "licdash-collect`) and that it can reach this publisher.",
            )
        )
    if not hints and snap.severity is not Severity.OK:
        # Never "nothing to do" beside a cluster that is not ok: say what the rules saw.
        why = "; ".join(snap.reasons) or f"the cluster is {snap.severity.value}"
        hints.append(
            Hint(
                snap.severity,
                f"{why[0].upper()}{why[1:]}.",
                f"Open {LICENSE_MANAGEMENT} on the publisher and compare with the details here.",
            )
        )
    hints.sort(key=lambda h: -h.severity.rank)
    return [_one_line(h) for h in hints]


def _one_line(hint: Hint) -> Hint:
    """Publisher text (an error message, a raw status) shown on one line, inert."""
    return Hint(hint.severity, neutralise(hint.problem), neutralise(hint.action))
