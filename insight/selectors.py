"""Readers of the value and cost figures, always from the rollups (a fixed number of queries
whatever the number of jobs, work items or members), scoped to the caller's site: the office
sees every member, a member itself and the partnership's totals.

The value model (docs/insight.md, "What the figures mean"):

- time saved = work items the robot completed × minutes saved per item (the deployment's own
  estimate, else the catalog robot's; items without an estimate save nothing and are named);
  items handed back to people save nothing;
- value (DKK) = hours saved × the member's value of a saved hour;
- FTE = hours saved ÷ (hours per full-time employee × months ÷ 12);
- cost = the member's bill: invoices less credit notes (closed months) or the draft invoice
  (open months, preliminary), including VAT; a deployment's cost is its own invoice lines;
- net benefit = value − cost; payback = the month in which accumulated value first covered
  accumulated cost, counted from the first month shown.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Round

from billing.months import add_months, current_month, months_between
from insight.models import (
    DeploymentEstimate,
    MemberValueRate,
    MinutesBasis,
    MonthlyCost,
    MonthlyValue,
)
from intake import scoring
from intake import selectors as intake_selectors
from intake.models import Idea
from robots.models import Deployment
from tenants.models import Organisation

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=20, decimal_places=4)


def hourly_rate_expression():
    """The member's value of a saved hour, or the setting's default."""
    return Coalesce(
        F("organisation__value_rate__hourly_rate"),
        Value(settings.INSIGHT_HOURLY_RATE, output_field=MONEY),
        output_field=MONEY,
    )


# A row's value in øre, rounded half-up (PostgreSQL rounds numeric halves away from zero).
VALUE_ORE = Round(
    F("items_done") * F("minutes_per_item") * hourly_rate_expression() * 100 / 60,
    output_field=MONEY,
)
# Sums are named "sum_…": an annotation may not share a field's name.
VALUE_SUMS = {
    "sum_items_done": Sum("items_done"),
    "sum_items_handed_back": Sum("items_handed_back"),
    "sum_items_without_estimate": Sum("items_done", filter=Q(minutes_per_item__isnull=True)),
    "sum_runs": Sum("runs"),
    "sum_runs_succeeded": Sum("runs_succeeded"),
    "sum_runtime_seconds": Sum("runtime_seconds"),
    "sum_minutes_saved": Sum(F("items_done") * F("minutes_per_item"), output_field=MONEY),
    "sum_value_ore": Sum(VALUE_ORE, output_field=MONEY),
    "sum_cost_ore": Sum("cost_ore"),
}
COST_SUMS = {
    f"sum_{name}": Sum(name)
    for name in (
        "usage_ore",
        "staff_ore",
        "fee_ore",
        "pool_ore",
        "adjustment_ore",
        "vat_ore",
        "total_ore",
    )
} | {"sum_preliminary": Count("month", filter=Q(preliminary=True), distinct=True)}


@dataclass(frozen=True)
class Span:
    """The months a page or report covers, both included."""

    first: date
    last: date

    @classmethod
    def last_twelve_months(cls) -> "Span":
        this = current_month()
        return cls(add_months(this, -11), this)

    @classmethod
    def year(cls, year: int) -> "Span":
        return cls(date(year, 1, 1), date(year, 12, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Span":
        first = date(year, 3 * quarter - 2, 1)
        return cls(first, add_months(first, 2))

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    @property
    def label(self) -> str:
        if self.first.month == 1 and self.last == add_months(self.first, 11):
            return str(self.first.year)
        if (self.first.month - 1) % 3 == 0 and self.last == add_months(self.first, 2):
            return f"{self.first.year} K{(self.first.month + 2) // 3}"
        return f"{self.first:%Y-%m} – {self.last:%Y-%m}"

    @property
    def includes_current_month(self) -> bool:
        return self.first <= current_month() <= self.last


@dataclass
class Figures:
    """Value, activity and cost of a member, a deployment or the partnership over months."""

    items_done: int = 0
    items_handed_back: int = 0
    items_without_estimate: int = 0
    runs: int = 0
    runs_succeeded: int = 0
    runtime_seconds: int = 0
    minutes_saved: Decimal = ZERO
    value_ore: int = 0
    cost_ore: int = 0
    months: int = 1
    preliminary: bool = False

    @classmethod
    def of(cls, row: dict | None, *, cost_ore: int = 0, months: int = 1, preliminary=False):
        row = row or {}
        return cls(
            items_done=row.get("sum_items_done") or 0,
            items_handed_back=row.get("sum_items_handed_back") or 0,
            items_without_estimate=row.get("sum_items_without_estimate") or 0,
            runs=row.get("sum_runs") or 0,
            runs_succeeded=row.get("sum_runs_succeeded") or 0,
            runtime_seconds=row.get("sum_runtime_seconds") or 0,
            minutes_saved=Decimal(row.get("sum_minutes_saved") or 0),
            value_ore=int(row.get("sum_value_ore") or 0),
            cost_ore=int(cost_ore or 0),
            months=months,
            preliminary=preliminary,
        )

    @property
    def hours_saved(self) -> Decimal:
        return (self.minutes_saved / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def runtime_hours(self) -> Decimal:
        return (Decimal(self.runtime_seconds) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def fte(self) -> Decimal:
        """Full-time employees the saved hours equal over the months (a year's norm × share)."""
        per_fte = Decimal(settings.INSIGHT_HOURS_PER_FTE) * self.months / 12
        return (self.minutes_saved / 60 / per_fte).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def net_ore(self) -> int:
        return self.value_ore - self.cost_ore

    @property
    def success_rate(self) -> Decimal | None:
        if not self.runs:
            return None
        return (Decimal(100) * self.runs_succeeded / self.runs).quantize(Decimal("0.1"))

    @property
    def manual_share(self) -> Decimal | None:
        handled = self.items_done + self.items_handed_back
        if not handled:
            return None
        return (Decimal(100) * self.items_handed_back / handled).quantize(Decimal("0.1"))


def payback_month(monthly: list["MonthFigures"]) -> int | None:
    """How many months (from the first with value or cost) until the accumulated value
    first covered the accumulated cost; None when it has not (yet)."""
    value = cost = 0
    counted = 0
    for month in monthly:
        if not counted and not (month.figures.value_ore or month.figures.cost_ore):
            continue
        counted += 1
        value += month.figures.value_ore
        cost += month.figures.cost_ore
        if value >= cost and value > 0:
            return counted
    return None


@dataclass
class MonthFigures:
    month: date
    figures: Figures

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


@dataclass
class Row:
    """A member, deployment or robot with its figures over the span."""

    key: int
    name: str
    figures: Figures
    detail: str = ""
    slug: str = ""
    minutes_per_item: Decimal | None = None
    minutes_basis: str = ""
    payback: int | None = None
    monthly: list = field(default_factory=list)


@dataclass
class Insight:
    span: Span
    total: Figures
    monthly: list[MonthFigures]
    rows: list[Row] = field(default_factory=list)
    robots: list[Row] = field(default_factory=list)
    hourly_rate: Decimal | None = None
    cost_breakdown: dict = field(default_factory=dict)
    name: str = ""

    @property
    def payback(self) -> int | None:
        return payback_month(self.monthly)

    @property
    def preliminary_months(self) -> list[str]:
        return [month.label for month in self.monthly if month.figures.preliminary]

    @property
    def missing_estimates(self) -> list[str]:
        return [
            row.name
            for row in self.rows
            if row.minutes_basis == MinutesBasis.MISSING and row.figures.items_done
        ]

    @property
    def has_data(self) -> bool:
        return any(
            m.figures.runs or m.figures.items_done or m.figures.cost_ore for m in self.monthly
        )


def _monthly(span: Span, values: dict, costs: dict) -> list[MonthFigures]:
    """Every month of the span, empty ones too; a month without a closed bill is preliminary
    when it is this month or later, or has only a preliminary bill."""
    this = current_month()
    result = []
    for month in span.months:
        cost = costs.get(month) or {}
        preliminary = bool(cost.get("sum_preliminary")) or (not cost and month >= this)
        result.append(
            MonthFigures(
                month,
                Figures.of(
                    values.get(month), cost_ore=cost.get("sum_total_ore"), preliminary=preliminary
                ),
            )
        )
    return result


def _total(span: Span, monthly: list[MonthFigures]) -> Figures:
    total = Figures(months=len(span.months))
    for month in monthly:
        for name in (
            "items_done",
            "items_handed_back",
            "items_without_estimate",
            "runs",
            "runs_succeeded",
            "runtime_seconds",
            "minutes_saved",
            "value_ore",
            "cost_ore",
        ):
            setattr(total, name, getattr(total, name) + getattr(month.figures, name))
        total.preliminary = total.preliminary or month.figures.preliminary
    return total


def _values(span: Span):
    return MonthlyValue.objects.filter(month__gte=span.first, month__lte=span.last)


def _costs(span: Span):
    return MonthlyCost.objects.filter(month__gte=span.first, month__lte=span.last)


def hourly_rate_of(organisation: Organisation) -> Decimal:
    rate = MemberValueRate.objects.filter(organisation=organisation).first()
    return rate.hourly_rate if rate else Decimal(settings.INSIGHT_HOURLY_RATE)


def hourly_rate_setting(organisation: Organisation) -> dict:
    """A member's value of a saved hour as the API shows it: the rate and whether it is its
    own or the default."""
    rate = MemberValueRate.objects.filter(organisation=organisation).first()
    default = Decimal(settings.INSIGHT_HOURLY_RATE)
    return {
        "member": organisation.slug,
        "hourly_rate": rate.hourly_rate if rate else default,
        "own": rate is not None,
        "default_hourly_rate": default,
    }


def member_insight(organisation: Organisation, span: Span) -> Insight:
    """One member: per month, per deployment (with its own payback) and its bill by kind.
    Four queries."""
    values = _values(span).filter(organisation=organisation)
    costs = _costs(span).filter(organisation=organisation)
    per_month = {
        row["month"]: row for row in values.values("month").annotate(**VALUE_SUMS).order_by()
    }
    cost_rows = {
        row["month"]: row for row in costs.values("month").annotate(**COST_SUMS).order_by()
    }
    monthly = _monthly(span, per_month, cost_rows)
    per_deployment: dict[int, dict] = {}
    for row in (
        values.values(
            "deployment_id",
            "deployment__name",
            "robot__name_da",
            "deployment__robot_version__version",
            "month",
            "minutes_per_item",
            "minutes_basis",
        )
        .annotate(**VALUE_SUMS)
        .order_by("deployment__name", "deployment_id", "month")
    ):
        entry = per_deployment.setdefault(
            row["deployment_id"],
            {"row": row, "months": {}, "minutes": row["minutes_per_item"]},
        )
        entry["months"].setdefault(row["month"], []).append(row)
        # The latest month's estimate is the one the deployment is valued with now.
        entry["minutes"], entry["basis"] = row["minutes_per_item"], row["minutes_basis"]
    rows = []
    for deployment_id, entry in per_deployment.items():
        series = [
            MonthFigures(month, _summed(entry["months"].get(month, []), member_month.figures))
            for month, member_month in zip(span.months, monthly, strict=True)
        ]
        figures = _total(span, series)
        first = entry["row"]
        rows.append(
            Row(
                key=deployment_id,
                name=first["deployment__name"],
                detail=f"{first['robot__name_da']} {first['deployment__robot_version__version']}",
                figures=figures,
                minutes_per_item=entry["minutes"],
                minutes_basis=entry["basis"],
                payback=payback_month(series),
                monthly=series,
            )
        )
    breakdown = costs.aggregate(**COST_SUMS)
    return Insight(
        span=span,
        total=_total(span, monthly),
        monthly=monthly,
        rows=rows,
        hourly_rate=hourly_rate_of(organisation),
        cost_breakdown={k.removeprefix("sum_"): v or 0 for k, v in breakdown.items()},
    )


def deployment_insight(insight: Insight, deployment_id: int) -> Insight | None:
    """One of a member's deployments on its own: its months, against its own cost."""
    for row in insight.rows:
        if row.key == deployment_id:
            return Insight(
                span=insight.span,
                total=row.figures,
                monthly=row.monthly,
                rows=[row],
                hourly_rate=insight.hourly_rate,
            )
    return None


def robot_insight(span: Span, robot_id: int) -> Insight | None:
    """A catalog robot across the partnership, month by month, against the cost of its
    deployments' own invoice lines. One query; None when it has no figures in the span."""
    rows = list(
        _values(span)
        .filter(robot_id=robot_id)
        .values("month", "robot__name_da")
        .annotate(**VALUE_SUMS)
        .order_by("month")
    )
    if not rows:
        return None
    by_month = {row["month"]: row for row in rows}
    this = current_month()
    monthly = [
        MonthFigures(
            month,
            Figures.of(
                by_month.get(month),
                cost_ore=(by_month.get(month) or {}).get("sum_cost_ore"),
                preliminary=month >= this,
            ),
        )
        for month in span.months
    ]
    return Insight(
        span=span, total=_total(span, monthly), monthly=monthly, name=rows[0]["robot__name_da"]
    )


def _summed(rows: list[dict], member_month: Figures) -> Figures:
    """A deployment's month (several rows only when its estimate basis differs); it is
    preliminary when the member's month is."""
    figures = Figures(preliminary=member_month.preliminary)
    for row in rows:
        one = Figures.of(row, cost_ore=row.get("sum_cost_ore"))
        for name in ("items_done", "items_handed_back", "items_without_estimate", "runs"):
            setattr(figures, name, getattr(figures, name) + getattr(one, name))
        figures.runs_succeeded += one.runs_succeeded
        figures.runtime_seconds += one.runtime_seconds
        figures.minutes_saved += one.minutes_saved
        figures.value_ore += one.value_ore
        figures.cost_ore += one.cost_ore
    return figures


def partnership_insight(span: Span, *, with_members: bool = False) -> Insight:
    """The whole partnership per month and per catalog robot, and (for the office) every
    member side by side. Four queries, five with the members."""
    values = _values(span)
    costs = _costs(span)
    per_month = {
        row["month"]: row for row in values.values("month").annotate(**VALUE_SUMS).order_by()
    }
    cost_rows = {
        row["month"]: row for row in costs.values("month").annotate(**COST_SUMS).order_by()
    }
    monthly = _monthly(span, per_month, cost_rows)
    months = len(span.months)
    robots = [
        Row(
            key=row["robot_id"],
            name=row["robot__name_da"],
            detail=str(row["deployments"]),
            figures=Figures.of(row, cost_ore=row["sum_cost_ore"], months=months),
        )
        for row in values.values("robot_id", "robot__name_da")
        .annotate(**VALUE_SUMS, deployments=Count("deployment_id", distinct=True))
        .order_by("robot__name_da", "robot_id")
    ]
    breakdown = costs.aggregate(**COST_SUMS)
    insight = Insight(
        span=span,
        total=_total(span, monthly),
        monthly=monthly,
        robots=robots,
        cost_breakdown={k.removeprefix("sum_"): v or 0 for k, v in breakdown.items()},
    )
    if with_members:
        insight.rows = members_side_by_side(span, values, costs)
    return insight


def members_side_by_side(span: Span, values, costs) -> list[Row]:
    """Every member (those without runs or bills too), by name. Two queries."""
    value_rows = {
        row["organisation_id"]: row
        for row in values.values("organisation_id").annotate(**VALUE_SUMS).order_by()
    }
    members = (
        Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .annotate(
            bill_total=Coalesce(
                Sum(
                    "monthly_costs__total_ore",
                    filter=Q(
                        monthly_costs__month__gte=span.first,
                        monthly_costs__month__lte=span.last,
                    ),
                ),
                0,
            ),
            preliminary_bills=Count(
                "monthly_costs",
                filter=Q(
                    monthly_costs__month__gte=span.first,
                    monthly_costs__month__lte=span.last,
                    monthly_costs__preliminary=True,
                ),
            ),
            hourly_rate=Coalesce(
                F("value_rate__hourly_rate"),
                Value(settings.INSIGHT_HOURLY_RATE, output_field=MONEY),
                output_field=MONEY,
            ),
        )
        .values("pk", "name", "slug", "bill_total", "preliminary_bills", "hourly_rate")
        .order_by("name", "pk")
    )
    months = len(span.months)
    return [
        Row(
            key=member["pk"],
            name=member["name"],
            slug=member["slug"],
            detail=str(member["hourly_rate"]),
            figures=Figures.of(
                value_rows.get(member["pk"]),
                cost_ore=member["bill_total"],
                months=months,
                preliminary=bool(member["preliminary_bills"]) or span.includes_current_month,
            ),
        )
        for member in members
    ]


@dataclass
class IdeaRealisation:
    idea: Idea
    expected_hours: Decimal
    expected_value: Decimal
    actual_hours: Decimal | None  # a year's worth, from the months shown; None: not live

    @property
    def realised_percent(self) -> Decimal | None:
        if self.actual_hours is None or not self.expected_hours:
            return None
        return (100 * self.actual_hours / self.expected_hours).quantize(Decimal("0.1"))


@dataclass
class Pipeline:
    ideas: list[IdeaRealisation]
    potential_hours: Decimal
    realised_hours: Decimal

    @property
    def realised_percent(self) -> Decimal | None:
        if not self.potential_hours:
            return None
        return (100 * self.realised_hours / self.potential_hours).quantize(Decimal("0.1"))

    @property
    def live(self) -> list[IdeaRealisation]:
        return [idea for idea in self.ideas if idea.actual_hours is not None]


def pipeline(site: Organisation, span: Span) -> Pipeline:
    """Expected (the intake business case) against actual (hours saved a year, from the span)
    per live idea, and how much of the pipeline's potential (every idea not rejected) is
    realised. A member sees its own ideas and those it joined. Three queries."""
    weights = intake_selectors.current_weights()
    ideas = Idea.objects.exclude(status=Idea.Status.REJECTED).order_by("title", "pk")
    if not site.is_office:
        ideas = ideas.filter(Q(organisation=site) | Q(participants__organisation=site)).distinct()
    ideas = list(ideas)
    robots = [idea.robot_id for idea in ideas if idea.status == Idea.Status.LIVE and idea.robot_id]
    values = _values(span).filter(robot_id__in=robots)
    if not site.is_office:
        values = values.filter(organisation=site)
    minutes = dict(
        values.values("robot_id")
        .annotate(minutes=Sum(F("items_done") * F("minutes_per_item"), output_field=MONEY))
        .values_list("robot_id", "minutes")
        .order_by()
    )
    per_year = Decimal(12) / len(span.months)
    result = []
    for idea in ideas:
        case = scoring.business_case(idea, weights)
        actual = None
        if idea.status == Idea.Status.LIVE and idea.robot_id:
            actual = (Decimal(minutes.get(idea.robot_id) or 0) / 60 * per_year).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            )
        result.append(IdeaRealisation(idea, case.hours_per_year, case.value_per_year, actual))
    return Pipeline(
        ideas=result,
        potential_hours=sum((r.expected_hours for r in result), ZERO),
        realised_hours=sum((r.actual_hours or ZERO for r in result), ZERO),
    )


