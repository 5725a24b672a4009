"""Computing a period's invoices from the ledger, the rate card and the cost pools.

Reads only, in a fixed number of queries whatever the number of members; the services write
the result. Line descriptions are Danish by design (the invoices are Danish documents).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from billing import selectors
from billing.allocation import allocate, allocate_integers, integer_weights
from billing.keys import PeriodMember, pool_members, weigh
from billing.models import (
    Adjustment,
    CostPool,
    FinancingModel,
    InvoiceLine,
    Period,
    RateCard,
    UsageEntry,
    UsageTotal,
)
from billing.money import ORE_PER_KRONE, format_kr, format_number, format_price, round_half_up
from robots.models import Deployment
from tenants.models import Organisation

VAT_RATES = {
    Organisation.VatStatus.STANDARD: Decimal("0.25"),
    Organisation.VatStatus.EXEMPT: Decimal(0),
}


ONE = Decimal(1)


class MissingKeyFigures(ValidationError):
    """A pool cannot be split: ``missing`` lists exactly what is lacking."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(
            _("The period cannot be computed; missing: %(missing)s")
            % {"missing": "; ".join(missing)}
        )


@dataclass(slots=True)
class DraftLine:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount_ore: int
    pool_id: int | None = None
    deployment_id: int | None = None


@dataclass
class DraftInvoice:
    """A member's draft invoice: its usage lines, then one line per pool it shares in (kept
    column-wise in the pools' ``PoolSplit``), then its adjustment lines."""

    organisation_id: int
    vat_status: str
    lines: list[DraftLine] = field(default_factory=list)
    pool_ore: int = 0
    pool_lines: int = 0
    adjustments: list[DraftLine] = field(default_factory=list)

    @property
    def subtotal_ore(self) -> int:
        return (
            sum(line.amount_ore for line in self.lines)
            + self.pool_ore
            + sum(line.amount_ore for line in self.adjustments)
        )

    @property
    def vat_rate(self) -> Decimal:
        return VAT_RATES[self.vat_status]

    @property
    def vat_ore(self) -> int:
        return round_half_up(self.subtotal_ore * self.vat_rate)

    @property
    def total_ore(self) -> int:
        return self.subtotal_ore + self.vat_ore

    @property
    def usage_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines if line.kind in USAGE_LINE_KINDS)


@dataclass
class PoolSplit:
    """A pool split among members: one invoice line each, column by column (a close writes
    tens of thousands of them in one statement). ``heading`` starts each line's description
    ("Løn: 1.200.000,00 kr × "); ``positions`` are the lines' places on the invoices (after
    the usage lines and the lines of earlier pools); ``hundredths`` is each member's weight
    in hundredths of a percent (rounded half-up), ``basis`` the words explaining it."""

    pool_id: int
    heading: str
    members: list[int]
    positions: list[int]
    shares: list[int]
    hundredths: list[int]
    basis: list[str]


@dataclass
class Drafts:
    """Every member's draft invoice for a period (keyed by organisation id) and the pool
    splits, in the order of the pools."""

    invoices: dict[int, DraftInvoice]
    pools: list[PoolSplit]


USAGE_LINE_KINDS = (
    InvoiceLine.Kind.ROBOT_USAGE,
    InvoiceLine.Kind.WORK_ITEMS,
    InvoiceLine.Kind.DEPLOYMENT_FEE,
    InvoiceLine.Kind.STAFF_HOURS,
)


def _kroner(ore: int) -> Decimal:
    return Decimal(ore) / ORE_PER_KRONE


