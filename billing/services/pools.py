"""Cost pools: amounts an open period splits among members by a key."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.keys import validate_key_params
from billing.models import (
    CostPool,
    KeyKind,
    Period,
)
from billing.services.periods import ensure_open
from tenants.models import Organisation


def _validate_key_params(key: str, params: Any) -> None:
    """The key's parameters, and that every fixed percentage names a member."""
    try:
        validate_key_params(key, params)
    except ValueError as error:
        raise ValidationError({"key_params": str(error)}) from None
    if key != KeyKind.FIXED:
        return
    named = {int(pk) for pk in params.get("percentages") or {}}
    members = Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
    unknown = named - set(members.filter(pk__in=named).values_list("pk", flat=True))
    if unknown:
        raise ValidationError(
            {
                "key_params": _("No member has the id %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in sorted(unknown))}
            }
        )


@transaction.atomic
def create_cost_pool(
    *,
    period: Period,
    name: str,
    amount_ore: int,
    key: str,
    key_params: dict | None = None,
    limit_to_kinds: list[str] | None = None,
    limit_to_members: list[Organisation] | None = None,
) -> CostPool:
    period = Period.objects.select_for_update().get(pk=period.pk)
    ensure_open(period)
    if amount_ore < 0:
        raise ValidationError({"amount_ore": _("A pool's amount cannot be negative.")})
    _validate_key_params(key, {} if key_params is None else key_params)
    pool = CostPool(
        period=period,
        name=name,
        amount_ore=amount_ore,
        key=key,
        key_params=key_params or {},
        limit_to_kinds=limit_to_kinds or [],
    )
    pool.full_clean()
    pool.save()
    pool.limit_to_members.set(limit_to_members or [])
    return pool


@transaction.atomic
def update_cost_pool(
    pool: CostPool, *, limit_to_members: list[Organisation] | None = None, **changes: Any
) -> CostPool:
    """Change an open period's pool; ``limit_to_members`` (if given) replaces the members
    it is limited to."""
    period = Period.objects.select_for_update().get(pk=pool.period_id)
    ensure_open(period)
    pool = CostPool.objects.get(pk=pool.pk)
    for name, value in changes.items():
        setattr(pool, name, value)
    _validate_key_params(pool.key, pool.key_params)
    pool.full_clean()
    pool.save()
    if limit_to_members is not None:
        pool.limit_to_members.set(limit_to_members)
    return pool


@transaction.atomic
def delete_cost_pool(pool: CostPool) -> None:
    period = Period.objects.select_for_update().get(pk=pool.period_id)
    ensure_open(period)
    pool.limit_to_members.clear()
    pool.delete()
