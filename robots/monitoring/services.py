"""The only writer of alerts: raise (or refresh) them, acknowledge, resolve by hand, and
resolve automatically when a detector no longer finds the condition.

A new alert tells the people who must act (in-app and by e-mail, after commit): the process
owner of the deployment concerned on the member's site, and the office's operators.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit
from robots.monitoring.models import Alert
from tenants.models import Membership, Organisation, User
from tenants.permissions import ROLE_CAPABILITIES, Capability, can
from tenants.services import notifications, office

ALERTS_PATH = "/alerts/"
OPERATOR_ROLES = [
    role
    for role, capabilities in ROLE_CAPABILITIES.items()
    if Capability.OPERATE_ROBOTS in capabilities
]


@dataclass(frozen=True)
class Finding:
    """One condition a detector found, as the alert it should be."""

    key: str
    organisation: Organisation | None
    severity: str
    subject_type: str
    subject_id: int
    subject_label: str
    message: str  # an English text marked with gettext_noop
    params: dict = field(default_factory=dict)
    occurrence: str = ""
    # People of the member to tell besides the office's operators (e.g. the process owner).
    owners: tuple[User, ...] = ()


def may_handle(user, site: Organisation) -> bool:
    """Office operators handle every alert; a member's process owners and admins its own."""
    capability = Capability.OPERATE_ROBOTS if site.is_office else Capability.APPROVE_ORDERS
    return can(user, site, capability)


def office_operators() -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation__schema_name=office().schema_name, role__in=OPERATOR_ROLES
        ).select_related("user")
    ]


def _tell(alert: Alert, owners: Iterable[User]) -> None:
    url = f"{ALERTS_PATH}#alert-{alert.pk}"
    if alert.organisation is not None:
        notifications.notify(
            recipients=owners,
            organisation=alert.organisation,
            message=alert.message,
            params=alert.params,
            url=url,
        )
    notifications.notify(
        recipients=office_operators(),
        organisation=office(),
        message=alert.message,
        params=alert.params,
        url=url,
    )


def _refresh(alert: Alert, finding: Finding, now: datetime) -> Alert:
    if finding.occurrence != alert.last_occurrence:
        alert.count += 1
        alert.last_occurrence = finding.occurrence
    alert.last_seen = now
    alert.severity = finding.severity
    alert.subject_type = finding.subject_type
    alert.subject_id = finding.subject_id
    alert.subject_label = finding.subject_label[:200]
    alert.message = finding.message
    alert.params = finding.params
    alert.save()
    return alert


@transaction.atomic
def raise_alert(kind: str, finding: Finding, *, now: datetime | None = None) -> tuple[Alert, bool]:
    """The active alert for ``finding.key``, refreshed, or a new one (whose people are
    told). Returns the alert and whether it is new."""
    now = now or timezone.now()
    active = Alert.objects.select_for_update().filter(
        dedupe_key=finding.key, state__in=Alert.ACTIVE
    )
    alert = active.first()
    if alert is not None:
        return _refresh(alert, finding, now), False
    alert = Alert(
        organisation=finding.organisation,
        kind=kind,
        severity=finding.severity,
        dedupe_key=finding.key,
        subject_type=finding.subject_type,
        subject_id=finding.subject_id,
        subject_label=finding.subject_label[:200],
        message=finding.message,
        params=finding.params,
        last_occurrence=finding.occurrence,
        first_seen=now,
        last_seen=now,
    )
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:  # another detector pass raised it since we looked
        return _refresh(active.get(), finding, now), False
    _tell(alert, finding.owners)
    return alert, True


@dataclass
class SyncResult:
    raised: int = 0
    refreshed: int = 0
    resolved: int = 0


@transaction.atomic
def sync_alerts(
    kind: str,
    findings: Sequence[Finding],
    *,
    member: Organisation | None = None,
    now: datetime | None = None,
) -> SyncResult:
    """Make the active alerts of ``kind`` match what a detector found: raise or refresh one
    per finding, resolve the others whose condition has cleared. ``member`` limits the
    scope to that member's alerts (detectors that read one member's schema)."""
    now = now or timezone.now()
    result = SyncResult()
    for finding in findings:
        _alert, new = raise_alert(kind, finding, now=now)
        if new:
            result.raised += 1
        else:
            result.refreshed += 1
    cleared = Alert.objects.filter(kind=kind, state__in=Alert.ACTIVE).exclude(
        dedupe_key__in=[finding.key for finding in findings]
    )
    if member is not None:
        cleared = cleared.filter(organisation=member)
    result.resolved = cleared.update(state=Alert.State.RESOLVED, resolved_at=now)
    return result


