"""Schedules read as sentences with their next run times, and chosen as people say them."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from orders.forms import OrderForm
from robots import recurrence
from robots.models import Job
from robots.schedules import COPENHAGEN


@pytest.mark.parametrize(
    ("expression", "danish", "english"),
    [
        ("0 6 * * 1-5", "Kl 06:00, mandag til og med fredag", "At 06:00, Monday through Friday"),
        ("30 7 * * *", "Kl 07:30", "At 07:30"),
        ("0 8 * * 1", "Kl 08:00, kun mandag", "At 08:00, only on Monday"),
        ("15 6 1 * *", "Kl 06:15, på dag 1 i måneden", "At 06:15, on day 1 of the month"),
        ("0 6 1 1 *", "Kl 06:00, på dag 1 i måneden, kun i januar", None),
        ("*/15 * * * *", "Hvert 15. minut", "Every 15 minutes"),
    ],
)
def test_a_schedule_reads_as_a_sentence(expression, danish, english):
    with translation.override("da"):
        assert recurrence.describe(expression) == danish
    if english:
        with translation.override("en"):
            assert recurrence.describe(expression) == english


def test_next_runs_are_in_danish_time_and_skip_holidays():
    # Thursday 24 December 2026, 12:00 in Copenhagen; 25 and 26 December are holidays.
    now = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)
    runs = recurrence.next_runs("0 6 * * *", now=now)
    assert [run.strftime("%d.%m %H:%M") for run in runs] == [
        "27.12 06:00",
        "28.12 06:00",
        "29.12 06:00",
    ]
    assert runs[0].tzinfo == COPENHAGEN
    with_holidays = recurrence.next_runs("0 6 * * *", now=now, skip_holidays=False, count=1)
    assert with_holidays[0].day == 25
    assert recurrence.next_runs("") == [] and recurrence.next_runs("nonsense") == []


@pytest.mark.parametrize(
    ("expression", "choice"),
    [
        ("", {"frequency": "none"}),
        ("30 7 * * *", {"frequency": "daily", "hour": 7, "minute": 30}),
        ("0 6 * * 1-5", {"frequency": "weekdays", "hour": 6, "minute": 0}),
        ("0 8 * * 1", {"frequency": "weekly", "weekday": 0, "hour": 8, "minute": 0}),
        ("0 22 * * 0", {"frequency": "weekly", "weekday": 6, "hour": 22, "minute": 0}),
        ("15 6 1 * *", {"frequency": "monthly", "day": 1, "hour": 6, "minute": 15}),
        ("*/15 * * * *", {"frequency": "cron", "cron": "*/15 * * * *"}),
        ("0 6 31 * *", {"frequency": "cron", "cron": "0 6 31 * *"}),
    ],
)
def test_simple_choices_and_cron_translate_both_ways(expression, choice):
    assert recurrence.from_cron(expression) == choice
    if choice["frequency"] not in ("none", "cron"):
        assert recurrence.to_cron(**choice) == expression


@pytest.fixture
def order_form(orderable, process_owner, aarhus):
    def make(**schedule):
        data = {
            "robot_version": orderable.pk,
            "process_owner": process_owner.pk,
            "param_afdeling": "Vest",
            "param_dage_frist": "14",
        } | schedule
        return OrderForm(data, robot=orderable.robot, organisation=aarhus)

    return make


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("schedule", "expression"),
    [
        ({"schedule_frequency": "daily", "schedule_time": "07:30"}, "30 7 * * *"),
        ({"schedule_frequency": "weekdays", "schedule_time": "06:00"}, "0 6 * * 1-5"),
        (
            {"schedule_frequency": "weekly", "schedule_time": "08:00", "schedule_weekday": "4"},
            "0 8 * * 5",
        ),
        (
            {"schedule_frequency": "monthly", "schedule_time": "06:15", "schedule_day": "1"},
            "15 6 1 * *",
        ),
        ({"schedule_frequency": "none", "proposed_schedule": "0 6 * * *"}, ""),
        (
            {"schedule_frequency": "cron", "proposed_schedule": "*/30 8-16 * * 1-5"},
            "*/30 8-16 * * 1-5",
        ),
        # A client that posts only the cron field, as before.
        ({"proposed_schedule": "0 6 * * 1-5"}, "0 6 * * 1-5"),
    ],
)
def test_the_order_form_turns_the_choice_into_cron(order_form, schedule, expression):
    form = order_form(**schedule)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["proposed_schedule"] == expression


@pytest.mark.django_db
def test_the_order_form_asks_for_what_the_choice_needs(order_form, english):
    form = order_form(schedule_frequency="weekly", schedule_weekday="")
    assert not form.is_valid()
    assert set(form.errors) == {"schedule_time", "schedule_weekday"}
    form = order_form(schedule_frequency="cron", proposed_schedule="hver morgen")
    assert not form.is_valid() and "proposed_schedule" in form.errors
    # Cron text left behind does not matter when a simple choice is made.
    form = order_form(
        schedule_frequency="daily", schedule_time="05:00", proposed_schedule="hver morgen"
    )
    assert form.is_valid() and form.cleaned_data["proposed_schedule"] == "0 5 * * *"


@pytest.mark.django_db
def test_the_deployment_page_reads_the_schedule_with_its_next_runs(
    aarhus, process_owner, site_client, make_deployment
):
    deployment = make_deployment(aarhus, schedule="0 6 * * 1-5")
    page = site_client(aarhus, process_owner).get(f"/deployments/{deployment.pk}/")
    body = page.content.decode()
    assert "Kl 06:00, mandag til og med fredag" in body and "<code>0 6 * * 1-5</code>" in body
    assert body.count("kl. 06:00") + body.count(" 06:00") >= 3
    assert 'data-testid="next-runs"' in body
    listing = site_client(aarhus, process_owner).get("/deployments/").content.decode()
    assert 'title="0 6 * * 1-5">Kl 06:00, mandag til og med fredag' in listing
    assert Job.objects.count() == 0
