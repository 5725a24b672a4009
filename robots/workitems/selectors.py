"""Reads of work queues and items. The member's schema is the scope: the request's site
(or the task's schema) chose it, so another member's items are simply not there."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from robots.workitems.models import (
    Upload,
    WorkItem,
    WorkItemEvent,
    WorkItemFile,
    WorkItemOutput,
    WorkQueue,
)

Status = WorkItem.Status


def queues() -> QuerySet[WorkQueue]:
    return WorkQueue.objects.select_related("deployment")


def queues_with_counts() -> QuerySet[WorkQueue]:
    """Every queue with its number of items per status (``count_<status>``), in one query."""
    return queues().annotate(
        count_total=Count("items"),
        **{
            f"count_{status}": Count("items", filter=Q(items__status=status))
            for status in Status.values
        },
    )


def queues_with_sla(now=None) -> QuerySet[WorkQueue]:
    """Every queue with what its SLA asks, in one query: items waiting (new) and in progress,
    when the oldest unfinished item was added, how many unfinished items are past the
    queue's SLA (``sla_minutes`` after they were added), and how many have a deadline past or
    within ``ROBOTS_DEADLINE_WARNING_HOURS``. Unfinished is what the SLA alert counts: not
    done, resolved or closed (items in manual handling included)."""
    now = now or timezone.now()
    unfinished = ~Q(items__status__in=WorkItem.FINISHED)
    sla_limit = ExpressionWrapper(
        Value(now) - F("sla_minutes") * Value(timedelta(minutes=1)),
        output_field=DateTimeField(),
    )
    warning = now + timedelta(hours=settings.ROBOTS_DEADLINE_WARNING_HOURS)
    return queues().annotate(
        waiting=Count("items", filter=Q(items__status=Status.NEW)),
        in_progress=Count("items", filter=Q(items__status=Status.IN_PROGRESS)),
        handed_back=Count("items", filter=Q(items__status__in=WorkItem.HANDED_BACK)),
        oldest_unfinished=Min("items__created_at", filter=unfinished),
        past_sla=Count(
            "items",
            filter=unfinished & Q(sla_minutes__isnull=False, items__created_at__lt=sla_limit),
        ),
        overdue=Count("items", filter=unfinished & Q(items__deadline__lt=now)),
        due_soon=Count(
            "items",
            filter=unfinished & Q(items__deadline__gte=now, items__deadline__lte=warning),
        ),
    )


TREND_DAYS = 14


def daily_trend(now=None, days: int = TREND_DAYS) -> dict:
    """Items added and finished per queue and day (Danish dates) over the last ``days`` days,
    in two queries: ``{"days": [date, …], "queues": {queue id: {"added": [n, …],
    "finished": [n, …]}}}``, a count for every day."""
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    dates = [first + timedelta(days=offset) for offset in range(days)]
    index = {day: position for position, day in enumerate(dates)}
    trend: dict[int, dict[str, list[int]]] = {}
    for field, key in (("created_at", "added"), ("finished_at", "finished")):
        rows = (
            WorkItem.objects.filter(**{f"{field}__gte": start})
            .annotate(day=TruncDate(field))
            .order_by()
            .values("queue_id", "day")
            .annotate(count=Count("pk"))
        )
        for row in rows:
            counts = trend.setdefault(
                row["queue_id"], {"added": [0] * days, "finished": [0] * days}
            )
            if row["day"] in index:
                counts[key][index[row["day"]]] = row["count"]
    return {"days": dates, "queues": trend}


def queue(pk) -> WorkQueue:
    found = queues().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def items() -> QuerySet[WorkItem]:
    return WorkItem.objects.select_related("queue", "assigned_to")


def parse_search(text: str) -> tuple[str, str] | None:
    """``field=value`` searches a payload field; anything else the reference."""
    field, sep, value = (text or "").partition("=")
    if sep and field.strip():
        return field.strip(), value.strip()
    return None


def filter_items(
    found: QuerySet[WorkItem],
    *,
    status: str = "",
    search: str = "",
    queue_id=None,
    assigned_to=None,
) -> QuerySet[WorkItem]:
    if status in Status.values:
        found = found.filter(status=status)
    if queue_id:
        found = found.filter(queue_id=queue_id)
    if assigned_to is not None:
        found = found.filter(assigned_to=assigned_to)
    search = (search or "").strip()
    field = parse_search(search)
    if field is not None:
        name, value = field
        # As text, so "42" finds the number 42 as well as the string.
        found = found.annotate(_search=KeyTextTransform(name, "payload")).filter(_search=value)
    elif search:
        found = found.filter(reference__icontains=search)
    return found


def items_of(work_queue: WorkQueue, **filters) -> QuerySet[WorkItem]:
    return filter_items(items().filter(queue=work_queue), **filters).order_by("-created_at", "-pk")


def handed_back_items(**filters) -> QuerySet[WorkItem]:
    """Items waiting for the member's staff: by default every handed-back status."""
    found = items().filter(status__in=WorkItem.HANDED_BACK)
    return filter_items(found, **filters).order_by("-finished_at", "-pk")


