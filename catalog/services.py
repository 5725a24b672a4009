"""The only writers of the catalog: robots, their documentation and their versions.

Every change is checked against the permissions module, validated in full, and audited in
the same transaction, so a refused change leaves nothing behind.
"""

import hashlib
import hmac

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Robot, RobotAttachment, RobotVersion
from core import audit
from tenants import permissions
from tenants.models import OFFICE_ROLES
from tenants.services import office

Status = RobotVersion.Status

# What may follow what. A failed test goes back to draft; anything not yet retired may retire.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.TEST, Status.RETIRED}),
    Status.TEST: frozenset({Status.DRAFT, Status.APPROVED, Status.RETIRED}),
    Status.APPROVED: frozenset({Status.PRODUCTION, Status.TEST, Status.RETIRED}),
    Status.PRODUCTION: frozenset({Status.RETIRED}),
    Status.RETIRED: frozenset(),
}

ROBOT_FIELDS = (
    "slug",
    "kind",
    "name_da",
    "name_en",
    "summary_da",
    "summary_en",
    "description_da",
    "description_en",
    "category",
    "systems",
    "member_kinds",
    "owner",
    "maturity",
    "estimated_minutes_saved",
    "process_design_document",
    "credential_types",
    "parameters_schema",
)
# What a version's stages leave behind: who wrote it and who tested, approved, released and
# retired it when. Only the service stamps them.
VERSION_HISTORY_FIELDS = (
    "author",
    "created_at",
    "test_passed_at",
    "test_passed_by",
    "approved_at",
    "approved_by",
    "released_at",
    "retired_at",
)


def _require_catalog_manager(actor) -> None:
    if not permissions.can(actor, office(), permissions.Capability.MANAGE_CATALOG):
        raise PermissionDenied(_("Only office developers may change the catalog."))


def _clean_list(values) -> list[str]:
    """Trimmed, without blanks or duplicates, in the order given."""
    seen: dict[str, None] = {}
    for value in values or []:
        value = str(value).strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _check_owner(owner) -> None:
    if owner is None:
        return
    found = permissions.membership(owner, office())
    if found is None or found.role not in OFFICE_ROLES:
        raise ValidationError({"owner": _("The owner must be a member of the office staff.")})


def _audit_value(robot: Robot, field: str):
    value = getattr(robot, field)
    if field == "owner":
        return robot.owner_id
    if field == "process_design_document":
        return value.name or ""
    return value


