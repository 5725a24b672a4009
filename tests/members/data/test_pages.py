"""The pages of a member's data: the member's administrators export on their site, the
office's administrators export and erase on the office console; refusals are shown with
their reasons and change nothing; the receipt is downloaded, checked, and reached by the
signed link without signing in."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from members.data import services as data
from members.models import ErasureReceipt, MemberExport
from tenants.models import Role
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def ready_export(leaver, download=True):
    export = data.build_export(
        data.request_export(
            actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
        ).pk
    )
    if download:
        data.record_download(export=export, actor=leaver.admin)
    return export


def test_a_members_admin_requests_and_downloads_an_export_on_its_site(leaver, site_client):
    client = site_client(leaver.organisation, leaver.admin)
    page = client.get("/data/")
    assert page.status_code == 200 and b'data-testid="request-export"' in page.content

    response = client.post("/data/exports/")
    assert response.status_code == 302
    export = MemberExport.objects.get(organisation=leaver.organisation)
    row = client.get(f"/data/exports/{export.pk}/").content.decode()
    assert "<progress" in row and "hx-trigger" in row

    data.build_export(export.pk)
    row = client.get(f"/data/exports/{export.pk}/").content.decode()
    assert "hx-trigger" not in row and f"/data/exports/{export.pk}/download/" in row
    download = client.get(f"/data/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="bolig-export-')
    export.refresh_from_db()
    assert export.downloads == 1


def test_staff_and_other_members_cannot_see_or_download_an_export(
    leaver, aarhus, make_user, site_client
):
    export = ready_export(leaver, download=False)
    staff = site_client(leaver.organisation, leaver.staff)
    assert staff.get("/data/").status_code == 403
    assert staff.post("/data/exports/").status_code == 403
    assert staff.get(f"/data/exports/{export.pk}/download/").status_code == 403
    other = site_client(aarhus, make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN))
    assert other.get(f"/data/exports/{export.pk}/download/").status_code == 404
    assert other.get(f"/data/exports/{export.pk}/").status_code == 404
    export.refresh_from_db()
    assert export.downloads == 0 and export.first_downloaded_at is None


def test_the_office_page_shows_why_a_member_cannot_be_erased_and_refuses_it(
    leaver, office, office_admin, site_client, settings
):
    settings.MEMBER_ERASURE_GRACE_DAYS = 100_000
    client = site_client(office, office_admin)
    page = client.get(f"/members/{leaver.organisation.pk}/data/").content.decode()
    assert 'data-testid="erasure-refusals"' in page and "eksport er ikke hentet" in page

    refused = client.post(f"/members/{leaver.organisation.pk}/erase/", {"confirm": "bolig"})
    assert refused.status_code == 400 and "eksport er ikke hentet" in refused.content.decode()
    assert not ErasureReceipt.objects.exists()


def test_the_office_erases_a_member_in_two_steps_and_downloads_the_receipt(
    leaver, office, office_admin, site_client
):
    ready_export(leaver)
    client = site_client(office, office_admin)
    page = client.get(f"/members/{leaver.organisation.pk}/data/").content.decode()
    assert "data-confirm=" in page and 'name="confirm"' in page

    wrong = client.post(f"/members/{leaver.organisation.pk}/erase/", {"confirm": "aarhus"})
    assert wrong.status_code == 400 and "(bolig)" in wrong.content.decode()
    assert not ErasureReceipt.objects.exists()

    assert (
        client.post(f"/members/{leaver.organisation.pk}/erase/", {"confirm": "bolig"}).status_code
        == 302
    )
    receipt = data.erase(ErasureReceipt.objects.get().pk)
    downloaded = client.get(f"/members/receipts/{receipt.pk}/")
    document = json.loads(downloaded.content)
    assert document["signature"] == receipt.signature and data.verify(document)

    checked = client.post(
        "/members/receipts/verify/",
        {"receipt": SimpleUploadedFile("r.json", downloaded.content)},
    )
    assert b'data-testid="receipt-valid"' in checked.content
    document["payload"]["erased"]["people"]["anonymised"] = 0
    forged = client.post(
        "/members/receipts/verify/",
        {"receipt": SimpleUploadedFile("r.json", json.dumps(document).encode())},
    )
    assert b'data-testid="receipt-invalid"' in forged.content

    anonymous = Client(HTTP_HOST=host_of(office))
    link = anonymous.get(f"/members/receipts/{data.receipt_link_token(receipt)}/")
    assert link.status_code == 200 and json.loads(link.content) == data.receipt_document(receipt)
    assert anonymous.get("/members/receipts/not-a-token/").status_code == 404
    assert anonymous.get(f"/members/receipts/{receipt.pk}/").status_code == 302


def test_a_non_admin_on_the_office_cannot_erase(leaver, office, make_user, site_client):
    ready_export(leaver)
    operator = make_user("drift9@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    client = site_client(office, operator)
    assert client.get(f"/members/{leaver.organisation.pk}/data/").status_code == 403
    assert (
        client.post(f"/members/{leaver.organisation.pk}/erase/", {"confirm": "bolig"}).status_code
        == 403
    )
    assert not ErasureReceipt.objects.exists()


@pytest.mark.urls("config.urls_office")
def test_the_register_history_lists_exports_and_the_erasure(leaver, office, office_admin):
    from django.template.loader import render_to_string

    ready_export(leaver)
    data.erase(
        data.start_erasure(
            actor=office_admin, site=office, organisation=leaver.organisation, confirm="bolig"
        ).pk
    )
    html = render_to_string("members/register_history.html", {"organisation": leaver.organisation})
    assert html.count('data-kind="export"') == 1 and html.count('data-kind="erasure"') == 1
    assert leaver.organisation.data_exports.get().sha256 in html
