# ruff: noqa: F811
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing import services
from billing.models import KeyKind, Period
from tests.billing.test_example_partnership import (  # noqa: F401  (shared fixture)
    MARCH,
    make_pools,
    partnership,
)

pytestmark = pytest.mark.django_db


def test_close_period_command_closes_the_month_and_reports_progress(partnership):
    make_pools(services.get_period(MARCH), *partnership)
    out = StringIO()
    call_command("close_period", "2025-03", stdout=out)
    period = Period.objects.get(month=MARCH)
    assert (period.status, period.progress) == ("closed", 100)
    assert "2025-03 is closed: 3 invoices." in out.getvalue()
    call_command("close_period", "2025-03", stdout=StringIO())  # harmless a second time
    assert period.invoices.filter(number__isnull=False).count() == 3


def test_close_period_command_reports_what_is_missing(partnership):
    services.create_cost_pool(
        period=services.get_period(MARCH), name="Løn", amount_ore=1, key=KeyKind.EMPLOYEES
    )
    with pytest.raises(CommandError, match="Løn: Aarhus Kommune"):
        call_command("close_period", "2025-03", stdout=StringIO())
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("close_period", "marts", stdout=StringIO())
