# ruff: noqa: F811
"""Downloads of a closed period on the finance period page, and a member's own invoice PDFs
on its cost page: file types and names, refusals, and who may download what."""

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from billing import services
from billing.models import Period
from tenants.models import Organisation, Role
from tests.billing.test_example_partnership import MARCH, partnership  # noqa: F401
from tests.billing.test_exports import closed  # noqa: F401

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def disposition(response) -> str:
    return response["Content-Disposition"]


def test_the_closed_period_page_offers_every_download(closed, office, finance, site_client):
    period, a, _b, _c = closed
    page = site_client(office, finance).get(f"/billing/periods/{period.pk}/", **EN)
    html = page.content.decode()
    for name in ("pdf-zip", "peppol-zip", "xlsx", "csv-invoices", "csv-allocation"):
        assert f'data-download="{name}"' in html
    assert f'href="/billing/periods/{period.pk}/invoices/{a.pk}.pdf"' in html
    assert 'data-testid="mark-exported"' in html


def test_documents_download_as_pdf_and_zips(closed, office, finance, site_client):
    period, a, b, c = closed
    client = site_client(office, finance)

    one = client.get(f"/billing/periods/{period.pk}/invoices/{a.pk}.pdf")
    assert one.status_code == 200
    assert one["Content-Type"] == "application/pdf"
    assert disposition(one) == f'attachment; filename="faktura-{a.number}.pdf"'
    assert b"".join(one.streaming_content).startswith(b"%PDF")

    expected = sorted(f"faktura-{invoice.number}" for invoice in (a, b, c))
    for archive, suffix, stem in (("pdf", "pdf", "fakturaer"), ("peppol", "xml", "peppol")):
        response = client.get(f"/billing/periods/{period.pk}/downloads/{archive}.zip")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert disposition(response) == f'attachment; filename="{stem}-2025-03.zip"'
        content = b"".join(response.streaming_content)
        assert content.startswith(b"PK")
        with zipfile.ZipFile(io.BytesIO(content)) as archive_file:
            names = sorted(archive_file.namelist())
            assert names == [f"{name}.{suffix}" for name in expected]
            first = archive_file.read(names[0])
        assert first.startswith(b"%PDF" if suffix == "pdf" else b"<?xml")
    # Downloading does not mark the period exported; only the command or the button does.
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED


