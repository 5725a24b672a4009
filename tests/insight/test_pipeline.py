"""Expected (the intake business case) against actual, per live idea, and the share of the
pipeline's potential that is realised."""

from datetime import date
from decimal import Decimal

import pytest

from insight import selectors, services
from intake.models import Idea
from tenants.models import Role
from tests.insight.conftest import at, items
from tests.intake.conftest import new_idea

pytestmark = pytest.mark.django_db


def test_live_ideas_are_set_against_their_business_case(
    aarhus, make_user, make_deployment, make_robot, in_production
):
    member = make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    version = in_production(make_robot(estimated_minutes_saved=Decimal("6")))
    live = new_idea(aarhus, member, "Lejetilbud", "Svar registreres")
    # 400 cases a month × 12 × 6 min ÷ 60 × 90 % handled = 432,0 h a year expected.
    Idea.objects.filter(pk=live.pk).update(status=Idea.Status.LIVE, robot=version.robot)
    waiting = new_idea(aarhus, member, "Fakturaer", "Kontering af fakturaer")  # also 432,0 h
    Idea.objects.filter(pk=waiting.pk).update(status=Idea.Status.ASSESSMENT)
    rejected = new_idea(aarhus, member, "Noget andet", "Afvist")
    Idea.objects.filter(pk=rejected.pk).update(status=Idea.Status.REJECTED, rejection_reason="x")
    # In the year: 1.080 items × 6 min = 108 h.
    items(make_deployment(aarhus, robot_version=version), at(2026, 3, 2), 1080)
    services.refresh_rollups([date(2026, 3, 1)])

    found = selectors.pipeline(aarhus, selectors.Span.year(2026))

    by_title = {row.idea.title: row for row in found.ideas}
    assert set(by_title) == {"Lejetilbud", "Fakturaer"}
    assert by_title["Lejetilbud"].expected_hours == Decimal("432.0")
    assert by_title["Lejetilbud"].actual_hours == Decimal("108.0")
    assert by_title["Lejetilbud"].realised_percent == Decimal("25.0")
    assert by_title["Fakturaer"].actual_hours is None
    assert found.potential_hours == Decimal("864.0")
    assert found.realised_percent == Decimal("12.5")
    # A quarter's hours count four times over a year.
    quarter = selectors.pipeline(aarhus, selectors.Span.quarter(2026, 1))
    assert quarter.live[0].actual_hours == Decimal("432.0")
