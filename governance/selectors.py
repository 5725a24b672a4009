"""Reads of the governance register, scoped to the caller's organisation: the office sees
every member's records, a member only its own. Lists are one query whatever their length."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from governance.models import GovernanceRecord
from robots.models import Deployment
from tenants import permissions
from tenants.models import Organisation

# Reviews show up on the dashboards this many days before they are due.
DUE_WITHIN_DAYS = 30


def records_for(organisation: Organisation) -> QuerySet[GovernanceRecord]:
    records = GovernanceRecord.objects.select_related(
        "organisation", "process_owner", "deployment", "idea"
    )
    if organisation.is_office:
        return records
    return records.filter(organisation=organisation)


def record_for(organisation: Organisation, pk) -> GovernanceRecord:
    record = records_for(organisation).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def due(
    records: QuerySet[GovernanceRecord], within_days: int = DUE_WITHIN_DAYS
) -> QuerySet[GovernanceRecord]:
    """Records whose review is overdue or due within the days; retired robots need none."""
    until = timezone.localdate() + timedelta(days=within_days)
    return records.filter(review_due__lte=until).exclude(
        deployment__status=Deployment.Status.RETIRED
    )


def due_reviews(
    organisation: Organisation, user, within_days: int = DUE_WITHIN_DAYS
) -> QuerySet[GovernanceRecord]:
    """The reviews this person should see coming: on the office console all of them; on a
    member's site the member's if they approve its processes, else those they own."""
    records = due(records_for(organisation), within_days)
    if organisation.is_office:
        if permissions.membership(user, organisation) is None:
            return records.none()
        return records
    if permissions.can(user, organisation, permissions.Capability.APPROVE_ORDERS):
        return records
    return records.filter(Q(process_owner=user))