def _fraction_decimal(value: Fraction, places: int) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def _line_for_priced_entry(
    quantity: Decimal,
    unit_price: Decimal | None,
    amount_ore: int,
    description: str,
    deployment_id: int | None,
    kind: str,
) -> DraftLine:
    """A fee or staff-hours entry priced when recorded: quantity × price if that is what it
    cost, else one share of the stated amount (a shared idea's hours split in øre)."""
    if unit_price is not None and (
        round_half_up(quantity * unit_price * ORE_PER_KRONE) == amount_ore
    ):
        unit = "timer" if kind == InvoiceLine.Kind.STAFF_HOURS else "dage"
        if kind == InvoiceLine.Kind.DEPLOYMENT_FEE:
            quantity, unit, unit_price = ONE, "md", _kroner(amount_ore)
    else:
        quantity, unit, unit_price = ONE, "andel", _kroner(amount_ore)
    return DraftLine(
        kind=kind,
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        amount_ore=amount_ore,
        deployment_id=deployment_id,
    )


def _graduated(minutes: Fraction, tiers: list[dict]) -> list[tuple[str, Fraction, Decimal]]:
    """Split a member's minutes over graduated tiers: [(label, minutes in tier, price)]."""
    parts = []
    lower = Decimal(0)
    for tier in tiers:
        upper = None if tier["up_to"] is None else Decimal(str(tier["up_to"]))
        portion = (minutes if upper is None else min(minutes, Fraction(upper))) - Fraction(lower)
        if portion <= 0:
            break
        span = (
            f"over {format_number(lower)} min"
            if upper is None
            else f"{format_number(lower)}–{format_number(upper)} min"
        )
        parts.append((span, portion, Decimal(str(tier["price"]))))
        if upper is None:
            break
        lower = upper
    return parts


def _robot_lines(
    rate_card: RateCard, robot_prices: dict[int, Decimal], rows: list[dict]
) -> tuple[list[DraftLine], Fraction]:
    """Lines for one member's runtime rows (one per deployment), and its billed minutes;
    ``robot_prices``: the rate card's own prices per catalog robot."""
    per_job = rate_card.runtime_rounding == RateCard.Rounding.PER_STARTED_MINUTE
    rule = "påbegyndte minutter pr. kørsel" if per_job else "sekunder summeret"
    lines = []
    total_minutes = Fraction(0)
    tiered_minutes = Fraction(0)
    for row in rows:
        minutes = Fraction(row["started_minutes"]) if per_job else Fraction(row["seconds"]) / 60
        total_minutes += minutes
        price = robot_prices.get(row["robot_id"])
        if price is None and rate_card.robot_minute_tiers:
            tiered_minutes += minutes
            continue
        price = rate_card.robot_minute_price if price is None else price
        shown = _fraction_decimal(minutes, 2)
        lines.append(
            DraftLine(
                kind=InvoiceLine.Kind.ROBOT_USAGE,
                description=(
                    f"Robotkørsel, {row['deployment__name']}: {format_number(shown, 2)} min"
                    f" × {format_price(price)} ({rule})"
                ),
                quantity=shown,
                unit="min",
                unit_price=price,
                amount_ore=round_half_up(minutes * Fraction(price) * ORE_PER_KRONE),
                deployment_id=row["deployment_id"],
            )
        )
    for span, portion, price in _graduated(tiered_minutes, rate_card.robot_minute_tiers):
        shown = _fraction_decimal(portion, 2)
        lines.append(
            DraftLine(
                kind=InvoiceLine.Kind.ROBOT_USAGE,
                description=(
                    f"Robotkørsel, trin {span}: {format_number(shown, 2)} min"
                    f" × {format_price(price)} ({rule})"
                ),
                quantity=shown,
                unit="min",
                unit_price=price,
                amount_ore=round_half_up(portion * Fraction(price) * ORE_PER_KRONE),
            )
        )
    return lines, total_minutes


