from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from robots.schedules import validate_cron


class Deployment(models.Model):
    """A member's running instance of a catalog robot version (created by an activated order).

    Lives in ``public``: the office operates every member's deployments from one job queue.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        RETIRED = "retired", _("Retired")

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="deployments"
    )
    robot_version = models.ForeignKey(
        "catalog.RobotVersion",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="deployments",
    )
    name = models.CharField(_("name"), max_length=200)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    schedule = models.CharField(
        _("schedule (cron)"),
        max_length=100,
        blank=True,
        validators=[validate_cron],
        help_text=_("Europe/Copenhagen time; empty runs only by hand or by trigger."),
    )
    process_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("process owner"),
        on_delete=models.PROTECT,
        related_name="owned_deployments",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.ACTIVE, db_index=True
    )
    skip_holidays = models.BooleanField(
        _("skip Danish public holidays"),
        default=True,
        help_text=_("Scheduled runs do not start on Danish public holidays."),
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    pool = models.CharField(_("runner pool"), max_length=50, default="default")
    required_labels = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("required runner labels"),
        default=list,
        blank=True,
    )
    max_concurrency = models.PositiveSmallIntegerField(
        _("jobs at once"), default=1, validators=[MinValueValidator(1)]
    )
    # Whether any of the member's credentials is granted to it (the grants live in the
    # member's schema): kept by the credentials services, read by each claim.
    credentials_granted = models.BooleanField(default=False, editable=False)
    # Whether any of the member's work queues belongs to it (the queues live in the member's
    # schema): kept by the work-queue services, read by each claim, which then reserves the
    # run's first input.
    work_queues_attached = models.BooleanField(default=False, editable=False)
    timeout_minutes = models.PositiveIntegerField(
        _("timeout (minutes)"), default=60, validators=[MinValueValidator(1)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts per job"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("A job whose runner goes silent is queued again until this many attempts."),
    )
    queue_trigger_min_items = models.PositiveIntegerField(
        _("queue trigger: start at"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Start a job when at least this many items wait in the deployment's work queues. "
            "Empty: no queue trigger."
        ),
    )
    queue_trigger_max_jobs = models.PositiveSmallIntegerField(
        _("queue trigger: jobs at most"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("The queue trigger keeps at most this many jobs queued or running."),
    )
    queue_trigger_items_per_job = models.PositiveIntegerField(
        _("queue trigger: items per job"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("One more job per this many waiting items. Empty: one job at a time."),
    )
    last_scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["organisation", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "retired"]),
                name="deployment_status_known",
            ),
            models.CheckConstraint(
                condition=Q(queue_trigger_min_items__isnull=True)
                | Q(queue_trigger_min_items__gte=1),
                name="deployment_queue_trigger_min_items",
            ),
            models.CheckConstraint(
                condition=Q(queue_trigger_max_jobs__gte=1), name="deployment_queue_trigger_max_jobs"
            ),
            models.CheckConstraint(
                condition=Q(queue_trigger_items_per_job__isnull=True)
                | Q(queue_trigger_items_per_job__gte=1),
                name="deployment_queue_trigger_items_per_job",
            ),
        ]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")

    def __str__(self):
        return self.name

    @property
    def has_queue_trigger(self) -> bool:
        return self.queue_trigger_min_items is not None

    def queue_trigger_jobs_wanted(self, waiting: int) -> int:
        """How many jobs the queue trigger wants queued or running for ``waiting`` items:
        none below the threshold, else one per ``items_per_job`` items (at least one),
        never more than ``max_jobs``."""
        if not self.has_queue_trigger or waiting < self.queue_trigger_min_items:
            return 0
        per_job = self.queue_trigger_items_per_job
        wanted = -(-waiting // per_job) if per_job else 1
        return min(max(wanted, 1), self.queue_trigger_max_jobs)


class Runner(models.Model):
    """A machine of the office that pulls jobs and runs robots. Authenticates with a token
    shown once at registration; only its hash is stored."""

    TOKEN_PREFIX = "rkr_"

    class OperatingSystem(models.TextChoices):
        LINUX = "linux", "Linux"
        WINDOWS = "windows", "Windows"

    name = models.CharField(_("name"), max_length=100, unique=True)
    pool = models.CharField(
        _("pool"),
        max_length=50,
        default="default",
        help_text=_("Jobs run only on runners of their deployment's pool."),
    )
    labels = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("labels"),
        default=list,
        blank=True,
        help_text=_("Capabilities, e.g. python, robotframework, sap-gui."),
    )
    operating_system = models.CharField(
        _("operating system"), max_length=10, choices=OperatingSystem, default="linux"
    )
    max_concurrency = models.PositiveSmallIntegerField(
        _("jobs at once"), default=1, validators=[MinValueValidator(1)]
    )
    token_prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    registered_by = models.ForeignKey(  # empty when registered on the command line
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        ordering = ["pool", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(max_concurrency__gte=1), name="runner_concurrency")
        ]
        verbose_name = _("runner")
        verbose_name_plural = _("runners")

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Job(models.Model):
    """One run of a deployment, in the one queue in ``public``.

    queued → running (claimed by a runner under a lease renewed by heartbeats) → succeeded
    | failed | cancelled. ``started_at``/``finished_at`` are the server's clock: they are
    what the member is billed for.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("By hand")
        API = "api", _("API")
        QUEUE = "queue", _("Queue trigger")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    # Both read through the (member | deployment, status) indexes below: no index of their
    # own, as every claim and every end rewrites each of the table's indexes.
    deployment = models.ForeignKey(
        Deployment, on_delete=models.PROTECT, related_name="jobs", db_index=False
    )
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="jobs", db_index=False
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger)
    priority = models.SmallIntegerField(_("priority"), default=0)
    pool = models.CharField(max_length=50, default="default")
    required_labels = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    # Read by runner only with its status (job_runner_status, claimed jobs only); runners
    # are revoked, never deleted, so no full index is kept for a delete to check against.
    runner = models.ForeignKey(
        Runner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="jobs",
        db_index=False,
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=1)
    token_hash = models.CharField(max_length=64, blank=True)
    stop_requested_at = models.DateTimeField(null=True, blank=True)
    kill_requested = models.BooleanField(default=False)
    # The input work item reserved for the run at its claim (handed to the robot as
    # RC_WORKITEM_ID); in the member's schema, hence no foreign key.
    first_work_item = models.BigIntegerField(null=True, blank=True, editable=False)
    exit_code = models.IntegerField(null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parameters = models.JSONField(
        _("parameters for this run"),
        default=dict,
        blank=True,
        help_text=_("Override the deployment's parameters for this run only."),
    )

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            # A schedule fires once per instant, whichever beat process sees it.
            models.UniqueConstraint(
                fields=["deployment", "scheduled_for"], name="job_scheduled_once"
            ),
            models.CheckConstraint(
                condition=~Q(status="running")
                | Q(runner__isnull=False, started_at__isnull=False, lease_expires_at__isnull=False),
                name="job_running_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["succeeded", "failed", "cancelled"])
                | Q(finished_at__isnull=False),
                name="job_finished_has_end",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(finished_at__gte=F("started_at")),
                name="job_ends_after_start",
            ),
        ]
        indexes = [
            # A claim reads each member's best queued job from a small partial index.
            models.Index(
                fields=["organisation", "pool", "-priority", "queued_at", "id"],
                name="job_claimable_per_member",
                condition=Q(status="queued"),
            ),
            # It counts running jobs per member, deployment and runner on (key, status):
            # a range of the running entries, whatever the history. None of these is
            # partial on the running status, so no count can choose to scan another whole
            # instead (robots 0011: with a never-vacuumed table's statistics the planner
            # scanned the running jobs' token index for every count).
            models.Index(fields=["organisation", "status"], name="job_member_status"),
            models.Index(fields=["deployment", "status"], name="job_deployment_status"),
            models.Index(
                fields=["runner", "status"],
                name="job_runner_status",
                condition=Q(runner__isnull=False),
            ),
            # A job's one-time token, looked up while the job runs.
            models.Index(fields=["token_hash"], name="job_token_hash"),
            # Expired leases (running jobs only have one).
            models.Index(
                fields=["lease_expires_at"],
                name="job_lease",
                condition=Q(lease_expires_at__isnull=False),
            ),
        ]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self):
        return f"#{self.pk} {self.deployment}"

    @property
    def schema_name(self) -> str:
        """The member's schema, where the job's work items and log live."""
        return self.organisation.schema_name

    @property
    def effective_parameters(self) -> dict:
        """The deployment's parameters with this run's overrides on top."""
        return {**self.deployment.parameters, **self.parameters}

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
