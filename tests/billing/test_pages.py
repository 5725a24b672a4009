"""The finance pages (office) and a member's cost page: who may see and change them,
refusals with their reasons, the close through the page with its progress, and constant
query counts however many members, pools and invoices there are."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import services, tasks
from billing.models import CostPool, Invoice, KeyKind, Period, RateCard
from tenants.models import KeyFigure, Role
from tests.billing.conftest import CPH, finished_job, invoices_and_pools

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MARCH = date(2025, 3, 1)


@pytest.fixture
def period(db):
    return services.get_period(MARCH)


def office_pages(period) -> list[str]:
    return [
        "/billing/periods/",
        f"/billing/periods/{period.pk}/",
        f"/billing/periods/{period.pk}/progress/",
        f"/billing/periods/{period.pk}/pools/new/",
        "/billing/rate-cards/",
        "/billing/key-figures/",
        "/billing/time/",
    ]


def test_finance_pages_are_for_finance_and_office_admins(
    office, aarhus, period, finance, office_admin, make_user, site_client
):
    operator = make_user("operator@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    for user in (finance, office_admin):
        client = site_client(office, user)
        for url in office_pages(period):
            assert client.get(url, **EN).status_code == 200, url
    home = site_client(office, finance).get("/", **EN).content.decode()
    assert 'href="/billing/periods/"' in home
    for url in office_pages(period):
        assert site_client(office, operator).get(url).status_code == 403, url
        assert site_client(office).get(url).status_code == 302, url
    # Office administrators read; only finance changes billing.
    admin = site_client(office, office_admin)
    refused = admin.post("/billing/rate-cards/", {"name": "X", "valid_from": "2025-01-01"})
    assert refused.status_code == 403
    assert admin.post(f"/billing/periods/{period.pk}/close/").status_code == 403
    # The finance pages are not on a member's site, even for its finance staff.
    member_finance = make_user("okonomi@aarhus.dk", aarhus, Role.FINANCE)
    assert site_client(aarhus, member_finance).get("/billing/periods/").status_code == 404


def test_a_member_sees_its_costs_others_do_not(aarhus, office, finance, make_user, site_client):
    owner = make_user("owner@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    plain = make_user("member@aarhus.dk", aarhus, Role.MEMBER)
    response = site_client(aarhus, owner).get("/costs/", **EN)
    assert response.status_code == 200
    assert "This month so far" in response.content.decode()
    assert 'href="/costs/"' in site_client(aarhus, owner).get("/", **EN).content.decode()
    assert site_client(aarhus, plain).get("/costs/").status_code == 403
    assert site_client(office, finance).get("/costs/").status_code == 404


def test_an_overlapping_rate_card_is_refused_with_its_reason(office, finance, site_client):
    services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
    )
    client = site_client(office, finance)
    card = {
        "name": "Takster juni",
        "valid_from": "2025-06-01",
        "robot_minute_price": "1.50",
        "staff_hour_price": "750",
        "work_item_price": "0",
        "monthly_fee": "1000,00",
        "runtime_rounding": RateCard.Rounding.SUMMED_SECONDS,
    }
    response = client.post("/billing/rate-cards/", card, **EN)
    assert response.status_code == 400
    assert "overlaps Takster 2025" in response.content.decode()
    assert RateCard.objects.count() == 1
    card["valid_from"] = "2024-01-01"
    card["valid_to"] = "2024-12-31"
    card["monthly_fee"] = "1000.50"
    assert client.post("/billing/rate-cards/", card).status_code == 302
    assert RateCard.objects.get(name="Takster juni").deployment_monthly_fee_ore == 100_050


def test_fixed_percentages_must_add_up_to_100(office, aarhus, odense, period, finance, site_client):
    client = site_client(office, finance)
    pool = {
        "name": "Drift",
        "amount": "10000",
        "key": KeyKind.FIXED,
        "percentages": "aarhus=60\nodense=30",
        "limit_to_members": [aarhus.pk, odense.pk],
    }
    url = f"/billing/periods/{period.pk}/pools/new/"
    response = client.post(url, pool, **EN)
    assert response.status_code == 400
    assert "add up to 90,00 %, not 100 %" in response.content.decode()
    assert not CostPool.objects.exists()
    pool["percentages"] = "aarhus=62,5\nodense=37,5"
    assert client.post(url, pool).status_code == 302
    created = CostPool.objects.get()
    assert created.amount_ore == 1_000_000
    assert created.key_params == {"percentages": {str(aarhus.pk): "62.5", str(odense.pk): "37.5"}}
    assert set(created.limit_to_members.all()) == {aarhus, odense}
    edit = client.get(f"/billing/pools/{created.pk}/", **EN)
    assert "aarhus=62.5" in edit.content.decode()
    pool["limit_to_members"] = [aarhus.pk]
    pool["name"] = "Drift og licenser"
    assert client.post(f"/billing/pools/{created.pk}/", pool).status_code == 302
    created.refresh_from_db()
    assert created.name == "Drift og licenser"
    assert list(created.limit_to_members.all()) == [aarhus]
    assert client.post(f"/billing/pools/{created.pk}/delete/").status_code == 302
    assert not CostPool.objects.exists()


def test_a_bad_line_refuses_the_whole_key_figure_file(office, aarhus, odense, finance, site_client):
    client = site_client(office, finance)
    bad = (
        "organisation;kind;value;valid_from\n"
        "aarhus;population;355.238;2025-01-01\n"
        "nowhere;population;1000;2025-01-01\n"
        "35209115;inhabitants;-5;2025-13-01\n"
    )
    response = client.post(
        "/billing/key-figures/",
        {"file": SimpleUploadedFile("figures.csv", bad.encode())},
        **EN,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "Line 3: unknown organisation “nowhere”." in html
    assert "Line 4: unknown kind “inhabitants”" in html
    assert "is not a date" in html
    assert not KeyFigure.objects.exists()
    good = "\ufeffaarhus;population;355.238;2025-01-01\n35209115;employees;4.512,5;01.02.2025\n"
    response = client.post(
        "/billing/key-figures/", {"file": SimpleUploadedFile("figures.csv", good.encode())}
    )
    assert response.status_code == 302
    figures = {(f.organisation_id, f.kind): f for f in KeyFigure.objects.all()}
    assert figures[(aarhus.pk, "population")].value == Decimal("355238")
    assert figures[(odense.pk, "employees")].value == Decimal("4512.5")
    assert figures[(odense.pk, "employees")].valid_from == date(2025, 2, 1)
    assert figures[(odense.pk, "employees")].source == "figures.csv"


def test_staff_hours_are_recorded_and_approved_negative_hours_refused(
    office, aarhus, finance, site_client
):
    services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
    )
    client = site_client(office, finance)
    entry = {"work_date": "2025-03-20", "hours": "-1", "description": "Analyse"}
    entry["organisation"] = aarhus.pk
    response = client.post("/billing/time/", entry, **EN)
    assert response.status_code == 400
    assert "Hours must be more than zero." in response.content.decode()
    entry["hours"] = "1,5"
    assert client.post("/billing/time/", entry).status_code == 302
    recorded = services.selectors.time_entries().get()
    assert client.post(f"/billing/time/{recorded.pk}/approve/").status_code == 302
    recorded.refresh_from_db()
    assert recorded.status == "approved"
    assert recorded.usage.get().amount_ore == 120_000


def test_closing_through_the_page_runs_the_task_and_reports_progress(
    office, aarhus, odense, period, finance, site_client, django_capture_on_commit_callbacks
):
    services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
    )
    services.create_cost_pool(period=period, name="Løn", amount_ore=100_000_00, key="equal")
    client = site_client(office, finance)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/billing/periods/{period.pk}/close/")
    assert response.status_code == 302
    assert len(callbacks) == 1
    progress = client.get(f"/billing/periods/{period.pk}/progress/").content.decode()
    assert 'data-progress="1"' in progress
    assert "hx-trigger" in progress  # the page keeps polling while the close runs
    tasks.close_period(period.pk)  # what the worker runs
    progress = client.get(f"/billing/periods/{period.pk}/progress/").content.decode()
    assert 'data-progress="100"' in progress
    assert "hx-trigger" not in progress
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED
    numbers = sorted(period.invoices.values_list("number", flat=True))
    assert numbers == [1, 2]
    # Closing again changes nothing and starts nothing.
    with django_capture_on_commit_callbacks() as again:
        assert client.post(f"/billing/periods/{period.pk}/close/").status_code == 302
    assert again == []
    tasks.close_period(period.pk)
    assert sorted(period.invoices.values_list("number", flat=True)) == [1, 2]
    page = client.get(f"/billing/periods/{period.pk}/", **EN).content.decode()
    assert "Løn: 100.000,00 kr" in page
    assert "50.000,00 kr" in page


def test_a_close_missing_key_figures_is_refused_with_the_list(
    office, aarhus, odense, period, finance, site_client, django_capture_on_commit_callbacks
):
    services.create_cost_pool(period=period, name="Løn", amount_ore=1_000_00, key="population")
    client = site_client(office, finance)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/billing/periods/{period.pk}/close/", **EN)
    assert response.status_code == 400
    assert callbacks == []
    html = response.content.decode()
    assert 'data-testid="missing-key-figures"' in html
    assert "Aarhus Kommune" in html and "Odense Kommune" in html
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    assert period.progress == 0
    # Should the figures go missing after the close was started, the task records why.
    tasks.close_period(period.pk)
    progress = client.get(f"/billing/periods/{period.pk}/progress/", **EN).content.decode()
    assert 'data-testid="close-refused"' in progress
    assert "Aarhus Kommune" in progress
    assert Period.objects.get(pk=period.pk).status == Period.Status.OPEN


def test_the_period_page_keeps_a_constant_query_count(office, period, finance, site_client):
    client = site_client(office, finance)
    invoices_and_pools(period, 2, 1)
    url = f"/billing/periods/{period.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    invoices_and_pools(period, 6, 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('data-testid="invoice-lines"') == 8
    assert response.content.decode().count("data-pool=") == 2
    assert len(many) == len(few)


@pytest.fixture
def march_with_a_robot(aarhus, odense, period, make_deployment):
    services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
    )
    robot = make_deployment(aarhus, name="Faktura-robot")
    robot.created_at = datetime(2025, 2, 1, 9, tzinfo=CPH)
    robot.save()
    finished_job(robot, datetime(2025, 3, 3, 8, tzinfo=CPH), 90)
    return services.create_cost_pool(period=period, name="Løn", amount_ore=100_000_00, key="equal")


def test_preview_shows_the_drafts_and_what_changed(
    office, aarhus, period, finance, march_with_a_robot, site_client
):
    client = site_client(office, finance)
    first = client.post(f"/billing/periods/{period.pk}/preview/", **EN)
    assert first.status_code == 200
    html = first.content.decode()
    assert 'data-testid="preview-changes"' in html
    assert 'Aarhus Kommune</td><td class="align-text-right">–' in html
    assert "Løn: 100.000,00 kr × 50,00 %" in html
    assert "Draft" in html
    again = client.post(f"/billing/periods/{period.pk}/preview/", **EN).content.decode()
    assert "Nothing changed since the last preview." in again


def test_a_closed_periods_pools_cannot_change_through_the_page(
    office, period, finance, march_with_a_robot, site_client
):
    services.close_period(period)
    client = site_client(office, finance)
    pool = {"name": "Løn", "amount": "1", "key": KeyKind.EQUAL}
    response = client.post(f"/billing/pools/{march_with_a_robot.pk}/", pool, **EN)
    assert response.status_code == 400
    assert "is closed and cannot change" in response.content.decode()
    assert client.post(f"/billing/periods/{period.pk}/pools/new/", pool).status_code == 400
    client.post(f"/billing/pools/{march_with_a_robot.pk}/delete/")
    march_with_a_robot.refresh_from_db()
    assert march_with_a_robot.amount_ore == 100_000_00


def test_the_cost_page_shows_invoices_their_explanations_and_the_chart(
    aarhus, period, march_with_a_robot, make_user, site_client
):
    tasks.close_period(period.pk)  # books the robot's runtime, then closes
    owner = make_user("owner@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    html = site_client(aarhus, owner).get("/costs/", **EN).content.decode()
    invoice = Invoice.objects.get(organisation=aarhus)
    assert f'data-invoice="{invoice.pk}"' in html
    assert "Løn: 100.000,00 kr × 50,00 %" in html
    assert 'id="cost-chart-data"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert '<th scope="col" class="align-text-right">Faktura-robot</th>' in html
    row = html[html.index('data-month="2025-03"') :].split("</tr>")[0]
    # 90 s = 2 started minutes × 2,00 kr; total incl. 25 % VAT of 50.004,00 kr.
    assert "4,00 kr" in row
    assert "62.505,00 kr" in row
    other = Invoice.objects.exclude(organisation=aarhus).get()
    assert f'data-invoice="{other.pk}"' not in html
