"""Credentials about to expire warn the member's process owners and admins, once per date."""

from datetime import timedelta

from django.utils import timezone

from robots.credentials import selectors, services, tasks
from tenants.models import Notification, Role


def test_expiring_credentials_warn_owners_and_admins_once_per_expiry_date(
    aarhus, odense, owner, make_user, in_schema, django_capture_on_commit_callbacks
):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    staff = make_user("staff@aarhus.dk", aarhus, Role.MEMBER)
    make_user("owner@odense.dk", odense, Role.PROCESS_OWNER)
    today = timezone.localdate()
    with in_schema(aarhus):
        soon = services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Snart",
            kind="api_key",
            api_key="key-1234567",
            expires_on=today + timedelta(days=10),
        )
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Udløbet",
            kind="api_key",
            api_key="key-7654321",
            expires_on=today - timedelta(days=2),
        )
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Senere",
            kind="api_key",
            api_key="key-0000000",
            expires_on=today + timedelta(days=31),
        )
        services.create_credential(
            organisation=aarhus, actor=owner, name="Aldrig", kind="api_key", api_key="key-99999"
        )
        assert [c.name for c in selectors.expiring_credentials(30)] == ["Udløbet", "Snart"]

        with django_capture_on_commit_callbacks(execute=False) as emails:
            assert tasks.warn_about_expiring_credentials() == 2
        assert len(emails) == 2  # one e-mail batch per credential, after commit
        assert tasks.warn_about_expiring_credentials() == 0  # the daily run does not repeat

    notifications = Notification.objects.filter(organisation=aarhus)
    assert {n.recipient for n in notifications} == {owner, admin}
    assert staff not in {n.recipient for n in notifications}
    texts = sorted(n.text for n in notifications.filter(recipient=owner))
    assert any("Snart" in text for text in texts) and any("Udløbet" in text for text in texts)
    assert all("key-" not in text for text in texts)
    assert notifications.count() == 4

    # A renewed credential (new date) is watched again and warns when the new date nears.
    with in_schema(aarhus):
        services.update_credential(
            credential=soon,
            organisation=aarhus,
            actor=owner,
            expires_on=today + timedelta(days=20),
        )
        assert services.warn_about_expiring(organisation=aarhus) == 1
    assert Notification.objects.filter(organisation=aarhus).count() == 6


def test_the_daily_beat_task_sends_one_task_per_member(
    aarhus, odense, settings, django_capture_on_commit_callbacks
):
    schedule = settings.CELERY_BEAT_SCHEDULE["warn-about-expiring-credentials"]
    assert schedule["task"] == (
        "robots.credentials.tasks.warn_about_expiring_credentials_everywhere"
    )
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert tasks.warn_about_expiring_credentials_everywhere() == 2
    assert len(sent) == 2