def _check(alert: Alert, actor, site: Organisation) -> None:
    if not may_handle(actor, site):
        raise PermissionDenied(_("You may not handle alerts."))
    if not site.is_office and alert.organisation_id != site.pk:
        raise PermissionDenied(_("You may not handle alerts."))


@transaction.atomic
def acknowledge(*, alert: Alert, actor, site: Organisation) -> Alert:
    """Someone has seen the alert and is on it; it stays active until resolved."""
    _check(alert, actor, site)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state != Alert.State.OPEN:
        raise ValidationError(_("Only an open alert can be acknowledged."))
    alert.state = Alert.State.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    audit.record(
        actor=actor,
        action="monitoring.alert.acknowledged",
        target=alert,
        organisation=alert.organisation,
    )
    return alert


@transaction.atomic
def acknowledge_many(*, alerts: Sequence[Alert], actor, site: Organisation) -> int:
    """Acknowledge the open ones of these alerts at once (those already acknowledged or
    resolved are left as they are); how many were acknowledged. Each is audited."""
    for alert in alerts:
        _check(alert, actor, site)
    now = timezone.now()
    chosen = Alert.objects.select_for_update(of=("self",)).filter(
        pk__in=[alert.pk for alert in alerts], state=Alert.State.OPEN
    )
    acknowledged = list(chosen.select_related("organisation"))
    for alert in acknowledged:
        alert.state = Alert.State.ACKNOWLEDGED
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
    Alert.objects.bulk_update(acknowledged, ["state", "acknowledged_at", "acknowledged_by"])
    for alert in acknowledged:
        audit.record(
            actor=actor,
            action="monitoring.alert.acknowledged",
            target=alert,
            organisation=alert.organisation,
        )
    return len(acknowledged)


def assignee_choices(site: Organisation):
    """Who may be given an alert on this site: the people who may handle alerts here (the
    office's operators, or the member's process owners and administrators)."""
    roles = [
        role
        for role, capabilities in ROLE_CAPABILITIES.items()
        if (Capability.OPERATE_ROBOTS if site.is_office else Capability.APPROVE_ORDERS)
        in capabilities
    ]
    return User.objects.filter(
        is_active=True, memberships__organisation=site, memberships__role__in=roles
    ).order_by("full_name", "email")


@transaction.atomic
def assign(*, alerts: Sequence[Alert], assignee: User | None, actor, site: Organisation) -> int:
    """Give these alerts to someone who may handle them here (None: to no one); the assignee
    is told in-app and by e-mail. Resolved alerts keep whom they had. Audited per alert."""
    for alert in alerts:
        _check(alert, actor, site)
    if assignee is not None and not assignee_choices(site).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {"assignee": _("%(name)s may not handle alerts here.") % {"name": assignee}}
        )
    changed = list(
        Alert.objects.select_for_update(of=("self",))
        .filter(pk__in=[alert.pk for alert in alerts], state__in=Alert.ACTIVE)
        .exclude(assignee=assignee)
        .select_related("organisation")
    )
    for alert in changed:
        before = alert.assignee_id
        alert.assignee = assignee
        audit.record(
            actor=actor,
            action="monitoring.alert.assigned",
            target=alert,
            organisation=alert.organisation,
            changes={"assignee": [before, assignee.pk if assignee else None]},
        )
    Alert.objects.bulk_update(changed, ["assignee"])
    if assignee is not None and changed:
        notifications.notify(
            recipients=[assignee],
            organisation=site,
            message=gettext_noop("%(count)s alerts were given to you."),
            params={"count": len(changed)},
            url=f"{ALERTS_PATH}?assignee=me",
            actor=actor,
        )
    return len(changed)


@transaction.atomic
def resolve(*, alert: Alert, actor, site: Organisation) -> Alert:
    """Resolved by hand; if the condition persists, the next detector pass raises it anew."""
    _check(alert, actor, site)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state == Alert.State.RESOLVED:
        raise ValidationError(_("The alert is already resolved."))
    alert.state = Alert.State.RESOLVED
    alert.resolved_at = timezone.now()
    alert.resolved_by = actor
    alert.save(update_fields=["state", "resolved_at", "resolved_by"])
    audit.record(
        actor=actor,
        action="monitoring.alert.resolved",
        target=alert,
        organisation=alert.organisation,
    )
    return alert
