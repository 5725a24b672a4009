"""The only writers of joining and leaving. Each action is one service, audited.

The member's dates live in billing's ``MemberTerm`` (written through billing's
``set_member_term``): joined_on starts its pro-rata, left_on (its last day) ends it and
drives the transitions of leaving (``apply_leaving``).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import MemberTerm, Period
from billing.services import set_member_term
from core import audit
from members.models import DataProcessingAgreement, Departure, Processor
from robots.models import Deployment, Job
from robots.services import pause_deployment, set_deployment_status
from robots.services.jobs import request_stop
from tenants import services as tenants_services
from tenants.models import Organisation, Role
from tenants.services.sso import configure_sso


def _member(organisation: Organisation) -> None:
    if organisation.is_office:
        raise ValidationError(_("The shared office is not a member of the partnership."))


def _check_not_closed(first: date, last: date | None) -> None:
    """Refuse a change of membership days from ``first`` to ``last`` (open-ended: None)
    when a billing period covering any of them is closed: its invoices are final."""
    first, last = (first, last) if last is None or first <= last else (last, first)
    closed = Period.objects.filter(status__in=Period.FINAL, month__gte=first.replace(day=1))
    if last is not None:
        closed = closed.filter(month__lte=last)
    _refuse_closed(closed)


def _refuse_closed(closed) -> None:
    period = closed.order_by("month").first()
    if period is not None:
        raise ValidationError(
            _(
                "The billing period %(period)s is closed: its invoices are final, so the "
                "membership cannot change in it."
            )
            % {"period": period.label}
        )


@transaction.atomic
def join_member(*, actor, joined_on: date, **organisation_fields) -> Organisation:
    """Onboard a new member: its organisation, domain and schema (cloned, by tenants'
    provisioning) and the date it joins, which starts its pro-rata in billing."""
    # A new member cannot join into a month that is already billed and closed.
    _check_not_closed(joined_on, None)
    organisation = tenants_services.provision_organisation(**organisation_fields)
    term = set_member_term(organisation=organisation, joined_on=joined_on)
    audit.record(
        actor=actor,
        action="members.member.joined",
        target=organisation,
        organisation=organisation,
        changes={
            "joined_on": term.joined_on.isoformat(),
            **{field: str(value) for field, value in organisation_fields.items() if value},
        },
    )
    return organisation


@transaction.atomic
def change_term(
    *, organisation: Organisation, joined_on: date, left_on: date | None, actor
) -> MemberTerm:
    """Set or correct when a member joined and left (audited). Refused, changing nothing,
    when it would leave before it joined or change a closed billing period."""
    _member(organisation)
    if left_on is not None and left_on < joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before it joined.")})
    term = MemberTerm.objects.select_for_update().filter(organisation=organisation).first()
    before = {
        "joined_on": term.joined_on if term else None,
        "left_on": term.left_on if term else None,
    }
    after = {"joined_on": joined_on, "left_on": left_on}
    if before == after:
        return term
    if term is None:
        # Without a term it was a member of every month: a closed month starting before
        # the new joined date would lose days.
        _refuse_closed(Period.objects.filter(status__in=Period.FINAL, month__lt=joined_on))
    elif term.joined_on != joined_on:
        _check_not_closed(term.joined_on, joined_on)
    old_left = term.left_on if term else None
    if old_left != left_on:
        # The days between the old and the new last day change; open-ended: all after.
        days = [day for day in (old_left, left_on) if day is not None]
        _check_not_closed(min(days), max(days) if len(days) == 2 else None)
    term = set_member_term(organisation=organisation, joined_on=joined_on, left_on=left_on)
    audit.record(
        actor=actor,
        action="members.term.changed",
        target=term,
        organisation=organisation,
        changes={
            name: [value and value.isoformat(), after[name] and after[name].isoformat()]
            for name, value in before.items()
            if value != after[name]
        },
    )
    return term


@transaction.atomic
def record_leaving(
    *,
    organisation: Organisation,
    left_on: date,
    reason: str,
    decision_reference: str,
    actor,
    today: date | None = None,
) -> Departure:
    """Record that a member leaves: ``left_on`` is its last day. Its deployments pause on
    that day and retire after it, its queued jobs are cancelled, and its site closes to its
    people the day after; billing pro-rates it to ``left_on``. A date in the past or today
    takes effect at once, a later one from the beat task (``apply_leaving``)."""
    _member(organisation)
    term = MemberTerm.objects.select_for_update().filter(organisation=organisation).first()
    if term is None:
        raise ValidationError(
            {"left_on": _("Record when the member joined first (its membership term).")}
        )
    if Departure.objects.filter(organisation=organisation).exists():
        raise ValidationError(
            _("The member's leaving is already recorded; correct the date on its membership term.")
        )
    if left_on < term.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before it joined.")})
    _check_not_closed(left_on, term.left_on)
    departure = Departure(
        organisation=organisation,
        reason=reason.strip(),
        decision_reference=decision_reference.strip(),
        recorded_by=actor,
    )
    departure.full_clean()
    departure.save()
    set_member_term(organisation=organisation, joined_on=term.joined_on, left_on=left_on)
    audit.record(
        actor=actor,
        action="members.member.leaving_recorded",
        target=organisation,
        organisation=organisation,
        changes={
            "left_on": left_on.isoformat(),
            "reason": departure.reason,
            "decision_reference": departure.decision_reference,
        },
    )
    apply_leaving(organisation=organisation, today=today or timezone.localdate())
    return departure


@transaction.atomic
def apply_leaving(*, organisation: Organisation, today: date) -> bool:
    """Run the transitions of leaving that are due by ``today`` (idempotent): on the leave
    date the member's deployments are paused and its queued jobs cancelled; after it, its
    deployments are retired and its site closed. Returns whether anything was due."""
    term = MemberTerm.objects.filter(organisation=organisation).first()
    if term is None or term.left_on is None or today < term.left_on:
        return False
    departure = Departure.objects.select_for_update().filter(organisation=organisation).first()
    deployments = Deployment.objects.filter(organisation=organisation)
    for deployment in deployments.filter(status=Deployment.Status.ACTIVE):
        pause_deployment(deployment=deployment, actor=None)
    for job in Job.objects.filter(organisation=organisation, status=Job.Status.QUEUED):
        request_stop(job=job, actor=None)
    now = timezone.now()
    if departure is not None and departure.paused_at is None:
        departure.paused_at = now
        departure.save(update_fields=["paused_at"])
    if today > term.left_on:
        for deployment in deployments.exclude(status=Deployment.Status.RETIRED):
            set_deployment_status(
                deployment=deployment, status=Deployment.Status.RETIRED, actor=None
            )
        tenants_services.close_site(organisation=organisation, actor=None)
        if departure is not None and departure.completed_at is None:
            departure.completed_at = now
            departure.save(update_fields=["completed_at"])
    return True


@transaction.atomic
def add_agreement(
    *, organisation: Organisation, version: str, signed_on: date, document, actor
) -> DataProcessingAgreement:
    """File the member's signed data-processing agreement (audited)."""
    _member(organisation)
    agreement = DataProcessingAgreement(
        organisation=organisation,
        version=version.strip(),
        signed_on=signed_on,
        document=document,
        uploaded_by=actor,
    )
    agreement.full_clean()
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("An agreement cannot be signed in the future.")})
    agreement.save()
    audit.record(
        actor=actor,
        action="members.agreement.added",
        target=agreement,
        organisation=organisation,
        changes={"version": agreement.version, "signed_on": signed_on.isoformat()},
    )
    return agreement


