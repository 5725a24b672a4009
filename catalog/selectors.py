"""Reads of the catalog, scoped to what the caller may see.

Members see robots that have a version in production, and only those versions; the office
staff see everything. Lists are one query whatever their length.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from catalog.models import Robot, RobotVersion
from core.models import AuditEvent
from tenants.models import Organisation

PRODUCTION = RobotVersion.Status.PRODUCTION


class Unnest(Func):
    function = "UNNEST"
    output_field = CharField()


def sees_everything(organisation: Organisation) -> bool:
    """Office staff (on the office console) see drafts and robots not yet in production."""
    return organisation is not None and organisation.is_office


def _production_versions():
    return RobotVersion.objects.filter(robot=OuterRef("pk"), status=PRODUCTION)


def robots_for(organisation: Organisation) -> QuerySet[Robot]:
    """The robots this site shows, each with its current production version annotated."""
    robots = Robot.objects.select_related("owner").annotate(
        in_production=Exists(_production_versions()),
        current_version=Subquery(
            _production_versions().order_by("-released_at", "-pk").values("version")[:1]
        ),
    )
    if not sees_everything(organisation):
        robots = robots.filter(in_production=True)
    return robots


def search_robots(
    robots: QuerySet[Robot],
    *,
    q: str = "",
    kind: str = "",
    system: str = "",
    category: str = "",
    member_kind: str = "",
) -> QuerySet[Robot]:
    """Filter a catalog queryset. Systems and member kinds use the arrays' GIN indexes."""
    if kind:
        robots = robots.filter(kind=kind)
    if category:
        robots = robots.filter(category=category)
    if system:
        robots = robots.filter(systems__contains=[system])
    if member_kind:
        robots = robots.filter(member_kinds__contains=[member_kind])
    for word in (q or "").split():
        robots = robots.filter(
            Q(name_da__icontains=word)
            | Q(name_en__icontains=word)
            | Q(summary_da__icontains=word)
            | Q(summary_en__icontains=word)
        )
    return robots


def known_systems() -> list[str]:
    """Every system some robot names, for the filter choices (one query)."""
    return list(
        Robot.objects.annotate(system=Unnest("systems"))
        .values_list("system", flat=True)
        .distinct()
        .order_by("system")
    )


def versions_for(robot: Robot, organisation: Organisation) -> QuerySet[RobotVersion]:
    versions = robot.versions.select_related("author", "approved_by")
    if not sees_everything(organisation):
        versions = versions.filter(status=PRODUCTION)
    return versions


def can_see(organisation: Organisation, robot: Robot | None) -> bool:
    """Whether this site shows the robot (its catalog page answers rather than 404): the one
    rule for pages that link to a catalog robot from elsewhere."""
    if robot is None:
        return False
    return sees_everything(organisation) or robot.versions.filter(status=PRODUCTION).exists()


def robot_for(organisation: Organisation, slug: str) -> Robot:
    """One robot this site may see, or Robot.DoesNotExist."""
    return robots_for(organisation).get(slug=slug)


def robot_history(robot: Robot) -> QuerySet[AuditEvent]:
    """The audit trail of a robot and all its versions, newest first."""
    version_ids = robot.versions.annotate(key=Cast("pk", CharField())).values("key")
    return AuditEvent.objects.filter(
        Q(target_type=ContentType.objects.get_for_model(Robot), target_id=str(robot.pk))
        | Q(
            target_type=ContentType.objects.get_for_model(RobotVersion),
            target_id__in=Subquery(version_ids),
        )
    ).select_related("actor", "target_type")


def audit_trail_for(
    organisation: Organisation,
    *,
    action_prefix: str = "",
    member: str = "",
    since: date | None = None,
    until: date | None = None,
    actor: str = "",
    target: str = "",
) -> QuerySet[AuditEvent]:
    """The audit events this site may read, newest first: everything on the office console,
    the events concerning the member on a member's site; narrowed to an area, a member, a
    period (days in Danish time, both included), who acted (name or e-mail) and what was
    changed (its kind or name). One query a page whatever the length."""
    events = AuditEvent.objects.select_related("actor", "organisation", "target_type")
    if not organisation.is_office:
        events = events.filter(organisation=organisation)
    elif member:
        events = events.filter(organisation__slug=member)
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if since:
        events = events.filter(at__gte=_start_of(since))
    if until:
        events = events.filter(at__lt=_start_of(until + timedelta(days=1)))
    if actor:
        by = Q(actor__email__icontains=actor) | Q(actor__full_name__icontains=actor)
        events = events.filter(by)
    if target:
        models = [
            content_type.pk
            for content_type in ContentType.objects.all()
            if target.lower() in str(content_type.name).lower()
        ]
        events = events.filter(Q(target_repr__icontains=target) | Q(target_type__in=models))
    return events


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
