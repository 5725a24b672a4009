"""Reads of organisations and people, scoped to what the caller may see."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tenants.models import (
    PROCESS_OWNER_ROLES,
    ApiToken,
    Invitation,
    Membership,
    Notification,
    Organisation,
    User,
)


def member_schema_names() -> list[str]:
    return list(
        Organisation.objects.exclude(kind=Organisation.Kind.OFFICE)
        .filter(is_active=True)
        .values_list("schema_name", flat=True)
    )


def organisations_for_office() -> QuerySet[Organisation]:
    """Every organisation, with its people counted in the same query."""
    return Organisation.objects.prefetch_related("domains").annotate(
        people=Count("memberships", distinct=True)
    )


def organisation_counts() -> dict[str, int]:
    return Organisation.objects.aggregate(
        total=Count("pk"),
        municipalities=Count("pk", filter=Q(kind=Organisation.Kind.MUNICIPALITY)),
        housing=Count("pk", filter=Q(kind=Organisation.Kind.HOUSING)),
        active=Count("pk", filter=Q(is_active=True) & ~Q(kind=Organisation.Kind.OFFICE)),
    )


def memberships_of(organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user")


def open_invitations_of(organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def users_count() -> int:
    return User.objects.filter(is_active=True).count()


def tokens_of(user: User, organisation: Organisation) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, organisation=organisation, revoked_at__isnull=True)


def inbox(user: User, organisation: Organisation) -> QuerySet[Notification]:
    """The person's notifications on this site, newest first."""
    return Notification.objects.filter(recipient=user, organisation=organisation)


def unread_count(user: User, organisation: Organisation) -> int:
    return inbox(user, organisation).filter(read_at__isnull=True).count()


def process_owner_choices(organisation: Organisation) -> QuerySet[User]:
    """The member's people who may own a process: its process owners and administrators."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation=organisation,
            memberships__role__in=PROCESS_OWNER_ROLES,
        )
        .distinct()
        .order_by("full_name", "email")
    )