def test_tables_download_as_csv_with_bom_and_xlsx(closed, office, finance, site_client):
    period, *_invoices = closed
    client = site_client(office, finance)
    for table in ("fakturaer", "fakturalinjer", "fordeling", "afregning"):
        response = client.get(f"/billing/periods/{period.pk}/downloads/{table}.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert disposition(response) == f'attachment; filename="{table}-2025-03.csv"'
        content = b"".join(response.streaming_content)
        assert content.startswith(b"\xef\xbb\xbf")
        assert b";" in content.splitlines()[0]
    assert client.get(f"/billing/periods/{period.pk}/downloads/andet.csv").status_code == 404

    response = client.get(f"/billing/periods/{period.pk}/downloads/tables.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert disposition(response) == 'attachment; filename="afregning-2025-03.xlsx"'
    content = b"".join(response.streaming_content)
    assert content.startswith(b"PK")
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Fakturaer", "Fakturalinjer", "Fordeling", "Afregning"]


def test_an_open_period_has_nothing_to_download(office, finance, site_client):
    period = services.get_period(MARCH)
    client = site_client(office, finance)
    for url in (
        f"/billing/periods/{period.pk}/downloads/pdf.zip",
        f"/billing/periods/{period.pk}/downloads/peppol.zip",
        f"/billing/periods/{period.pk}/downloads/fordeling.csv",
        f"/billing/periods/{period.pk}/downloads/tables.xlsx",
    ):
        response = client.get(url, **EN)
        assert response.status_code == 400, url
        assert "The period is not closed yet" in response.content.decode()
    html = client.get(f"/billing/periods/{period.pk}/", **EN).content.decode()
    assert 'data-testid="downloads"' not in html


def test_mark_as_exported_is_an_explicit_finance_action(
    closed, office, finance, make_user, site_client
):
    period, *_invoices = closed
    office_admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    url = f"/billing/periods/{period.pk}/exported/"
    assert site_client(office, office_admin).post(url).status_code == 403
    response = site_client(office, finance).post(url, **EN)
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.status == Period.Status.EXPORTED
    assert period.exported_at is not None
    # An exported period still downloads, and is not marked twice.
    client = site_client(office, finance)
    assert client.get(f"/billing/periods/{period.pk}/downloads/pdf.zip").status_code == 200
    html = client.get(f"/billing/periods/{period.pk}/", **EN).content.decode()
    assert 'data-testid="mark-exported"' not in html


def test_downloads_are_for_finance_and_office_admins(
    closed, office, aarhus, finance, make_user, site_client
):
    period, a, *_invoices = closed
    office_admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    operator = make_user("operator@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    urls = [
        f"/billing/periods/{period.pk}/downloads/pdf.zip",
        f"/billing/periods/{period.pk}/downloads/fordeling.csv",
        f"/billing/periods/{period.pk}/invoices/{a.pk}.pdf",
    ]
    for url in urls:
        assert site_client(office, office_admin).get(url).status_code == 200, url
        assert site_client(office, operator).get(url).status_code == 403, url
        assert site_client(office).get(url).status_code == 302, url
    # Not on a member's site, even for its finance staff.
    member_finance = make_user("okonomi@aarhus.dk", aarhus, Role.FINANCE)
    assert site_client(aarhus, member_finance).get(urls[0]).status_code == 404


def test_a_member_downloads_its_own_invoices_only(closed, aarhus, odense, make_user, site_client):
    _period, a, b, _c = closed
    owner = make_user("owner@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    client = site_client(aarhus, owner)
    page = client.get("/costs/", **EN).content.decode()
    assert f'href="/costs/invoices/{a.pk}.pdf"' in page
    assert f'href="/costs/invoices/{b.pk}.pdf"' not in page

    response = client.get(f"/costs/invoices/{a.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert disposition(response) == f'attachment; filename="faktura-{a.number}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert b.organisation_id == odense.pk
    assert client.get(f"/costs/invoices/{b.pk}.pdf").status_code == 404
    plain = make_user("member@aarhus.dk", aarhus, Role.MEMBER)
    assert site_client(aarhus, plain).get(f"/costs/invoices/{a.pk}.pdf").status_code == 403


def test_a_peppol_download_that_cannot_be_built_says_why(closed, office, finance, site_client):
    period, *_invoices = closed
    Organisation.objects.filter(pk=office.pk).update(vat_status=Organisation.VatStatus.EXEMPT)
    response = site_client(office, finance).get(
        f"/billing/periods/{period.pk}/downloads/peppol.zip", **EN
    )
    assert response.status_code == 400
    assert "the office is not VAT registered" in response.content.decode()


def test_a_members_name_cannot_become_a_formula_in_the_downloaded_tables(
    closed, office, finance, site_client
):
    """Issue 14, item 4: text is neutralised in every CSV and XLSX; numbers stay numbers."""
    period, first, *_invoices = closed
    Organisation.objects.filter(pk=first.organisation_id).update(name='=HYPERLINK("x")\x07')
    client = site_client(office, finance)
    response = client.get(f"/billing/periods/{period.pk}/downloads/fakturaer.csv")
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    row = next(row for row in rows if "HYPERLINK" in row[2])
    assert row[2] == '\'=HYPERLINK("x")'  # the bell character is gone too
    assert row[7].replace(",", "").isdigit()  # an amount, not prefixed
    response = client.get(f"/billing/periods/{period.pk}/downloads/tables.xlsx")
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)
    cell = next(
        cell
        for row in load_workbook(io.BytesIO(content))["Fakturaer"].iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    )
    assert cell.value == '\'=HYPERLINK("x")' and cell.data_type == "s"