def item(pk) -> WorkItem:
    found = items().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def outputs_of(work_item: WorkItem) -> list[WorkItemOutput]:
    """The item's output items, oldest first, each with its files."""
    return list(
        work_item.outputs.prefetch_related(
            Prefetch("files", queryset=WorkItemFile.objects.order_by("name", "pk"))
        ).order_by("created_at", "pk")
    )


def file_of_item(work_item: WorkItem, pk) -> WorkItemFile:
    """A file of the item or of one of its output items."""
    found = (
        WorkItemFile.objects.filter(pk=pk)
        .filter(Q(item=work_item) | Q(output__parent=work_item))
        .first()
    )
    if found is None:
        raise Http404
    return found


def history_of(work_item: WorkItem) -> QuerySet[WorkItemEvent]:
    return work_item.events.select_related("actor").order_by("at", "pk")


def uploads_of(work_queue: WorkQueue) -> QuerySet[Upload]:
    return work_queue.uploads.defer("content", "errors").select_related("uploaded_by")


def upload(pk) -> Upload:
    found = Upload.objects.defer("content").select_related("queue").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def waiting_per_deployment(now) -> dict[int, int]:
    """Items a robot could take now (new, not deferred), per deployment whose queues hold
    them: one query for the whole schema."""
    rows = (
        WorkItem.objects.filter(status=Status.NEW, queue__deployment__isnull=False)
        .filter(Q(defer_until__isnull=True) | Q(defer_until__lte=now))
        .values("queue__deployment")
        .annotate(waiting=Count("pk"))
        .order_by()
    )
    return {row["queue__deployment"]: row["waiting"] for row in rows}


# --- What a running job's robot may see: its deployment's queues -----------------------------


def queues_of_deployment(deployment_id: int) -> QuerySet[WorkQueue]:
    return WorkQueue.objects.filter(deployment_id=deployment_id).order_by("pk")


def robot_queue(deployment_id: int, pk) -> WorkQueue:
    found = queues_of_deployment(deployment_id).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def robot_item(deployment_id: int, pk) -> WorkItem:
    found = (
        WorkItem.objects.select_related("queue")
        .filter(pk=pk, queue__deployment_id=deployment_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def robot_output(deployment_id: int, pk) -> WorkItemOutput:
    found = WorkItemOutput.objects.filter(pk=pk, parent__queue__deployment_id=deployment_id).first()
    if found is None:
        raise Http404
    return found


def files_of(owner: WorkItem | WorkItemOutput) -> QuerySet[WorkItemFile]:
    return owner.files.order_by("name", "pk")


def robot_file(owner: WorkItem | WorkItemOutput, pk) -> WorkItemFile:
    found = files_of(owner).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def robot_file_of_deployment(deployment_id: int, pk) -> WorkItemFile:
    """A file of an input or output item in one of the deployment's queues."""
    found = (
        WorkItemFile.objects.filter(pk=pk)
        .filter(
            Q(item__queue__deployment_id=deployment_id)
            | Q(output__parent__queue__deployment_id=deployment_id)
        )
        .first()
    )
    if found is None:
        raise Http404
    return found
