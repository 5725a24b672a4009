"""The members' terms in the partnership and their key figures, imported from CSV."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import (
    MemberTerm,
)
from billing.money import parse_danish_number
from tenants import services as tenants_services
from tenants.models import KeyFigure, Organisation


@transaction.atomic
def set_member_term(
    *, organisation: Organisation, joined_on: date, left_on: date | None = None
) -> MemberTerm:
    """When the organisation joined (and left) the partnership, for pro-rata pool shares."""
    if left_on is not None and left_on < joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before it joined.")})
    term, _created = MemberTerm.objects.update_or_create(
        organisation=organisation, defaults={"joined_on": joined_on, "left_on": left_on}
    )
    return term


# --- Key figures from CSV -----------------------------------------------------------------

KEY_FIGURE_COLUMNS = ("organisation", "kind", "value", "valid_from")


def _parse_figure_date(text: str) -> date:
    """YYYY-MM-DD or the Danish DD.MM.YYYY; ValueError otherwise."""
    if "." in text:
        day, month, year = text.split(".")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(text)


@transaction.atomic
def import_key_figures(text: str, *, source: str = "") -> int:
    """Import ``organisation;kind;value;valid_from`` lines (semicolon CSV, an optional header,
    organisation by slug or CVR). Every line is checked first: one bad line refuses the
    whole file, naming each bad line, and nothing is imported. Returns how many were set."""
    by_key = {}
    for organisation in Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME):
        by_key[organisation.slug] = organisation
        by_key[organisation.cvr] = organisation
    kinds = {str(value): value for value in KeyFigure.Kind.values}
    rows, errors = [], []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        cells = [cell.strip() for cell in line.split(";")]
        if not any(cells) or (number == 1 and cells[0].lower() == "organisation"):
            continue
        if len(cells) != len(KEY_FIGURE_COLUMNS):
            errors.append(
                _("Line %(line)d: expected 4 columns (organisation;kind;value;valid_from).")
                % {"line": number}
            )
            continue
        name, kind, value, valid_from = cells
        problems = []
        if name not in by_key:
            problems.append(_("unknown organisation “%(name)s”") % {"name": name})
        if kind not in kinds:
            problems.append(
                _("unknown kind “%(kind)s” (use %(kinds)s)")
                % {"kind": kind, "kinds": ", ".join(kinds)}
            )
        try:
            # Danish notation, as figures are displayed: "1.234", "1234" or "1234,5".
            amount = parse_danish_number(value)
        except ValueError:
            problems.append(
                _("“%(value)s” is not a number (write e.g. 1.234, 1234 or 1234,5)")
                % {"value": value}
            )
        else:
            if amount < 0:
                problems.append(_("a key figure must be a number of zero or more"))
        try:
            day = _parse_figure_date(valid_from)
        except ValueError:
            problems.append(
                _("“%(date)s” is not a date (YYYY-MM-DD or DD.MM.YYYY)") % {"date": valid_from}
            )
        if problems:
            errors.append(
                _("Line %(line)d: %(problems)s.")
                % {"line": number, "problems": "; ".join(problems)}
            )
        else:
            rows.append((by_key[name], kinds[kind], amount, day))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("The file has no key figures."))
    for organisation, kind, value, valid_from in rows:
        tenants_services.set_key_figure(
            organisation=organisation, kind=kind, value=value, valid_from=valid_from, source=source
        )
    return len(rows)
