"""Demo history for `make run`: half a year of runs and finished work items for the demo
deployments, the months before this one billed and closed with the office's real costs,
and the rollups refreshed, so the value and cost pages show a business case. Loaded once:
when the history's runs exist, nothing changes."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import demo as billing_demo
from billing import selectors as billing_selectors
from billing import services as billing
from billing.months import add_months, current_month
from catalog.models import Robot
from insight import services
from intake import services as intake
from intake.models import Idea
from robots.models import Deployment, Job
from robots.workitems.models import WorkItem, WorkQueue
from tenants.models import Organisation, User

MARKER = "Demo-historik"
MONTHS = 6
# Work items a deployment finishes in a full month once it is fully in use (the first
# months ramp up), and how long a run takes (minutes).
VOLUMES = {
    ("aab", "lejetilbud"): (1500, 12),
    ("aab", "fakturakontering"): (6000, 25),
    ("aab", "forbrugsregnskab"): (1200, 18),
    ("aarhus", "kontanthjaelp-kontrol"): (900, 20),
    ("aarhus", "kontoplan"): (400, 6),
}
RUNS_PER_MONTH = 40
HANDED_BACK_SHARE = Decimal("0.06")
LIVE_IDEA = {
    "title": "Svar på lejetilbud",
    "description": "Ja/nej-svar på lejetilbud registreres i boligsystemet og på ventelisten.",
    "volume_per_month": 1500,
    "minutes_per_case": Decimal("4"),
    "systems": ["EG Bolig"],
    "rule_based": Idea.RuleBased.RULES,
    "digital_input": Idea.Digital.YES,
    "systems_change": Idea.Change.YEARLY,
    "contract_allows": Idea.Contract.YES,
    "urgency": Idea.Urgency.HIGH,
    "exception_rate": Decimal("8"),
}


def _moments(month, count: int, rng: random.Random) -> list[datetime]:
    """``count`` working-day moments in the month (before now), in Danish time."""
    zone = timezone.get_default_timezone()
    days = [
        month + timedelta(days=offset)
        for offset in range(31)
        if (month + timedelta(days=offset)).month == month.month
        and (month + timedelta(days=offset)).weekday() < 5
        and month + timedelta(days=offset) < timezone.localdate()
    ]
    if not days:
        return []
    return sorted(
        datetime.combine(rng.choice(days), time(rng.randint(6, 17), rng.randint(0, 59)), zone)
        for _ in range(count)
    )


def _history(deployment: Deployment, months: list, volume: int, run_minutes: int, rng) -> None:
    runs, finished = [], []
    for index, month in enumerate(months):
        share = min(Decimal(1), Decimal("0.6") + Decimal("0.15") * index)
        this_month = month == current_month()
        scale = Decimal(timezone.localdate().day) / 30 if this_month else Decimal(1)
        for moment in _moments(month, int(RUNS_PER_MONTH * share * scale), rng):
            seconds = int(run_minutes * 60 * rng.uniform(0.7, 1.3))
            failed = rng.random() < 0.04
            runs.append(
                Job(
                    deployment=deployment,
                    organisation_id=deployment.organisation_id,
                    status=Job.Status.FAILED if failed else Job.Status.SUCCEEDED,
                    trigger=Job.Trigger.SCHEDULE,
                    queued_at=moment,
                    not_before=moment,
                    started_at=moment,
                    finished_at=moment + timedelta(seconds=seconds),
                    attempts=1,
                    exit_code=1 if failed else 0,
                    message=MARKER,
                )
            )
        finished.append((month, int(volume * share * scale)))
    if runs:
        last = max(runs, key=lambda job: job.finished_at)
        last.status, last.exit_code = Job.Status.SUCCEEDED, 0  # no "failed run" alert
    Job.objects.bulk_create(runs)
    with schema_context(deployment.organisation.schema_name):
        queue, _ = WorkQueue.objects.get_or_create(
            name=f"{deployment.name} (historik)",
            defaults={"deployment_id": deployment.pk, "description": MARKER},
        )
        items = []
        for month, count in finished:
            moments = _moments(month, count, rng)
            for number, moment in enumerate(moments):
                handed_back = rng.random() < HANDED_BACK_SHARE
                items.append(
                    WorkItem(
                        queue=queue,
                        reference=f"H-{month:%Y%m}-{number}",
                        status=WorkItem.Status.RESOLVED if handed_back else WorkItem.Status.DONE,
                        outcome=WorkItem.Status.BUSINESS_EXCEPTION
                        if handed_back
                        else WorkItem.Status.DONE,
                        attempts=1,
                        created_at=moment - timedelta(minutes=30),
                        started_at=moment,
                        finished_at=moment,
                    )
                )
        WorkItem.objects.bulk_create(items, batch_size=2000)


def _bill(months: list) -> int:
    """Book and close every month before this one, with the office's monthly pools."""
    closed = 0
    for month in months:
        if month >= current_month() or billing_selectors.rate_card_on(month) is None:
            continue
        period = billing.get_period(month)
        if period.is_final:
            continue
        billing_demo.add_pools(period)
        billing.record_period_usage(period)
        billing.close_period(period)
        closed += 1
    return closed


def _live_idea() -> None:
    """The seed's rental-offer answers as an idea that went live on the lejetilbud robot
    (built before the pipeline existed), so expected can be set against actual."""
    robot = Robot.objects.filter(slug="lejetilbud").first()
    if robot is None or Idea.objects.filter(robot=robot).exists():
        return
    idea = intake.submit_idea(
        organisation=Organisation.objects.get(slug="aab"),
        actor=User.objects.get(email="procesejer@aab.dk"),
        **LIVE_IDEA,
    )
    intake.assess_idea(
        idea=idea,
        actor=User.objects.get(email="udvikler@robotkontor.dk"),
        estimated_build_hours=Decimal("60"),
    )
    Idea.objects.filter(pk=idea.pk).update(status=Idea.Status.LIVE, robot=robot)


@transaction.atomic
def load() -> int:
    """Create the history and refresh the rollups; returns how many months were closed."""
    if Job.objects.filter(message=MARKER).exists():
        return 0
    this = current_month()
    months = [add_months(this, offset) for offset in range(-MONTHS, 1)]
    rng = random.Random(2026)
    first_day = timezone.make_aware(datetime.combine(months[0], time.min))
    for (slug, robot), (volume, run_minutes) in VOLUMES.items():
        deployment = (
            Deployment.objects.filter(organisation__slug=slug, robot_version__robot__slug=robot)
            .exclude(status=Deployment.Status.RETIRED)
            .select_related("organisation")
            .first()
        )
        if deployment is None:
            continue
        # The demo deployments have run since the first month of the history.
        Deployment.objects.filter(pk=deployment.pk).update(created_at=first_day)
        _history(deployment, months, volume, run_minutes, rng)
    closed = _bill(months)
    _live_idea()
    services.refresh_rollups(services.all_months())
    return closed
