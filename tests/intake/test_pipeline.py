"""The intake pipeline from the outside: submit, triage, join, duplicates, isolation."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Robot
from core.models import AuditEvent
from intake import services
from intake.models import Idea
from tenants import services as tenant_services
from tests.intake.conftest import ANSWERS, api_key, new_idea, submit

pytestmark = pytest.mark.django_db


def test_member_submits_an_idea_and_sees_its_business_case(aarhus, people, site_client):
    client = site_client(aarhus, people["aarhus"])
    response = submit(client, "Lejetilbud")
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert (idea.organisation, idea.systems) == (aarhus, ["EG Bolig", "Outlook"])
    page = client.get(response["Location"]).content.decode()
    assert 'data-figure="hours">432,0<' in page
    # No personal data this time: readiness 75.0, total 0.6 × 69.0 + 0.4 × 75.0 = 71.4
    assert 'data-figure="score">71,4' in page
    assert AuditEvent.objects.filter(action="intake.idea.submitted").count() == 1


def test_invalid_answers_get_field_errors_and_nothing_is_saved(aarhus, people, site_client):
    client = site_client(aarhus, people["aarhus"])
    response = client.post(
        "/ideas/new/", {"title": "X", "description": "Y", **ANSWERS, "exception_rate": "150"}
    )
    assert response.status_code == 400
    assert "exception_rate" in response.context["form"].errors
    assert not Idea.objects.exists()


def test_office_moves_an_idea_across_the_board_and_approval_creates_a_robot(aarhus, people):
    idea = new_idea(aarhus, people["aarhus"], "Lejetilbud", "Svar på lejetilbud")
    developer = people["developer"]
    for status in ["assessment", "approved", "in_development", "test", "live"]:
        idea = services.move_idea(idea=idea, to_status=status, actor=developer)
    assert idea.status == "live"
    assert Robot.objects.get(idea=idea).name_da == "Lejetilbud"
    assert AuditEvent.objects.filter(action="intake.idea.moved").count() == 5


def test_illegal_moves_are_refused_with_a_reason(aarhus, people):
    idea = new_idea(aarhus, people["aarhus"], "Lejetilbud", "Svar")
    with pytest.raises(ValidationError) as refused:
        services.move_idea(idea=idea, to_status="live", actor=people["developer"])
    assert "to" in refused.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        services.move_idea(idea=idea, to_status="rejected", actor=people["operator"])
    assert "reason" in no_reason.value.message_dict
    idea.refresh_from_db()
    assert idea.status == "idea"
    rejected = services.move_idea(
        idea=idea, to_status="rejected", actor=people["operator"], reason="Ingen lovhjemmel"
    )
    assert rejected.rejection_reason == "Ingen lovhjemmel"


def test_members_cannot_move_ideas(aarhus, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], "Lejetilbud", "Svar")
    client = site_client(aarhus, people["aarhus"])
    assert client.post(f"/ideas/{idea.pk}/move/", {"to": "assessment"}).status_code in (403, 404)
    idea.refresh_from_db()
    assert idea.status == "idea"


def test_kanban_move_through_the_page(office, aarhus, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], "Lejetilbud", "Svar")
    client = site_client(office, people["operator"])
    board = client.get("/ideas/").content.decode()
    assert 'data-column="idea"' in board and f'data-idea="{idea.pk}"' in board
    client.post(f"/ideas/{idea.pk}/move/", {"to": "assessment"})
    idea.refresh_from_db()
    assert idea.status == "assessment"


def test_isolation_between_members_on_pages(aarhus, odense, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], "Lejetilbud", "Hemmelig beskrivelse af sagen")
    other = site_client(odense, people["odense"])
    assert other.get(f"/ideas/{idea.pk}/").status_code == 404
    listing = other.get("/ideas/").content.decode()
    # Odense sees the title to join it, never the description or the figures.
    assert f'data-idea="{idea.pk}">Lejetilbud' in listing
    assert "Hemmelig" not in listing
    assert other.post(f"/ideas/{idea.pk}/comment/", {"text": "Hej"}).status_code == 404
    assert other.post(f"/ideas/{idea.pk}/move/", {"to": "assessment"}).status_code == 403
    assert other.post(f"/ideas/{idea.pk}/assess/", {}).status_code == 403
    idea.refresh_from_db()
    assert idea.status == "idea" and not idea.comments.exists()


def test_isolation_between_members_in_the_api(aarhus, odense, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], "Lejetilbud", "Hemmelig beskrivelse af sagen")
    api = site_client(odense)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(people['odense'], odense)}"}
    assert api.get(f"/api/v1/ideas/{idea.pk}/", **auth).status_code == 404
    assert api.get("/api/v1/ideas/", **auth).json()["results"] == []
    assert api.get(f"/api/v1/ideas/{idea.pk}/comments/", **auth).status_code == 404
    post = {"content_type": "application/json", **auth}
    assert (
        api.post(f"/api/v1/ideas/{idea.pk}/comments/", {"text": "Hej"}, **post).status_code == 404
    )
    moved = api.post(f"/api/v1/ideas/{idea.pk}/transition/", {"to": "assessment"}, **post)
    assert moved.status_code == 404
    assert api.post(f"/api/v1/ideas/{idea.pk}/assess/", {}, **post).status_code == 404
    # Aarhus's own staff may read it but not move it: that is the office's job.
    own = site_client(aarhus)
    own_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(people['aarhus'], aarhus)}"}
    assert own.get(f"/api/v1/ideas/{idea.pk}/", **own_auth).status_code == 200
    refused = own.post(
        f"/api/v1/ideas/{idea.pk}/transition/",
        {"to": "assessment"},
        content_type="application/json",
        **own_auth,
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    # An Aarhus token does not work on Odense's host.
    assert api.get("/api/v1/ideas/", **own_auth).status_code == 401
    idea.refresh_from_db()
    assert idea.status == "idea" and not idea.comments.exists()


def test_similar_ideas_are_flagged_and_can_be_joined(aarhus, odense, people, site_client):
    first = new_idea(
        aarhus,
        people["aarhus"],
        "Registrering af svar på lejetilbud",
        "Robotten registrerer ja/nej-svar på lejetilbud fra boligsøgende i EG Bolig",
    )
    new_idea(aarhus, people["aarhus"], "Sygedagpenge", "Opfølgning på sygedagpengesager i KMD")
    client = site_client(odense, people["odense"])
    response = submit(
        client,
        "Svar på lejetilbud",
        "Registrere boligsøgendes ja/nej-svar på lejetilbud i EG Bolig",
    )
    page = client.get(response["Location"]).content.decode()
    assert "Registrering af svar på lejetilbud" in page
    assert "Sygedagpenge" not in page
    client.post(f"/ideas/{first.pk}/join/")
    assert list(first.participants.values_list("organisation__slug", flat=True)) == ["odense"]
    # Joined ideas appear on the member's own list and can be opened.
    assert client.get(f"/ideas/{first.pk}/").status_code == 200
    with pytest.raises(ValidationError):
        services.join_idea(idea=first, organisation=odense, actor=people["odense"])


def test_api_submits_and_lists_own_ideas(aarhus, people, site_client):
    key = tenant_services.issue_api_token(user=people["aarhus"], organisation=aarhus, name="t")[1]
    client = site_client(aarhus)
    data = {**ANSWERS, "systems": ["EG Bolig"], "title": "Lejetilbud", "description": "Svar"}
    created = client.post(
        "/api/v1/ideas/", data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert created.status_code == 201
    assert created.json()["business_case"]["hours_per_year"] == "432.0"
    listed = client.get("/api/v1/ideas/", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [idea["title"] for idea in listed["results"]] == ["Lejetilbud"]


def count_queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    # django-tenants sets the search path before queries; those are not reads.
    return sum(not q["sql"].startswith("SET search_path") for q in captured)


def add_ideas(people, aarhus, odense, start, count):
    """Ideas with everything a list shows: duplicates both ways, a participant, an assignee."""
    for index in range(start, start + count):
        mine = new_idea(aarhus, people["aarhus"], f"Lejetilbud {index}", "Svar på lejetilbud")
        theirs = new_idea(odense, people["odense"], f"Lejetilbud {index}", "Svar på lejetilbud")
        services.join_idea(idea=mine, organisation=odense, actor=people["odense"])
        services.assess_idea(idea=theirs, actor=people["developer"], assignee=people["operator"])
        assert theirs.duplicate_flags.exists()


# session, user, membership, weights, ideas, duplicate flags (both ways) [, open ideas to join]
@pytest.mark.parametrize(
    ("site", "path", "queries"),
    [
        ("office", "/ideas/", 7),
        ("office", "/api/v1/ideas/", 7),
        ("aarhus", "/ideas/", 8),
        ("aarhus", "/api/v1/ideas/", 7),
    ],
)
def test_idea_lists_keep_a_constant_query_count(
    office, aarhus, odense, people, site_client, site, path, queries
):
    viewer = {"office": (office, people["operator"]), "aarhus": (aarhus, people["aarhus"])}
    client = site_client(*viewer[site])
    add_ideas(people, aarhus, odense, 0, 2)
    count_queries(client, path)  # warm the caches (content types, tenant lookup)
    assert count_queries(client, path) == queries
    add_ideas(people, aarhus, odense, 2, 5)
    assert count_queries(client, path) == queries
