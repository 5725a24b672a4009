"""Forms of the finance pages. They parse what people type (kroner, "slug=25" lines) into
what the services take; the services decide what is allowed."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing import selectors
from billing.models import CostPool, KeyKind, RateCard
from billing.money import format_kr, format_number, kroner_to_ore, parse_danish_number
from billing.services.rate_cards import PRICE_FIELDS
from catalog.models import Robot
from core.validators import validate_sane_date
from tenants.models import KeyFigure, Organisation

MEMBER_KINDS = [
    (value, label)
    for value, label in Organisation.Kind.choices
    if value != Organisation.Kind.OFFICE
]


class KronerField(forms.DecimalField):
    """An amount typed the way the pages display it, Danish: "1.250,50", "1250,50" or
    "1.250" (dots group thousands). A decimal point is taken too ("0.4575", "1250.50"),
    unless the dots group thousands. Shown in the same notation, so a form comes back as
    it was displayed; a text input, as a browser's number input refuses "1.250,50"."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = str(parse_danish_number(value, decimal_point=True))
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = Decimal(value)
            places = max(2, -value.normalize().as_tuple().exponent)
            return format_number(value, min(places, self.decimal_places or 2))
        return value


class RateCardPricesForm(forms.Form):
    """A rate card's prices: the default per robot minute, staff hour, work item and
    deployment, the rounding, the prices per catalog robot and the graduated robot-minute
    tiers, each typed the way the page displays it. Whether they are allowed (overlapping
    tiers, negative prices) is ``services``'s to decide; errors land on these fields."""

    name = forms.CharField(label=_("Name"), max_length=100)
    robot_minute_price = KronerField(
        label=_("Price per robot minute (kr)"), min_value=0, decimal_places=4
    )
    staff_hour_price = KronerField(
        label=_("Price per staff hour (kr)"), min_value=0, decimal_places=4
    )
    work_item_price = KronerField(
        label=_("Price per work item (kr)"), min_value=0, decimal_places=4, initial=0
    )
    monthly_fee = KronerField(
        label=_("Monthly fee per deployment (kr)"), min_value=0, decimal_places=2, initial=0
    )
    runtime_rounding = forms.ChoiceField(
        label=_("Runtime rounding"), choices=RateCard.Rounding.choices
    )
    robot_prices = forms.CharField(
        label=_("Prices per robot (kr per minute)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For catalog robots priced apart from the price per robot minute: one robot per "
            "line, its slug=price, e.g. faktura-robot=1,25."
        ),
    )
    robot_minute_tiers = forms.CharField(
        label=_("Robot-minute tiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Graduated prices per member and month instead of the price per robot minute: one "
            "tier per line, up to minutes=price, the last without a limit, e.g. 1.000=1,00 "
            "and =0,80. Empty: one price for every minute."
        ),
    )

    @classmethod
    def initial_of(cls, card: RateCard) -> dict:
        return {
            **{field: getattr(card, field) for field in PRICE_FIELDS if field in cls.base_fields},
            "monthly_fee": Decimal(card.deployment_monthly_fee_ore) / 100,
            "robot_prices": "\n".join(
                f"{price.robot.slug}={_danish(price.robot_minute_price, 2)}"
                for price in card.robot_prices.all()
            ),
            "robot_minute_tiers": "\n".join(
                f"{'' if tier['up_to'] is None else _danish(tier['up_to'])}"
                f"={_danish(tier['price'], 2)}"
                for tier in card.robot_minute_tiers or []
            ),
        }

    def clean_robot_prices(self):
        lines = _parse_lines(self.cleaned_data["robot_prices"], _("robot price"))
        slugs = [slug for slug, _price in lines]
        robots = dict(Robot.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        prices = {}
        for slug, price in lines:
            if slug not in robots:
                raise forms.ValidationError(
                    _("No robot in the catalog has the slug “%(slug)s”.") % {"slug": slug}
                )
            if robots[slug] in prices:
                raise forms.ValidationError(
                    _("“%(slug)s” is given twice; give each robot one price.") % {"slug": slug}
                )
            prices[robots[slug]] = _decimal(price)
        return prices

    def clean_robot_minute_tiers(self):
        return [
            {"up_to": str(_decimal(limit)) if limit else None, "price": str(_decimal(price))}
            for limit, price in _parse_lines(self.cleaned_data["robot_minute_tiers"], _("tier"))
        ]

    def service_fields(self) -> dict:
        fields = dict(self.cleaned_data)
        fields["deployment_monthly_fee_ore"] = kroner_to_ore(fields.pop("monthly_fee"))
        return fields


def _danish(value, least: int = 0) -> str:
    """A stored number as typed on the page: its own decimals (at least ``least``, at most
    four), Danish notation."""
    value = Decimal(str(value))
    return format_number(value, min(4, max(least, -value.normalize().as_tuple().exponent)))


class RateCardForm(RateCardPricesForm):
    """A new rate card; overlaps are refused by ``services.create_rate_card``, naming the
    other card."""

    valid_from = forms.DateField(
        label=_("Valid from"),
        validators=[validate_sane_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    valid_to = forms.DateField(
        label=_("Valid to (inclusive)"),
        required=False,
        validators=[validate_sane_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    field_order = ["name", "valid_from", "valid_to"]


class RateCardEndForm(forms.Form):
    valid_to = forms.DateField(
        label=_("Last day"),
        validators=[validate_sane_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _parse_lines(text: str, label: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals:
            raise forms.ValidationError(
                _("Write each %(what)s as name=value, one per line.") % {"what": label}
            )
        pairs.append((name.strip(), value.strip()))
    return pairs


def _decimal(text: str) -> Decimal:
    """A percentage, band limit or factor, typed as the amounts are (see KronerField)."""
    try:
        return parse_danish_number(text, decimal_point=True)
    except ValueError:
        raise forms.ValidationError(_("“%(value)s” is not a number.") % {"value": text}) from None


class CostPoolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    amount = KronerField(label=_("Amount (kr)"), decimal_places=2)
    key = forms.ChoiceField(label=_("Distribution key"), choices=KeyKind.choices)
    percentages = forms.CharField(
        label=_("Fixed percentages"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For fixed percentages: one member per line, e.g. aarhus=25. Sum: 100."),
    )
    band_figure = forms.ChoiceField(
        label=_("Key figure of the bands"),
        required=False,
        choices=[("", "–"), *KeyFigure.Kind.choices],
    )
    bands = forms.CharField(
        label=_("Bands"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For bands: one per line, upper limit=factor, the last without a limit, e.g. "
            "150000=1 and =0.5."
        ),
    )
    limit_to_kinds = forms.MultipleChoiceField(
        label=_("Only members of kind"),
        required=False,
        choices=MEMBER_KINDS,
        widget=forms.CheckboxSelectMultiple,
    )
    limit_to_members = forms.ModelMultipleChoiceField(
        label=_("Only these members"),
        required=False,
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(selectors.billable_members())
        self.fields["limit_to_members"].queryset = selectors.billable_members()

    @classmethod
    def initial_of(cls, pool: CostPool) -> dict:
        slugs = dict(selectors.billable_members().values_list("pk", "slug"))
        params = pool.key_params or {}
        return {
            "name": pool.name,
            "amount": Decimal(pool.amount_ore) / 100,
            "key": pool.key,
            "percentages": "\n".join(
                f"{slugs.get(int(pk), pk)}={value}"
                for pk, value in (params.get("percentages") or {}).items()
            ),
            "band_figure": params.get("figure", ""),
            "bands": "\n".join(
                f"{'' if band['up_to'] is None else band['up_to']}={band['factor']}"
                for band in params.get("bands") or []
            ),
            "limit_to_kinds": pool.limit_to_kinds,
            "limit_to_members": list(pool.limit_to_members.all()),
        }

    def clean_percentages(self):
        by_slug = {member.slug: member.pk for member in self.members}
        percentages = {}
        for slug, value in _parse_lines(self.cleaned_data["percentages"], _("percentage")):
            if slug not in by_slug:
                raise forms.ValidationError(_("Unknown member “%(slug)s”.") % {"slug": slug})
            percentages[str(by_slug[slug])] = str(_decimal(value))
        return percentages

    def clean_bands(self):
        return [
            {"up_to": str(_decimal(limit)) if limit else None, "factor": str(_decimal(factor))}
            for limit, factor in _parse_lines(self.cleaned_data["bands"], _("band"))
        ]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        params = {}
        if data["key"] == KeyKind.FIXED:
            params = {"percentages": data["percentages"]}
        elif data["key"] == KeyKind.BANDED:
            params = {"figure": data["band_figure"], "bands": data["bands"]}
        return {
            "name": data["name"],
            "amount_ore": kroner_to_ore(data["amount"]),
            "key": data["key"],
            "key_params": params,
            "limit_to_kinds": data["limit_to_kinds"],
            "limit_to_members": list(data["limit_to_members"]),
        }


class KeyFigureImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Semicolon-separated, UTF-8: organisation;kind;value;valid_from — organisation by "
            "slug or CVR, kind population, housing_units or employees, value with decimal "
            "comma, date as YYYY-MM-DD."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None


class TimeEntryForm(forms.Form):
    work_date = forms.DateField(
        label=_("Date"),
        validators=[validate_sane_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    hours = KronerField(label=_("Hours"), max_digits=7, decimal_places=2)
    description = forms.CharField(label=_("Description"), max_length=300)
    organisation = forms.ModelChoiceField(label=_("Member"), queryset=Organisation.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = selectors.billable_members()


class CreditNoteForm(forms.Form):
    """What to credit of a closed invoice: its lines not yet credited (all ticked at
    first), the reason, and the corrected amount to bill in the next open month."""

    lines = forms.TypedMultipleChoiceField(
        label=_("Lines to credit"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one line to credit.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Printed on the credit note and on the adjustment."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for the correction.")},
    )
    corrected_amount = KronerField(
        label=_("Corrected amount to bill, kr excl. VAT"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )

    def __init__(self, *args, invoice, credited: dict[int, int], next_month: str, **kwargs):
        super().__init__(*args, **kwargs)
        open_lines = [line for line in invoice.lines.all() if line.position not in credited]
        self.fields["lines"].choices = [
            (line.pk, f"{line.position}. {line.description} ({format_kr(line.amount_ore)})")
            for line in open_lines
        ]
        self.fields["lines"].initial = [line.pk for line in open_lines]
        self.fields["corrected_amount"].help_text = _(
            "Billed as an adjustment on the member's invoice for %(month)s. Leave it empty "
            "when nothing more is owed."
        ) % {"month": next_month}

    def service_fields(self) -> dict:
        amount = self.cleaned_data["corrected_amount"]
        return {
            "lines": self.cleaned_data["lines"],
            "reason": self.cleaned_data["reason"],
            "rebill_ore": None if amount is None else kroner_to_ore(amount),
        }
