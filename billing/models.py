"""Billing, in the public schema: rate cards, the usage ledger, staff time, periods, cost
pools, invoices and their lines.

Money is whole øre (``*_ore``, BigInteger); rates and quantities are Decimal. The database
itself keeps the ledger append-only and closed periods (their pools, invoices and lines)
unchangeable: see the triggers in migration 0002.
"""

import calendar
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Cast, Ceil
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FinancingModel(models.TextChoices):
    USAGE_PLUS_SPLIT = "usage_plus_split", _("Usage + split")
    NET_SPLIT = "net_split", _("Net split")


class BillingSettings(models.Model):
    """The partnership's one settings row; its lock also guards invoice numbering."""

    financing_model = models.CharField(
        _("financing model"),
        max_length=20,
        choices=FinancingModel.choices,
        default=FinancingModel.USAGE_PLUS_SPLIT,
        help_text=_("Copied onto each new period; a period keeps the model it was opened with."),
    )
    next_invoice_number = models.PositiveBigIntegerField(_("next invoice number"), default=1)
    payment_days = models.PositiveSmallIntegerField(_("days to pay"), default=30)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="billingsettings_single")]
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")

    def __str__(self):
        return str(self._meta.verbose_name)


class MemberTerm(models.Model):
    """When an organisation joined (and left) the partnership; pool shares are pro rata by days.

    An organisation without a term is a member of every period while it is active.
    """

    organisation = models.OneToOneField(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="billing_term"
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True, help_text=_("Last day."))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="memberterm_left_after_joined",
            )
        ]
        verbose_name = _("membership term")
        verbose_name_plural = _("membership terms")

    def __str__(self):
        return f"{self.organisation}: {self.joined_on} – {self.left_on or ''}"


class DateRange(Func):
    function = "daterange"
    output_field = models.DateField()


