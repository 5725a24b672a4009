"""A member's data handed back (export) and erased (erasure, with a signed receipt).

Export: ``request_export`` records the request (the caller queues
``members.tasks.build_export``, which runs ``build_export``): the archive is written to a
temporary file beside its final place and moved there only when whole, so a ready export
always has a complete archive; a re-run after a killed worker starts the archive again.

Erasure: ``erasure_refusals`` says why a member cannot be erased yet; ``start_erasure``
records the receipt (the caller queues ``members.tasks.erase_member``, which runs
``erase``): each step is idempotent and recorded on the receipt, so a re-run finishes what
a killed worker left."""

import json
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from billing.models import MemberTerm, Period
from core import audit
from members.data import archive
from members.models import ErasureReceipt, MemberExport
from tenants.models import (
    ApiToken,
    Invitation,
    Membership,
    Notification,
    Organisation,
    Role,
    User,
)
from tenants.permissions import Capability, can
from tenants.schemas import clone_template
from tenants.services import office, site_url

# A lock per export and per erasure (pg_try_advisory_lock(key, id)): one worker at a time.
EXPORT_LOCK = 0x6D656D01
ERASURE_LOCK = 0x6D656D02
RECEIPT_SALT = "members.erasure-receipt"
RECEIPT_LINK_SALT = "members.erasure-receipt-link"


# --- Export -------------------------------------------------------------------------------


def check_may_export(actor, site: Organisation, organisation: Organisation) -> None:
    """The member's administrators on its own site, the office's administrators on the
    office console (for any member); nobody else."""
    if organisation.is_office:
        raise ValidationError(_("The office itself has no member data to export."))
    allowed = can(actor, site, Capability.EXPORT_MEMBER_DATA) and (
        site.is_office or site.pk == organisation.pk
    )
    if not allowed:
        raise PermissionDenied(_("Only the member's or the office's administrators may do this."))


@transaction.atomic
def request_export(*, actor, site: Organisation, organisation: Organisation) -> MemberExport:
    """Start an export of the member's data, or go on with the one still being built (its
    task is queued again: after a killed worker it starts the archive afresh)."""
    check_may_export(actor, site, organisation)
    export = (
        MemberExport.objects.select_for_update()
        .filter(
            organisation=organisation,
            status__in=[MemberExport.Status.PENDING, MemberExport.Status.RUNNING],
        )
        .first()
    )
    if export is None:
        export = MemberExport.objects.create(
            organisation=organisation, requested_by=actor, progress_message=_("Waiting")
        )
        audit.record(
            actor=actor, action="members.export_requested", target=export, organisation=organisation
        )
    return export


def export_root() -> Path:
    return Path(settings.MEMBER_EXPORT_ROOT)


def export_path(export: MemberExport) -> Path:
    return export_root() / export.file_name


def set_progress(export: MemberExport, percent: int, message: str, **fields) -> None:
    """Stored at once (outside any transaction), for the progress bar to poll."""
    MemberExport.objects.filter(pk=export.pk).update(
        progress=percent, progress_message=message[:200], **fields
    )


def _advisory_lock(key: int, pk: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, pk])
        return cursor.fetchone()[0]


def _advisory_unlock(key: int, pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, pk])


def build_export(export_id: int, progress=None) -> MemberExport:
    """Build the archive of an export (the task's body). Idempotent: a ready export is left
    as it is; one left running by a killed worker is built again from the start, its
    temporary file replaced; while another worker builds it, nothing happens."""
    export = MemberExport.objects.select_related("organisation").get(pk=export_id)
    if export.status == MemberExport.Status.READY or not _advisory_lock(EXPORT_LOCK, export.pk):
        return export
    try:
        return _build(export, progress)
    finally:
        _advisory_unlock(EXPORT_LOCK, export.pk)


