"""Correcting invoicing details after creation, from the outside: the office console's
"Edit details" and "Office details" pages and PATCH on the organisation API. Office admins
and finance may; everyone else is refused; bad input is refused with reasons and changes
nothing; every change is in the audit trail."""

import pytest
from django.test import Client

from core.models import AuditEvent
from tenants import services
from tenants.models import Organisation, Role

pytestmark = pytest.mark.django_db

JSON = "application/json"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MEMBER_FIELDS = services.MEMBER_DETAIL_FIELDS
OFFICE_FIELDS = services.OFFICE_DETAIL_FIELDS
TOO_LONG = (
    "The buyer reference can be at most 100 characters: shorten it to the person, "
    "department or requisition number the member asks for."
)
BAD_EAN = (
    "5798000000002 is not a valid EAN/GLN location number (13 digits with a valid check digit)."
)
BAD_CVR = "12345678 is not a valid CVR number (8 digits with a valid check digit)."


def api(organisation, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return Client(HTTP_HOST=services.site_host(organisation), **EN, **headers)


def key_for(user, organisation):
    return services.issue_api_token(user=user, organisation=organisation, name="test")[1]


def form_data(organisation, fields=MEMBER_FIELDS, **changes):
    organisation = Organisation.objects.get(pk=organisation.pk)
    return {field: getattr(organisation, field) for field in fields} | changes


def snapshot(organisation, fields=MEMBER_FIELDS):
    organisation = Organisation.objects.get(pk=organisation.pk)
    return {field: getattr(organisation, field) for field in fields}


@pytest.fixture
def finance(office, make_user):
    return make_user("finance@robotkontor.dk", office, Role.FINANCE)


@pytest.fixture
def office_admin(office, make_user):
    return make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)


# --- The office console page ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FINANCE, Role.OFFICE_ADMIN])
def test_finance_and_office_admins_edit_a_members_details(
    office, aarhus, make_user, site_client, role
):
    user = make_user("x@robotkontor.dk", office, role)
    client = site_client(office, user)
    detail = client.get("/organisations/aarhus/", **EN).content.decode()
    assert 'href="/organisations/aarhus/edit/"' in detail
    page = client.get("/organisations/aarhus/edit/", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="buyer_reference"' in html and 'name="slug"' not in html

    response = client.post(
        "/organisations/aarhus/edit/",
        form_data(aarhus, buyer_reference="Rekv. 4711", city="Aarhus C", postcode="8000"),
        **EN,
    )
    assert response.status_code == 302
    saved = Organisation.objects.get(pk=aarhus.pk)
    assert (saved.buyer_reference, saved.postcode, saved.city) == ("Rekv. 4711", "8000", "Aarhus C")
    assert (saved.slug, saved.schema_name, saved.kind) == (
        aarhus.slug,
        aarhus.schema_name,
        aarhus.kind,
    )
    shown = client.get("/organisations/aarhus/", **EN).content.decode()
    assert 'data-testid="buyer-reference">Rekv. 4711<' in shown

    event = AuditEvent.objects.get(action="tenants.organisation.details_changed")
    assert event.actor == user and event.organisation_id == aarhus.pk
    assert event.changes == {
        "buyer_reference": ["", "Rekv. 4711"],
        "postcode": ["", "8000"],
        "city": ["", "Aarhus C"],
    }


def test_saving_unchanged_details_records_nothing(office, aarhus, finance, site_client):
    response = site_client(office, finance).post("/organisations/aarhus/edit/", form_data(aarhus))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="tenants.organisation.details_changed").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"ean": "5798000000002"}, "ean", BAD_EAN, id="ean-check-digit"),
        pytest.param({"buyer_reference": "x" * 101}, "buyer_reference", TOO_LONG, id="long-ref"),
        pytest.param({"cvr": "12345678"}, "cvr", BAD_CVR, id="cvr"),
        pytest.param({"name": ""}, "name", "This field is required.", id="no-name"),
    ],
)
def test_bad_details_are_refused_with_reasons_and_nothing_changes(
    office, aarhus, finance, site_client, changes, field, message
):
    before = snapshot(aarhus)
    data = form_data(aarhus, city="Ændret", **changes)
    response = site_client(office, finance).post("/organisations/aarhus/edit/", data, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert snapshot(aarhus) == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICE_OPERATOR, Role.OFFICE_DEVELOPER])
def test_other_office_staff_cannot_edit_details(office, aarhus, make_user, site_client, role):
    client = site_client(office, make_user("drift@robotkontor.dk", office, role))
    assert (
        'href="/organisations/aarhus/edit/"'
        not in client.get("/organisations/aarhus/").content.decode()
    )
    assert client.get("/organisations/aarhus/edit/").status_code == 403
    before = snapshot(aarhus)
    data = form_data(aarhus, buyer_reference="Hack")
    assert client.post("/organisations/aarhus/edit/", data).status_code == 403
    assert client.get("/office/details/").status_code == 403
    assert snapshot(aarhus) == before


@pytest.mark.parametrize("role", [Role.MEMBER_ADMIN, Role.FINANCE])
def test_a_member_user_cannot_edit_details_anywhere(office, aarhus, make_user, site_client, role):
    user = make_user("mette@aarhus.dk", aarhus, role)
    before = snapshot(aarhus)
    data = form_data(aarhus, buyer_reference="Hack")
    # On the office console they are nobody; their own site has no such page.
    office_client = site_client(office, user)
    assert office_client.post("/organisations/aarhus/edit/", data).status_code == 403
    assert office_client.post("/office/details/", {"name": "Hack"}).status_code == 403
    assert site_client(aarhus, user).post("/organisations/aarhus/edit/", data).status_code == 404
    assert snapshot(aarhus) == before


