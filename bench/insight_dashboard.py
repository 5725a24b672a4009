"""The value and cost dashboard with a year of data for 1,000 members: the office's page
(every member side by side) and a member's page, against ``/healthz`` (a page that reads
nothing) on the same in-process client.

The pages read only the rollups, so their query count does not depend on the data; this
measures what is left: the aggregates over a year of rollup rows and rendering the table
of members. Everything — members (rows without schemas: the pages read only ``public``),
a robot, a deployment per member, the rollups, the office site if there is none, a finance
user and their session — is made in one transaction rolled back at the end.
"""

import statistics
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import fleet
from billing.months import add_months, current_month
from robots.models import Deployment
from tenants import services
from tenants.models import Domain, Organisation, Role

SLUG_PREFIX = "benchinsight-"
TAG = "benchinsight"


@dataclass
class Result:
    organisations: int
    months: int
    rollup_rows: int
    office_ms: float
    member_ms: float
    healthz_ms: float
    office_queries: int
    member_queries: int

    @property
    def office_ratio(self) -> float:
        return self.office_ms / self.healthz_ms

    @property
    def member_ratio(self) -> float:
        return self.member_ms / self.healthz_ms


class _RollBack(Exception):
    """Raised to roll the benchmark's transaction back once it is measured."""


def _members(count: int) -> list[Organisation]:
    return Organisation.objects.bulk_create(
        Organisation(
            name=f"Benchmark Kommune {index:04d}",
            slug=f"{SLUG_PREFIX}{index}",
            schema_name=f"org_benchinsight_{index}",
            kind=Organisation.Kind.MUNICIPALITY,
        )
        for index in range(count)
    )


def _rollups(members: list[Organisation], first: date, months: int) -> int:
    """One deployment per member and a year of value and cost rows, in two statements."""
    version = fleet.robot_version(TAG)
    deployments = Deployment.objects.bulk_create(
        Deployment(
            organisation=member,
            robot_version=version,
            name=f"Robot {member.slug}",
            process_owner=version.author,
            pool=TAG,
        )
        for member in members
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO insight_monthlyvalue (organisation_id, deployment_id, robot_id, month,
                items_done, items_handed_back, runs, runs_succeeded, runtime_seconds,
                minutes_per_item, minutes_basis, cost_ore, refreshed_at)
            SELECT d.organisation_id, d.id, %(robot)s, %(first)s::date + make_interval(months => m),
                100 + (d.id + m) %% 400, (d.id + m) %% 20, 40, 38, 36000, 6, 'catalog',
                150000, now()
            FROM unnest(%(deployments)s::bigint[], %(organisations)s::bigint[])
                AS d(id, organisation_id), generate_series(0, %(months)s - 1) AS m
            """,
            {
                "robot": version.robot_id,
                "first": first,
                "deployments": [d.pk for d in deployments],
                "organisations": [d.organisation_id for d in deployments],
                "months": months,
            },
        )
        cursor.execute(
            """
            INSERT INTO insight_monthlycost (organisation_id, month, usage_ore, staff_ore,
                fee_ore, pool_ore, adjustment_ore, vat_ore, total_ore, preliminary, basis,
                refreshed_at)
            SELECT o, %(first)s::date + make_interval(months => m), 20000, 0, 150000, 2000000,
                0, 0, 2170000, m = %(months)s - 1, 'invoice', now()
            FROM unnest(%(organisations)s::bigint[]) AS o, generate_series(0, %(months)s - 1) AS m
            """,
            {"first": first, "organisations": [m.pk for m in members], "months": months},
        )
        cursor.execute("ANALYZE insight_monthlyvalue")
        cursor.execute("ANALYZE insight_monthlycost")
    return len(members) * months * 2


def _median_ms(client: Client, path: str, repetitions: int) -> float:
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings)


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured)


def run(organisations: int = 1000, months: int = 12, repetitions: int = 5) -> Result:
    this = current_month()
    first = add_months(this, 1 - months)
    try:
        with transaction.atomic():
            office = Organisation.objects.filter(
                schema_name=settings.PUBLIC_SCHEMA_NAME
            ).first() or services.ensure_office(name="Robotkontoret", cvr="29189846")
            members = _members(organisations)
            member = members[0]
            Domain.objects.create(domain=services.site_host(member), tenant=member)
            rows = _rollups(members, first, months)
            reader = services.create_user(
                email=f"{TAG}-reader@robotkontor.invalid", password=None, full_name="Reader"
            )
            services.add_member(user=reader, organisation=office, role=Role.FINANCE)
            services.add_member(user=reader, organisation=member, role=Role.MEMBER_ADMIN)
            office_client = Client(HTTP_HOST=services.site_host(office))
            member_client = Client(HTTP_HOST=services.site_host(member))
            for client in (office_client, member_client):
                client.force_login(reader)
            for client in (office_client, member_client):  # warm up: sessions, lookups
                client.get("/insight/")
                client.get("/healthz")
            office_ms = _median_ms(office_client, "/insight/", repetitions)
            member_ms = _median_ms(member_client, "/insight/", repetitions)
            healthz_ms = _median_ms(office_client, "/healthz", repetitions)
            office_queries = _queries(office_client, "/insight/")
            member_queries = _queries(member_client, "/insight/")
            raise _RollBack
    except _RollBack:
        pass
    finally:
        cache.clear()  # host lookups of members that no longer exist
    return Result(
        organisations,
        months,
        rows,
        office_ms,
        member_ms,
        healthz_ms,
        office_queries,
        member_queries,
    )


def report(result: Result) -> str:
    return "\n".join(
        [
            f"Value and cost dashboard ({result.organisations} members, {result.months} months,"
            f" {result.rollup_rows:,} rollup rows)",
            f"  {'/healthz (baseline)':<34}{result.healthz_ms:>10.1f} ms",
            f"  {'office /insight/ (all members)':<34}{result.office_ms:>10.1f} ms"
            f"  ({result.office_queries} queries)",
            f"  {'member /insight/':<34}{result.member_ms:>10.1f} ms"
            f"  ({result.member_queries} queries)",
            f"  {'ratio office / healthz':<34}{result.office_ratio:>10.1f} ×",
            f"  {'ratio member / healthz':<34}{result.member_ratio:>10.1f} ×",
        ]
    )
