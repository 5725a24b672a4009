"""Reads of the vault, in the caller's member schema. Nothing here decrypts a secret."""

from datetime import date, timedelta

from django.db import connection
from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from robots import selectors as robot_selectors
from robots.credentials.models import Credential, CredentialUse
from robots.models import Deployment
from tenants.models import Organisation


def ensure_schema_of(organisation: Organisation) -> None:
    """The vault of ``organisation`` is only read or written inside its own schema."""
    if organisation.is_office or connection.schema_name != organisation.schema_name:
        raise RuntimeError("The credentials vault is only reachable in the member's own schema.")


def credentials_for(organisation: Organisation) -> QuerySet[Credential]:
    """The member's credentials with their deployments and last use: two queries in all."""
    ensure_schema_of(organisation)
    return Credential.objects.annotate(last_used_at=Max("uses__at")).prefetch_related(
        Prefetch("allowed_deployments", queryset=Deployment.objects.only("pk", "name", "status"))
    )


def credential_for(organisation: Organisation, pk) -> Credential:
    credential = credentials_for(organisation).filter(pk=pk).first()
    if credential is None:
        raise Http404
    return credential


def uses_of(credential: Credential, limit: int = 200) -> QuerySet[CredentialUse]:
    return credential.uses.select_related("actor")[:limit]


def expiring_credentials(within_days: int = 30, *, today: date | None = None):
    """Credentials in the current schema that expire within ``within_days`` or have expired."""
    today = today or timezone.localdate()
    return Credential.objects.filter(
        expires_on__isnull=False, expires_on__lte=today + timedelta(days=within_days)
    ).order_by("expires_on", "name")


def deployment_choices(organisation: Organisation) -> QuerySet[Deployment]:
    """The deployments a member's credential may be granted to: its own, not retired."""
    return (
        robot_selectors.deployments_for(organisation)
        .exclude(status=Deployment.Status.RETIRED)
        .order_by("name", "pk")
    )
