"""Schedules as people read and choose them: a cron expression described as a sentence in
the reader's language (cron-descriptor, with Danish), its next run times, and the few
recurring choices a caseworker makes (daily, weekdays, weekly, monthly at a time of day)
turned into cron and read back from it. The expression itself stays for experts."""

import calendar
import re
from datetime import UTC, datetime, timedelta

from cron_descriptor import CasingTypeEnum, ExpressionDescriptor, Options
from croniter import croniter
from django.utils import timezone, translation
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext_lazy as _

from robots.schedules import COPENHAGEN, is_danish_holiday

# cron-descriptor's locales for ours; it names days and months in the process's C locale
# (English), which ``describe`` replaces with Django's translated names.
DESCRIPTOR_LOCALES = {"da": "da_DK", "en": "en_US"}
_ENGLISH_NAMES = {
    **{calendar.day_name[index]: WEEKDAYS[index] for index in range(7)},
    **{calendar.month_name[number]: MONTHS[number] for number in range(1, 13)},
}
_NAME_PATTERN = re.compile(r"\b(" + "|".join(_ENGLISH_NAMES) + r")\b")


def describe(expression: str) -> str:
    """The schedule as a sentence in the active language, e.g. "Kl 06:00, mandag til og med
    fredag"; empty for no schedule, the expression itself if it cannot be described."""
    if not expression:
        return ""
    language = (translation.get_language() or "da").split("-")[0]
    options = Options()
    options.locale_code = DESCRIPTOR_LOCALES.get(language, "en_US")
    options.use_24hour_time_format = True
    options.casing_type = CasingTypeEnum.Sentence
    options.verbose = False
    try:
        text = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # noqa: BLE001 - a description is a courtesy; the expression stays
        return expression
    return _NAME_PATTERN.sub(lambda match: str(_ENGLISH_NAMES[match.group(1)]), text)


def next_runs(
    expression: str, *, count: int = 3, skip_holidays: bool = True, now: datetime | None = None
) -> list[datetime]:
    """The next ``count`` times the schedule fires, in Danish time, leaving out Danish
    public holidays when the deployment skips them (as the scheduler does)."""
    if not expression or not croniter.is_valid(expression):
        return []
    start = (now or timezone.now()).astimezone(COPENHAGEN)
    fires = croniter(expression, start)
    found: list[datetime] = []
    # A schedule that only fires on holidays would loop for ever: look a year ahead at most.
    horizon = start + timedelta(days=366)
    while len(found) < count:
        fire = fires.get_next(datetime)
        if fire > horizon:
            break
        if skip_holidays and is_danish_holiday(fire.astimezone(UTC)):
            continue
        found.append(fire)
    return found


class Frequency:
    NONE = "none"
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    CRON = "cron"

    CHOICES = [
        (NONE, _("No schedule (by hand or trigger only)")),
        (DAILY, _("Every day")),
        (WEEKDAYS, _("Every weekday (Monday to Friday)")),
        (WEEKLY, _("Every week on a day")),
        (MONTHLY, _("Every month on a date")),
        (CRON, _("Cron expression (for experts)")),
    ]


def to_cron(frequency: str, *, hour: int = 0, minute: int = 0, weekday=None, day=None) -> str:
    """The cron expression of a simple choice; ``weekday`` counts from Monday = 0 (as
    Python and Django do), ``day`` is the day of the month."""
    if frequency == Frequency.DAILY:
        return f"{minute} {hour} * * *"
    if frequency == Frequency.WEEKDAYS:
        return f"{minute} {hour} * * 1-5"
    if frequency == Frequency.WEEKLY:
        return f"{minute} {hour} * * {(int(weekday) + 1) % 7}"
    if frequency == Frequency.MONTHLY:
        return f"{minute} {hour} {int(day)} * *"
    return ""


_SIMPLE = re.compile(r"^(\d{1,2}) (\d{1,2}) (\*|\d{1,2}) \* (\*|1-5|[0-7])$")


def from_cron(expression: str) -> dict:
    """A simple choice that gives this expression (frequency, hour, minute, weekday, day),
    or ``cron`` with the expression when it is none of them; the inverse of ``to_cron``."""
    if not expression:
        return {"frequency": Frequency.NONE}
    match = _SIMPLE.match(expression.strip())
    if match:
        minute, hour, day, weekday = match.groups()
        time = {"minute": int(minute), "hour": int(hour)}
        if int(minute) < 60 and int(hour) < 24:
            if day == "*" and weekday == "*":
                return {"frequency": Frequency.DAILY, **time}
            if day == "*" and weekday == "1-5":
                return {"frequency": Frequency.WEEKDAYS, **time}
            if day == "*":
                return {"frequency": Frequency.WEEKLY, "weekday": (int(weekday) - 1) % 7, **time}
            if weekday == "*" and 1 <= int(day) <= 28:
                return {"frequency": Frequency.MONTHLY, "day": int(day), **time}
    return {"frequency": Frequency.CRON, "cron": expression}