def add_key_figure(*, organisation: Organisation, actor, **figure):
    """A key figure for the distribution keys, valid from a date (tenants' service; audited)."""
    _member(organisation)
    with transaction.atomic():
        saved = tenants_services.set_key_figure(organisation=organisation, **figure)
        audit.record(
            actor=actor,
            action="members.key_figure.set",
            target=organisation,
            organisation=organisation,
            changes={
                "kind": saved.kind,
                "value": str(saved.value),
                "valid_from": saved.valid_from.isoformat(),
            },
        )
    return saved


def invite_administrator(*, organisation: Organisation, email: str, actor, site: Organisation):
    """Invite the member's first administrator by e-mail (tenants' invitation flow)."""
    _member(organisation)
    with transaction.atomic():
        invitation = tenants_services.invite(
            inviter=actor, site=site, organisation=organisation, email=email, role=Role.MEMBER_ADMIN
        )
        audit.record(
            actor=actor,
            action="members.administrator.invited",
            target=organisation,
            organisation=organisation,
            changes={"email": invitation.email},
        )
    return invitation


def set_up_sso(*, organisation: Organisation, actor, **sso):
    """The member's single sign-on, as ``configure_sso`` sets it up (audited there)."""
    _member(organisation)
    app, _created = configure_sso(organisation=organisation, actor=actor, **sso)
    return app


@transaction.atomic
def save_processor(*, actor, processor: Processor | None = None, **fields) -> Processor:
    """Add or change a processor the office uses (audited)."""
    instance = processor or Processor()
    before = {name: getattr(instance, name) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value.strip())
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action="members.processor.changed" if processor else "members.processor.added",
        target=instance,
        changes=audit.changed(before, fields) if processor else fields,
    )
    return instance


@transaction.atomic
def remove_processor(*, processor: Processor, actor) -> None:
    audit.record(actor=actor, action="members.processor.removed", target=processor)
    processor.delete()
