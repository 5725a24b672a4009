"""The only writers of billing, one module per subject: ``periods`` (and the billing
settings), ``rate_cards``, ``usage`` (the usage ledger), ``time_entries`` (staff time),
``pools`` (cost pools), ``invoices`` (preview, close, credit notes), ``members`` (terms and
key figures), ``stripe_sync`` (card payment through Stripe and its webhook events).

``from billing import services`` gives the public names of all but ``stripe_sync``.
"""

from billing import selectors
from billing.months import month_of
from billing.services.invoices import (
    close_period,
    close_period_with_progress,
    credit_invoice,
    preview_period,
    set_progress,
)
from billing.services.members import KEY_FIGURE_COLUMNS, import_key_figures, set_member_term
from billing.services.periods import (
    PeriodClosed,
    billing_settings,
    get_period,
    mark_exported,
    set_financing_model,
)
from billing.services.pools import create_cost_pool, delete_cost_pool, update_cost_pool
from billing.services.rate_cards import (
    create_rate_card,
    end_rate_card,
    months_billed_with,
    update_rate_card,
)
from billing.services.time_entries import approve_time_entry, record_time_entry
from billing.services.usage import (
    record_deployment_fees,
    record_jobs_usage,
    record_period_usage,
    record_work_items,
)

__all__ = [
    "KEY_FIGURE_COLUMNS",
    "PeriodClosed",
    "approve_time_entry",
    "billing_settings",
    "close_period",
    "close_period_with_progress",
    "create_cost_pool",
    "create_rate_card",
    "credit_invoice",
    "delete_cost_pool",
    "end_rate_card",
    "get_period",
    "import_key_figures",
    "mark_exported",
    "month_of",
    "months_billed_with",
    "preview_period",
    "record_deployment_fees",
    "record_jobs_usage",
    "record_period_usage",
    "record_time_entry",
    "record_work_items",
    "selectors",
    "set_financing_model",
    "set_member_term",
    "set_progress",
    "update_cost_pool",
    "update_rate_card",
]
