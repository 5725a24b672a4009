"""A hand-computed partnership, checked to the øre under both financing models.

March 2025 (31 days). Rate card: 2,00 kr per robot minute (per started minute per job),
800,00 kr per staff hour, monthly fee 1.000,00 kr per deployment.

Members (created in this order, so ids ascend A < B < C):
  A Aarhus  municipality, outside VAT, population 350.000, deployment since January
  B Odense  municipality, 25 % VAT,    population 200.000, deployment since 22 March
  C Boligselskabet housing, 25 % VAT,  joined 17 March (15 of 31 days)

Usage
  A: jobs of 90 s (2 started min), 30 s (1 min), 600 s (10 min) = 13 min × 2,00 = 2.600 øre
     fee full month 100.000 øre                                → usage A = 102.600 øre
  B: job of 3.600 s = 60 min × 2,00 = 12.000 øre
     fee 22–31 March = 10 of 31 days: 100.000 × 10 / 31 = 32.258,06 → 32.258 øre
                                                               → usage B = 44.258 øre
  C: 1,5 staff hours × 800,00 = 120.000 øre                    → usage C = 120.000 øre
  Usage income U = 102.600 + 44.258 + 120.000 = 266.858 øre

Pools
  Løn       120.000.000 øre, population in bands (100 % up to 150.000, 50 % above),
            municipalities only: A 150.000 + 200.000/2 = 250.000, B 150.000 + 50.000/2
            = 175.000, of 425.000
  Licenser    9.000.000 øre, equal shares pro rata by days: weights A 31, B 31, C 15 (of 77)
  Drift       1.000.000 øre, fixed 50 / 30 / 20 %, pro rata: A 50×31 = 1.550,
            B 30×31 = 930, C 20×15 = 300, of 2.780
"""

from datetime import date, datetime
from decimal import Decimal

import pytest

from billing import services
from billing.models import FinancingModel, Invoice, KeyKind
from tenants import services as tenants
from tenants.models import KeyFigure, Organisation
from tests.billing.conftest import CPH, finished_job
from tests.conftest import make_member

MARCH = date(2025, 3, 1)


@pytest.fixture
def partnership(aarhus, odense, make_deployment, rate_card, make_user):
    odense.vat_status = Organisation.VatStatus.STANDARD
    odense.save()
    Organisation.objects.filter(pk=aarhus.pk).update(vat_status=Organisation.VatStatus.EXEMPT)
    bolig = make_member("bolig", "Boligselskabet", "25313763", kind=Organisation.Kind.HOUSING)
    services.set_member_term(organisation=bolig, joined_on=date(2025, 3, 17))
    for organisation, population in ((aarhus, 350_000), (odense, 200_000)):
        tenants.set_key_figure(
            organisation=organisation,
            kind=KeyFigure.Kind.POPULATION,
            value=population,
            valid_from=date(2025, 1, 1),
        )
    in_aarhus = make_deployment(aarhus, name="Aarhus robot")
    in_odense = make_deployment(odense, name="Odense robot")
    in_aarhus.created_at = datetime(2025, 1, 10, 9, tzinfo=CPH)
    in_aarhus.save()
    in_odense.created_at = datetime(2025, 3, 22, 9, tzinfo=CPH)
    in_odense.save()
    finished_job(in_aarhus, datetime(2025, 3, 3, 8, tzinfo=CPH), 90)
    finished_job(in_aarhus, datetime(2025, 3, 4, 8, tzinfo=CPH), 30)
    finished_job(in_aarhus, datetime(2025, 3, 5, 8, tzinfo=CPH), 600)
    finished_job(in_odense, datetime(2025, 3, 25, 8, tzinfo=CPH), 3600)
    staff = make_user("konsulent@robotkontor.dk")
    entry = services.record_time_entry(
        staff=staff,
        work_date=date(2025, 3, 20),
        hours=Decimal("1.5"),
        description="Procesanalyse",
        organisation=bolig,
    )
    services.approve_time_entry(entry, actor=staff)
    return aarhus, odense, bolig


def make_pools(period, aarhus, odense, bolig):
    services.create_cost_pool(
        period=period,
        name="Løn",
        amount_ore=120_000_000,
        key=KeyKind.BANDED,
        key_params={
            "figure": "population",
            "bands": [{"up_to": 150000, "factor": "1"}, {"up_to": None, "factor": "0.5"}],
        },
        limit_to_kinds=[Organisation.Kind.MUNICIPALITY],
    )
    services.create_cost_pool(
        period=period, name="Licenser", amount_ore=9_000_000, key=KeyKind.EQUAL
    )
    services.create_cost_pool(
        period=period,
        name="Drift",
        amount_ore=1_000_000,
        key=KeyKind.FIXED,
        key_params={
            "percentages": {str(aarhus.pk): "50", str(odense.pk): "30", str(bolig.pk): "20"}
        },
    )


def close(financing_model, partnership):
    aarhus, odense, bolig = partnership
    period = services.set_financing_model(services.get_period(MARCH), financing_model)
    make_pools(period, *partnership)
    services.close_period_with_progress(period, lambda *_: None)
    period.refresh_from_db()
    invoices = {invoice.organisation_id: invoice for invoice in period.invoices.all()}
    return period, invoices[aarhus.pk], invoices[odense.pk], invoices[bolig.pk]


def amounts(invoice: Invoice) -> dict[str, int]:
    return {line.description.split(":")[0]: line.amount_ore for line in invoice.lines.all()}


