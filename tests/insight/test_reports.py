"""The board reports: a member's and the partnership's, as PDF and XLSX, with the figures."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from insight import charts, reports, selectors, services
from tenants.models import Role
from tests.insight.conftest import at, close, closed_bill, items

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture
def figures(aarhus, odense, make_deployment, make_robot, in_production):
    version = in_production(make_robot(estimated_minutes_saved=Decimal("6")))
    items(make_deployment(aarhus, robot_version=version, name="Aarhus-robot"), at(2026, 10, 2), 20)
    items(make_deployment(odense, robot_version=version, name="Odense-robot"), at(2026, 10, 2), 40)
    close(closed_bill(aarhus, OCT, {"pool_share": 50_000}))
    services.refresh_rollups([OCT])


def _sheet(response, name) -> list[tuple]:
    content = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content))[name].values)


def test_a_member_downloads_its_quarter_as_pdf_and_xlsx(figures, aarhus, make_user, site_client):
    client = site_client(aarhus, make_user("ejer@aarhus.dk", aarhus, Role.PROCESS_OWNER))
    pdf = client.get("/insight/report.pdf?year=2026&quarter=4")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert 'filename="vaerdi-aarhus-2026-K4.pdf"' in pdf["Content-Disposition"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = client.get("/insight/report.xlsx?year=2026&quarter=4")
    key = dict(row[:2] for row in _sheet(xlsx, "Nøgletal") if row and row[0])
    assert key["Værdi"] == "900,00 kr" and key["Omkostning"] == "500,00 kr"
    assert key["Nettogevinst"] == "400,00 kr"
    robots = _sheet(client.get("/insight/report.xlsx?year=2026&quarter=4"), "Robotter")
    assert [row[0] for row in robots[1:]] == ["Aarhus-robot"]
    months = _sheet(client.get("/insight/report.xlsx?year=2026&quarter=4"), "Måneder")
    assert [row[0] for row in months[1:]] == ["2026-10", "2026-11", "2026-12"]
    assert months[1][3] == Decimal("900") or months[1][3] == 900


def test_the_office_downloads_the_partnership_report(figures, office, make_user, site_client):
    client = site_client(office, make_user("okonomi@robotkontor.dk", office, Role.FINANCE))
    response = client.get("/insight/report.xlsx?year=2026")
    assert 'filename="vaerdi-faellesskabet-2026.xlsx"' in response["Content-Disposition"]
    members = {row[0]: row for row in _sheet(response, "Medlemmer")[1:]}
    assert members["Odense Kommune"][1] == 4  # hours saved
    assert client.get("/insight/report.pdf?year=2026").status_code == 200
    one = client.get("/insight/report.pdf?year=2026&member=odense")
    assert 'filename="vaerdi-odense-2026.pdf"' in one["Content-Disposition"]


def _bars(svg: str) -> list[tuple[str, Decimal]]:
    """(series, value) of every bar of one chart."""
    return [
        (series, Decimal(value))
        for series, value in re.findall(
            r'<rect class="bar" (?:data-series="([^"]*)" )?data-value="([^"]*)"', svg
        )
    ]


def _charts(html: str) -> dict[str, str]:
    """Each figure's inline SVG by the figure's class."""
    return dict(re.findall(r'<figure class="chart-([a-z-]+)">.*?(<svg.*?</svg>)', html, re.S))


def test_a_members_report_charts_value_cost_and_hours_for_each_month(figures, aarhus):
    report = reports.build(aarhus, aarhus, selectors.span_from({"year": "2026", "quarter": "4"}))
    charts = _charts(reports.html(report))
    assert set(charts) == {"value-cost", "hours"}  # no members' chart on a member's report
    value_cost = _bars(charts["value-cost"])
    assert len(value_cost) == 6  # three months × value and cost
    assert value_cost[:2] == [("Værdi", Decimal(900)), ("Omkostning", Decimal(500))]
    assert [value for _series, value in _bars(charts["hours"])] == [2, 0, 0]
    labels = re.findall(r'text-anchor="middle"[^>]*>([^<]*)<', charts["hours"])
    marks = [" *" if month.figures.preliminary else "" for month in report["shown"].monthly]
    assert labels == [f"okt.{marks[0]}", "2026", f"nov.{marks[1]}", f"dec.{marks[2]}"]
    assert "900,0 kr" in charts["value-cost"]  # the bar's title, in Danish format

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reports.pdf(report))).pages)
    assert "900,00 kr" in text and "500,00 kr" in text and "400,00 kr" in text
    assert "Aarhus-robot" in text and "Værdi og omkostning pr. måned" in text
    assert "okt." in text and "1.000 kr" in text  # the chart's own labels: the SVG is drawn


def test_the_partnership_report_charts_each_members_net_benefit(figures, office, aarhus, odense):
    report = reports.build(office, None, selectors.span_from({"year": "2026"}))
    charts = _charts(reports.html(report))
    assert set(charts) == {"value-cost", "hours", "net-per-member"}
    assert len(_bars(charts["value-cost"])) == 24 and len(_bars(charts["hours"])) == 12
    net = dict(re.findall(r"<title>([^:<]+): ([^<]+)</title></rect>", charts["net-per-member"]))
    assert net["Aarhus Kommune"] == "400 kr"
    assert len(_bars(charts["net-per-member"])) == 2
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reports.pdf(report))).pages)
    assert "Nettogevinst pr. medlem" in text and "Odense Kommune" in text


def test_a_chart_draws_negative_bars_below_zero_with_danish_axis_labels():
    svg = charts.bar_chart(
        "Netto",
        ["jan. 2026", "feb. 2026"],
        [charts.Series("Netto", [Decimal("-120000"), Decimal("250000.5")], "#000")],
        unit="kr",
    )
    assert len(_bars(svg)) == 2
    assert "-200.000 kr" in svg and "300.000 kr" in svg and ">0 kr<" in svg
    heights = [float(h) for h in re.findall(r'class="bar".*?height="([\d.]+)"', svg)]
    assert heights[1] > heights[0] > 0
    assert "250.000,5 kr" in svg  # the bar's title keeps the decimal comma