def _build(export: MemberExport, progress) -> MemberExport:
    folder = export_root() / str(export.organisation_id)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f".export-{export.pk}-*.partial"):
        stale.unlink()
    temporary = folder / f".export-{export.pk}-{uuid.uuid4().hex}.partial"
    set_progress(export, 2, _("Starting"), status=MemberExport.Status.RUNNING)

    def report(percent: int, what: str) -> None:
        set_progress(export, percent, what)
        if progress is not None:
            progress(percent, what)

    try:
        entries = archive.write_archive(export.organisation, temporary, report)
        report(96, _("Checksum"))
        checksum = archive.sha256_of(temporary)
        final = folder / f"export-{export.pk}-{checksum[:12]}.zip"
        temporary.replace(final)
    except BaseException as error:
        # No half archive stays; the export says it failed (a new request starts afresh).
        temporary.unlink(missing_ok=True)
        mark_failed(export.pk, str(error) or type(error).__name__)
        raise
    with transaction.atomic():
        MemberExport.objects.filter(pk=export.pk).update(
            status=MemberExport.Status.READY,
            progress=100,
            progress_message=_("Ready"),
            file_name=final.relative_to(export_root()).as_posix(),
            size=final.stat().st_size,
            sha256=checksum,
            finished_at=timezone.now(),
            summary={
                entry.name: entry.rows if entry.rows is not None else entry.bytes
                for entry in entries
            },
        )
        export.refresh_from_db()
        audit.record(
            actor=export.requested_by,
            action="members.export_created",
            target=export,
            organisation=export.organisation,
            changes={"sha256": checksum, "bytes": export.size, "files": len(entries)},
        )
    return export


def mark_failed(export_id: int, reason: str) -> None:
    MemberExport.objects.filter(pk=export_id).exclude(status=MemberExport.Status.READY).update(
        status=MemberExport.Status.FAILED, progress=0, progress_message=reason[:200]
    )


@transaction.atomic
def record_download(*, export: MemberExport, actor) -> None:
    """Audited; the first download is what lets the office erase a member that left."""
    now = timezone.now()
    MemberExport.objects.filter(pk=export.pk, first_downloaded_at__isnull=True).update(
        first_downloaded_at=now
    )
    MemberExport.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
    audit.record(
        actor=actor,
        action="members.export_downloaded",
        target=export,
        organisation=export.organisation,
        changes={"sha256": export.sha256},
    )


# --- Erasure ------------------------------------------------------------------------------


def final_period(term: MemberTerm) -> Period | None:
    return Period.objects.filter(month=term.left_on.replace(day=1)).first()


def erasure_refusals(organisation: Organisation, *, today=None) -> list[str]:
    """Why the member cannot be erased yet (nothing: it can)."""
    today = today or timezone.localdate()
    if organisation.is_office:
        return [_("The office itself cannot be erased.")]
    if ErasureReceipt.objects.filter(
        organisation=organisation, status=ErasureReceipt.Status.DONE
    ).exists():
        return [_("The member has already been erased.")]
    term = MemberTerm.objects.filter(organisation=organisation).first()
    if term is None or term.left_on is None or term.left_on >= today:
        return [_("The member has not left: record its leave date first, and erase after it.")]
    refusals = []
    period = final_period(term)
    if period is None or not period.is_final:
        refusals.append(
            _("The final period (%(month)s) is still open: close it first.")
            % {"month": term.left_on.strftime("%Y-%m")}
        )
    grace_ends = term.left_on + timedelta(days=settings.MEMBER_ERASURE_GRACE_DAYS)
    if downloaded_export(organisation) is None and today <= grace_ends:
        refusals.append(
            _(
                "The member's export has not been downloaded, and the grace period runs "
                "until %(date)s."
            )
            % {"date": grace_ends.strftime("%d.%m.%Y")}
        )
    return refusals


def downloaded_export(organisation: Organisation) -> MemberExport | None:
    return (
        MemberExport.objects.filter(
            organisation=organisation,
            status=MemberExport.Status.READY,
            first_downloaded_at__isnull=False,
        )
        .order_by("-finished_at")
        .first()
    )


def latest_export(organisation: Organisation) -> MemberExport | None:
    return (
        MemberExport.objects.filter(organisation=organisation, status=MemberExport.Status.READY)
        .order_by("-finished_at")
        .first()
    )