class RateCard(models.Model):
    """Prices valid from a date (to a date, inclusive); validity periods never overlap."""

    class Rounding(models.TextChoices):
        PER_STARTED_MINUTE = "per_started_minute", _("Each job per started minute")
        SUMMED_SECONDS = "summed_seconds", _("Seconds summed per deployment and month")

    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Inclusive."))
    robot_minute_price = models.DecimalField(
        _("price per robot minute (kr)"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(0)],
    )
    staff_hour_price = models.DecimalField(
        _("price per staff hour (kr)"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(0)],
    )
    work_item_price = models.DecimalField(
        _("price per work item (kr)"),
        max_digits=12,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
    )
    deployment_monthly_fee_ore = models.BigIntegerField(
        _("monthly fee per deployment (øre)"), default=0, validators=[MinValueValidator(0)]
    )
    runtime_rounding = models.CharField(
        _("runtime rounding"),
        max_length=30,
        choices=Rounding.choices,
        default=Rounding.PER_STARTED_MINUTE,
    )
    # Graduated tiers for robot minutes at the default price, per member and month, as
    # services.rate_cards.clean_tiers stores them: [{"up_to": "1000", "price": "1.00"},
    # {"up_to": null, "price": "0.80"}]. Empty: flat price.
    robot_minute_tiers = models.JSONField(_("robot minute tiers"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            ExclusionConstraint(
                name="ratecard_no_overlap",
                expressions=[
                    (
                        DateRange("valid_from", "valid_to", models.Value("[]")),
                        RangeOperators.OVERLAPS,
                    )
                ],
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="ratecard_valid_to_after_from",
            ),
            models.CheckConstraint(
                condition=Q(robot_minute_price__gte=0)
                & Q(staff_hour_price__gte=0)
                & Q(work_item_price__gte=0)
                & Q(deployment_monthly_fee_ore__gte=0),
                name="ratecard_prices_nonnegative",
            ),
        ]
        verbose_name = _("rate card")
        verbose_name_plural = _("rate cards")

    def __str__(self):
        return f"{self.name} ({self.valid_from} – {self.valid_to or ''})"

    @property
    def tier_rows(self) -> list[tuple[Decimal, Decimal | None, Decimal]]:
        """The robot-minute tiers as (above, up to, price): the minutes above ``above`` up
        to ``up to`` (None: no limit) at ``price``."""
        rows, above = [], Decimal(0)
        for tier in self.robot_minute_tiers or []:
            up_to = None if tier["up_to"] is None else Decimal(str(tier["up_to"]))
            rows.append((above, up_to, Decimal(str(tier["price"]))))
            above = up_to
        return rows


class RobotPrice(models.Model):
    """A catalog robot's own price per minute on a rate card (instead of the default)."""

    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="robot_prices")
    robot = models.ForeignKey("catalog.Robot", on_delete=models.PROTECT, related_name="+")
    robot_minute_price = models.DecimalField(
        _("price per robot minute (kr)"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rate_card", "robot"], name="robotprice_once"),
            models.CheckConstraint(
                condition=Q(robot_minute_price__gte=0), name="robotprice_nonnegative"
            ),
        ]

    def __str__(self):
        return f"{self.robot_id}: {self.robot_minute_price}"


class Period(models.Model):
    """A calendar month of billing: open → preview → closed → exported."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PREVIEW = "preview", _("Preview")
        CLOSED = "closed", _("Closed")
        EXPORTED = "exported", _("Exported")

    FINAL = (Status.CLOSED, Status.EXPORTED)

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    financing_model = models.CharField(
        _("financing model"), max_length=20, choices=FinancingModel.choices
    )
    # Progress of a running close, for a page to poll (0–100 and what it is doing).
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    # Per member: the totals of the last preview, to show what changed since.
    last_preview = models.JSONField(default=dict, blank=True)
    previewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="period_month_first_day"),
        ]
        verbose_name = _("period")
        verbose_name_plural = _("periods")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def last_day(self) -> date:
        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])

    @property
    def days(self) -> int:
        return self.last_day.day

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class UsageEntry(models.Model):
    """One line of the append-only usage ledger, idempotent by ``source``.

    Runtime and work items record quantities (priced per member and month when invoices are
    computed: the rounding rule and tiers need the month's total). Staff hours and deployment
    fees are priced when recorded (``amount_ore``): a shared idea's hours are split among its
    members in øre then, and a fee's pro-rata days are known then.
    """

    class Kind(models.TextChoices):
        RUNTIME = "runtime", _("Robot runtime (seconds)")
        WORK_ITEMS = "work_items", _("Processed work items")
        DEPLOYMENT_FEE = "deployment_fee", _("Deployment fee (days)")
        STAFF_HOURS = "staff_hours", _("Staff hours")

    PRICED_WHEN_RECORDED = (Kind.DEPLOYMENT_FEE, Kind.STAFF_HOURS)

    source = models.CharField(_("source"), max_length=120, unique=True)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="usage")
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="usage_entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    deployment = models.ForeignKey(
        "robots.Deployment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    robot = models.ForeignKey(
        "catalog.Robot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    time_entry = models.ForeignKey(
        "billing.TimeEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="usage"
    )
    # Runtime seconds to the microsecond, as the server measured them (billing 0007): nothing
    # is rounded before the started minutes are worked out.
    quantity = models.DecimalField(_("quantity"), max_digits=19, decimal_places=6)
    unit_price = models.DecimalField(
        _("unit price (kr)"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    amount_ore = models.BigIntegerField(_("amount (øre)"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    # A runtime entry's seconds rounded up to whole started minutes, written by the database
    # when the entry is booked (null for other kinds): a month's per-started-minute total is
    # then a plain SUM, not a rounding of every job at the close.
    started_minutes = models.GeneratedField(
        expression=Case(
            When(
                kind="runtime",
                then=Cast(Ceil(F("quantity") / Value(60)), models.BigIntegerField()),
            )
        ),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["occurred_on", "pk"]
        indexes = [
            models.Index(fields=["period", "organisation", "kind"], name="usage_by_period"),
            # The few entries priced when booked (each its own invoice line), without
            # reading the period's many runtime and work-item entries.
            models.Index(
                fields=["period"],
                condition=Q(kind__in=["deployment_fee", "staff_hours"]),
                name="usage_priced_by_period",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="usage_quantity_nonneg"),
            models.CheckConstraint(
                condition=Q(amount_ore__isnull=True) | Q(amount_ore__gte=0),
                name="usage_amount_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["deployment_fee", "staff_hours"], amount_ore__isnull=False)
                | Q(kind__in=["runtime", "work_items"], amount_ore__isnull=True),
                name="usage_priced_by_kind",
            ),
        ]
        verbose_name = _("usage entry")
        verbose_name_plural = _("usage entries")

    def __str__(self):
        return self.source


class UsageTotal(models.Model):
    """The ledger's runtime and work items summed per period, member, deployment and robot,
    kept by the database: a statement-level trigger on ``UsageEntry`` adds each statement's
    new entries (migration ``billing 0006``). The ledger is append-only, so the totals only
    grow, and a close reads a few thousand totals instead of millions of entries. Never
    written by the application."""

    # Read by period (the unique constraint's index begins with it); no other index is needed.
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", db_index=False)
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    deployment = models.ForeignKey(
        "robots.Deployment", null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    robot = models.ForeignKey(
        "catalog.Robot", null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Each null when the group has no entry of that kind.
    started_minutes = models.BigIntegerField(null=True)
    runtime_seconds = models.DecimalField(max_digits=23, decimal_places=6, null=True)
    work_items = models.DecimalField(max_digits=23, decimal_places=6, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "organisation", "deployment", "robot"],
                name="usage_total_per_group",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.period_id}/{self.organisation_id}/{self.deployment_id}/{self.robot_id}"


class TimeEntry(models.Model):
    """Office staff hours for a member, an order or an idea; billed once approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Awaiting approval")
        APPROVED = "approved", _("Approved")

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    work_date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    description = models.CharField(_("description"), max_length=300)
    organisation = models.ForeignKey(
        "tenants.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member"),
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idea = models.ForeignKey(
        "intake.Idea", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-work_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="timeentry_hours_positive"),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, order__isnull=True, idea__isnull=True)
                | Q(organisation__isnull=True, order__isnull=False, idea__isnull=True)
                | Q(organisation__isnull=True, order__isnull=True, idea__isnull=False),
                name="timeentry_one_target",
            ),
        ]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")

    def __str__(self):
        return f"{self.work_date} {self.hours} h: {self.description}"


