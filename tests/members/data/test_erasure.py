"""Erasing a member that left: refused with the reason and nothing changed until it may be
erased; then its schema, files and people go, what billing and the audit trail must keep
stays (pseudonymised), and a signed receipt proves it. Resumable and idempotent."""

import io
import shutil
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from billing import services as billing
from billing.models import Invoice, UsageEntry
from core.models import AuditEvent
from members.data import services as data
from members.models import ErasureReceipt
from robots.workitems.models import WorkItem
from tenants.models import Domain, Membership, Organisation, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def exported(leaver, download=True):
    export = data.request_export(
        actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
    )
    export = data.build_export(export.pk)
    if download:
        data.record_download(export=export, actor=leaver.admin)
    export.refresh_from_db()
    return export


def erase(leaver, actor, site, confirm=None) -> ErasureReceipt:
    receipt = data.start_erasure(
        actor=actor,
        site=site,
        organisation=leaver.organisation,
        confirm=leaver.organisation.slug if confirm is None else confirm,
    )
    return data.erase(receipt.pk)


def nothing_erased(leaver) -> None:
    assert not ErasureReceipt.objects.exists()
    with schema_context(leaver.organisation.schema_name):
        assert WorkItem.objects.count() == 3
    assert User.objects.get(pk=leaver.admin.pk).email == "admin@bolig.dk"
    assert Domain.objects.filter(tenant=leaver.organisation).exists()


def test_erasure_drops_the_data_keeps_billing_and_signs_a_receipt(
    leaver, office, office_admin, settings
):
    export = exported(leaver)
    folder = settings.MEDIA_ROOT / "workitems" / leaver.organisation.schema_name
    assert folder.is_dir()
    invoices = list(Invoice.objects.filter(organisation=leaver.organisation).values())
    ledger = UsageEntry.objects.filter(organisation=leaver.organisation).count()

    receipt = erase(leaver, office_admin, office)

    assert receipt.status == ErasureReceipt.Status.DONE
    with schema_context(leaver.organisation.schema_name):
        assert WorkItem.objects.count() == 0
    assert not folder.exists()
    admin = User.objects.get(pk=leaver.admin.pk)
    assert admin.email == f"erased-user-{admin.pk}@erased.invalid" and admin.full_name == ""
    assert not admin.is_active and not admin.has_usable_password()
    assert not Membership.objects.filter(organisation=leaver.organisation).exists()
    assert not Domain.objects.filter(tenant=leaver.organisation).exists()
    assert list(Invoice.objects.filter(organisation=leaver.organisation).values()) == invoices
    assert UsageEntry.objects.filter(organisation=leaver.organisation).count() == ledger
    # The audit trail keeps every event; its actor is now a pseudonym.
    created = AuditEvent.objects.get(action="members.export_created")
    assert created.actor_id == admin.pk and str(created.actor).startswith("erased-user-")
    payload = receipt.payload
    assert payload["export"]["sha256"] == export.sha256
    assert payload["erased"]["tables"]["workitems_workitem"] == 3
    assert payload["erased"]["files"]["count"] == 1
    assert payload["erased"]["people"]["anonymised"] == 2
    assert payload["erased_by"] == "admin@robotkontor.dk"
    assert data.verify(data.receipt_document(receipt))
    tampered = data.receipt_document(receipt)
    tampered["payload"] = {**tampered["payload"], "erased_by": "someone@else.dk"}
    assert not data.verify(tampered)
    assert AuditEvent.objects.filter(action="members.erased").count() == 1


def test_the_former_admin_gets_a_signed_link_to_the_receipt(
    leaver, office, office_admin, django_capture_on_commit_callbacks
):
    exported(leaver)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = erase(leaver, office_admin, office)

    (message,) = mail.outbox
    assert message.to == ["admin@bolig.dk"]
    token = data.receipt_link_token(receipt)
    assert f"/members/receipts/{token}/" in message.body
    assert data.receipt_from_token(token) == receipt
    assert data.receipt_from_token(token + "x") is None


def test_a_rerun_after_a_killed_worker_finishes_and_a_finished_erasure_changes_nothing(
    leaver, office, office_admin
):
    exported(leaver)
    receipt = data.start_erasure(
        actor=office_admin, site=office, organisation=leaver.organisation, confirm="bolig"
    )
    # What a worker killed after dropping the schema leaves: the step recorded, nothing else.
    data._step_schema(receipt, {})
    receipt.refresh_from_db()
    assert receipt.status == ErasureReceipt.Status.RUNNING

    again = data.start_erasure(
        actor=office_admin, site=office, organisation=leaver.organisation, confirm=""
    )
    assert again.pk == receipt.pk
    done = data.erase(receipt.pk)
    assert done.status == ErasureReceipt.Status.DONE
    assert done.payload["erased"]["tables"]["workitems_workitem"] == 3
    signature = done.signature
    assert data.erase(receipt.pk).signature == signature
    with pytest.raises(ValidationError, match="already been erased"):
        data.start_erasure(
            actor=office_admin, site=office, organisation=leaver.organisation, confirm="bolig"
        )