@transaction.atomic
def start_erasure(*, actor, site: Organisation, organisation: Organisation, confirm: str):
    """Record the erasure and queue it; refused, with nothing changed, unless an office
    administrator confirms with the member's slug and the member may be erased. Asked
    again while an erasure runs (a killed worker), its task is queued again."""
    if not (site.is_office and can(actor, site, Capability.ERASE_MEMBER_DATA)):
        raise PermissionDenied(_("Only the office's administrators may erase a member."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    running = ErasureReceipt.objects.filter(
        organisation=organisation, status=ErasureReceipt.Status.RUNNING
    ).first()
    if running is None:
        refusals = erasure_refusals(organisation)
        if refusals:
            raise ValidationError(refusals)
        if confirm.strip() != organisation.slug:
            raise ValidationError(
                {
                    "confirm": _("Type the member's short name (%(slug)s) to confirm.")
                    % {"slug": organisation.slug}
                }
            )
        export = downloaded_export(organisation) or latest_export(organisation)
        admins = Membership.objects.filter(organisation=organisation, role=Role.MEMBER_ADMIN)
        running = ErasureReceipt.objects.create(
            organisation=organisation,
            erased_by=actor,
            export=export,
            notify=sorted(admins.values_list("user__email", flat=True)),
        )
        audit.record(
            actor=actor, action="members.erasure_started", target=running, organisation=organisation
        )
    return running


def _table_counts(schema: str) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in archive.schema_tables(schema):
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _files_in(folders) -> tuple[int, int]:
    files = [p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _only_members_of(organisation: Organisation):
    """The member's people who belong to no other organisation: they are erased."""
    elsewhere = Membership.objects.exclude(organisation=organisation).values("user_id")
    return User.objects.filter(memberships__organisation=organisation).exclude(pk__in=elsewhere)


def _pseudonym(user: User) -> str:
    return f"erased-user-{user.pk}@erased.invalid"


def _step_schema(receipt: ErasureReceipt, counts: dict) -> None:
    """Drop the member's schema, then put an empty one from the template in its place:
    the organisation stays (its invoices must), and every loop over members' schemas
    (migrations, beat tasks) still finds its tables, without a row in them."""
    schema = receipt.organisation.schema_name
    if "schema_counted" not in receipt.steps:
        tables = _table_counts(schema)
        counts["schema"] = {"name": schema, "tables": len(tables), "rows": sum(tables.values())}
        counts["tables"] = tables
        _done(receipt, "schema_counted", counts)
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction would block the drop.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        clone_template(schema)
        _done(receipt, "schema_dropped", counts)


def _step_files(receipt: ErasureReceipt, counts: dict) -> None:
    folders = archive.media_folders(receipt.organisation.schema_name)
    if "files_counted" not in receipt.steps:
        files, size = _files_in(folders)
        counts["files"] = {"count": files, "bytes": size}
        _done(receipt, "files_counted", counts)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    _done(receipt, "files_removed", counts)


@transaction.atomic
def _step_people(receipt: ErasureReceipt, counts: dict) -> None:
    """Anonymise the people who belonged only to this member (their rows stay, so invoices,
    the ledger and the audit trail keep their references, now to a pseudonym); remove the
    member's memberships, invitations, tokens and notifications; the organisation keeps its
    name, CVR and address (on its invoices) but no contact person, and loses its domains."""
    organisation = receipt.organisation
    people = list(_only_members_of(organisation))
    emails = [user.email for user in people]
    for user in people:
        user.email = _pseudonym(user)
        user.full_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "full_name", "is_active", "password"])
    ids = [user.pk for user in people]
    EmailAddress.objects.filter(user_id__in=ids).delete()
    Authenticator.objects.filter(user_id__in=ids).delete()
    SocialAccount.objects.filter(user_id__in=ids).delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__in=emails).delete()
    Notification.objects.filter(Q(organisation=organisation) | Q(recipient_id__in=ids)).delete()
    ApiToken.objects.filter(Q(organisation=organisation) | Q(user_id__in=ids)).delete()
    counts["people"] = {
        "anonymised": len(people),
        "memberships": Membership.objects.filter(organisation=organisation).delete()[0],
        "invitations": Invitation.objects.filter(organisation=organisation).delete()[0],
    }
    organisation.domains.all().delete()
    Organisation.objects.filter(pk=organisation.pk).update(
        contact_name="", contact_email="", contact_phone="", is_active=False
    )
    _done(receipt, "people_anonymised", counts)


def _done(receipt: ErasureReceipt, step: str, counts: dict) -> None:
    if step not in receipt.steps:
        receipt.steps = [*receipt.steps, step]
    receipt.counts = counts
    receipt.save(update_fields=["steps", "counts"])


