"""Pages from the outside: who sees what on which host."""

import pytest
from django.test import Client

from tenants.models import Organisation, Role
from tests.conftest import member_without_schema, valid_cvrs

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(aarhus, site_client):
    response = site_client(aarhus).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_host_gets_a_plain_404(office):
    response = Client(HTTP_HOST="ukendt.localhost").get("/")
    assert response.status_code == 404
    assert b"<header" not in response.content


def test_member_sees_member_site_with_real_counts(aarhus, make_user, site_client):
    user = make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    make_user("per@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    response = site_client(aarhus, user).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-nav="member"' in html
    assert 'href="/organisations/"' not in html
    assert 'data-count="people">2<' in html


def test_office_staff_see_office_console(office, aarhus, odense, make_user, site_client):
    user = make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    response = site_client(office, user).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-nav="office"' in html
    assert 'data-count="municipalities">2<' in html
    listing = site_client(office, user).get("/organisations/").content.decode()
    assert "Aarhus Kommune" in listing and "Odense Kommune" in listing


def test_member_cannot_use_another_organisations_site(aarhus, odense, make_user, site_client):
    user = make_user("mette@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    client = site_client(odense, user)
    assert client.get("/").status_code == 403
    assert client.get("/people/").status_code == 403
    response = client.post("/people/invite/", {"email": "x@odense.dk", "role": Role.MEMBER})
    assert response.status_code == 403
    assert not odense.invitations.exists()


def test_member_cannot_use_office_console(office, aarhus, make_user, site_client):
    user = make_user("mette@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    client = site_client(office, user)
    assert client.get("/").status_code == 403
    assert client.get("/organisations/").status_code == 403
    assert client.get("/organisations/new/").status_code == 403


def test_office_staff_have_no_member_site_access(office, aarhus, make_user, site_client):
    user = make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    assert site_client(aarhus, user).get("/").status_code == 403


def test_office_only_pages_are_not_routed_on_member_sites(aarhus, make_user, site_client):
    user = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    assert site_client(aarhus, user).get("/organisations/").status_code == 404


def test_operator_cannot_create_organisations(office, make_user, site_client):
    user = make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    client = site_client(office, user)
    assert client.get("/organisations/new/").status_code == 403


def test_office_admin_creates_organisation_through_the_form(office, make_user, site_client):
    user = make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    client = site_client(office, user)
    response = client.post(
        "/organisations/new/",
        {
            "name": "fsb",
            "slug": "fsb",
            "kind": "housing",
            "cvr": "10125715",
            "vat_status": "standard",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/organisations/fsb/"
    assert Organisation.objects.get(slug="fsb").domains.get().domain == "fsb.localhost"


def test_organisation_form_shows_errors_in_danish_and_english(office, make_user, site_client):
    user = make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    client = site_client(office, user)
    data = {"name": "fsb", "slug": "fsb", "kind": "housing", "cvr": "10125716"}
    danish = client.post("/organisations/new/", data, HTTP_ACCEPT_LANGUAGE="da")
    assert danish.status_code == 400
    assert "ikke et gyldigt CVR-nummer" in danish.content.decode()
    client.cookies["django_language"] = "en"
    english = client.post("/organisations/new/", data)
    assert "is not a valid CVR number" in english.content.decode()
    assert not Organisation.objects.filter(slug="fsb").exists()


def test_office_admin_gives_the_member_a_buyer_reference(office, make_user, site_client):
    user = make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    client = site_client(office, user)
    data = {"name": "fsb", "slug": "fsb", "kind": "housing", "cvr": "10125715"}
    data["vat_status"] = "standard"
    danish = client.post(
        "/organisations/new/", {**data, "buyer_reference": "x" * 101}, HTTP_ACCEPT_LANGUAGE="da"
    )
    assert "Købers reference må højst være på 100 tegn" in danish.content.decode()
    client.cookies["django_language"] = "en"
    too_long = client.post("/organisations/new/", {**data, "buyer_reference": "x" * 101})
    assert too_long.status_code == 400
    assert "The buyer reference can be at most 100 characters" in too_long.content.decode()
    assert not Organisation.objects.filter(slug="fsb").exists()

    response = client.post("/organisations/new/", {**data, "buyer_reference": " Rekv. 4711 "})
    assert response.status_code == 302
    assert Organisation.objects.get(slug="fsb").buyer_reference == "Rekv. 4711"
    page = client.get("/organisations/fsb/").content.decode()
    assert 'data-testid="buyer-reference">Rekv. 4711<' in page


def test_expired_session_sends_user_to_login(aarhus, make_user, site_client):
    user = make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    client = site_client(aarhus, user)
    client.session.flush()
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_security_headers_are_sent(aarhus, make_user, site_client):
    user = make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    response = site_client(aarhus, user).get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_tenant_lookup_is_cached_and_forgotten_when_the_domain_changes(aarhus):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def domain_queries(host):
        with CaptureQueriesContext(connection) as captured:
            response = Client(HTTP_HOST=host).get("/")
        return response, [q for q in captured.captured_queries if "tenants_domain" in q["sql"]]

    domain_queries("aarhus.localhost")
    response, queries = domain_queries("aarhus.localhost")
    assert response.status_code == 302 and queries == []

    domain = aarhus.domains.get()
    domain.domain = "aarhus-kommune.localhost"
    domain.save()
    assert domain_queries("aarhus.localhost")[0].status_code == 404
    assert domain_queries("aarhus-kommune.localhost")[0].status_code == 302


def test_organisation_page_query_count_does_not_grow(office, make_user, site_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = site_client(office, make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR))
    numbers = valid_cvrs()

    def add(start, count):
        for index in range(start, start + count):
            member_without_schema(f"medlem-{index}", f"Medlem {index}", next(numbers))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/organisations/").status_code == 200
        return sum(not q["sql"].startswith("SET search_path") for q in captured)

    add(0, 2)
    queries()
    few = queries()
    add(2, 5)
    assert queries() == few
