from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing import services
from robots.models import Job
from tests.catalog.conftest import (  # noqa: F401
    developer,
    in_production,
    make_robot,
    make_version,
    operator,
    orderable,
    process_owner,
    reviewer,
    staff,
)
from tests.robots.conftest import make_deployment  # noqa: F401

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def rate_card(db):
    return services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
        work_item_price=Decimal("0.50"),
        deployment_monthly_fee_ore=100_000,
    )


def finished_job(deployment, started: datetime, seconds: int) -> Job:
    return Job.objects.create(
        deployment=deployment,
        organisation=deployment.organisation,
        status=Job.Status.SUCCEEDED,
        trigger=Job.Trigger.MANUAL,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
    )