@pytest.mark.django_db
def test_usage_plus_split(partnership):
    period, a, b, c = close(FinancingModel.USAGE_PLUS_SPLIT, partnership)
    assert period.status == "closed"
    # Løn: A 120.000.000 × 250/425 = 70.588.235,29 → 70.588.235;
    #      B 120.000.000 × 175/425 = 49.411.764,71 → floor 49.411.764 + the leftover øre.
    # Licenser: A, B 9.000.000 × 31/77 = 3.623.376,62; C × 15/77 = 1.753.246,75; floors
    #      leave 2 øre: C (,75) then A (,62; tie with B goes to the lower id).
    # Drift: A 1.000.000 × 1.550/2.780 = 557.553,96; B × 930/2.780 = 334.532,37;
    #      C × 300/2.780 = 107.913,67; 2 øre left: A (,96) and C (,67).
    assert amounts(a)["Løn"] == 70_588_235
    assert amounts(b)["Løn"] == 49_411_765
    assert amounts(a)["Licenser"] == 3_623_377
    assert amounts(b)["Licenser"] == 3_623_376
    assert amounts(c)["Licenser"] == 1_753_247
    assert (amounts(a)["Drift"], amounts(b)["Drift"], amounts(c)["Drift"]) == (
        557_554,
        334_532,
        107_914,
    )
    # A: 102.600 + 70.588.235 + 3.623.377 + 557.554 = 74.871.766, outside VAT.
    assert (a.subtotal_ore, a.vat_ore, a.total_ore) == (74_871_766, 0, 74_871_766)
    # B: 44.258 + 49.411.765 + 3.623.376 + 334.532 = 53.413.931; VAT 13.353.482,75 → ,483.
    assert (b.subtotal_ore, b.vat_ore, b.total_ore) == (53_413_931, 13_353_483, 66_767_414)
    # C: 120.000 + 1.753.247 + 107.914 = 1.981.161; VAT 495.290,25 → 495.290.
    assert (c.subtotal_ore, c.vat_ore, c.total_ore) == (1_981_161, 495_290, 2_476_451)
    # Usage lines explain themselves.
    descriptions = [line.description for line in a.lines.all()]
    assert "Robotkørsel, Aarhus robot: 13,00 min × 2,00 kr (påbegyndte minutter pr. kørsel)" in (
        descriptions
    )
    fee = next(line for line in b.lines.all() if line.kind == "deployment_fee")
    assert fee.amount_ore == 32_258
    assert "10 af 31 dage × 1.000,00 kr" in fee.description
    lon = next(line for line in a.lines.all() if line.description.startswith("Løn"))
    assert lon.description == (
        "Løn: 1.200.000,00 kr × 58,82 % (vægtet indbyggertal 250.000 af 425.000 "
        "(indbyggertal 350.000, 100 % op til 150.000, 50 % over 150.000))"
    )
    licence = next(line for line in c.lines.all() if line.description.startswith("Licenser"))
    assert licence.description == (
        "Licenser: 90.000,00 kr × 19,48 % (lige andele, 1 × 15 dage = 15 af 77;"
        " medlem 15 af 31 dage)"
    )
    # Gap-free numbers in the order of the members' names.
    assert sorted(i.number for i in (a, b, c)) == [1, 2, 3]
    assert (a.number, c.number, b.number) == (1, 2, 3)  # Aarhus, Boligselskabet, Odense


@pytest.mark.django_db
def test_net_split(partnership):
    _period, a, b, c = close(FinancingModel.NET_SPLIT, partnership)
    # Usage income 266.858 øre is first spread over the pools by their size (of 130.000.000):
    #   Løn 266.858 × 120/130 = 246.330,46; Licenser × 9/130 = 18.474,78;
    #   Drift × 1/130 = 2.052,75; 2 øre left → Licenser, Drift: 246.330 / 18.475 / 2.053.
    # Net pools: Løn 119.753.670, Licenser 8.981.525, Drift 997.947.
    # Løn: A × 250/425 = 70.443.335,29; B × 175/425 = 49.310.334,71 → B gets the øre.
    # Licenser: A, B × 31/77 = 3.615.938,64; C × 15/77 = 1.749.647,73 → C, then A.
    # Drift: A 556.409,30; B 333.845,58; C 107.692,12 → B.
    assert amounts(a)["Løn"] == 70_443_335
    assert amounts(b)["Løn"] == 49_310_335
    assert (amounts(a)["Licenser"], amounts(b)["Licenser"], amounts(c)["Licenser"]) == (
        3_615_939,
        3_615_938,
        1_749_648,
    )
    assert (amounts(a)["Drift"], amounts(b)["Drift"], amounts(c)["Drift"]) == (
        556_409,
        333_846,
        107_692,
    )
    # A: 102.600 + 70.443.335 + 3.615.939 + 556.409 = 74.718.283
    assert (a.subtotal_ore, a.vat_ore, a.total_ore) == (74_718_283, 0, 74_718_283)
    # B: 44.258 + 49.310.335 + 3.615.938 + 333.846 = 53.304.377; VAT 13.326.094,25
    assert (b.subtotal_ore, b.vat_ore, b.total_ore) == (53_304_377, 13_326_094, 66_630_471)
    # C: 120.000 + 1.749.648 + 107.692 = 1.977.340; VAT 494.335
    assert (c.subtotal_ore, c.vat_ore, c.total_ore) == (1_977_340, 494_335, 2_471_675)
    # The members together pay exactly the pools (usage income financed part of them).
    assert a.subtotal_ore + b.subtotal_ore + c.subtotal_ore == 130_000_000
    lon = next(line for line in a.lines.all() if line.description.startswith("Løn"))
    assert lon.description.startswith(
        "Løn: 1.197.536,70 kr (1.200.000,00 kr − brugsindtægter 2.463,30 kr) × 58,82 %"
    )
