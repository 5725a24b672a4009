"""The exports API: documented without warnings; a member's administrators request, follow
and download their own member's export; the office's administrators any member's; others
are refused, and another organisation's export is a 404."""

import hashlib

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from core.models import AuditEvent
from members.data import services as data
from members.models import MemberExport
from tenants import services as tenant_services
from tenants.models import Role
from tests.conftest import host_of

pytestmark = pytest.mark.django_db
API = "/api/v1/members/"


def token_client(organisation, user) -> Client:
    _token, key = tenant_services.issue_api_token(user=user, organisation=organisation, name="test")
    return Client(HTTP_HOST=host_of(organisation), HTTP_AUTHORIZATION=f"Bearer {key}")


def download(client, export_id):
    response = client.get(f"{API}exports/{export_id}/download/")
    if response.streaming:
        return response, b"".join(response.streaming_content)
    return response, response.content


def test_the_members_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        f"{API}exports/",
        f"{API}exports/{{id}}/",
        f"{API}exports/{{id}}/download/",
        f"{API}erasure-receipts/",
        f"{API}erasure-receipts/{{id}}/",
    ):
        assert path in schema["paths"], path
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(word in message for word in ("Export", "Erasure", "members"))
    ]
    assert problems == []


def test_a_members_admin_requests_follows_and_downloads_its_export(leaver):
    client = token_client(leaver.organisation, leaver.admin)

    requested = client.post(f"{API}exports/", {}, content_type="application/json")
    assert requested.status_code == 202, requested.content
    body = requested.json()
    assert body["organisation"] == "bolig" and body["status"] == "pending"
    assert body["download_url"] is None
    assert download(client, body["id"])[0].status_code == 404

    data.build_export(body["id"])
    ready = client.get(f"{API}exports/{body['id']}/").json()
    assert ready["status"] == "ready" and ready["progress"] == 100
    response, content = download(client, body["id"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert hashlib.sha256(content).hexdigest() == ready["sha256"]
    assert AuditEvent.objects.filter(action="members.export_downloaded").count() == 1
    listed = client.get(f"{API}exports/").json()
    assert [export["id"] for export in listed["results"]] == [body["id"]]


def test_another_organisations_export_is_not_found_and_others_are_refused(
    leaver, aarhus, make_user
):
    export = data.build_export(
        data.request_export(
            actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
        ).pk
    )
    other_admin = token_client(aarhus, make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN))
    assert other_admin.get(f"{API}exports/{export.pk}/").status_code == 404
    assert download(other_admin, export.pk)[0].status_code == 404
    assert other_admin.get(f"{API}exports/").json()["results"] == []
    # Asking for the other member by name on one's own site exports one's own.
    response = other_admin.post(
        f"{API}exports/", {"organisation": "bolig"}, content_type="application/json"
    )
    assert response.json()["organisation"] == "aarhus"

    staff = token_client(leaver.organisation, leaver.staff)
    assert staff.get(f"{API}exports/").status_code == 403
    assert staff.post(f"{API}exports/", {}, content_type="application/json").status_code == 403
    assert download(staff, export.pk)[0].status_code == 403
    assert MemberExport.objects.filter(organisation=leaver.organisation).count() == 1
    assert not AuditEvent.objects.filter(action="members.export_downloaded").exists()


def test_the_office_exports_any_member_by_name(leaver, office, office_admin, make_user):
    client = token_client(office, office_admin)
    missing = client.post(f"{API}exports/", {}, content_type="application/json")
    assert missing.status_code == 400 and "organisation" in missing.json()["error"]["fields"]
    unknown = client.post(
        f"{API}exports/", {"organisation": "ukendt"}, content_type="application/json"
    )
    assert unknown.status_code == 400
    assert not MemberExport.objects.exists()
    made = client.post(f"{API}exports/", {"organisation": "bolig"}, content_type="application/json")
    assert made.status_code == 202 and made.json()["organisation"] == "bolig"

    finance = token_client(office, make_user("okonomi@robotkontor.dk", office, Role.FINANCE))
    assert finance.get(f"{API}exports/").status_code == 403
    assert finance.get(f"{API}erasure-receipts/").status_code == 403


def test_erasure_receipts_are_the_offices(leaver, office, office_admin):
    data.record_download(
        export=data.build_export(
            data.request_export(
                actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
            ).pk
        ),
        actor=leaver.admin,
    )
    receipt = data.erase(
        data.start_erasure(
            actor=office_admin, site=office, organisation=leaver.organisation, confirm="bolig"
        ).pk
    )
    body = token_client(office, office_admin).get(f"{API}erasure-receipts/{receipt.pk}/").json()
    assert data.verify({"payload": body["payload"], "signature": body["signature"]})