class KeyKind(models.TextChoices):
    EQUAL = "equal", _("Equal shares")
    POPULATION = "population", _("Population")
    HOUSING_UNITS = "housing_units", _("Housing units")
    EMPLOYEES = "employees", _("Employees")
    USAGE = "usage", _("Usage share (robot minutes)")
    FIXED = "fixed", _("Fixed percentages")
    BANDED = "banded", _("Key figure in bands (caps)")


class CostPool(models.Model):
    """A cost of the office in a period, split among the members by a distribution key.

    ``key_params`` by key: fixed — ``{"percentages": {"<organisation id>": "25.00", …}}``
    (summing to 100); banded — ``{"figure": "population", "bands": [{"up_to": 150000,
    "factor": "1"}, {"up_to": null, "factor": "0.5"}]}`` (a factor 0 band is a cap).
    """

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="pools")
    name = models.CharField(_("name"), max_length=100)
    amount_ore = models.BigIntegerField(_("amount (øre)"), validators=[MinValueValidator(0)])
    key = models.CharField(_("distribution key"), max_length=20, choices=KeyKind.choices)
    key_params = models.JSONField(_("key parameters"), default=dict, blank=True)
    limit_to_kinds = ArrayField(
        models.CharField(max_length=20),
        verbose_name=_("only members of kind"),
        default=list,
        blank=True,
    )
    limit_to_members = models.ManyToManyField(
        "tenants.Organisation", blank=True, related_name="+", verbose_name=_("only these members")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="costpool_nonnegative"),
            models.UniqueConstraint(fields=["period", "name"], name="costpool_name_once"),
        ]
        verbose_name = _("cost pool")
        verbose_name_plural = _("cost pools")

    def __str__(self):
        return f"{self.period}: {self.name}"