def _quantities(period: Period) -> tuple[list[dict], list[dict]]:
    """Runtime rows (per member, deployment and robot) and work-item rows (per member and
    deployment), in the order of the invoice lines.

    Read from the ledger's running totals (``UsageTotal``, kept by the database as entries
    are booked): a few thousand rows for a month of millions of entries. ``started_minutes``
    sums the minutes rounded when each job was booked; ``seconds`` the runtime seconds (for
    a rate card billing seconds summed).
    """
    groups = list(
        UsageTotal.objects.filter(period=period).values(
            "organisation_id",
            "deployment_id",
            "robot_id",
            "started_minutes",
            seconds=F("runtime_seconds"),
            items=F("work_items"),
        )
    )
    # Ranked in the database, so that names sort by its collation as ORDER BY would.
    deployments = Deployment.objects.filter(
        pk__in={row["deployment_id"] for row in groups if row["deployment_id"]}
    ).order_by("name", "pk")
    names = {pk: name for pk, name in deployments.values_list("pk", "name")}
    rank = {pk: place for place, pk in enumerate(names)}
    runtime, work_items = [], {}
    for row in groups:
        row["deployment__name"] = names.get(row["deployment_id"])
        if row["started_minutes"] is not None:
            runtime.append(row)
        if row["items"] is not None:
            key = (row["organisation_id"], row["deployment_id"])
            if key in work_items:
                work_items[key]["items"] += row["items"]
            else:
                work_items[key] = {**row, "robot_id": None}

    def order(row):
        # ORDER BY organisation, deployment name (no deployment last), deployment, robot.
        deployment = rank.get(row["deployment_id"], len(rank))
        return (row["organisation_id"], deployment, row["robot_id"] or 0)

    return sorted(runtime, key=order), sorted(work_items.values(), key=order)


def compute_invoices(period: Period) -> Drafts:
    """Every member's draft invoice for the period and the pool splits.

    Raises MissingKeyFigures listing everything that keeps a pool from being split.
    """
    members = selectors.period_members(period)
    by_id: dict[int, PeriodMember] = {member.organisation_id: member for member in members}
    vat_status = dict(Organisation.objects.filter(pk__in=by_id).values_list("pk", "vat_status"))
    drafts = {
        member.organisation_id: DraftInvoice(
            member.organisation_id, vat_status[member.organisation_id]
        )
        for member in members
    }
    rate_card = selectors.rate_card_on(period.month)
    runtime, work_items = _quantities(period)
    priced = list(
        UsageEntry.objects.filter(period=period, kind__in=UsageEntry.PRICED_WHEN_RECORDED)
        .order_by("kind", "occurred_on", "pk")
        .values_list(
            "organisation_id",
            "kind",
            "quantity",
            "unit_price",
            "amount_ore",
            "description",
            "deployment_id",
        )
    )
    if rate_card is None and (runtime or work_items):
        raise ValidationError(
            _("No rate card is valid on %(day)s, so robot usage cannot be priced.")
            % {"day": period.month.isoformat()}
        )

    robot_minutes: dict[int, Fraction] = {}
    runtime_by_member = defaultdict(list)
    for row in runtime:
        runtime_by_member[row["organisation_id"]].append(row)
    if runtime_by_member:
        robot_prices = {
            price.robot_id: price.robot_minute_price for price in rate_card.robot_prices.all()
        }
    for organisation_id, rows in runtime_by_member.items():
        lines, minutes = _robot_lines(rate_card, robot_prices, rows)
        drafts[organisation_id].lines.extend(lines)
        robot_minutes[organisation_id] = minutes
    for row in work_items:
        price = rate_card.work_item_price
        drafts[row["organisation_id"]].lines.append(
            DraftLine(
                kind=InvoiceLine.Kind.WORK_ITEMS,
                description=(
                    f"Behandlede sager, {row['deployment__name']}: "
                    f"{format_number(row['items'])} stk. × {format_price(price)}"
                ),
                quantity=row["items"],
                unit="stk",
                unit_price=price,
                amount_ore=round_half_up(row["items"] * price * ORE_PER_KRONE),
                deployment_id=row["deployment_id"],
            )
        )
    line_kind = {
        UsageEntry.Kind.DEPLOYMENT_FEE: InvoiceLine.Kind.DEPLOYMENT_FEE,
        UsageEntry.Kind.STAFF_HOURS: InvoiceLine.Kind.STAFF_HOURS,
    }
    for organisation_id, kind, *entry in priced:
        drafts[organisation_id].lines.append(_line_for_priced_entry(*entry, line_kind[kind]))

    pools = _split_pools(period, members, drafts, robot_minutes)

    for adjustment in Adjustment.objects.filter(period=period).order_by("pk"):
        drafts[adjustment.organisation_id].adjustments.append(
            DraftLine(
                kind=InvoiceLine.Kind.ADJUSTMENT,
                description=adjustment.description,
                quantity=Decimal(1),
                unit="stk",
                unit_price=_kroner(adjustment.amount_ore),
                amount_ore=adjustment.amount_ore,
            )
        )
    return Drafts(drafts, pools)


