"""A member's process owner and the office's finance staff open the value and cost
dashboards: the charts are drawn from the same figures the tables show, in Danish format."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders

from insight import services
from tenants.models import Role
from tests.e2e.conftest import sign_in
from tests.insight.conftest import at, close, closed_bill, items

pytestmark = pytest.mark.browser
OCT = date(2026, 10, 1)


def chart_data(page, canvas_id: str) -> list[list]:
    """The numbers Chart.js draws on a canvas, per dataset."""
    page.wait_for_function(
        f"window.Chart && window.Chart.getChart(document.getElementById('{canvas_id}'))"
    )
    return page.evaluate(
        f"window.Chart.getChart(document.getElementById('{canvas_id}'))"
        ".data.datasets.map(d => d.data)"
    )


@pytest.fixture
def figures(aarhus, odense, make_deployment, make_robot, in_production):
    if finders.find("vendor/chartjs/chart.umd.min.js") is None:
        raise RuntimeError("Chart.js is missing from the static files: run make install")
    version = in_production(make_robot(estimated_minutes_saved=Decimal("6")))
    aarhus_robot = make_deployment(aarhus, robot_version=version, name="Aarhus-lejetilbud")
    items(aarhus_robot, at(2026, 10, 2), 20)
    items(make_deployment(odense, robot_version=version, name="Odense-robot"), at(2026, 10, 2), 40)
    close(closed_bill(aarhus, OCT, {"pool_share": 50_000}))
    services.refresh_rollups([OCT])


def test_member_and_office_dashboards_show_the_figures_in_charts_and_tables(
    figures, page, site_url, aarhus, office, make_user
):
    make_user("ejer@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    sign_in(page, site_url(aarhus, "/accounts/login/"), "ejer@aarhus.dk")
    page.click("nav [data-nav=member] li:has(a[href='/insight/']) .submenu > button")
    page.click("nav [data-nav=member] a[href='/insight/']")
    page.wait_for_load_state()
    page.goto(site_url(aarhus, "/insight/?year=2026&quarter=4"))
    summary = page.locator("[data-testid=summary]")
    # 20 items × 6 min = 2,0 h × 450 kr = 900,00 kr; the October bill 500,00 kr.
    assert summary.locator("[data-figure=hours_saved]").inner_text() == "2,0"
    assert summary.locator("[data-figure=value]").inner_text() == "900,00 kr"
    assert summary.locator("[data-figure=cost]").inner_text() == "500,00 kr"
    assert summary.locator("[data-figure=net]").inner_text() == "400,00 kr"
    october = page.locator("[data-testid=month-table] tr[data-month='2026-10'] td")
    assert october.nth(1).inner_text() == "900,00 kr"
    value, cost, net = chart_data(page, "chart-value")
    assert (value, cost, net) == ([900, 0, 0], [500, 0, 0], [400, 0, 0])
    assert chart_data(page, "chart-hours") == [[2, 0, 0]]
    assert page.locator("[data-testid=deployment-table] tbody tr").count() == 1
    assert "Odense" not in page.locator("main").inner_text()
    # The partnership's totals: 60 items = 6,0 h = 2.700,00 kr.
    partnership = page.locator("[data-testid=partnership]")
    assert partnership.locator("[data-figure=value]").inner_text() == "2.700,00 kr"

    make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
    sign_in(page, site_url(office, "/accounts/login/"), "okonomi@robotkontor.dk")
    page.goto(site_url(office, "/insight/?year=2026"))
    members = page.locator("[data-testid=member-table] tbody tr")
    assert members.count() == 2
    odense = page.locator("[data-testid=member-table] tr[data-member=odense] td")
    assert odense.nth(3).inner_text() == "1.800,00 kr"  # 40 × 6 min = 4 h × 450 kr
    value, cost, _net = chart_data(page, "chart-value")
    assert value[9] == 2700 and cost[9] == 500
    page.click("[data-testid=member-table] tr[data-member=odense] a")
    page.wait_for_load_state()
    assert "Odense-robot" in page.locator("[data-testid=deployment-table]").inner_text()