def test_refusals_change_nothing(leaver, office, office_admin, make_user, settings):
    # No export downloaded and the grace period not over.
    settings.MEMBER_ERASURE_GRACE_DAYS = (date.today() - leaver.period.month).days + 60
    exported(leaver, download=False)
    with pytest.raises(ValidationError, match="grace period"):
        erase(leaver, office_admin, office)
    nothing_erased(leaver)

    # Not an office administrator: the member's own admin, or an office operator.
    with pytest.raises(PermissionDenied):
        erase(leaver, leaver.admin, leaver.organisation)
    operator = make_user("drift2@robotkontor.dk", office, "office_operator")
    with pytest.raises(PermissionDenied):
        erase(leaver, operator, office)
    nothing_erased(leaver)

    # A downloaded export, but the confirmation is not the member's short name.
    export = leaver.organisation.data_exports.get()
    data.record_download(export=export, actor=leaver.admin)
    with pytest.raises(ValidationError, match="bolig"):
        erase(leaver, office_admin, office, confirm="aarhus")
    nothing_erased(leaver)


def test_a_member_that_has_not_left_or_whose_final_period_is_open_is_not_erased(
    leaver, office, office_admin, settings
):
    exported(leaver)
    term = leaver.organisation.billing_term
    billing.set_member_term(
        organisation=leaver.organisation, joined_on=term.joined_on, left_on=None
    )
    with pytest.raises(ValidationError, match="has not left"):
        erase(leaver, office_admin, office)
    billing.set_member_term(
        organisation=leaver.organisation,
        joined_on=term.joined_on,
        left_on=date.today() + timedelta(days=10),
    )
    with pytest.raises(ValidationError, match="has not left"):
        erase(leaver, office_admin, office)
    billing.set_member_term(
        organisation=leaver.organisation, joined_on=term.joined_on, left_on=date(2025, 4, 30)
    )
    with pytest.raises(ValidationError, match="2025-04"):
        erase(leaver, office_admin, office)
    nothing_erased(leaver)


def test_after_the_grace_period_a_member_without_an_export_may_be_erased(
    leaver, office, office_admin, settings
):
    settings.MEMBER_ERASURE_GRACE_DAYS = 0
    receipt = erase(leaver, office_admin, office)
    assert receipt.payload["export"] is None
    assert receipt.status == ErasureReceipt.Status.DONE


def test_a_person_who_also_belongs_elsewhere_keeps_their_account(
    leaver, aarhus, office, office_admin, make_user
):
    from tenants import services as tenants

    tenants.add_member(user=leaver.staff, organisation=aarhus, role="member")
    exported(leaver)
    erase(leaver, office_admin, office)
    staff = User.objects.get(pk=leaver.staff.pk)
    assert staff.email == "sagsbehandler@bolig.dk" and staff.is_active
    assert list(Membership.objects.filter(user=staff).values_list("organisation", flat=True)) == [
        aarhus.pk
    ]


def test_the_organisation_stays_for_its_invoices_but_has_no_site_or_contact(
    leaver, office, office_admin
):
    Organisation.objects.filter(pk=leaver.organisation.pk).update(
        contact_name="Kontakt Person", contact_email="kontakt@bolig.dk"
    )
    exported(leaver)
    erase(leaver, office_admin, office)
    organisation = Organisation.objects.get(pk=leaver.organisation.pk)
    assert organisation.cvr == "25313763" and not organisation.is_active
    assert organisation.contact_name == "" and organisation.contact_email == ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [organisation.schema_name],
        )
        assert cursor.fetchone()[0] > 0  # an empty schema from the template, for the loops


def test_a_missing_media_folder_does_not_stop_the_erasure(leaver, office, office_admin, settings):
    exported(leaver)
    shutil.rmtree(settings.MEDIA_ROOT / "workitems" / leaver.organisation.schema_name)
    receipt = erase(leaver, office_admin, office)
    assert receipt.payload["erased"]["files"] == {"count": 0, "bytes": 0}


def test_the_command_checks_a_receipt(leaver, office, office_admin, tmp_path):
    import json

    from django.core.management import CommandError, call_command

    exported(leaver)
    receipt = erase(leaver, office_admin, office)
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(data.receipt_document(receipt)))
    out = io.StringIO()
    call_command("verify_erasure_receipt", str(path), stdout=out)
    assert out.getvalue().startswith("Valid: Boligselskabet bolig (CVR 25313763)")
    document = data.receipt_document(receipt)
    document["payload"]["erased_by"] = "nobody@example.dk"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="does not match"):
        call_command("verify_erasure_receipt", str(path), stdout=io.StringIO())
    path.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_erasure_receipt", str(path), stdout=io.StringIO())
