import pytest
from allauth.socialaccount.models import SocialApp
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import demo as billing_demo
from billing import services as billing
from billing.models import Invoice, MemberTerm, Period, RateCard
from catalog.models import RobotVersion
from insight import demo as insight_demo
from insight import selectors as insight_selectors
from insight.models import MonthlyValue
from intake.models import Idea
from members.lifecycle import selectors as members_selectors
from orders.models import Order
from robots.models import Deployment
from robots.workitems.models import WorkQueue
from tenants.models import Domain, KeyFigure, Membership, Organisation, User

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Organisation.objects.order_by("pk").values()),
        list(Domain.objects.order_by("pk").values()),
        list(KeyFigure.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values("user_id", "organisation_id", "role")),
        list(User.objects.order_by("pk").values("email", "password")),
        list(RobotVersion.objects.order_by("pk").values("robot__slug", "version", "status")),
        list(Order.objects.order_by("pk").values("robot__slug", "status", "deployment_id")),
        list(Idea.objects.order_by("pk").values("title", "status", "robot_id")),
        list(Deployment.objects.order_by("pk").values("name", "status")),
        MonthlyValue.objects.count(),
    )


@pytest.mark.usefixtures("without_standard_schemas")
def test_demo_partnership_loads_once_and_a_second_load_changes_nothing(capsys):
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "http://aarhus.localhost:8000/" in output and "admin@robotkontor.dk" in output
    kinds = Organisation.objects.values_list("kind", flat=True)
    # Seven members, and Horsens Kommune, which joined on the 11th of this month.
    assert sorted(kinds).count("municipality") == 5
    assert sorted(kinds).count("housing") == 3
    assert KeyFigure.objects.filter(kind="population").count() == 5
    horsens = Organisation.objects.get(slug="horsens")
    assert MemberTerm.objects.get(organisation=horsens).joined_on.day == 11
    assert members_selectors.can_order_robots(members_selectors.checklist(horsens))
    assert KeyFigure.objects.filter(kind="housing_units").count() == 3
    assert RobotVersion.objects.filter(status="production").count() == 8
    # Orders and ideas in every stage, so every page has something to show.
    assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
    assert set(Idea.objects.values_list("status", flat=True)) == set(Idea.Status.values)
    active = Deployment.objects.filter(status="active")
    assert sorted(active.values_list("robot_version__robot__slug", flat=True)) == [
        "fakturakontering",
        "forbrugsregnskab",
        "kontoplan",
        "lejetilbud",
    ]
    # The sample robots' inboxes are in AAB's queues, every row of each file an item.
    with schema_context("org_aab"):
        live = WorkQueue.objects.exclude(description=insight_demo.MARKER)
        queues = {queue.name: queue.items.count() for queue in live}
    assert queues == {
        "Svar på lejetilbud": 12,
        "Måleraflæsninger": 30,
        "Fakturaer til kontering": 27,
    }
    assert active.get(robot_version__robot__slug="fakturakontering").queue_trigger_min_items == 1
    # Billing: a rate card and this month's pools whose keys every member has figures for.
    period = billing.get_period(billing.month_of(timezone.localdate()))
    assert period.pools.count() == 4 and RateCard.objects.count() == 1
    preview = billing.preview_period(period)
    assert Invoice.objects.filter(period=period, kind="invoice").count() == 8, preview
    # Lejerbo joined in the middle of last month: last month's pool lines state the days.
    last_month = billing_demo.add_months(period.month, -1)
    lejerbo = Invoice.objects.get(period__month=last_month, organisation__slug="lejerbo")
    month_days = lejerbo.period.days
    days = month_days - billing_demo.JOINED_MID_MONTH[1] + 1
    line = lejerbo.lines.filter(kind="pool_share").first().description
    assert f"medlem {days} af {month_days} dage" in line
    # One of last month's lines is credited; half of it is billed again this month.
    note = Invoice.objects.get(kind="credit_note")
    assert (note.period, note.credits.period.month, note.lines.count()) == (period, last_month, 1)
    adjustment = period.invoices.get(organisation__slug="aarhus", kind="invoice").lines.get(
        kind="adjustment"
    )
    assert adjustment.amount_ore == note.lines.get().amount_ore // 2
    # Half a year of history, billed and closed, and a business case on the value pages.
    assert Period.objects.filter(status="closed").count() == insight_demo.MONTHS
    aab = insight_selectors.member_insight(
        Organisation.objects.get(slug="aab"), insight_selectors.Span.last_twelve_months()
    )
    assert aab.total.hours_saved > 0 and aab.total.cost_ore > 0
    assert aab.total.net_ore > 0 and aab.payback is not None
    partnership = insight_selectors.partnership_insight(aab.span)
    closed = [month.figures for month in partnership.monthly if not month.figures.preliminary]
    assert sum(figures.net_ore for figures in closed) > 0 and partnership.payback is not None
    assert insight_selectors.pipeline(Organisation.objects.get(slug="aab"), aab.span).live
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before


@pytest.mark.usefixtures("without_standard_schemas")
def test_demo_has_a_user_for_every_role():
    call_command("load_demo")
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {
        "member",
        "process_owner",
        "member_admin",
        "office_operator",
        "office_developer",
        "office_admin",
        "finance",
    }


def test_single_sign_on_is_offered_only_on_its_organisations_site(aarhus, odense):
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="aarhus-ad",
        name="Aarhus AD",
        client_id="robotkontor",
        secret="hemmelig",
        settings={"organisation": "aarhus", "server_url": "https://login.aarhus.example"},
    )
    aarhus_login = Client(HTTP_HOST="aarhus.localhost").get("/accounts/login/")
    odense_login = Client(HTTP_HOST="odense.localhost").get("/accounts/login/")
    assert "Aarhus AD" in aarhus_login.content.decode()
    assert "Aarhus AD" not in odense_login.content.decode()


def test_configure_sso_command_sets_up_a_provider_for_one_organisation(aarhus, odense):
    call_command(
        "configure_sso",
        "aarhus",
        "--provider=openid_connect",
        "--name=Aarhus AD",
        "--client-id=robotkontor",
        "--secret=hemmelig",
        "--server-url=https://login.aarhus.example",
    )
    app = SocialApp.objects.get()
    assert app.settings["organisation"] == "aarhus"
    assert (
        "Aarhus AD" in Client(HTTP_HOST="aarhus.localhost").get("/accounts/login/").content.decode()
    )
    assert (
        "Aarhus AD"
        not in Client(HTTP_HOST="odense.localhost").get("/accounts/login/").content.decode()
    )


def test_configure_sso_refuses_incomplete_settings(aarhus):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--secret"):
        call_command("configure_sso", "aarhus", "--provider=openid_connect", "--name=X")
    with pytest.raises(CommandError, match="No member organisation"):
        call_command("configure_sso", "ukendt", "--provider=saml", "--name=X", "--metadata-url=u")
    assert not SocialApp.objects.exists()
