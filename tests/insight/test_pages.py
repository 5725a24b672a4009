"""The dashboards: figures as computed by hand, scoped per site, and a fixed number of
queries whatever the data size and the number of members."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.months import add_months, current_month
from insight import services
from insight.models import MinutesBasis, MonthlyCost, MonthlyValue
from robots.models import Job
from robots.workitems.models import WorkItem
from tenants.models import Organisation, Role
from tests.insight.conftest import at, close, closed_bill, items, run

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture
def figures(aarhus, odense, make_deployment, make_robot, in_production):
    version = in_production(make_robot(estimated_minutes_saved=Decimal("6"), name_da="Lejetilbud"))
    deployment = make_deployment(aarhus, robot_version=version, name="Aarhus-lejetilbud")
    items(deployment, at(2026, 10, 2), 20)
    items(make_deployment(odense, robot_version=version, name="Odense-robot"), at(2026, 10, 2), 40)
    close(closed_bill(aarhus, OCT, {"pool_share": 50_000}))
    services.refresh_rollups([OCT])
    return deployment


@pytest.fixture
def owner(aarhus, make_user):
    return make_user("ejer@aarhus.dk", aarhus, Role.PROCESS_OWNER)


@pytest.fixture
def finance(office, make_user):
    return make_user("okonomi@robotkontor.dk", office, Role.FINANCE)


def test_a_member_sees_its_figures_in_danish_and_the_partnership_totals(
    figures, aarhus, owner, site_client
):
    page = site_client(aarhus, owner).get("/insight/?year=2026&quarter=4")
    assert page.status_code == 200
    html = page.content.decode()
    # 20 items × 6 min = 2,0 h × 450 kr = 900,00 kr against a bill of 500,00 kr.
    assert 'data-figure="value">900,00 kr<' in html
    assert 'data-figure="cost">500,00 kr<' in html
    assert 'data-figure="net">400,00 kr<' in html
    assert "Aarhus-lejetilbud" in html
    assert "Odense" not in html  # another member's deployment, never shown
    # The partnership: 60 items = 6,0 h = 2.700,00 kr.
    assert "2.700,00 kr" in html
    assert 'id="insight-chart-data"' in html and "insight_charts.js" in html
    assert 'href="/insight/"' in site_client(aarhus, owner).get("/").content.decode()


def test_the_office_sees_every_member_and_can_open_one(figures, office, finance, site_client):
    client = site_client(office, finance)
    html = client.get("/insight/?year=2026").content.decode()
    assert 'data-member="aarhus"' in html and 'data-member="odense"' in html
    assert "1.800,00 kr" in html  # Odense: 40 items × 6 min = 4 h × 450 kr
    one = client.get("/insight/?year=2026&member=odense").content.decode()
    assert "Odense-robot" in one and "Aarhus-lejetilbud" not in one
    assert client.get("/insight/?member=nobody").status_code == 404
    assert client.get("/insight/?year=2026&quarter=9").status_code == 404


def test_staff_without_the_billing_role_is_refused(aarhus, make_user, site_client):
    staff = make_user("medarbejder@aarhus.dk", aarhus, Role.MEMBER)
    assert site_client(aarhus, staff).get("/insight/").status_code == 403


def test_an_empty_member_and_a_missing_estimate_say_so(
    aarhus, owner, site_client, make_deployment, make_robot, in_production
):
    page = site_client(aarhus, owner).get("/insight/").content.decode()
    assert (
        'data-testid="no-data"' in page and 'data-figure="payback">endnu ikke<' in page
    )  # Danish by default
    unknown = make_deployment(aarhus, robot_version=in_production(make_robot()), name="Ukendt")
    items(unknown, at(2026, 10, 2), 3)
    services.refresh_rollups([OCT])
    page = site_client(aarhus, owner).get("/insight/?year=2026").content.decode()
    assert 'data-testid="missing-estimates"' in page and "Ukendt" in page


def _grow(organisation_ids: list[int], deployment, months: int) -> None:
    """Rollup rows for ``months`` months for each organisation (as the beat would write)."""
    first = date(2026, 1, 1)
    MonthlyValue.objects.bulk_create(
        MonthlyValue(
            organisation_id=organisation_id,
            deployment=deployment,
            robot_id=deployment.robot_version.robot_id,
            month=add_months(first, index),
            items_done=10 + index,
            runs=3,
            runs_succeeded=2,
            minutes_per_item=Decimal("6"),
            minutes_basis=MinutesBasis.CATALOG,
        )
        for organisation_id in organisation_ids
        for index in range(months)
    )
    MonthlyCost.objects.bulk_create(
        MonthlyCost(
            organisation_id=organisation_id,
            month=add_months(first, index),
            pool_ore=1000,
            total_ore=1000,
            preliminary=False,
            basis="invoice",
        )
        for organisation_id in organisation_ids
        for index in range(months)
    )


def _members(count: int, start: int) -> list[int]:
    made = Organisation.objects.bulk_create(
        Organisation(
            name=f"Medlem {n}", slug=f"medlem-{n}", schema_name=f"medlem_{n}", kind="municipality"
        )
        for n in range(start, start + count)
    )
    return [organisation.pk for organisation in made]


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


PAGE = "/insight/?year=2026"


def test_the_dashboards_take_a_fixed_number_of_queries(
    aarhus, office, owner, finance, site_client, make_deployment, orderable
):
    deployment = make_deployment(aarhus)
    member, office_client = site_client(aarhus, owner), site_client(office, finance)

    def count() -> tuple[int, int, int]:
        return (
            _queries(member, PAGE),
            _queries(office_client, PAGE),
            _queries(office_client, PAGE + "&member=aarhus"),
        )

    count()  # sessions, memberships and the like, once
    small = count()
    _grow([aarhus.pk], deployment, 2)
    _grow(_members(2, 1), deployment, 2)
    two_members = count()
    _grow(_members(20, 100), deployment, 12)
    many_members = count()
    assert small == two_members == many_members


def test_one_robot_has_its_own_trend_against_its_own_cost(
    figures, aarhus, odense, owner, site_client
):
    client = site_client(aarhus, owner)
    page = client.get(f"/insight/?year=2026&deployment={figures.pk}").content.decode()
    assert 'data-testid="deployment-name"' in page and "Aarhus-lejetilbud" in page
    assert 'data-figure="value">900,00 kr<' in page
    assert 'data-figure="cost">0,00 kr<' in page  # its own lines: none in this bill
    other = MonthlyValue.objects.get(organisation=odense).deployment_id
    assert client.get(f"/insight/?year=2026&deployment={other}").status_code == 404
    assert client.get("/insight/?deployment=x").status_code == 404


def test_a_member_admin_sets_the_value_of_an_hour_and_the_office_an_estimate(
    figures, aarhus, office, make_user, site_client
):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    client = site_client(aarhus, admin)
    assert 'data-testid="hourly-rate-form"' in client.get("/insight/?year=2026").content.decode()
    response = client.post(
        "/insight/hourly-rate/", {"hourly_rate": "600,00", "next_query": "year=2026"}
    )
    assert response.status_code == 302 and response["Location"] == "/insight/?year=2026"
    # 2 h × 600 kr = 1.200,00 kr, for past months too (the rate is applied when read).
    page = client.get("/insight/?year=2026").content.decode()
    assert 'data-figure="value">1.200,00 kr<' in page
    client.post("/insight/hourly-rate/", {"hourly_rate": "-1"})
    assert 'data-figure="value">1.200,00 kr<' in client.get("/insight/?year=2026").content.decode()
    # A process owner may read but not change it.
    owner = make_user("ejer2@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    assert (
        site_client(aarhus, owner).post("/insight/hourly-rate/", {"hourly_rate": "1"}).status_code
        == 403
    )

    developer = make_user("udvikler@robotkontor.dk", office, Role.OFFICE_DEVELOPER)
    office_client = site_client(office, developer)
    office_client.post(f"/insight/deployments/{figures.pk}/estimate/", {"minutes": "9,5"})
    services.refresh_rollups([OCT])
    row = MonthlyValue.objects.get(deployment=figures)
    assert row.minutes_per_item == Decimal("9.5") and row.minutes_basis == MinutesBasis.DEPLOYMENT
    office_client.post(f"/insight/deployments/{figures.pk}/estimate/", {"minutes": ""})
    services.refresh_rollups([OCT])
    assert MonthlyValue.objects.get(deployment=figures).minutes_basis == MinutesBasis.CATALOG
    assert (
        site_client(aarhus, admin)
        .post(f"/insight/deployments/{figures.pk}/estimate/", {"minutes": "1"})
        .status_code
        == 403
    )


def test_a_catalog_robot_has_its_trend_across_the_partnership(figures, aarhus, owner, site_client):
    client = site_client(aarhus, owner)
    robot = figures.robot_version.robot_id
    page = client.get(f"/insight/?year=2026&robot={robot}").content.decode()
    assert 'data-testid="robot-name"' in page
    # Both members' items: 60 × 6 min = 6,0 h = 2.700,00 kr.
    assert 'data-figure="value">2.700,00 kr<' in page
    assert 'data-figure="hours_saved">6,0<' in page
    assert client.get("/insight/?year=2026&robot=999999").status_code == 404


def test_every_number_on_the_page_is_in_danish_format(
    aarhus, owner, site_client, make_deployment, make_robot, in_production
):
    version = in_production(make_robot(estimated_minutes_saved=Decimal("60")))
    deployment = make_deployment(aarhus, robot_version=version, name="Stor robot")
    items(deployment, at(2026, 10, 2), 1234)
    items(deployment, at(2026, 10, 2), 1, status=WorkItem.Status.BUSINESS_EXCEPTION)
    for status in (Job.Status.SUCCEEDED, Job.Status.SUCCEEDED, Job.Status.FAILED):
        run(deployment, at(2026, 10, 3), 5400, status=status)
    services.refresh_rollups([OCT])
    html = site_client(aarhus, owner).get("/insight/?year=2026&quarter=4").content.decode()
    # 1.234 items × 60 min = 1.234 h × 450 kr; 1.234 h ÷ (1.924 h × 3/12) = 2,57 FTE.
    assert 'data-figure="hours_saved">1.234,0<' in html
    assert 'data-figure="value">555.300,00 kr<' in html
    assert 'data-figure="fte">2,57<' in html
    assert 'data-figure="success">66,7 %<' in html  # 2 of 3 runs
    assert 'data-figure="manual">0,1 %<' in html  # 1 of 1.235 items handed back
    assert 'data-figure="runtime">4,5<' in html  # 3 × 1,5 h
    october = html.split('data-month="2026-10"')[1].split("</tr>")[0]
    assert ">1.234,0<" in october and ">555.300,00 kr<" in october and ">66,7 %<" in october
    assert "60,0 (" in html  # minutes per item
    assert "1.924 timer" in html and "450,00 kr" in html  # the basis, in Danish


def test_a_member_without_runs_and_an_open_month_say_so_in_words(
    aarhus, owner, finance, office, site_client
):
    this = current_month()
    html = site_client(aarhus, owner).get(f"/insight/?year={this.year}").content.decode()
    assert "Endnu ingen kørsler, arbejdsopgaver eller regninger i denne periode." in html
    assert "Ingen robot har kørt i denne periode." in html
    assert 'data-figure="payback">endnu ikke<' in html
    assert 'data-figure="success">–<' in html and 'data-figure="manual">–<' in html
    # This month is not closed: preliminary, in the alert and in its row.
    alert = html.split('data-testid="preliminary"')[1].split("</div>")[0]
    month_name = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ][this.month - 1]
    assert f"Foreløbigt: {month_name} {this.year}" in alert and "er ikke afsluttet endnu" in alert
    # The month table names its months: "december 2026", never "2026-12".
    assert f'<th scope="row">{month_name} {this.year}' in html
    row = html.split(f'data-month="{this:%Y-%m}"')[1].split("</tr>")[0]
    assert "(foreløbig)" in row
    # On the office, the member without runs is listed with dashes, not as an error.
    members = site_client(office, finance).get(f"/insight/?year={this.year}").content.decode()
    aarhus_row = members.split('data-member="aarhus"')[1].split("</tr>")[0]
    assert ">0,0<" in aarhus_row and ">0,00 kr<" in aarhus_row and ">–<" in aarhus_row
