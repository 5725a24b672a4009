import pytest
from django.db import DatabaseError, transaction

from core import audit
from core.models import AuditEvent
from tenants.models import Role

pytestmark = pytest.mark.django_db


def test_audit_trail_records_and_cannot_be_rewritten(aarhus, make_user):
    user = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    event = audit.record(
        actor=user,
        action="organisation.renamed",
        target=aarhus,
        organisation=aarhus,
        changes={"name": ["Aarhus", "Aarhus Kommune"]},
    )
    assert list(audit.history(aarhus)) == [event]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "organisation.renamed"
