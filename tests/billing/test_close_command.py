# ruff: noqa: F811
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing import services
from billing.models import KeyKind, Period
from tenants.models import Role
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


def test_a_close_refused_from_the_command_line_leaves_the_period_page_as_it_was(
    partnership, office, make_user, site_client
):
    period = services.get_period(MARCH)
    services.create_cost_pool(period=period, name="Løn", amount_ore=1, key=KeyKind.EMPLOYEES)
    finance = make_user("finance@robotkontor.dk", office, Role.FINANCE)
    client = site_client(office, finance)
    before = client.get(f"/billing/periods/{period.pk}/progress/").content.decode()
    out = StringIO()
    with pytest.raises(CommandError, match="Løn: Aarhus Kommune"):
        call_command("close_period", "2025-03", stdout=out)
    assert " 50 % " in out.getvalue()  # it got as far as computing the invoices
    period.refresh_from_db()
    assert (period.status, period.progress, period.progress_message) == ("open", 0, "")
    after = client.get(f"/billing/periods/{period.pk}/progress/").content.decode()
    assert after == before
    assert "<progress" not in after and "hx-trigger" not in after
    page = client.get(f"/billing/periods/{period.pk}/").content.decode()
    assert 'data-progress="0"' in page and "close-refused" not in page

    # A refusal the page showed before (the task's) is kept as it was, not replaced by 50 %.
    services.set_progress(period, 0, "Løn: Aarhus Kommune mangler antal ansatte")
    shown = client.get(f"/billing/periods/{period.pk}/progress/").content.decode()
    with pytest.raises(CommandError):
        call_command("close_period", "2025-03", stdout=StringIO())
    assert client.get(f"/billing/periods/{period.pk}/progress/").content.decode() == shown