def _split_pools(period, members, drafts, robot_minutes) -> list[PoolSplit]:
    """Split each pool among its members (adding each member's shares to its draft)."""
    pools = list(period.pools.order_by("pk"))
    if not pools:
        return []
    # Only the members' ids are read (a pool may be limited to hundreds of members).
    limited_to = defaultdict(set)
    for pool_id, organisation_id in CostPool.limit_to_members.through.objects.filter(
        costpool__in=pools
    ).values_list("costpool_id", "organisation_id"):
        limited_to[pool_id].add(organisation_id)
    figures = selectors.key_figures_as_of(
        [member.organisation_id for member in members], period.month
    )
    bases = {pool.pk: pool.amount_ore for pool in pools}
    deductions = {pool.pk: 0 for pool in pools}
    usage_income = sum(draft.usage_ore for draft in drafts.values())
    pools_total = sum(bases.values())
    if period.financing_model == FinancingModel.NET_SPLIT and usage_income and pools_total:
        # Usage income finances the pools first, spread over them by their size; the rest
        # is split by the keys. Income beyond the pools' total is not paid back.
        deductions = allocate(min(usage_income, pools_total), bases)
    missing: list[str] = []
    splits = []
    for pool in pools:
        in_pool = pool_members(pool, members, limited_to[pool.pk])
        if not in_pool:
            missing.append(_("%(pool)s: no member to split it among") % {"pool": pool.name})
            continue
        result = weigh(
            pool,
            in_pool,
            period_days=period.days,
            figures=figures,
            robot_minutes=robot_minutes,
        )
        missing.extend(result.missing)
        if not result.missing and not any(result.weights.values()):
            missing.append(_("%(pool)s: every member's weight is zero") % {"pool": pool.name})
            continue
        splits.append((pool, result))
    if missing:
        raise MissingKeyFigures(missing)

    done = []
    for pool, result in splits:
        base = bases[pool.pk] - deductions[pool.pk]
        weights = integer_weights(result.weights)
        shares = allocate_integers(base, weights)
        weight_sum = sum(weights.values())
        if deductions[pool.pk]:
            amount_text = (
                f"{format_kr(base)} ({format_kr(pool.amount_ore)} − brugsindtægter "
                f"{format_kr(deductions[pool.pk])})"
            )
        else:
            amount_text = format_kr(base)
        positions = []
        for organisation_id, share in shares.items():
            draft = drafts[organisation_id]
            draft.pool_ore += share
            draft.pool_lines += 1
            positions.append(len(draft.lines) + draft.pool_lines)
        twice = 2 * weight_sum
        done.append(
            PoolSplit(
                pool_id=pool.pk,
                heading=f"{pool.name}: {amount_text} × ",
                members=list(shares),
                positions=positions,
                shares=list(shares.values()),
                # Exact, half-up: (weight × 10.000 + sum ÷ 2) ÷ sum, in integers.
                hundredths=[(weight * 20_000 + weight_sum) // twice for weight in weights.values()],
                basis=[result.basis[organisation_id] for organisation_id in shares],
            )
        )
    return done
