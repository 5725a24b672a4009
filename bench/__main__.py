"""Run the benchmarks: ``python -m bench`` (or ``make bench``) runs every one,
``python -m bench billing_close job_claims`` only those named."""

import os
import sys

import django

NAMES = (
    "provisioning",
    "job_claims",
    "work_items",
    "invoice_pdfs",
    "billing_close",
    "insight_dashboard",
)


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        sys.exit(f"Unknown benchmark: {', '.join(unknown)} (choose from {', '.join(NAMES)})")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from importlib import import_module

    from django.core.management import call_command

    call_command("migrate_all", verbosity=0)
    for name in [name for name in NAMES if name in names] if names else NAMES:
        benchmark = import_module(f"bench.{name}")
        print(benchmark.report(benchmark.run()))


if __name__ == "__main__":
    main(sys.argv[1:])
