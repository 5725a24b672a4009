"""The accessibility statement: public on every site, linked from every page's footer with the
office's contact details, edited only by the office's administrators (audited), refused with
a form error and nothing saved when the input is bad."""

import datetime

import pytest

from core.models import AccessibilityStatement, AuditEvent
from tenants import services
from tenants.models import Role

pytestmark = pytest.mark.django_db

VALID = {
    "compliance": "partial",
    "non_accessible_content": "Grafer på Værdi og omkostning har ingen tekstversion.",
    "feedback_email": "tilgaengelighed@robotkontor.dk",
    "feedback_phone": "70 20 30 40",
    "assessment": "Selvevaluering med axe-core og manuel test.",
    "prepared_on": "2026-12-01",
    "reviewed_on": "",
}


@pytest.fixture
def office_with_contact(office):
    services.update_organisation_details(
        organisation=office,
        actor=None,
        street="Rådhuspladsen 2",
        postcode="8000",
        city="Aarhus C",
        contact_email="kontakt@robotkontor.dk",
        contact_phone="+45 70 10 20 30",
    )
    return office


@pytest.mark.parametrize("site", ["office", "member"])
def test_the_statement_and_the_footer_are_there_without_signing_in(
    site, office_with_contact, aarhus, site_client
):
    client = site_client(office_with_contact if site == "office" else aarhus)
    login = client.get("/accounts/login/").content.decode()
    assert "kontakt@robotkontor.dk" in login and "Rådhuspladsen 2" in login
    assert 'href="/accessibility/"' in login

    response = client.get("/accessibility/")
    assert response.status_code == 200
    html = response.content.decode()
    # was.digst.dk's structure, in Danish.
    for heading in (
        "Overholdelsesstatus",
        "Utilgængeligt indhold",
        "Feedback og kontakt",
        "Håndhævelsesprocedure",
        "Udarbejdelse af denne erklæring",
    ):
        assert f"<h2>{heading}</h2>" in html
    assert "Digitaliseringsstyrelsen" in html
    # No statement saved yet: the office's e-mail takes the feedback.
    assert 'href="mailto:kontakt@robotkontor.dk"' in html
    assert "/accessibility/edit/" not in html


def test_the_office_admin_edits_the_statement_and_the_change_is_audited(
    office_with_contact, aarhus, make_user, site_client
):
    admin = make_user("admin@robotkontor.dk", office_with_contact, Role.OFFICE_ADMIN)
    client = site_client(office_with_contact, admin)
    assert 'href="/accessibility/edit/"' in client.get("/accessibility/").content.decode()
    assert client.get("/accessibility/edit/").status_code == 200

    response = client.post("/accessibility/edit/", VALID)
    assert response.status_code == 302
    statement = AccessibilityStatement.objects.get()
    assert statement.prepared_on == datetime.date(2026, 12, 1)
    event = AuditEvent.objects.get(action="accessibility.statement.saved")
    assert event.actor == admin
    assert event.changes["feedback_email"] == [None, "tilgaengelighed@robotkontor.dk"]

    # Shown on the member sites too.
    html = site_client(aarhus).get("/accessibility/").content.decode()
    assert "Grafer på Værdi og omkostning har ingen tekstversion." in html
    assert 'href="mailto:tilgaengelighed@robotkontor.dk"' in html
    assert 'data-compliance="partial"' in html

    client.post("/accessibility/edit/", {**VALID, "compliance": "full"})
    assert AccessibilityStatement.objects.get().compliance == "full"
    assert AuditEvent.objects.filter(action="accessibility.statement.saved").count() == 2


@pytest.mark.parametrize(
    "role", [Role.OFFICE_OPERATOR, Role.OFFICE_DEVELOPER, Role.FINANCE, "member_admin"]
)
def test_no_one_else_may_edit_the_statement(role, office, aarhus, make_user, site_client):
    if role == "member_admin":
        user = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
        client = site_client(aarhus, user)
        # The member sites have no edit page at all.
        assert client.get("/accessibility/edit/").status_code == 404
    else:
        user = make_user("someone@robotkontor.dk", office, role)
        client = site_client(office, user)
        assert client.get("/accessibility/edit/").status_code == 403
        assert client.post("/accessibility/edit/", VALID).status_code == 403
        assert "/accessibility/edit/" not in client.get("/accessibility/").content.decode()
    assert not AccessibilityStatement.objects.exists()
    assert site_client(office).get("/accessibility/edit/").status_code == 302


def test_bad_input_is_refused_with_an_error_summary_and_nothing_is_saved(
    office, make_user, site_client
):
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    client = site_client(office, admin)
    response = client.post(
        "/accessibility/edit/",
        {**VALID, "compliance": "maybe", "feedback_email": "ikke-en-adresse", "prepared_on": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-module="error-summary"' in html
    # Each error links to its field.
    for target in ("#id_compliance_0", "#id_feedback_email", "#id_prepared_on"):
        assert f'href="{target}"' in html
    assert not AccessibilityStatement.objects.exists()
    assert not AuditEvent.objects.filter(action="accessibility.statement.saved").exists()
