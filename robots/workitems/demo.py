"""Demo work queues for `make run`: AAB's sample robots get their inboxes (robots/samples/
inbox/*.csv) as work items, read the way a member's CSV upload is read. Loaded once: a
member schema with queues is left alone."""

from pathlib import Path

from django.db import transaction
from django_tenants.utils import schema_context

from robots import services as deployments
from robots.models import Deployment
from robots.workitems import services
from robots.workitems.models import WorkQueue
from robots.workitems.services import uploads
from tenants.models import Organisation, User

INBOX = Path(__file__).resolve().parent.parent / "samples" / "inbox"
OFFICE_ACTOR = "drift@robotkontor.dk"
# (member, robot, queue name, inbox file, SLA in minutes, queue trigger: at least N items)
QUEUES = [
    ("aab", "lejetilbud", "Svar på lejetilbud", "lejetilbud.csv", 24 * 60, None),
    ("aab", "forbrugsregnskab", "Måleraflæsninger", "forbrugsregnskab.csv", 3 * 24 * 60, None),
    ("aab", "fakturakontering", "Fakturaer til kontering", "fakturakontering.csv", 8 * 60, 1),
]


def _inbox_rows(queue: WorkQueue, file_name: str) -> list[services.ItemRow]:
    content = (INBOX / file_name).read_bytes()
    file_format, _header = uploads.inspect(file_name, content)
    rows = uploads.rows_of(file_format, content)
    header = uploads.header_of(rows)
    items = [uploads.to_item_row(queue, header, line, cells) for line, cells in rows]
    return [item for item in items if isinstance(item, services.ItemRow)]


@transaction.atomic
def load() -> int:
    """Create the demo queues and their items; returns how many items were added."""
    operator = User.objects.get(email=OFFICE_ACTOR)
    added = 0
    for slug, robot, name, file_name, sla_minutes, trigger_at in QUEUES:
        organisation = Organisation.objects.get(slug=slug)
        deployment = Deployment.objects.filter(
            organisation=organisation,
            robot_version__robot__slug=robot,
            status=Deployment.Status.ACTIVE,
        ).first()
        if deployment is None:
            continue
        with schema_context(organisation.schema_name):
            if WorkQueue.objects.filter(name=name).exists():
                continue
            queue = services.create_queue(
                name=name,
                deployment=deployment,
                unique_reference=True,
                sla_minutes=sla_minutes,
                description=f"Indbakke: {file_name}",
            )
            added += len(services.add_items_bulk(queue, _inbox_rows(queue, file_name)).items)
        if trigger_at is not None:
            deployments.update_deployment(
                deployment=deployment, actor=operator, queue_trigger_min_items=trigger_at
            )
    return added
