"""Run the benchmarks: ``python -m bench`` (or ``make bench``) runs every one,
``python -m bench billing_close job_claims`` only those named. ``--seconds N`` sets how long
each measured stretch of the benchmarks that take one lasts (``sustained_load``,
``job_claims``): shorter while developing.

``python -m bench NAME --json '{…}'`` is how a benchmark runs part of itself in a process of
its own (on another database): it prints the JSON of ``bench.NAME.child(arguments)``."""

import inspect
import json
import os
import sys

import django

NAMES = (
    "provisioning",
    "job_claims",
    "sustained_load",
    "work_items",
    "invoice_pdfs",
    "billing_close",
    "insight_dashboard",
    "member_export",
)


def _option(arguments: list[str], name: str) -> tuple[str | None, list[str]]:
    if name not in arguments:
        return None, arguments
    at = arguments.index(name)
    if at + 1 >= len(arguments):
        sys.exit(f"{name} needs a value")
    return arguments[at + 1], arguments[:at] + arguments[at + 2 :]


def main(arguments: list[str]) -> None:
    child, arguments = _option(arguments, "--json")
    seconds, names = _option(arguments, "--seconds")
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        sys.exit(f"Unknown benchmark: {', '.join(unknown)} (choose from {', '.join(NAMES)})")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from importlib import import_module

    from django.core.management import call_command

    if child is not None:
        print(json.dumps(import_module(f"bench.{names[0]}").child(json.loads(child))))
        return
    call_command("migrate_all", verbosity=0)
    for name in [name for name in NAMES if name in names] if names else NAMES:
        benchmark = import_module(f"bench.{name}")
        options = {}
        if seconds is not None and "seconds" in inspect.signature(benchmark.run).parameters:
            options["seconds"] = float(seconds)
        print(benchmark.report(benchmark.run(**options)))


if __name__ == "__main__":
    main(sys.argv[1:])
