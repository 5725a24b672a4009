"""A member that left the partnership at the end of March 2025, with data in its schema
(work items with history, outputs and a file, a run log, a credential), in ``public``
(a deployment, a job, an order, its usage and its final invoice of the closed March) and in
its media folder; and the administrators who may export and erase it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from billing import services as billing
from billing.models import Period
from robots.credentials import services as credentials
from robots.models import Deployment, Job
from robots.runlogs.models import JobLogLine
from robots.services import deployments
from robots.workitems.models import WorkItemFile, WorkItemOutput
from robots.workitems.services import items, queues
from tenants.models import Organisation, Role
from tests.conftest import make_member
from tests.fixtures.catalog import VALID_PARAMETERS

CPH = ZoneInfo("Europe/Copenhagen")
MARCH = date(2025, 3, 1)
LEFT_ON = date(2025, 3, 31)
SECRET = "hemmelig-adgangskode-42"


@dataclass
class Leaver:
    organisation: Organisation
    admin: object
    staff: object
    deployment: Deployment
    period: Period


def fill_schema(organisation: Organisation, deployment: Deployment, job: Job, actor) -> None:
    """Work items with history, an output and a file; a run log line; a credential."""
    with schema_context(organisation.schema_name):
        queue = queues.create_queue(name="Sager", deployment=deployment)
        for number in range(1, 4):
            item = items.add_item(
                queue, reference=f"S-{number}", payload={"cpr": f"01010{number}-1234"}
            )
        output = WorkItemOutput.objects.create(parent=item, payload={"svar": "ja"})
        attached = WorkItemFile(output=output, name="svar.pdf", size=9)
        attached.file.save("svar.pdf", ContentFile(b"%PDF-svar"), save=True)
        JobLogLine.objects.create(job_id=job.pk, number=1, text="Behandler sag S-1")
        credentials.create_credential(
            organisation=organisation,
            actor=actor,
            name="Fagsystem",
            kind="username_password",
            username="robot@bolig.dk",
            password=SECRET,
        )


def make_leaver(make_user, orderable, operator, *, slug="bolig", cvr="25313763") -> Leaver:
    organisation = make_member(slug, f"Boligselskabet {slug}", cvr, kind="housing")
    admin = make_user(f"admin@{slug}.dk", organisation, Role.MEMBER_ADMIN)
    staff = make_user(f"sagsbehandler@{slug}.dk", organisation, Role.MEMBER)
    billing.set_member_term(organisation=organisation, joined_on=date(2025, 1, 1), left_on=LEFT_ON)
    deployment = deployments.create_deployment(
        organisation=organisation,
        robot_version=orderable,
        name=f"Robot for {slug}",
        parameters=VALID_PARAMETERS,
        schedule="",
        process_owner=admin,
        actor=operator,
    )
    started = datetime(2025, 3, 3, 8, tzinfo=CPH)
    job = Job.objects.create(
        deployment=deployment,
        organisation=organisation,
        status=Job.Status.SUCCEEDED,
        trigger=Job.Trigger.MANUAL,
        started_at=started,
        finished_at=started + timedelta(seconds=600),
    )
    fill_schema(organisation, deployment, job, admin)
    return Leaver(organisation, admin, staff, deployment, None)


def close_march() -> Period:
    period = billing.get_period(MARCH)
    billing.close_period_with_progress(period, lambda *_: None)
    period.refresh_from_db()
    return period


@pytest.fixture
def leaver(office, make_user, orderable, operator, rate_card) -> Leaver:
    left = make_leaver(make_user, orderable, operator)
    left.period = close_march()
    return left
