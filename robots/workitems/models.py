"""Work queues, their items, each item's history and bulk uploads: member data.

Every table here lives in the member's own schema (a TENANT app), so exporting or erasing a
member is a schema operation. Users and deployments live in ``public``; a tenant table may
point at them (the search path of a member schema ends in ``public``), but without a
database constraint across schemas (``db_constraint=False``): a constraint from every
member schema would make the public tables impossible to truncate or restore on their own,
and the member's schema could no longer be exported or erased as a unit. Users and
deployments are deactivated or retired, not deleted (``DO_NOTHING``: deleting one from
``public`` must not look for tables that only exist in member schemas).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import check_json_schema, validate_sane_date

# A work item's priority: higher is taken first.
PRIORITY_MIN, PRIORITY_MAX = 0, 1000


def validate_payload_schema(value):
    """A queue may describe its payloads with a JSON Schema (draft 2020-12)."""
    if value is None:
        return
    check_json_schema(value, not_an_object=_("The payload schema must be a JSON object."))


class WorkQueue(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    deployment = models.ForeignKey(
        "robots.Deployment",
        verbose_name=_("deployment"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text=_("The deployment whose robot works this queue."),
    )
    unique_reference = models.BooleanField(
        _("unique references"),
        default=False,
        help_text=_("Refuse an item whose reference is already in the queue."),
    )
    payload_schema = models.JSONField(
        _("payload schema"),
        null=True,
        blank=True,
        validators=[validate_payload_schema],
        help_text=_("Optional JSON Schema every payload must satisfy."),
    )
    max_retries = models.PositiveSmallIntegerField(
        _("maximum attempts"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_(
            "An item that fails with an application error is tried again until it has "
            "been tried this many times."
        ),
    )
    retry_delay_seconds = models.PositiveIntegerField(_("retry delay (seconds)"), default=300)
    abandon_after_minutes = models.PositiveIntegerField(
        _("abandon items in progress after (minutes)"),
        default=120,
        validators=[MinValueValidator(1)],
    )
    retention_days = models.PositiveIntegerField(
        _("erase payloads after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Payloads of finished items are erased this many days after they finished; "
            "counts and timings are kept. Empty keeps them."
        ),
    )
    sla_minutes = models.PositiveIntegerField(
        _("SLA (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Items should be finished this long after they were added."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("work queue")
        verbose_name_plural = _("work queues")

    def __str__(self):
        return self.name


class WorkItem(models.Model):
    """One case for a robot.

    Robot flow: ``new → in_progress → done | business_exception | application_exception``
    (an application error goes back to ``new`` with a delay until the queue's maximum
    attempts is reached; an item left in progress too long becomes ``abandoned``).

    Manual handling: items the robot handed back (``HANDED_BACK``) wait for the member's
    staff, who may assign them, ``resolve`` them (the case was handled by hand), ``close``
    them (nothing more to do) or resubmit them (back to ``new``, optionally with an edited
    payload). ``resolved`` and ``closed`` are final, like ``done``.

    Unique references: ``reference_unique`` copies the queue's flag when the item is
    added, so the database enforces uniqueness with a partial constraint (a constraint
    cannot read the queue's row). Switching the flag on copies it to existing items.
    """

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BUSINESS_EXCEPTION = "business_exception", _("Business exception")
        APPLICATION_EXCEPTION = "application_exception", _("Application exception")
        ABANDONED = "abandoned", _("Abandoned")
        RESOLVED = "resolved", _("Resolved by hand")
        CLOSED = "closed", _("Closed")

    HANDED_BACK = (Status.BUSINESS_EXCEPTION, Status.APPLICATION_EXCEPTION, Status.ABANDONED)
    FINISHED = (Status.DONE, Status.RESOLVED, Status.CLOSED)

    queue = models.ForeignKey(WorkQueue, on_delete=models.CASCADE, related_name="items")
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    reference_unique = models.BooleanField(default=False, editable=False)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.NEW
    )
    priority = models.IntegerField(
        _("priority"),
        default=0,
        validators=[MinValueValidator(PRIORITY_MIN), MaxValueValidator(PRIORITY_MAX)],
        help_text=_("Higher is taken first (0–1000)."),
    )
    deadline = models.DateTimeField(
        _("deadline"), null=True, blank=True, validators=[validate_sane_date]
    )
    defer_until = models.DateTimeField(
        _("not before"),
        null=True,
        blank=True,
        validators=[validate_sane_date],
        help_text=_("Robots leave it until then."),
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    outcome = models.CharField(
        _("last outcome"), max_length=30, blank=True, help_text=_("What the robot reported last.")
    )
    reason = models.TextField(_("reason"), blank=True)
    # The run (robots.Job, in public) that reserved the item last: only it may release it.
    reserved_by_job = models.BigIntegerField(null=True, blank=True, editable=False)
    output = models.JSONField(_("output"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    payload_erased_at = models.DateTimeField(_("payload erased"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The reserve query: next new item of a queue, by priority then age then id, all
            # in the index's order, so a reserve reads one entry: without the id, items
            # added together (one upload, one time) were all read and sorted each time.
            models.Index(
                fields=["queue", "status", "-priority", "created_at", "id"],
                name="workitem_reserve_order_idx",
            ),
            models.Index(fields=["status", "finished_at"], name="workitem_status_finished_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "reference"],
                condition=Q(reference_unique=True) & ~Q(reference=""),
                name="workitem_reference_unique_per_queue",
                violation_error_message=_("This reference is already in the queue."),
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "new",
                        "in_progress",
                        "done",
                        "business_exception",
                        "application_exception",
                        "abandoned",
                        "resolved",
                        "closed",
                    ]
                ),
                name="workitem_status_known",
            ),
        ]
        verbose_name = _("work item")
        verbose_name_plural = _("work items")

    def __str__(self):
        return self.reference or f"#{self.pk}"

    @property
    def handed_back(self) -> bool:
        return self.status in self.HANDED_BACK


class WorkItemEvent(models.Model):
    """One step in an item's history: a status change, an assignment or an edit."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=30, blank=True)
    to_status = models.CharField(_("to"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text=_("Empty when a robot or the platform made the change."),
    )
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["item", "at"], name="workitemevent_item_at_idx")]
        verbose_name = _("work item event")
        verbose_name_plural = _("work item events")

    def __str__(self):
        return f"{self.item_id}: {self.from_status} → {self.to_status}"


