"""The board reports: a member's and the partnership's, as PDF and XLSX, with the figures."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from insight import services
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
