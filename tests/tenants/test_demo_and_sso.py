from datetime import timedelta

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
from members.lifecycle import demo_leaver
from members.lifecycle import selectors as members_selectors
from members.models import Departure, MemberExport
from orders.models import Order
from robots.models import Deployment
from robots.workitems.models import WorkQueue
from tenants import services
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
    # Seven members, Horsens Kommune, which joined on the 11th of this month, and
    # Boligselskabet Skanderborg, which left on the last day of last month.
    assert sorted(kinds).count("municipality") == 5
    assert sorted(kinds).count("housing") == 4
    assert KeyFigure.objects.filter(kind="population").count() == 5
    horsens = Organisation.objects.get(slug="horsens")
    assert MemberTerm.objects.get(organisation=horsens).joined_on.day == 11
    assert members_selectors.can_order_robots(members_selectors.checklist(horsens))
    assert KeyFigure.objects.filter(kind="housing_units").count() == 4
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
    assert_the_leaver_left_with_its_final_invoice_and_export(output, period.month)
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before
    assert MemberExport.objects.count() == 1
    # The leaver's site is closed to its people (after the loads: a request moves the
    # connection to the site's schema).
    leaver = Organisation.objects.get(slug=demo_leaver.SLUG)
    client = Client(HTTP_HOST=services.site_host(leaver))
    client.force_login(User.objects.get(email=demo_leaver.ADMIN_EMAIL))
    assert client.get("/").status_code == 403


def assert_the_leaver_left_with_its_final_invoice_and_export(output, this_month):
    leaver = Organisation.objects.get(slug=demo_leaver.SLUG)
    term = MemberTerm.objects.get(organisation=leaver)
    last_month = billing_demo.add_months(this_month, -1)
    assert term.left_on == this_month - timedelta(days=1)
    assert term.joined_on == billing_demo.add_months(this_month, -5).replace(day=10)
    departure = Departure.objects.get(organisation=leaver)
    assert departure.reason and departure.decision_reference and departure.completed_at
    # Billed for its days as a member only: from the month it joined (part of it, pro rata)
    # to the month it left, whose ordinary close gave its numbered final invoice.
    invoices = Invoice.objects.filter(organisation=leaver, kind="invoice")
    months = sorted(invoices.values_list("period__month", flat=True))
    assert months == [billing_demo.add_months(this_month, offset) for offset in range(-5, 0)]
    final = invoices.get(period__month=last_month)
    assert final.number and final.is_final_settlement
    assert not any(invoice.is_final_settlement for invoice in invoices.exclude(pk=final.pk))
    first = invoices.get(period__month=term.joined_on.replace(day=1))
    month_days = first.period.days
    line = first.lines.filter(kind="pool_share").first().description
    assert f"medlem {month_days - 10 + 1} af {month_days} dage" in line
    # Its export is made, with its checksum, and the member is not erased.
    export = MemberExport.objects.get(organisation=leaver)
    assert export.status == MemberExport.Status.READY and len(export.sha256) == 64
    assert f"SHA-256 {export.sha256[:12]}" in output and "erase the member by hand" in output
    assert leaver.erasure_receipts.count() == 0
    assert not leaver.is_active


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