def test_unknown_organisation_and_the_office_itself_are_not_found(office, finance, site_client):
    client = site_client(office, finance)
    assert client.get("/organisations/findes-ikke/edit/").status_code == 404
    # The office's own details have their own page, with the bank account.
    assert client.get(f"/organisations/{office.slug}/edit/").status_code == 404


# --- The office's own details --------------------------------------------------------------


def test_finance_sets_the_offices_bank_account(office, finance, site_client):
    client = site_client(office, finance)
    page = client.get("/office/details/", **EN).content.decode()
    assert 'href="/office/details/"' in page  # in the finance section's navigation
    periods = client.get("/billing/periods/", **EN).content.decode()
    assert 'href="/office/details/"' in periods
    assert 'name="bank_reg_no"' in page and 'name="iban"' in page
    data = form_data(
        office,
        OFFICE_FIELDS,
        bank_reg_no="1234",
        bank_account_no="0012345678",
        iban="DK5000400440116243",
    )
    response = client.post("/office/details/", data, **EN)
    assert response.status_code == 302 and response["Location"] == "/office/details/"
    saved = services.office()
    assert (saved.bank_reg_no, saved.bank_account_no, saved.iban) == (
        "1234",
        "0012345678",
        "DK5000400440116243",
    )
    event = AuditEvent.objects.get(action="tenants.organisation.details_changed")
    assert event.changes == {
        "bank_reg_no": ["", "1234"],
        "bank_account_no": ["", "0012345678"],
        "iban": ["", "DK5000400440116243"],
    }


@pytest.mark.parametrize(
    ("bank", "field", "message"),
    [
        pytest.param(
            {"bank_reg_no": "1234"},
            "bank_account_no",
            "A Danish bank account needs both the registration number and the account number.",
            id="reg-no-alone",
        ),
        pytest.param(
            {"bank_reg_no": "12a4", "bank_account_no": "12345678"},
            "bank_reg_no",
            "12a4 is not a Danish bank registration number (4 digits).",
            id="letters-in-reg-no",
        ),
        pytest.param(
            {"iban": "DK5000400440116244"},
            "iban",
            "DK5000400440116244 is not a valid IBAN (country code, check digits and account "
            "number, without spaces).",
            id="iban-check-digits",
        ),
    ],
)
def test_a_bad_bank_account_is_refused_on_the_page(
    office, finance, site_client, bank, field, message
):
    before = snapshot(office, OFFICE_FIELDS)
    response = site_client(office, finance).post(
        "/office/details/", form_data(office, OFFICE_FIELDS, **bank), **EN
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert snapshot(office, OFFICE_FIELDS) == before
    assert not AuditEvent.objects.exists()


# --- The API -------------------------------------------------------------------------------


def test_finance_patches_a_members_details_over_the_api(office, aarhus, finance):
    client = api(office, key_for(finance, office))
    response = client.patch(
        "/api/v1/organisations/aarhus/",
        {"ean": "5798000000124", "buyer_reference": "Rekv. 4711", "slug": "andet"},
        content_type=JSON,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["ean"], body["buyer_reference"], body["slug"]) == (
        "5798000000124",
        "Rekv. 4711",
        "aarhus",
    )
    saved = Organisation.objects.get(pk=aarhus.pk)
    assert (saved.ean, saved.buyer_reference, saved.slug) == (
        "5798000000124",
        "Rekv. 4711",
        "aarhus",
    )
    event = AuditEvent.objects.get(action="tenants.organisation.details_changed")
    assert event.actor == finance
    assert event.changes == {"ean": ["", "5798000000124"], "buyer_reference": ["", "Rekv. 4711"]}


def test_put_is_not_offered(office, aarhus, finance):
    response = api(office, key_for(finance, office)).put(
        "/api/v1/organisations/aarhus/", {"name": "X"}, content_type=JSON
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param({"ean": "5798000000002"}, "ean", BAD_EAN, id="ean-check-digit"),
        pytest.param({"buyer_reference": "x" * 101}, "buyer_reference", TOO_LONG, id="long-ref"),
        pytest.param({"cvr": "12345678"}, "cvr", BAD_CVR, id="cvr"),
    ],
)
def test_bad_details_over_the_api_give_reasons_and_change_nothing(
    office, aarhus, finance, data, field, message
):
    before = snapshot(aarhus)
    response = api(office, key_for(finance, office)).patch(
        "/api/v1/organisations/aarhus/", {"city": "Ændret", **data}, content_type=JSON
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"][field] == [message]
    assert snapshot(aarhus) == before
    assert not AuditEvent.objects.exists()


def test_unknown_organisation_over_the_api_is_404(office, finance):
    response = api(office, key_for(finance, office)).patch(
        "/api/v1/organisations/findes-ikke/", {"city": "X"}, content_type=JSON
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_members_and_other_office_staff_cannot_patch(office, aarhus, make_user):
    before = snapshot(aarhus)
    member = make_user("mette@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    # A member's token on its own site: the office endpoint is refused.
    response = api(aarhus, key_for(member, aarhus)).patch(
        "/api/v1/organisations/aarhus/", {"buyer_reference": "Hack"}, content_type=JSON
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    # A member's token on the office host is not accepted at all.
    response = api(office, key_for(member, aarhus)).patch(
        "/api/v1/organisations/aarhus/", {"buyer_reference": "Hack"}, content_type=JSON
    )
    assert response.status_code == 401
    operator = make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    response = api(office, key_for(operator, office)).patch(
        "/api/v1/organisations/aarhus/", {"buyer_reference": "Hack"}, content_type=JSON
    )
    assert response.status_code == 403
    assert snapshot(aarhus) == before
