"""Reads of members' exports and erasure receipts, scoped to who asks."""

from django.conf import settings
from django.db.models import QuerySet

from members.models import ErasureReceipt, MemberExport
from tenants.models import Organisation


def exports_for(site: Organisation) -> QuerySet[MemberExport]:
    """Every member's exports on the office console; only its own on a member's site."""
    exports = MemberExport.objects.select_related("organisation", "requested_by")
    return exports if site.is_office else exports.filter(organisation=site)


def exports_of(organisation: Organisation) -> QuerySet[MemberExport]:
    return MemberExport.objects.select_related("requested_by").filter(organisation=organisation)


def receipt_of(organisation: Organisation) -> ErasureReceipt | None:
    return (
        ErasureReceipt.objects.select_related("erased_by", "export")
        .filter(organisation=organisation)
        .first()
    )


def members() -> QuerySet[Organisation]:
    return Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).order_by("name")


def history(organisation: Organisation) -> list[dict]:
    """The export and erasure history of one member, newest first (the register's)."""
    events = [
        {"at": export.created_at, "kind": "export", "export": export}
        for export in exports_of(organisation)
    ]
    receipt = receipt_of(organisation)
    if receipt is not None:
        events.append({"at": receipt.started_at, "kind": "erasure", "receipt": receipt})
    return sorted(events, key=lambda event: event["at"], reverse=True)