def erase(receipt_id: int) -> ErasureReceipt:
    """Erase the member of a running receipt (the task's body); each step is skipped when
    done, so a re-run after a killed worker finishes. The receipt is signed last."""
    receipt = ErasureReceipt.objects.select_related("organisation", "erased_by", "export").get(
        pk=receipt_id
    )
    if receipt.status == ErasureReceipt.Status.DONE or not _advisory_lock(ERASURE_LOCK, receipt.pk):
        return receipt
    try:
        counts = dict(receipt.counts)
        if "schema_dropped" not in receipt.steps:
            _step_schema(receipt, counts)
        if "files_removed" not in receipt.steps:
            _step_files(receipt, counts)
        if "people_anonymised" not in receipt.steps:
            _step_people(receipt, counts)
        return _finish(receipt, counts)
    finally:
        _advisory_unlock(ERASURE_LOCK, receipt.pk)


@transaction.atomic
def _finish(receipt: ErasureReceipt, counts: dict) -> ErasureReceipt:
    receipt.finished_at = timezone.now()
    receipt.status = ErasureReceipt.Status.DONE
    receipt.payload = receipt_payload(receipt, counts)
    receipt.signature = sign(receipt.payload)
    receipt.save(update_fields=["finished_at", "status", "payload", "signature"])
    audit.record(
        actor=receipt.erased_by,
        action="members.erased",
        target=receipt,
        organisation=receipt.organisation,
        changes={"counts": counts, "signature": receipt.signature},
    )
    link = site_url(office(), f"/members/receipts/{receipt_link_token(receipt)}/")
    language = translation.get_language()
    transaction.on_commit(lambda: _send_receipt(receipt.pk, link, language))
    return receipt


def receipt_payload(receipt: ErasureReceipt, counts: dict) -> dict:
    organisation, export = receipt.organisation, receipt.export
    return {
        "receipt": receipt.pk,
        "organisation": {
            "name": organisation.name,
            "cvr": organisation.cvr,
            "schema": organisation.schema_name,
        },
        "started_at": receipt.started_at.isoformat(),
        "erased_at": receipt.finished_at.isoformat(),
        "erased_by": receipt.erased_by.email,
        "erased": {
            "schema": counts.get("schema", {}),
            "tables": counts.get("tables", {}),
            "files": counts.get("files", {}),
            "people": counts.get("people", {}),
        },
        "kept": [
            "invoices and credit notes",
            "usage ledger",
            "audit trail (people pseudonymised)",
            "orders, ideas, deployments, jobs and governance records (people pseudonymised)",
        ],
        "export": {
            "id": export.pk,
            "sha256": export.sha256,
            "finished_at": export.finished_at.isoformat(),
            "first_downloaded_at": export.first_downloaded_at.isoformat()
            if export.first_downloaded_at
            else None,
        }
        if export
        else None,
    }


def _canonical(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign(payload: dict) -> str:
    """HMAC (SHA-256) of the canonical JSON, keyed by the secret key."""
    return signing.Signer(salt=RECEIPT_SALT, algorithm="sha256").signature(_canonical(payload))


def verify(document: dict) -> bool:
    """Whether a receipt document (``{"payload": …, "signature": …}``) is one we signed,
    unchanged."""
    payload, signature = document.get("payload"), document.get("signature")
    if not isinstance(payload, dict) or not isinstance(signature, str):
        return False
    return constant_time_compare(sign(payload), signature)


def receipt_document(receipt: ErasureReceipt) -> dict:
    return {"payload": receipt.payload, "signature": receipt.signature}


def receipt_link_token(receipt: ErasureReceipt) -> str:
    return signing.dumps(receipt.pk, salt=RECEIPT_LINK_SALT)


def receipt_from_token(token: str) -> ErasureReceipt | None:
    try:
        pk = signing.loads(token, salt=RECEIPT_LINK_SALT)
    except signing.BadSignature:
        return None
    return ErasureReceipt.objects.filter(pk=pk, status=ErasureReceipt.Status.DONE).first()


def _send_receipt(receipt_pk: int, link: str, language: str) -> None:
    receipt = ErasureReceipt.objects.select_related("organisation").get(pk=receipt_pk)
    if not receipt.notify:
        return
    with translation.override(language):
        send_mail(
            subject=_("%(organisation)s: erasure receipt") % {"organisation": receipt.organisation},
            message=render_to_string(
                "members/data/email/erasure_receipt.txt", {"receipt": receipt, "link": link}
            ),
            from_email=None,
            recipient_list=receipt.notify,
        )
