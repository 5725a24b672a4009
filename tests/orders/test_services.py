"""Orders from the member's request to an active deployment, and everything refused."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from catalog import services as catalog_services
from catalog.models import RobotVersion
from core import audit
from core.models import AuditEvent
from orders import services
from orders.models import Order
from robots.models import Deployment
from tenants.models import Notification, Role
from tests.fixtures.catalog import VALID_PARAMETERS

Status = Order.Status
A = services.Action


# These tests read the services' messages in English (the source language).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def run_to_active(order, *, office, aarhus, process_owner, operator):
    services.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
    services.act_on_order(order=order, action=A.ACCEPT, actor=operator, site=office)
    services.act_on_order(order=order, action=A.START_TEST, actor=operator, site=office)
    return services.act_on_order(order=order, action=A.ACTIVATE, actor=operator, site=office)


def test_the_whole_way_from_order_to_deployment(office, aarhus, place, process_owner, operator):
    order = place()
    assert order.status == Status.SUBMITTED and order.deployment is None
    order = run_to_active(
        order, office=office, aarhus=aarhus, process_owner=process_owner, operator=operator
    )
    assert order.status == Status.ACTIVE
    deployment = order.deployment
    assert deployment.organisation == aarhus
    assert deployment.robot_version == order.robot_version
    assert deployment.parameters == VALID_PARAMETERS
    assert deployment.schedule == "0 6 * * 1-5"
    assert deployment.process_owner == process_owner
    assert deployment.status == Deployment.Status.ACTIVE
    actions = [event.changes.get("action") for event in audit.history(order)]
    assert actions == ["activate", "start_test", "accept", "approve", None]


def test_activating_an_order_never_accepted_is_refused(
    office, aarhus, place, process_owner, operator
):
    order = place()
    services.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.act_on_order(order=order, action=A.ACTIVATE, actor=operator, site=office)
    assert "accepted and tested" in str(refused.value)
    order.refresh_from_db()
    assert order.status == Status.APPROVED and order.deployment is None
    assert Deployment.objects.count() == 0 and AuditEvent.objects.count() == events


def test_staff_cannot_approve_their_own_order(aarhus, place, staff):
    order = place()
    with pytest.raises(ValidationError) as refused:
        services.act_on_order(order=order, action=A.APPROVE, actor=staff, site=aarhus)
    assert "process owners and administrators" in str(refused.value)


def test_members_cannot_take_the_offices_steps(aarhus, place, process_owner):
    order = place()
    services.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
    with pytest.raises(ValidationError) as refused:
        services.act_on_order(order=order, action=A.ACCEPT, actor=process_owner, site=aarhus)
    assert "office console" in str(refused.value)


def test_another_member_cannot_act_on_the_order(odense, place, make_user):
    order = place()
    stranger = make_user("procesejer@odense.dk", odense, Role.PROCESS_OWNER)
    with pytest.raises(ValidationError) as refused:
        services.act_on_order(order=order, action=A.APPROVE, actor=stranger, site=odense)
    assert "another organisation" in str(refused.value)
    with pytest.raises(PermissionDenied):
        services.comment(order=order, actor=stranger, site=odense, text="Hej")


def test_parameters_that_violate_the_schema_get_field_errors(place):
    with pytest.raises(ValidationError) as refused:
        place(parameters={"afdeling": "V", "dage_frist": 90, "ukendt": 1})
    errors = refused.value.message_dict
    assert errors["afdeling"] == ["Must be at least 2 characters."]
    assert errors["dage_frist"] == ["Must be at most 30."]
    assert "ukendt" in errors["parameters"][0]
    with pytest.raises(ValidationError) as missing:
        place(parameters={})
    assert set(missing.value.message_dict) == {"afdeling", "dage_frist"}
    assert Order.objects.count() == 0


def test_invalid_cron_is_refused(place):
    with pytest.raises(ValidationError) as refused:
        place(proposed_schedule="every morning")
    assert "not a valid cron expression" in str(refused.value)
    assert Order.objects.count() == 0


def test_process_owner_must_be_an_approver_of_the_member(place, staff):
    with pytest.raises(ValidationError) as refused:
        place(process_owner=staff)
    assert "process_owner" in refused.value.message_dict


def test_an_inactive_process_owner_is_refused_as_in_the_governance_register(place, process_owner):
    process_owner.is_active = False
    process_owner.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        place(process_owner=process_owner)
    assert "process_owner" in refused.value.message_dict
    assert Order.objects.count() == 0


def test_only_versions_in_production_can_be_ordered(place, make_version, orderable):
    draft = make_version(orderable.robot)
    with pytest.raises(ValidationError) as refused:
        place(robot_version=draft)
    assert "in production" in str(refused.value)


def test_the_office_cannot_order_for_itself(office, operator, place):
    with pytest.raises(PermissionDenied):
        place(organisation=office, actor=operator)


def test_pause_and_resume_carry_the_deployment(office, aarhus, place, process_owner, operator):
    order = run_to_active(
        place(), office=office, aarhus=aarhus, process_owner=process_owner, operator=operator
    )
    order = services.act_on_order(order=order, action=A.PAUSE, actor=process_owner, site=aarhus)
    assert order.status == Status.PAUSED and order.paused_from == Status.ACTIVE
    assert order.deployment.status == Deployment.Status.PAUSED
    order = services.act_on_order(order=order, action=A.RESUME, actor=operator, site=office)
    order.deployment.refresh_from_db()
    assert order.status == Status.ACTIVE and order.paused_from == ""
    assert order.deployment.status == Deployment.Status.ACTIVE


def test_pausing_an_open_order_resumes_where_it_was(aarhus, place, process_owner):
    order = place()
    services.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
    services.act_on_order(order=order, action=A.PAUSE, actor=process_owner, site=aarhus)
    order = services.act_on_order(order=order, action=A.RESUME, actor=process_owner, site=aarhus)
    assert order.status == Status.APPROVED


def test_cancelling_needs_a_reason_and_retires_the_deployment(
    office, aarhus, place, process_owner, operator
):
    order = run_to_active(
        place(), office=office, aarhus=aarhus, process_owner=process_owner, operator=operator
    )
    with pytest.raises(ValidationError) as refused:
        services.act_on_order(order=order, action=A.CANCEL, actor=process_owner, site=aarhus)
    assert "reason" in refused.value.message_dict
    order = services.act_on_order(
        order=order, action=A.CANCEL, actor=process_owner, site=aarhus, reason="Ikke brug"
    )
    assert order.status == Status.CANCELLED and order.cancel_reason == "Ikke brug"
    assert order.deployment.status == Deployment.Status.RETIRED
    with pytest.raises(ValidationError):
        services.act_on_order(order=order, action=A.RESUME, actor=operator, site=office)


def test_the_orderer_may_withdraw_a_submitted_order_but_not_later(
    aarhus, place, staff, process_owner
):
    order = place()
    services.act_on_order(order=order, action=A.CANCEL, actor=staff, site=aarhus, reason="Fejl")
    second = place()
    services.act_on_order(order=second, action=A.APPROVE, actor=process_owner, site=aarhus)
    with pytest.raises(ValidationError):
        services.act_on_order(order=second, action=A.CANCEL, actor=staff, site=aarhus, reason="x")


def test_the_office_configures_before_activation(office, aarhus, place, process_owner, operator):
    order = place()
    services.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
    services.act_on_order(order=order, action=A.ACCEPT, actor=operator, site=office)
    with pytest.raises(ValidationError) as refused:
        services.configure_order(
            order=order,
            actor=operator,
            robot_version=order.robot_version,
            parameters={"afdeling": "Øst"},
            proposed_schedule="0 7 * * *",
        )
    assert "dage_frist" in refused.value.message_dict
    services.configure_order(
        order=order,
        actor=operator,
        robot_version=order.robot_version,
        parameters={"afdeling": "Øst", "dage_frist": 5},
        proposed_schedule="0 7 * * *",
    )
    services.act_on_order(order=order, action=A.START_TEST, actor=operator, site=office)
    order = services.act_on_order(order=order, action=A.ACTIVATE, actor=operator, site=office)
    assert order.deployment.parameters == {"afdeling": "Øst", "dage_frist": 5}
    assert order.deployment.schedule == "0 7 * * *"


def test_every_state_change_notifies_in_app_and_by_email(
    office,
    aarhus,
    place,
    staff,
    process_owner,
    operator,
    developer,
    reviewer,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place()
    # The process owner (also the approver) hears of the new order; the orderer knows.
    assert [n.recipient for n in Notification.objects.all()] == [process_owner]
    assert [m.to for m in mail.outbox] == [[process_owner.email]]
    assert "awaits internal approval" in mail.outbox[0].subject
    assert f"/orders/{order.pk}/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        services.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
    told = {
        (n.recipient, n.organisation)
        for n in Notification.objects.filter(message=services.MESSAGES[Status.APPROVED])
    }
    office_handlers = {(user, office) for user in (operator, developer, reviewer)}
    assert told == {(staff, aarhus)} | office_handlers
    assert len(mail.outbox) == 1 + len(told)


def test_a_refused_change_notifies_nobody(
    office, place, operator, django_capture_on_commit_callbacks
):
    order = place()
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.act_on_order(order=order, action=A.ACCEPT, actor=operator, site=office)
    assert Notification.objects.count() == before


def test_notifications_read_in_the_readers_language(place, process_owner):
    place()
    notification = Notification.objects.get(recipient=process_owner)
    with translation.override("da"):
        danish = notification.text
    assert "Aarhus Kommune" in danish and danish != notification.text


def test_comments_go_both_ways(office, aarhus, place, staff, operator):
    order = place()
    services.comment(order=order, actor=staff, site=aarhus, text="Kan den køre om natten?")
    services.comment(order=order, actor=operator, site=office, text="Ja.")
    assert [(c.text, c.from_office) for c in order.comments.all()] == [
        ("Kan den køre om natten?", False),
        ("Ja.", True),
    ]
    with pytest.raises(ValidationError):
        services.comment(order=order, actor=staff, site=aarhus, text="  ")


def test_retiring_a_version_in_use_is_refused_until_the_deployment_moves(
    office, aarhus, place, process_owner, operator, developer
):
    order = run_to_active(
        place(), office=office, aarhus=aarhus, process_owner=process_owner, operator=operator
    )
    version = order.robot_version
    with pytest.raises(ValidationError) as refused:
        catalog_services.transition_version(version, RobotVersion.Status.RETIRED, developer)
    assert "1 deployment still uses this version" in str(refused.value)
    services.act_on_order(order=order, action=A.CANCEL, actor=operator, site=office, reason="Slut")
    retired = catalog_services.transition_version(version, RobotVersion.Status.RETIRED, developer)
    assert retired.status == RobotVersion.Status.RETIRED
