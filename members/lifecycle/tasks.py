"""The beat task that runs leaving on the leave date and the day after."""

from celery import shared_task
from django.utils import timezone

from core.tasks import isolated_row
from members.lifecycle import selectors, services

TASK = "members.lifecycle.tasks.apply_due_leavings"


@shared_task(name=TASK)
def apply_due_leavings() -> int:
    """Beat, hourly: for every member whose leave date has come, pause (on the date) and
    then retire its deployments, cancel its queued jobs and close its site (the day after).
    Idempotent; one member's failure never stops the others. Returns how many were due."""
    today = timezone.localdate()
    due = 0
    for organisation in selectors.due_leavings(today):
        with isolated_row(
            TASK,
            f"member {organisation.slug}",
            subject=("organisation", organisation.pk),
            organisation_id=organisation.pk,
        ):
            due += services.apply_leaving(organisation=organisation, today=today)
    return due
