"""The only writer of runners: register (the token is shown once), rotate, revoke."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from robots.models import Runner
from tenants import permissions
from tenants.models import hash_secret
from tenants.services import office


def _require_operator(actor) -> None:
    """``actor=None`` is the command line, which acts with the server's own rights."""
    if actor is not None and not permissions.can(
        actor, office(), permissions.Capability.OPERATE_ROBOTS
    ):
        raise PermissionDenied(_("Only the office's operators manage runners."))


def _new_token() -> str:
    return Runner.TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def register_runner(
    *, actor, name, pool="default", labels=(), operating_system="linux", max_concurrency=1
) -> tuple[Runner, str]:
    """A new runner and its token, which is shown this once and stored only as a hash."""
    _require_operator(actor)
    token = _new_token()
    runner = Runner(
        name=name.strip(),
        pool=(pool or "default").strip(),
        labels=sorted({label.strip() for label in labels if label.strip()}),
        operating_system=operating_system,
        max_concurrency=max_concurrency,
        token_prefix=token[:12],
        token_hash=hash_secret(token),
        registered_by=actor,
    )
    runner.full_clean()
    runner.save()
    audit.record(
        actor=actor,
        action="robots.runner.registered",
        target=runner,
        changes={"pool": runner.pool, "labels": runner.labels},
    )
    return runner, token


@transaction.atomic
def rotate_token(*, runner: Runner, actor) -> str:
    """A new token for the runner; the old one stops working at once."""
    _require_operator(actor)
    token = _new_token()
    Runner.objects.filter(pk=runner.pk).update(
        token_prefix=token[:12], token_hash=hash_secret(token), revoked_at=None
    )
    audit.record(actor=actor, action="robots.runner.token_rotated", target=runner)
    return token


@transaction.atomic
def revoke_runner(*, runner: Runner, actor) -> None:
    _require_operator(actor)
    Runner.objects.filter(pk=runner.pk).update(revoked_at=timezone.now())
    audit.record(actor=actor, action="robots.runner.revoked", target=runner)
