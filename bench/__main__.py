"""Run every benchmark: ``python -m bench`` (or ``make bench``)."""

import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    from bench import (
        billing_close,
        insight_dashboard,
        invoice_pdfs,
        job_claims,
        provisioning,
        work_items,
    )

    call_command("migrate_all", verbosity=0)
    for benchmark in (
        provisioning,
        job_claims,
        work_items,
        invoice_pdfs,
        billing_close,
        insight_dashboard,
    ):
        print(benchmark.report(benchmark.run()))


if __name__ == "__main__":
    main()
