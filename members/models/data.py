"""A member's data: exports (the archive handed back) and erasure receipts (the proof)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ErasureReceipt", "MemberExport"]


class MemberExport(models.Model):
    """One archive of everything a member controls and everything about it in ``public``,
    built in the background: pending → running → ready (or failed). The zip is written to a
    temporary file and moved to ``file_name`` (under ``MEMBER_EXPORT_ROOT``) only when
    complete, so a ready export always has a whole archive with its checksum."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(
        settings.TENANT_MODEL, on_delete=models.PROTECT, related_name="data_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # What the manifest lists: file name → rows (CSV) or bytes (documents, files).
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    first_downloaded_at = models.DateTimeField(_("first downloaded"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(sha256="") & ~Q(file_name="")),
                name="memberexport_ready_has_archive",
            )
        ]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self):
        return f"Export #{self.pk} of {self.organisation}"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def download_name(self) -> str:
        return f"{self.organisation.slug}-export-{self.pk}.zip"


class ErasureReceipt(models.Model):
    """The proof that a member that left was erased: what, when, by whom, how much, and the
    checksum of the export handed back; signed with the secret key (``signature``) and kept
    in ``public``. ``steps`` records what is done, so a re-run after a killed worker goes
    on where it stopped."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Erasing")
        DONE = "done", _("Erased")

    organisation = models.ForeignKey(
        settings.TENANT_MODEL, on_delete=models.PROTECT, related_name="erasure_receipts"
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    export = models.ForeignKey(
        MemberExport, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    steps = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    # The member's administrators at the time, who get the receipt's link by e-mail.
    notify = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("erased"), null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    signature = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="erasurereceipt_one_per_member")
        ]
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")

    def __str__(self):
        return f"Erasure receipt #{self.pk} of {self.organisation}"
