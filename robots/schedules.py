"""Cron schedules, read in Europe/Copenhagen (the partnership's working time), and the
calendar of non-working days."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from croniter import CroniterBadDateError, croniter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_cron(value: str) -> None:
    """Five fields: minute hour day-of-month month day-of-week (e.g. ``0 6 * * 1-5``)."""
    if not value:
        return
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid cron expression. Use five fields: minute, hour, "
                "day of month, month and day of week, e.g. “0 6 * * 1-5” (06:00 on weekdays)."
            ),
            params={"value": value},
            code="invalid_cron",
        )
    if next_fire_time(value, datetime.now(UTC)) is None:
        raise ValidationError(
            _(
                "“%(value)s” never runs: no date in the next %(years)s years matches it "
                "(e.g. 30 February). Choose a day that exists in the month."
            ),
            params={"value": value, "years": CRON_HORIZON_YEARS},
            code="cron_never_fires",
        )


# A schedule must fire within this many years (29 February fires every four).
CRON_HORIZON_YEARS = 10


def next_fire_time(expression: str, now: datetime) -> datetime | None:
    """The next instant after ``now`` the schedule names (Danish time), or None when no
    date within ``CRON_HORIZON_YEARS`` matches it (e.g. ``0 6 30 2 *``, 30 February)."""
    local_now = now.astimezone(COPENHAGEN)
    try:
        fire = croniter(
            expression, local_now, max_years_between_matches=CRON_HORIZON_YEARS
        ).get_next(datetime)
    except CroniterBadDateError:
        return None
    return fire.astimezone(UTC)


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def last_fire_time(expression: str, now: datetime) -> datetime:
    """The latest instant at or before ``now`` the schedule names, read in Danish time."""
    local_now = now.astimezone(COPENHAGEN)
    # croniter steps back from just after now, so a fire exactly at now counts.
    fire = croniter(expression, local_now + timedelta(seconds=1)).get_prev(datetime)
    return fire.astimezone(UTC)


def is_danish_holiday(moment: datetime) -> bool:
    """Danish public holidays (helligdage), by the date in Copenhagen."""
    day = moment.astimezone(COPENHAGEN).date()
    return day in holidays.country_holidays("DK", years=day.year)
