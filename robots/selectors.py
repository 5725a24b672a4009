"""Reads of execution data in ``public``, scoped to the caller's organisation."""

from django.db.models import QuerySet
from django.http import Http404

from robots.models import Deployment
from tenants.models import Organisation


def deployments_for(organisation: Organisation) -> QuerySet[Deployment]:
    deployments = Deployment.objects.select_related(
        "organisation", "robot_version__robot", "process_owner"
    )
    if organisation.is_office:
        return deployments
    return deployments.filter(organisation=organisation)


def deployment_for(organisation: Organisation, pk) -> Deployment:
    deployment = deployments_for(organisation).filter(pk=pk).first()
    if deployment is None:
        raise Http404
    return deployment