class Adjustment(models.Model):
    """An amount re-billed on a member's invoice in an open period (after a credit note)."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="adjustments")
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    amount_ore = models.BigIntegerField(_("amount (øre)"))
    description = models.CharField(_("description"), max_length=300)
    corrects = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="adjustments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="adjustment_nonnegative")
        ]

    def __str__(self):
        return self.description


class Invoice(models.Model):
    """One invoice per member and period (draft until the close numbers it), or a credit note.

    Totals are never negative: a credit note carries a positive total that is credited.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="invoices")
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INVOICE)
    number = models.PositiveBigIntegerField(_("number"), null=True, blank=True, unique=True)
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    vat_status = models.CharField(max_length=20)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=4)
    subtotal_ore = models.BigIntegerField(_("amount before VAT (øre)"))
    vat_ore = models.BigIntegerField(_("VAT (øre)"))
    total_ore = models.BigIntegerField(_("total (øre)"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period", "number", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "organisation"],
                condition=Q(kind="invoice"),
                name="invoice_one_per_member_period",
            ),
            models.CheckConstraint(
                condition=Q(subtotal_ore__gte=0) & Q(vat_ore__gte=0) & Q(total_ore__gte=0),
                name="invoice_never_negative",
            ),
            models.CheckConstraint(
                condition=Q(total_ore=models.F("subtotal_ore") + models.F("vat_ore")),
                name="invoice_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credits__isnull=True)
                | Q(kind="credit_note", credits__isnull=False),
                name="invoice_credit_note_refers",
            ),
        ]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self):
        return f"{self.get_kind_display()} {self.number or '(kladde)'} {self.organisation}"

    @property
    def is_final(self) -> bool:
        return self.number is not None

    @property
    def is_final_settlement(self) -> bool:
        """The member's final invoice: the closed invoice of the month its term ends in."""
        if self.kind != self.Kind.INVOICE or not self.is_final:
            return False
        term = MemberTerm.objects.filter(organisation_id=self.organisation_id).first()
        left_on = term.left_on if term else None
        return left_on is not None and left_on.replace(day=1) == self.period.month


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        ROBOT_USAGE = "robot_usage", _("Robot usage")
        WORK_ITEMS = "work_items", _("Work items")
        STAFF_HOURS = "staff_hours", _("Staff hours")
        DEPLOYMENT_FEE = "deployment_fee", _("Deployment fee")
        POOL_SHARE = "pool_share", _("Share of a cost pool")
        ADJUSTMENT = "adjustment", _("Adjustment")
        CREDIT = "credit", _("Credited")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20)
    unit_price = models.DecimalField(_("unit price (kr)"), max_digits=14, decimal_places=4)
    amount_ore = models.BigIntegerField(_("amount (øre)"))
    pool = models.ForeignKey(
        CostPool, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    deployment = models.ForeignKey(
        "robots.Deployment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="invoiceline_nonneg"),
        ]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self):
        return self.description


class CardPayment(models.Model):
    """A member's choice to pay its invoices by card through Stripe Invoicing (off unless
    set): its closed invoices are then pushed to Stripe."""

    organisation = models.OneToOneField(
        "tenants.Organisation", on_delete=models.CASCADE, related_name="card_payment"
    )
    enabled = models.BooleanField(_("pays by card via Stripe"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("card payment")
        verbose_name_plural = _("card payments")

    def __str__(self):
        return f"{self.organisation}: {self.enabled}"


class StripeCustomer(models.Model):
    """The Stripe customer of a CVR number; members sharing a CVR share the customer.

    Stripe's customer search is only eventually consistent, so the match is kept here too.
    """

    cvr = models.CharField(_("CVR number"), max_length=8, unique=True)
    stripe_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Stripe customer")
        verbose_name_plural = _("Stripe customers")

    def __str__(self):
        return f"{self.cvr}: {self.stripe_id}"


class StripeInvoice(models.Model):
    """Our invoice's copy in Stripe Invoicing, kept apart from the invoice (which is final).

    Written when the draft is created in Stripe, and marked finalized once it is sent.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft in Stripe")
        FINALIZED = "finalized", _("Finalized in Stripe")

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="stripe")
    stripe_customer_id = models.CharField(max_length=255)
    stripe_invoice_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe invoice")
        verbose_name_plural = _("Stripe invoices")

    def __str__(self):
        return self.stripe_invoice_id


class StripeEvent(models.Model):
    """A Stripe webhook event already handled: a delivery of it again changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self):
        return f"{self.event_id} ({self.type})"
