"""A row a periodic task could not process (``core.tasks.row_failed``) raises a ``task_failed``
alert: the office's operators, and the member concerned on its site, see what failed and why,
while the task went on with the other rows. The alert stays open (counting each pass that
failed again) until someone resolves it once the row is fixed."""

from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name

from robots.monitoring.models import Alert
from robots.monitoring.services import Finding, raise_alert
from tenants.models import Organisation


def _organisation(organisation_id, schema_name) -> Organisation | None:
    if organisation_id is not None:
        return Organisation.objects.filter(pk=organisation_id).first()
    if schema_name and schema_name != get_public_schema_name():
        return Organisation.objects.filter(schema_name=schema_name).first()
    return None


def alert_row_failed(sender, *, task, row, subject, organisation_id, schema_name, error, **kwargs):
    organisation = _organisation(organisation_id, schema_name)
    subject_type, subject_id = subject or (Alert.Subject.TASK, 0)
    if subject_type not in Alert.Subject.values:
        subject_type = Alert.Subject.TASK
    member = organisation.pk if organisation is not None else "office"
    reason = f"{type(error).__name__}: {error}"[:200]
    now = timezone.now()
    finding = Finding(
        key=f"task_failed:{task}:{member}:{subject_type}:{subject_id}"[:200],
        organisation=organisation,
        severity=Alert.Severity.CRITICAL,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=str(row),
        message=gettext_noop(
            "The periodic task %(task)s could not process %(row)s (%(member)s) and went on "
            "with the others: %(reason)s"
        ),
        params={
            "task": task,
            "row": str(row),
            "member": organisation.name if organisation is not None else "—",
            "reason": reason,
        },
        occurrence=now.isoformat(),
    )
    # Alerts live in public, which a member schema's search path ends in.
    raise_alert(Alert.Kind.TASK_FAILED, finding, now=now)
