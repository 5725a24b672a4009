"""Staff time: hours recorded against a member, an order or an idea, approved and booked."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.allocation import allocate
from billing.models import (
    TimeEntry,
    UsageEntry,
)
from billing.money import ORE_PER_KRONE, format_kr, format_number, format_price, round_half_up
from billing.services.periods import open_period_for
from tenants.models import Organisation


@transaction.atomic
def record_time_entry(
    *,
    staff,
    work_date: date,
    hours: Decimal,
    description: str,
    organisation: Organisation | None = None,
    order=None,
    idea=None,
) -> TimeEntry:
    if Decimal(hours) <= 0:
        raise ValidationError({"hours": _("Hours must be more than zero.")})
    if sum(target is not None for target in (organisation, order, idea)) != 1:
        raise ValidationError(_("Record the hours against one member, one order or one idea."))
    entry = TimeEntry(
        staff=staff,
        work_date=work_date,
        hours=hours,
        description=description,
        organisation=organisation,
        order=order,
        idea=idea,
    )
    entry.full_clean()
    entry.save()
    return entry


def _billed_members(entry: TimeEntry) -> list[int]:
    if entry.organisation_id:
        return [entry.organisation_id]
    if entry.order_id:
        return [entry.order.organisation_id]
    joined = entry.idea.participants.values_list("organisation_id", flat=True)
    return sorted({entry.idea.organisation_id, *joined})


@transaction.atomic
def approve_time_entry(entry: TimeEntry, *, actor) -> TimeEntry:
    """Approve the hours and book them, priced by the rate card of the day they were worked.

    Hours on a shared idea are split in øre among the idea's member and those who joined it.
    """
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == TimeEntry.Status.APPROVED:
        return entry
    card = selectors.rate_card_on(entry.work_date)
    if card is None:
        raise ValidationError(
            _("No rate card is valid on %(day)s, so the hours cannot be priced.")
            % {"day": entry.work_date.isoformat()}
        )
    members = _billed_members(entry)
    price = card.staff_hour_price
    total = round_half_up(entry.hours * price * ORE_PER_KRONE)
    shares = allocate(total, dict.fromkeys(members, Decimal(1)))
    period = open_period_for(entry.work_date)
    text = (
        f"Konsulenttimer {entry.work_date:%d.%m.%Y}: {entry.description}, "
        f"{format_number(entry.hours, 2)} timer × {format_price(price)}"
    )
    if len(members) > 1:
        text += f" = {format_kr(total)}, delt ligeligt mellem {len(members)} medlemmer"
    UsageEntry.objects.bulk_create(
        [
            UsageEntry(
                source=f"time:{entry.pk}" if len(members) == 1 else f"time:{entry.pk}:{member}",
                period=period,
                organisation_id=member,
                kind=UsageEntry.Kind.STAFF_HOURS,
                occurred_on=entry.work_date,
                time_entry=entry,
                quantity=entry.hours,
                unit_price=price,
                amount_ore=shares[member],
                description=text[:300],
            )
            for member in members
        ],
        ignore_conflicts=True,
    )
    entry.status = TimeEntry.Status.APPROVED
    entry.approved_by = actor
    entry.approved_at = timezone.now()
    entry.save(update_fields=["status", "approved_by", "approved_at"])
    return entry
