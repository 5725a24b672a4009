"""Provisioning a member: cloning the template schema vs migrating a new schema from scratch."""

import statistics
import time
from dataclasses import dataclass

from django.core.management import call_command
from django.db import connection

from bench import members

SLUG_PREFIX = "bench-"


@dataclass
class Result:
    clone_seconds: list[float]
    migrate_seconds: list[float]

    @property
    def clone_median(self) -> float:
        return statistics.median(self.clone_seconds)

    @property
    def migrate_median(self) -> float:
        return statistics.median(self.migrate_seconds)


def cleanup() -> None:
    members.remove(SLUG_PREFIX)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'org\\_bench\\_%'")
        for (schema,) in cursor.fetchall():
            members.drop_schema(schema)


def run(repetitions: int = 5) -> Result:
    result = Result([], [])
    cleanup()
    try:
        for index in range(repetitions):
            started = time.perf_counter()
            members.provision(SLUG_PREFIX, index, cvr_start=40000000)
            result.clone_seconds.append(time.perf_counter() - started)

            schema = f"org_bench_migrated_{index}"
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{schema}"')
            call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
            result.migrate_seconds.append(time.perf_counter() - started)
            connection.set_schema_to_public()
    finally:
        cleanup()
    return result


def report(result: Result) -> str:
    ratio = result.migrate_median / result.clone_median
    return "\n".join(
        [
            f"Provisioning a member schema (median of {len(result.clone_seconds)})",
            f"  {'full migrate (baseline)':<28}{result.migrate_median * 1000:>10.1f} ms",
            f"  {'clone template (ours)':<28}{result.clone_median * 1000:>10.1f} ms",
            f"  {'ratio migrate / clone':<28}{ratio:>10.1f} ×",
        ]
    )
