"""The API from the outside: organisation scoping, tokens, errors, pagination, query counts.

Every request goes through the test client with the host of an organisation's site, as a
person or a robot would send it; the database is the real PostgreSQL with real schemas.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_exists
from drf_spectacular.drainage import reset_generator_stats
from drf_spectacular.validation import validate_schema

from tenants import services
from tenants.models import ApiToken, Domain, KeyFigure, Organisation, Role
from tests.conftest import member_without_schema, valid_cvrs

pytestmark = pytest.mark.django_db

JSON = "application/json"


def api(organisation, key=None, **headers):
    """A client on the organisation's host, authenticated with an API key if one is given."""
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return Client(HTTP_HOST=services.site_host(organisation), **headers)


def token_for(user, organisation, **kwargs):
    return services.issue_api_token(user=user, organisation=organisation, name="test", **kwargs)[1]


def error_of(response):
    """The one error body every endpoint answers with."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture
def office_admin(office, make_user):
    return make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)


@pytest.fixture
def office_key(office, office_admin):
    return token_for(office_admin, office)


@pytest.fixture
def aarhus_admin(aarhus, make_user):
    return make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)


@pytest.fixture
def aarhus_key(aarhus, aarhus_admin):
    return token_for(aarhus_admin, aarhus)


# --- Organisations (office console) --------------------------------------------------------


def test_office_admin_lists_filters_and_retrieves_organisations(office, aarhus, office_key):
    services.provision_organisation(name="fsb", slug="fsb", kind="housing", cvr="10125715")
    client = api(office, office_key)

    body = client.get("/api/v1/organisations/").json()
    assert {"next", "previous", "results"} <= body.keys()
    assert {o["slug"] for o in body["results"]} == {"office", "aarhus", "fsb"}

    # The cursor walks every organisation exactly once.
    page = client.get("/api/v1/organisations/?page_size=2").json()
    assert len(page["results"]) == 2 and page["next"]
    rest = client.get(page["next"]).json()
    assert rest["next"] is None
    walked = [o["slug"] for o in page["results"] + rest["results"]]
    assert sorted(walked) == ["aarhus", "fsb", "office"]

    housing = client.get("/api/v1/organisations/?kind=housing").json()
    assert [o["slug"] for o in housing["results"]] == ["fsb"]

    detail = client.get("/api/v1/organisations/aarhus/")
    assert detail.status_code == 200
    assert detail.json()["name"] == "Aarhus Kommune"
    assert detail.json()["domains"] == ["aarhus.localhost"]
    assert detail.json()["cvr"] == "55133018"


def test_an_unknown_kind_filter_is_a_field_error(office, office_key):
    response = api(office, office_key).get("/api/v1/organisations/?kind=castle")
    assert response.status_code == 400
    assert "kind" in error_of(response)["fields"]


def test_office_admin_creates_an_organisation_with_its_site(office, office_key):
    response = api(office, office_key).post(
        "/api/v1/organisations/",
        {"name": "Vejle Kommune", "slug": "vejle", "kind": "municipality", "cvr": "29189684"},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["kind"], body["domains"]) == (
        "vejle",
        "municipality",
        ["vejle.localhost"],
    )
    assert body["is_active"] is True
    assert schema_exists("org_vejle")
    assert Domain.objects.get(domain="vejle.localhost").tenant.slug == "vejle"
    # ... and the new organisation's site answers (nobody is a member yet).
    vejle = Organisation.objects.get(slug="vejle")
    assert api(vejle).get("/api/v1/me/").status_code == 401


def test_office_staff_without_the_capability_cannot_create(office, make_user):
    operator = make_user("ole@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    client = api(office, token_for(operator, office))
    assert client.get("/api/v1/organisations/").status_code == 200
    response = client.post(
        "/api/v1/organisations/",
        {"name": "Vejle Kommune", "slug": "vejle", "kind": "municipality", "cvr": "29189684"},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Organisation.objects.filter(slug="vejle").exists()


VALID = {"name": "Vejle Kommune", "slug": "vejle", "kind": "municipality", "cvr": "29189684"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({**VALID, "cvr": "12345678"}, "cvr", id="bad-check-digit"),
        pytest.param({**VALID, "cvr": "2918968"}, "cvr", id="seven-digit-cvr"),
        pytest.param({**VALID, "slug": "aarhus"}, "slug", id="duplicate-slug"),
        pytest.param({**VALID, "slug": "Vejle Kommune"}, "slug", id="malformed-slug"),
        pytest.param({**VALID, "kind": "office"}, "kind", id="second-office"),
        pytest.param({**VALID, "name": ""}, "name", id="no-name"),
        pytest.param({**VALID, "ean": "5798000000002"}, "ean", id="bad-ean"),
        pytest.param({**VALID, "buyer_reference": "x" * 101}, "buyer_reference", id="long-ref"),
    ],
)
def test_bad_organisation_input_gives_field_errors_and_creates_nothing(
    office, aarhus, office_key, data, field
):
    before = (Organisation.objects.count(), Domain.objects.count())
    response = api(office, office_key, HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/organisations/", data, content_type=JSON
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert (Organisation.objects.count(), Domain.objects.count()) == before
    assert not schema_exists("org_vejle")


def test_the_api_takes_a_buyer_reference_and_explains_a_too_long_one(office, office_key):
    client = api(office, office_key, HTTP_ACCEPT_LANGUAGE="en")
    refused = client.post(
        "/api/v1/organisations/", {**VALID, "buyer_reference": "x" * 101}, content_type=JSON
    )
    assert refused.status_code == 400
    assert error_of(refused)["fields"]["buyer_reference"] == [
        "The buyer reference can be at most 100 characters: shorten it to the person, "
        "department or requisition number the member asks for."
    ]
    assert not Organisation.objects.filter(slug="vejle").exists()
    created = client.post(
        "/api/v1/organisations/", {**VALID, "buyer_reference": "Rekv. 4711"}, content_type=JSON
    )
    assert created.status_code == 201
    assert created.json()["buyer_reference"] == "Rekv. 4711"
    assert Organisation.objects.get(slug="vejle").buyer_reference == "Rekv. 4711"


def test_unknown_organisation_gives_404_error_body(office, office_key):
    response = api(office, office_key).get("/api/v1/organisations/findes-ikke/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_organisations_cannot_be_deleted_through_the_api(office, aarhus, office_key):
    response = api(office, office_key).delete("/api/v1/organisations/aarhus/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert schema_exists("org_aarhus")


# --- Who may use which site ----------------------------------------------------------------


def test_member_cannot_list_organisations_nor_use_the_office_api(
    office, aarhus, aarhus_admin, aarhus_key, site_client
):
    # On their own site: signed in or with a token, the office's organisation list is refused.
    for client in (api(aarhus, aarhus_key), site_client(aarhus, aarhus_admin)):
        response = client.get("/api/v1/organisations/")
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"
    # The token was issued for Aarhus: the office host does not accept it at all.
    for path in ("/api/v1/organisations/", "/api/v1/me/", "/api/v1/tokens/"):
        response = api(office, aarhus_key).get(path)
        assert response.status_code == 401
        assert error_of(response)["code"] == "authentication_failed"
    # Signed in, they are nobody on the office's site either.
    session = site_client(office, aarhus_admin)
    for path in ("/api/v1/organisations/", "/api/v1/me/"):
        assert session.get(path).status_code == 403


def test_token_only_works_on_its_organisations_site(aarhus, odense, aarhus_key):
    assert api(aarhus, aarhus_key).get("/api/v1/me/").status_code == 200
    response = api(odense, aarhus_key, HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/key-figures/")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "authentication_failed"
    assert error["message"] == "This token belongs to another organisation."


def test_a_member_of_two_organisations_needs_a_token_per_site(aarhus, odense, aarhus_admin):
    services.add_member(user=aarhus_admin, organisation=odense, role=Role.MEMBER)
    aarhus_key, odense_key = token_for(aarhus_admin, aarhus), token_for(aarhus_admin, odense)
    assert api(odense, odense_key).get("/api/v1/me/").status_code == 200
    assert api(odense, aarhus_key).get("/api/v1/me/").status_code == 401
    assert api(aarhus, odense_key).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer rk_not-a-real-token", id="unknown-key"),
        pytest.param("Bearer", id="no-key"),
        pytest.param("Bearer rk_a rk_b", id="two-keys"),
    ],
)
def test_a_wrong_token_is_refused(aarhus, aarhus_key, header):
    response = api(aarhus, HTTP_AUTHORIZATION=header).get("/api/v1/me/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_revoked_and_expired_tokens_are_refused(aarhus, aarhus_admin):
    token, key = services.issue_api_token(user=aarhus_admin, organisation=aarhus, name="gammel")
    assert api(aarhus, key).get("/api/v1/me/").status_code == 200
    services.revoke_api_token(token=token, actor=aarhus_admin)
    response = api(aarhus, key).get("/api/v1/me/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"

    expired = token_for(aarhus_admin, aarhus, expires_at=timezone.now() - timedelta(days=1))
    response = api(aarhus, expired).get("/api/v1/me/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_a_deactivated_persons_token_is_refused(aarhus, aarhus_admin, aarhus_key):
    aarhus_admin.is_active = False
    aarhus_admin.save(update_fields=["is_active"])
    assert api(aarhus, aarhus_key).get("/api/v1/me/").status_code == 401


def test_anonymous_gets_401_with_an_error_body(office, aarhus):
    for organisation, path in [
        (aarhus, "/api/v1/me/"),
        (aarhus, "/api/v1/key-figures/"),
        (aarhus, "/api/v1/tokens/"),
        (office, "/api/v1/organisations/"),
    ]:
        response = api(organisation).get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert error_of(response)["code"] == "not_authenticated"


# --- The signed-in person ------------------------------------------------------------------


def test_current_user_and_memberships(aarhus, odense, make_user):
    user = make_user("mette@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    services.add_member(user=user, organisation=odense, role=Role.MEMBER)
    client = api(aarhus, token_for(user, aarhus))
    body = client.get("/api/v1/me/").json()
    assert body["email"] == "mette@aarhus.dk"
    assert sorted(body["memberships"], key=lambda m: m["organisation"]) == [
        {"organisation": "aarhus", "role": "process_owner"},
        {"organisation": "odense", "role": "member"},
    ]


def test_changing_ones_name_but_not_ones_email(aarhus, make_user):
    user = make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    client = api(aarhus, token_for(user, aarhus))
    response = client.patch(
        "/api/v1/me/",
        {"full_name": "Mette Hansen", "email": "hacker@example.com"},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert (response.json()["full_name"], response.json()["email"]) == (
        "Mette Hansen",
        "mette@aarhus.dk",
    )
    user.refresh_from_db()
    assert (user.full_name, user.email) == ("Mette Hansen", "mette@aarhus.dk")
    assert client.get("/api/v1/me/").json()["full_name"] == "Mette Hansen"


# --- Key figures ---------------------------------------------------------------------------


FIGURE = {"kind": "population", "value": "367095", "valid_from": "2024-01-01"}


def test_member_admin_records_key_figures_on_their_own_site(aarhus, aarhus_key):
    response = api(aarhus, aarhus_key).post("/api/v1/key-figures/", FIGURE, content_type=JSON)
    assert response.status_code == 201
    assert response.json() == {**FIGURE, "value": "367095.00", "source": ""}
    assert KeyFigure.objects.get(organisation=aarhus).value == 367095


def test_staff_may_read_but_not_record_key_figures(aarhus, make_user):
    staff = api(aarhus, token_for(make_user("mette@aarhus.dk", aarhus, Role.MEMBER), aarhus))
    response = staff.post("/api/v1/key-figures/", FIGURE, content_type=JSON)
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert staff.get("/api/v1/key-figures/").status_code == 200
    assert not KeyFigure.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"value": "-1"}, "value", id="negative"),
        pytest.param({"value": "mange"}, "value", id="not-a-number"),
        pytest.param({"kind": "cows"}, "kind", id="unknown-kind"),
        pytest.param({"valid_from": "i går"}, "valid_from", id="not-a-date"),
    ],
)
def test_bad_key_figures_give_field_errors(aarhus, aarhus_key, change, field):
    response = api(aarhus, aarhus_key).post(
        "/api/v1/key-figures/", {**FIGURE, **change}, content_type=JSON
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not KeyFigure.objects.exists()


def test_key_figures_are_listed_for_the_site_only(aarhus, odense, aarhus_key, make_user):
    services.set_key_figure(
        organisation=odense, kind="population", value=207524, valid_from="2024-01-01"
    )
    aarhus_client = api(aarhus, aarhus_key)
    assert aarhus_client.post("/api/v1/key-figures/", FIGURE, content_type=JSON).status_code == 201
    listed = aarhus_client.get("/api/v1/key-figures/").json()["results"]
    assert [(f["kind"], f["value"]) for f in listed] == [("population", "367095.00")]

    odense_staff = make_user("ib@odense.dk", odense, Role.MEMBER)
    listed = api(odense, token_for(odense_staff, odense)).get("/api/v1/key-figures/").json()
    assert [(f["kind"], f["value"]) for f in listed["results"]] == [("population", "207524.00")]


def test_the_office_records_no_key_figures_of_its_own(office, office_key):
    response = api(office, office_key).post("/api/v1/key-figures/", FIGURE, content_type=JSON)
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not KeyFigure.objects.exists()


# --- Personal API tokens -------------------------------------------------------------------


def test_creating_a_token_shows_its_key_once(aarhus, aarhus_admin, site_client):
    response = site_client(aarhus, aarhus_admin).post(
        "/api/v1/tokens/", {"name": "Indberetningsrobot"}, content_type=JSON
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    created = response.json()
    key = created["key"]
    assert key.startswith("rk_") and key.startswith(created["key_prefix"])
    assert (created["name"], created["expires_at"]) == ("Indberetningsrobot", None)

    # The key works on this site ...
    me = api(aarhus, key).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["email"] == aarhus_admin.email
    # ... is never shown again, and is not stored.
    listed = api(aarhus, key).get("/api/v1/tokens/").json()["results"]
    assert [t["id"] for t in listed] == [created["id"]]
    assert set(listed[0]) == {
        "id",
        "name",
        "key_prefix",
        "created_at",
        "expires_at",
        "last_used_at",
    }
    assert listed[0]["last_used_at"] is not None
    stored = ApiToken.objects.get(pk=created["id"])
    assert key not in (stored.key_hash, stored.key_prefix)


def test_a_token_with_an_expiry(aarhus, aarhus_admin, site_client):
    client = site_client(aarhus, aarhus_admin)
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    response = client.post(
        "/api/v1/tokens/", {"name": "kvartal", "expires_at": expires}, content_type=JSON
    )
    assert response.status_code == 201
    assert response.json()["expires_at"] is not None
    assert ApiToken.objects.get(pk=response.json()["id"]).expires_at is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({}, "name", id="no-name"),
        pytest.param({"name": ""}, "name", id="blank-name"),
        pytest.param({"name": "x" * 101}, "name", id="long-name"),
        pytest.param(
            {"name": "gammel", "expires_at": "2000-01-01T00:00:00Z"}, "expires_at", id="past"
        ),
    ],
)
def test_bad_token_input_gives_field_errors(aarhus, aarhus_admin, site_client, data, field):
    response = site_client(aarhus, aarhus_admin).post("/api/v1/tokens/", data, content_type=JSON)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not ApiToken.objects.exists()


def test_a_token_cannot_create_more_tokens(aarhus, aarhus_key):
    response = api(aarhus, aarhus_key).post("/api/v1/tokens/", {"name": "ny"}, content_type=JSON)
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert ApiToken.objects.count() == 1


def test_listing_shows_only_ones_own_live_tokens_on_this_site(
    aarhus, odense, aarhus_admin, make_user, site_client
):
    services.add_member(user=aarhus_admin, organisation=odense, role=Role.MEMBER)
    mine, _key = services.issue_api_token(user=aarhus_admin, organisation=aarhus, name="mine")
    revoked, _key = services.issue_api_token(user=aarhus_admin, organisation=aarhus, name="old")
    services.revoke_api_token(token=revoked, actor=aarhus_admin)
    services.issue_api_token(user=aarhus_admin, organisation=odense, name="odense")
    colleague = make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    services.issue_api_token(user=colleague, organisation=aarhus, name="mette")

    response = site_client(aarhus, aarhus_admin).get("/api/v1/tokens/")
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["results"]] == ["mine"]
    assert "key" not in response.content.decode().replace('"key_prefix"', "")
    assert mine.key_hash not in response.content.decode()


def test_revoking_a_token(aarhus, aarhus_admin, site_client):
    token, key = services.issue_api_token(user=aarhus_admin, organisation=aarhus, name="robot")
    client = site_client(aarhus, aarhus_admin)
    response = client.delete(f"/api/v1/tokens/{token.pk}/")
    assert response.status_code == 204
    assert api(aarhus, key).get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/tokens/").json()["results"] == []
    # Gone is gone: a second revocation finds nothing.
    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404


def test_a_token_can_revoke_itself(aarhus, aarhus_admin):
    token, key = services.issue_api_token(user=aarhus_admin, organisation=aarhus, name="robot")
    assert api(aarhus, key).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert api(aarhus, key).get("/api/v1/me/").status_code == 401


def test_nobody_revokes_anothers_token(aarhus, odense, aarhus_admin, make_user, site_client):
    colleague = make_user("mette@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    theirs, their_key = services.issue_api_token(user=colleague, organisation=aarhus, name="x")
    services.add_member(user=aarhus_admin, organisation=odense, role=Role.MEMBER)
    elsewhere, elsewhere_key = services.issue_api_token(
        user=aarhus_admin, organisation=odense, name="odense"
    )
    client = site_client(aarhus, aarhus_admin)
    for token in (theirs, elsewhere):
        response = client.delete(f"/api/v1/tokens/{token.pk}/")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert client.delete("/api/v1/tokens/not-a-number/").status_code == 404
    assert api(aarhus, their_key).get("/api/v1/me/").status_code == 200
    assert api(odense, elsewhere_key).get("/api/v1/me/").status_code == 200


def test_tokens_cannot_be_changed(aarhus, aarhus_admin, site_client):
    token, _key = services.issue_api_token(user=aarhus_admin, organisation=aarhus, name="robot")
    response = site_client(aarhus, aarhus_admin).patch(
        f"/api/v1/tokens/{token.pk}/", {"expires_at": None}, content_type=JSON
    )
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


# --- Errors are the same everywhere, in the reader's language ------------------------------


@pytest.fixture
def refusals(office, aarhus, office_key, aarhus_key):
    """One request for each kind of refusal; each returns a fresh response."""
    return {
        401: lambda **h: api(aarhus, **h).get("/api/v1/me/"),
        403: lambda **h: api(aarhus, aarhus_key, **h).get("/api/v1/organisations/"),
        404: lambda **h: api(office, office_key, **h).get("/api/v1/organisations/findes-ikke/"),
        405: lambda **h: api(office, office_key, **h).delete("/api/v1/organisations/aarhus/"),
    }


@pytest.mark.parametrize(
    ("status", "code", "english", "danish"),
    [
        (
            401,
            "not_authenticated",
            "Authentication credentials were not provided.",
            "Legitimation til autentificering blev ikke angivet.",
        ),
        (
            403,
            "permission_denied",
            "You do not have permission to perform this action.",
            "Du har ikke lov til at udføre denne handling.",
        ),
        (404, "not_found", "Not found.", "Ikke fundet."),
        (
            405,
            "method_not_allowed",
            'Method "DELETE" not allowed.',
            'Metoden "DELETE" er ikke tilladt.',
        ),
    ],
)
def test_refusals_share_one_body_in_the_readers_language(refusals, status, code, english, danish):
    by_default = refusals[status]()
    in_english = refusals[status](HTTP_ACCEPT_LANGUAGE="en")
    in_danish = refusals[status](HTTP_ACCEPT_LANGUAGE="da")
    for response in (by_default, in_english, in_danish):
        assert response.status_code == status
        assert response["Content-Type"] == JSON
    assert error_of(in_english) == {"code": code, "message": english, "fields": {}}
    assert error_of(in_danish) == {"code": code, "message": danish, "fields": {}}
    assert error_of(by_default) == error_of(in_danish)  # Danish unless asked otherwise


def test_token_errors_are_translated(aarhus, odense, aarhus_key):
    english = api(odense, aarhus_key, HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me/")
    danish = api(odense, aarhus_key).get("/api/v1/me/")
    assert error_of(english)["message"] == "This token belongs to another organisation."
    assert error_of(danish)["message"] == "Denne API-nøgle tilhører en anden organisation."
    wrong = api(aarhus, "rk_nope", HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me/")
    assert error_of(wrong)["message"] == "Invalid or expired token."
    assert error_of(api(aarhus, "rk_nope").get("/api/v1/me/"))["message"] == (
        "Ugyldig eller udløbet API-nøgle."
    )


def test_field_errors_are_translated(office, office_key):
    def post(**headers):
        response = api(office, office_key, **headers).post(
            "/api/v1/organisations/", {**VALID, "cvr": "12345678"}, content_type=JSON
        )
        assert response.status_code == 400
        return error_of(response)

    english, danish = post(HTTP_ACCEPT_LANGUAGE="en"), post()
    assert english["code"] == danish["code"] == "invalid"
    assert english["fields"]["cvr"] == [
        "12345678 is not a valid CVR number (8 digits with a valid check digit)."
    ]
    assert danish["fields"]["cvr"] == [
        "12345678 er ikke et gyldigt CVR-nummer (8 cifre med gyldigt kontrolciffer)."
    ]


def test_malformed_json_is_a_400_error_body(aarhus, aarhus_key):
    response = api(aarhus, aarhus_key).post("/api/v1/key-figures/", "{", content_type=JSON)
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


# --- Performance ---------------------------------------------------------------------------


def test_organisation_list_query_count_does_not_grow(office, office_key):
    numbers = valid_cvrs()

    def add(count):
        for _ in range(count):
            number = next(numbers)
            member_without_schema(f"medlem-{number}", f"Medlem {number}", number, kind="other")

    def queries():
        client = api(office, office_key)
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/organisations/")
        assert response.status_code == 200
        # django-tenants sets search_path before each query; count the queries themselves
        return (
            len(response.json()["results"]),
            sum(not q["sql"].startswith("SET search_path") for q in captured),
        )

    add(3)
    queries()  # warm the host → organisation cache and the token's last use
    shown, few = queries()
    add(5)
    shown_more, more = queries()
    assert (shown, shown_more) == (4, 9)
    assert more == few
    # token + user, membership for the permission check, organisations, their domains
    assert few == 4


# --- The OpenAPI document ------------------------------------------------------------------


@pytest.mark.parametrize("site", ["office", "aarhus"])
def test_the_openapi_document_is_served_and_valid(request, site):
    organisation = request.getfixturevalue(site)
    response = api(organisation).get("/api/schema/?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate_schema(document)
    paths = document["paths"]
    for path in (
        "/api/v1/organisations/",
        "/api/v1/organisations/{slug}/",
        "/api/v1/me/",
        "/api/v1/key-figures/",
        "/api/v1/tokens/",
        "/api/v1/tokens/{id}/",
    ):
        assert path in paths
    created = paths["/api/v1/tokens/"]["post"]["responses"]["201"]
    assert created["content"][JSON]["schema"]["$ref"].endswith("/NewApiToken")
    listed = document["components"]["schemas"]["ApiToken"]["properties"]
    assert "key" not in listed and "key_hash" not in listed
    assert api(organisation).get("/api/docs/").status_code == 200


def test_the_openapi_document_generates_without_warnings():
    reset_generator_stats()
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=out)
    assert "openapi: 3." in out.getvalue()