UPLOAD_STALLED_AFTER = timedelta(minutes=15)


class Upload(models.Model):
    """A CSV or XLSX file of items, read in batches by a task in the member's schema.

    The file is kept in the member's schema (not on a disk the workers would have to
    share) until it has been read, then dropped.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Reading")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    queue = models.ForeignKey(WorkQueue, on_delete=models.CASCADE, related_name="uploads")
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    content = models.BinaryField(editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_valid = models.PositiveIntegerField(_("items added"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows refused"), default=0)
    language = models.CharField(
        max_length=10, blank=True, help_text=_("The uploader's language, for the error report.")
    )
    errors = models.JSONField(_("errors"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # When the reading last moved on (started, or committed a batch): an upload still
    # running without progress for UPLOAD_STALLED_AFTER is stalled (its worker died).
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Failed for a reason other than the file itself (the file is kept): it can be retried.
    retryable = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self):
        return self.file_name

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def stalled(self) -> bool:
        """Waiting or reading, but without progress for ``UPLOAD_STALLED_AFTER``."""
        last = self.progress_at or self.created_at
        return self.running and last < timezone.now() - UPLOAD_STALLED_AFTER

    @property
    def can_retry(self) -> bool:
        return self.stalled or (self.status == self.Status.FAILED and self.retryable)


class WorkItemOutput(models.Model):
    """What a robot produced from an input item (Robocorp's "output work item")."""

    parent = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="outputs")
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("output item")
        verbose_name_plural = _("output items")

    def __str__(self):
        return f"{self.parent_id}: output #{self.pk}"


def work_item_file_path(instance, filename: str) -> str:
    """Each member's files under its own folder: MEDIA/workitems/<schema>/<uuid>/<name>."""
    return f"workitems/{connection.schema_name}/{uuid.uuid4().hex}/{filename}"


class WorkItemFile(models.Model):
    """A file a robot attached to an input item or to one of its outputs."""

    item = models.ForeignKey(
        WorkItem, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    output = models.ForeignKey(
        WorkItemOutput, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    name = models.CharField(_("name"), max_length=255)
    file = models.FileField(upload_to=work_item_file_path, max_length=500)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False, output__isnull=True)
                | Q(item__isnull=True, output__isnull=False),
                name="workitemfile_one_owner",
            ),
            models.UniqueConstraint(
                fields=["item", "name"], condition=Q(item__isnull=False), name="workitemfile_item"
            ),
            models.UniqueConstraint(
                fields=["output", "name"],
                condition=Q(output__isnull=False),
                name="workitemfile_output",
            ),
        ]
        verbose_name = _("work item file")
        verbose_name_plural = _("work item files")

    def __str__(self):
        return self.name
