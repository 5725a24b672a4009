"""The office's side of the pipeline and the conversation: moves, assessment, approval,
comments, joins, duplicate flags and the weights, each written to the audit trail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog.models import Robot
from core.models import AuditEvent
from intake import services
from intake.models import Idea, PossibleDuplicate, ScoringWeights
from tests.intake.conftest import api_key, new_idea

pytestmark = pytest.mark.django_db

RENTAL = (
    "Registrering af svar på lejetilbud",
    "Robotten registrerer ja/nej-svar på lejetilbud fra boligsøgende i EG Bolig",
)
RENTAL_AGAIN = (
    "Svar på lejetilbud",
    "Boligsøgendes ja/nej-svar på lejetilbuddet tastes ind i EG Bolig",
)
SICK_PAY = ("Sygedagpenge", "Opfølgning på sygedagpengesager i KMD")


def events(action):
    return AuditEvent.objects.filter(action=action)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("idea", "approved"),
        ("idea", "live"),
        ("assessment", "test"),
        ("approved", "live"),
        ("live", "rejected"),
        ("rejected", "live"),
        ("idea", "nonsense"),
    ],
)
def test_illegal_transitions_are_refused_and_leave_nothing(aarhus, people, start, to):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    Idea.objects.filter(pk=idea.pk).update(
        status=start, rejection_reason="x" if start == "rejected" else ""
    )
    with pytest.raises(ValidationError) as refused:
        services.move_idea(idea=idea, to_status=to, actor=people["developer"], reason="x")
    assert list(refused.value.message_dict) == ["to"]
    idea.refresh_from_db()
    assert idea.status == start and not events("intake.idea.moved").exists()


def test_rejection_needs_a_reason_and_can_be_reopened(aarhus, people):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    with pytest.raises(ValidationError):
        services.move_idea(idea=idea, to_status="rejected", actor=people["operator"], reason=" ")
    services.move_idea(idea=idea, to_status="rejected", actor=people["operator"], reason="Nej")
    event = events("intake.idea.moved").get()
    assert event.changes == {"status": ["idea", "rejected"], "reason": "Nej"}
    assert event.actor == people["operator"] and event.organisation == aarhus
    reopened = services.move_idea(idea=idea, to_status="assessment", actor=people["operator"])
    assert (reopened.status, reopened.rejection_reason) == ("assessment", "")


def test_the_database_refuses_a_rejection_without_reason(aarhus, people):
    from django.db import IntegrityError, transaction

    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        Idea.objects.filter(pk=idea.pk).update(status="rejected", rejection_reason="")


def test_only_catalog_managers_approve_and_approval_links_a_new_robot(aarhus, people):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    services.move_idea(idea=idea, to_status="assessment", actor=people["operator"])
    with pytest.raises(PermissionDenied):
        services.move_idea(idea=idea, to_status="approved", actor=people["operator"])
    assert not Robot.objects.exists()
    approved = services.move_idea(idea=idea, to_status="approved", actor=people["developer"])
    robot = approved.robot
    assert (robot.name_da, robot.systems, robot.maturity) == (RENTAL[0], ["EG Bolig"], "idea")
    assert events("catalog.robot.created").count() == 1
    assert events("intake.idea.moved").filter(changes__robot=robot.slug).count() == 1


def test_members_cannot_triage(aarhus, people):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    with pytest.raises(PermissionDenied):
        services.move_idea(idea=idea, to_status="assessment", actor=people["aarhus"])
    with pytest.raises(PermissionDenied):
        services.assess_idea(idea=idea, actor=people["aarhus"], estimated_build_hours=1)


def test_office_assesses_on_the_page_and_the_card_shows_payback(
    office, aarhus, people, site_client
):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    client = site_client(office, people["developer"])
    response = client.post(
        f"/ideas/{idea.pk}/assess/",
        {"assignee": people["operator"].pk, "estimated_build_hours": "80"},
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert (idea.assignee, idea.estimated_build_hours) == (people["operator"], 80)
    assert events("intake.idea.assessed").get().changes == {
        "assignee": [None, people["operator"].pk],
        "estimated_build_hours": [None, "80.0"],
    }
    detail = client.get(f"/ideas/{idea.pk}/").content.decode()
    # 432 h × 450 kr = 194.400 kr a year; 80 h × 750 kr = 60.000 kr → 3,7 months
    assert 'data-figure="build-cost">60.000,00 kr.' in detail
    assert 'data-figure="payback">3,7' in detail
    board = client.get("/ideas/").content.decode()
    assert "payback" in board.lower() or "tilbagebetaling" in board.lower()


def test_the_assignee_must_be_office_staff(aarhus, people):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    with pytest.raises(ValidationError) as refused:
        services.assess_idea(idea=idea, actor=people["developer"], assignee=people["aarhus"])
    assert "assignee" in refused.value.message_dict


def test_moving_on_the_board_page_reports_refusals(office, aarhus, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    client = site_client(office, people["operator"])
    board = client.get("/ideas/").content.decode()
    # A card offers only the moves allowed from its column.
    card = board[board.index(f'data-idea="{idea.pk}"') :]
    card = card[: card.index("</article>")]
    assert 'value="assessment"' in card and 'value="live"' not in card
    response = client.post(f"/ideas/{idea.pk}/move/", {"to": "rejected"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("reject" in m.lower() or "afvis" in m.lower() for m in messages)
    response = client.post(f"/ideas/{idea.pk}/move/", {"to": "live"}, follow=True)
    assert response.status_code == 200
    idea.refresh_from_db()
    assert idea.status == "idea"
    client.post(f"/ideas/{idea.pk}/move/", {"to": "rejected", "reason": "Findes allerede"})
    idea.refresh_from_db()
    assert (idea.status, idea.rejection_reason) == ("rejected", "Findes allerede")


def test_duplicates_are_flagged_on_submission_and_shown_everywhere(
    office, aarhus, odense, people, site_client
):
    first = new_idea(aarhus, people["aarhus"], *RENTAL)
    unrelated = new_idea(aarhus, people["aarhus"], *SICK_PAY)
    second = new_idea(odense, people["odense"], *RENTAL_AGAIN)
    assert list(PossibleDuplicate.objects.values_list("idea", "similar_to")) == [
        (second.pk, first.pk)
    ]
    submitted = events("intake.idea.submitted").get(target_id=str(second.pk))
    assert submitted.changes["possible_duplicates"] == [first.pk]

    board = site_client(office, people["operator"]).get("/ideas/").content.decode()
    card = board[board.index(f'data-idea="{second.pk}"') :]
    assert card.index(f'data-duplicate-of="{first.pk}"') < card.index("</article>")
    card = board[board.index(f'data-idea="{unrelated.pk}"') :]
    assert "data-duplicate-of" not in card[: card.index("</article>")]

    # Both members see the flag on their own idea and can join the other's instead.
    page = site_client(odense, people["odense"]).get(f"/ideas/{second.pk}/").content.decode()
    assert f'data-duplicate="{first.pk}"' in page and f"/ideas/{first.pk}/join/" in page
    assert RENTAL[1] not in page  # the other member's description stays private
    page = site_client(aarhus, people["aarhus"]).get(f"/ideas/{first.pk}/").content.decode()
    assert f'data-duplicate="{second.pk}"' in page
    page = site_client(aarhus, people["aarhus"]).get(f"/ideas/{unrelated.pk}/").content.decode()
    assert 'data-testid="duplicates"' not in page
    # A similar idea of the same member is not flagged against the member's own idea.
    own = new_idea(aarhus, people["aarhus"], RENTAL[0], RENTAL[1] + " igen")
    assert list(own.duplicate_flags.values_list("similar_to", flat=True)) == [second.pk]


def test_join_through_the_api(aarhus, odense, people, site_client):
    first = new_idea(aarhus, people["aarhus"], *RENTAL)
    second = new_idea(odense, people["odense"], *RENTAL_AGAIN)
    client = site_client(odense)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(people['odense'], odense)}"}
    flags = client.get(f"/api/v1/ideas/{second.pk}/", **auth).json()["possible_duplicates"]
    assert [(f["id"], f["organisation"]) for f in flags] == [(first.pk, "aarhus")]
    joined = client.post(f"/api/v1/ideas/{first.pk}/join/", **auth)
    assert joined.status_code == 200 and joined.json()["participants"] == 1
    assert events("intake.idea.joined").get().organisation == odense
    listed = client.get("/api/v1/ideas/", **auth).json()["results"]
    assert sorted(idea["id"] for idea in listed) == [first.pk, second.pk]
    again = client.post(f"/api/v1/ideas/{first.pk}/join/", **auth)
    assert again.status_code == 400 and again.json()["error"]["fields"]["non_field_errors"]
    # Its own idea is not joinable, nor is a rejected one.
    assert client.post(f"/api/v1/ideas/{second.pk}/join/", **auth).status_code == 404
    services.move_idea(idea=first, to_status="rejected", actor=people["operator"], reason="x")
    third = new_idea(aarhus, people["aarhus"], *SICK_PAY)
    services.move_idea(idea=third, to_status="rejected", actor=people["operator"], reason="x")
    assert client.post(f"/api/v1/ideas/{third.pk}/join/", **auth).status_code == 404


def test_comments_between_member_and_office(office, aarhus, odense, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    member = site_client(aarhus, people["aarhus"])
    member.post(f"/ideas/{idea.pk}/comment/", {"text": "Hvornår kan I se på den?"})
    office_api = site_client(office)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(people['operator'], office)}"}
    answer = office_api.post(
        f"/api/v1/ideas/{idea.pk}/comments/",
        {"text": "I næste uge."},
        content_type="application/json",
        **auth,
    )
    assert answer.status_code == 201
    thread = office_api.get(f"/api/v1/ideas/{idea.pk}/comments/", **auth).json()
    assert [c["text"] for c in thread] == ["Hvornår kan I se på den?", "I næste uge."]
    assert events("intake.idea.commented").count() == 2
    page = member.get(f"/ideas/{idea.pk}/").content.decode()
    assert "I næste uge." in page
    # A member that has not joined cannot comment, even through the service.
    with pytest.raises(PermissionDenied):
        services.comment(idea=idea, actor=people["odense"], organisation=odense, text="Hej")
    services.join_idea(idea=idea, organisation=odense, actor=people["odense"])
    services.comment(idea=idea, actor=people["odense"], organisation=odense, text="Vi er med")
    assert idea.comments.count() == 3


def test_office_transitions_through_the_api(office, aarhus, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    client = site_client(office)
    auth = {
        "content_type": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {api_key(people['developer'], office)}",
    }
    illegal = client.post(f"/api/v1/ideas/{idea.pk}/transition/", {"to": "live"}, **auth)
    assert illegal.status_code == 400 and "to" in illegal.json()["error"]["fields"]
    no_reason = client.post(f"/api/v1/ideas/{idea.pk}/transition/", {"to": "rejected"}, **auth)
    assert "reason" in no_reason.json()["error"]["fields"]
    moved = client.post(f"/api/v1/ideas/{idea.pk}/transition/", {"to": "assessment"}, **auth)
    assert moved.status_code == 200 and moved.json()["status"] == "assessment"
    assessed = client.post(
        f"/api/v1/ideas/{idea.pk}/assess/",
        {"assignee": people["operator"].email, "estimated_build_hours": "80"},
        **auth,
    )
    assert assessed.json()["assignee"] == people["operator"].email
    assert assessed.json()["business_case"]["payback_months"] == "3.7"
    filtered = client.get("/api/v1/ideas/?status=assessment", **auth).json()["results"]
    assert [i["id"] for i in filtered] == [idea.pk]
    assert client.get("/api/v1/ideas/?urgency=high", **auth).json()["results"] == []


def test_weights_belong_to_the_office(office, aarhus, people, site_client):
    idea = new_idea(aarhus, people["aarhus"], *RENTAL)
    developer = site_client(office, people["developer"])
    assert developer.get("/ideas/weights/").status_code == 200
    assert site_client(office, people["operator"]).get("/ideas/weights/").status_code == 403
    assert site_client(aarhus, people["aarhus"]).get("/ideas/weights/").status_code == 403

    api = site_client(office)
    dev_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(people['developer'], office)}"}
    op_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(people['operator'], office)}"}
    current = api.get("/api/v1/scoring-weights/", **op_auth).json()
    assert (current["hours_per_fte"], current["hourly_rate"]) == ("1924.0", "450.00")
    refused = api.patch(
        "/api/v1/scoring-weights/", {"hourly_rate": "1"}, content_type="application/json", **op_auth
    )
    assert refused.status_code == 403
    changed = api.patch(
        "/api/v1/scoring-weights/",
        {"hourly_rate": "500", "suitability_share": 100},
        content_type="application/json",
        **dev_auth,
    )
    assert changed.status_code == 200 and changed.json()["hourly_rate"] == "500.00"
    assert ScoringWeights.objects.get().hourly_rate == 500
    assert events("intake.weights.changed").get().changes == {
        "hourly_rate": ["450.00", "500.00"],
        "suitability_share": ["60", "100"],
    }
    # The new rate and weights apply at once: 432 h × 500 kr; the score is the suitability.
    data = api.get(f"/api/v1/ideas/{idea.pk}/", **dev_auth).json()
    assert data["business_case"]["value_per_year"] == "216000.00"
    assert data["score"]["total"] == data["score"]["suitability"]
    member = site_client(aarhus)
    member_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(people['aarhus'], aarhus)}"}
    assert member.get("/api/v1/scoring-weights/", **member_auth).status_code == 403