@transaction.atomic
def create_robot(*, actor, **fields) -> Robot:
    _require_catalog_manager(actor)
    unknown = set(fields) - set(ROBOT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown robot fields: {sorted(unknown)}")
    for name in ("systems", "credential_types", "member_kinds"):
        if name in fields:
            fields[name] = _clean_list(fields[name])
    robot = Robot(**fields)
    _check_owner(robot.owner)
    robot.full_clean()
    robot.save()
    audit.record(
        actor=actor,
        action="catalog.robot.created",
        target=robot,
        changes={field: _audit_value(robot, field) for field in ROBOT_FIELDS},
    )
    return robot


@transaction.atomic
def update_robot(*, robot: Robot, actor, **fields) -> Robot:
    _require_catalog_manager(actor)
    unknown = set(fields) - set(ROBOT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown robot fields: {sorted(unknown)}")
    robot = Robot.objects.select_for_update().get(pk=robot.pk)
    before = {field: _audit_value(robot, field) for field in fields}
    for name in ("systems", "credential_types", "member_kinds"):
        if name in fields:
            fields[name] = _clean_list(fields[name])
    for name, value in fields.items():
        setattr(robot, name, value)
    if "owner" in fields:
        _check_owner(robot.owner)
    robot.full_clean()
    after = {field: _audit_value(robot, field) for field in fields}
    audit.save_changes(
        robot, before, after, actor=actor, action="catalog.robot.updated", stamp="updated_at"
    )
    return robot


@transaction.atomic
def add_attachment(*, robot: Robot, actor, title: str, file) -> RobotAttachment:
    _require_catalog_manager(actor)
    attachment = RobotAttachment(robot=robot, title=title, file=file, uploaded_by=actor)
    attachment.full_clean()
    attachment.save()
    audit.record(
        actor=actor,
        action="catalog.robot.attachment_added",
        target=robot,
        changes={"attachment": attachment.pk, "title": title, "file": attachment.file.name},
    )
    return attachment


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def create_version(
    *,
    robot: Robot,
    actor,
    version: str,
    changelog: str = "",
    git_repository: str = "",
    git_commit: str = "",
    archive=None,
    archive_sha256: str = "",
) -> RobotVersion:
    """A new draft version. Its package is a git commit or an archive whose checksum the
    uploader states; the archive is refused unless its SHA-256 matches that checksum."""
    _require_catalog_manager(actor)
    git_repository = (git_repository or "").strip()
    git_commit = (git_commit or "").strip().lower()
    archive_sha256 = (archive_sha256 or "").strip().lower()
    if archive and (git_repository or git_commit):
        raise ValidationError(_("Give either a git repository and commit or an archive, not both."))
    if not archive and not (git_repository and git_commit):
        if git_repository or git_commit:
            field = "git_commit" if git_repository else "git_repository"
            raise ValidationError({field: _("A git package needs both repository and commit.")})
        raise ValidationError(
            _("A version needs a package: a git repository and commit, or an archive.")
        )
    actual_sha256 = ""
    if archive:
        if not archive_sha256:
            raise ValidationError(
                {"archive_sha256": _("State the archive's SHA-256 checksum so it can be checked.")}
            )
        actual_sha256 = sha256_of(archive)
        if not hmac.compare_digest(actual_sha256, archive_sha256):
            raise ValidationError(
                {
                    "archive_sha256": _(
                        "The archive's checksum does not match: the file has SHA-256 "
                        "%(actual)s, but %(expected)s was expected. The upload is refused."
                    )
                    % {"actual": actual_sha256, "expected": archive_sha256}
                }
            )
    robot_version = RobotVersion(
        robot=robot,
        version=(version or "").strip(),
        changelog=changelog,
        git_repository=git_repository,
        git_commit=git_commit,
        archive=archive or "",
        archive_sha256=actual_sha256,
        author=actor,
    )
    robot_version.full_clean()
    robot_version.save()
    audit.record(
        actor=actor,
        action="catalog.version.created",
        target=robot_version,
        changes={
            "robot": robot.slug,
            "version": robot_version.version,
            "package": robot_version.package_reference,
            "status": robot_version.status,
        },
    )
    return robot_version


def transition_refusal(robot_version: RobotVersion, to_status: str, actor) -> str | None:
    """Why this person may not move the version to that status now, or None if they may."""
    current = robot_version.status
    if to_status not in Status.values:
        return _("%(status)s is not a version status.") % {"status": to_status}
    if to_status not in ALLOWED_TRANSITIONS[current]:
        if to_status == Status.PRODUCTION:
            return _(
                "Only an approved version can go into production: it must pass its test "
                "stage and be approved first (it is %(status)s)."
            ) % {"status": Status(current).label}
        return _("A version that is %(from)s cannot become %(to)s.") % {
            "from": Status(current).label,
            "to": Status(to_status).label,
        }
    if to_status == Status.APPROVED and actor.pk == robot_version.author_id:
        return _("You wrote this version, so someone else must approve it (four eyes).")
    if to_status == Status.PRODUCTION and (
        robot_version.test_passed_at is None or robot_version.approved_by_id is None
    ):
        return _("The version has not passed its test stage and been approved.")
    return None


def allowed_transitions(robot_version: RobotVersion, actor) -> list[str]:
    """The statuses this person may move the version to (what the buttons offer)."""
    return [
        status
        for status in Status.values
        if status in ALLOWED_TRANSITIONS[robot_version.status]
        and transition_refusal(robot_version, status, actor) is None
    ]


def _check_not_deployed(robot_version: RobotVersion) -> None:
    """A version members still run cannot retire until their deployments move."""
    in_use = robot_version.deployments.exclude(status="retired").count()
    if in_use:
        raise ValidationError(
            {
                "to": ngettext(
                    "%(count)d deployment still uses this version: move it to another "
                    "version before retiring this one.",
                    "%(count)d deployments still use this version: move them to another "
                    "version before retiring this one.",
                    in_use,
                )
                % {"count": in_use}
            }
        )


@transaction.atomic
def transition_version(robot_version: RobotVersion, to_status: str, actor) -> RobotVersion:
    """Move a version through its stages; refused (with the reason) unless allowed."""
    _require_catalog_manager(actor)
    robot_version = RobotVersion.objects.select_for_update().get(pk=robot_version.pk)
    refusal = transition_refusal(robot_version, to_status, actor)
    if refusal:
        raise ValidationError({"to": refusal})
    if to_status == Status.RETIRED:
        _check_not_deployed(robot_version)
    from_status = robot_version.status
    now = timezone.now()
    changes = {"status": [from_status, to_status]}
    if to_status == Status.APPROVED:
        # Approving certifies the test stage passed; the approver is never the author.
        robot_version.test_passed_at = robot_version.approved_at = now
        robot_version.test_passed_by = robot_version.approved_by = actor
        changes["approved_by"] = actor.pk
    elif to_status in (Status.DRAFT, Status.TEST) and from_status != Status.DRAFT:
        # Back for rework or a new test: an earlier approval no longer holds.
        robot_version.test_passed_at = robot_version.approved_at = None
        robot_version.test_passed_by = robot_version.approved_by = None
    elif to_status == Status.PRODUCTION:
        robot_version.released_at = now
    elif to_status == Status.RETIRED:
        robot_version.retired_at = now
    robot_version.status = to_status
    robot_version.save()
    audit.record(
        actor=actor,
        action="catalog.version.transitioned",
        target=robot_version,
        changes=changes,
    )
    return robot_version