def span_from(query) -> Span:
    """The span a page, report or API call asks for: ``year`` (and ``quarter`` 1–4), or by
    default the last twelve months. Raises ValueError on anything else."""
    year, quarter = query.get("year"), query.get("quarter")
    if not year:
        if quarter:
            raise ValueError("quarter needs a year")
        return Span.last_twelve_months()
    year = int(year)
    if not 2000 <= year <= 2100:
        raise ValueError("year out of range")
    if quarter:
        quarter = int(quarter)
        if not 1 <= quarter <= 4:
            raise ValueError("quarter is 1, 2, 3 or 4")
        return Span.quarter(year, quarter)
    return Span.year(year)


def member_by_slug(slug: str) -> Organisation | None:
    return (
        Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .filter(slug=slug)
        .first()
    )


def deployment_of(site: Organisation, pk, member: Organisation | None = None) -> Deployment | None:
    """A deployment the site may address: a member's own only; on the office any member's, or
    only ``member``'s when given. Ids from the client are never trusted beyond this."""
    deployments = Deployment.objects.select_related("organisation", "robot_version__robot")
    if not site.is_office:
        deployments = deployments.filter(organisation=site)
    elif member is not None:
        deployments = deployments.filter(organisation=member)
    try:
        return deployments.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def estimate_of(deployment: Deployment) -> dict:
    """A deployment's own minutes saved per item, the catalog's, and which one applies."""
    own = (
        DeploymentEstimate.objects.filter(deployment=deployment)
        .values_list("minutes_saved_per_item", flat=True)
        .first()
    )
    catalog = deployment.robot_version.robot.estimated_minutes_saved
    if own is not None:
        basis = MinutesBasis.DEPLOYMENT
    else:
        basis = MinutesBasis.CATALOG if catalog is not None else MinutesBasis.MISSING
    return {
        "deployment": deployment.pk,
        "member": deployment.organisation.slug,
        "minutes_saved_per_item": own,
        "catalog_minutes_saved_per_item": catalog,
        "basis": basis,
    }
