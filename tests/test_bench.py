"""The benchmarks still run and clean up after themselves (timings are not asserted)."""

import pytest
from django_tenants.utils import schema_exists

from bench import (
    billing_close,
    insight_dashboard,
    invoice_pdfs,
    job_claims,
    member_export,
    provisioning,
    sustained_load,
    work_items,
)
from billing.models import CostPool, Invoice, InvoiceLine, Period, RateCard, UsageEntry
from catalog.models import Robot
from core.models import AuditEvent
from insight.models import MonthlyCost, MonthlyValue
from robots.models import Deployment, Job, Runner
from tenants.models import KeyFigure, Organisation, User

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


def assert_nothing_left(slug_prefix: str) -> None:
    assert not Organisation.objects.filter(slug__startswith=slug_prefix).exists()
    assert not Job.objects.exists() and not Deployment.objects.exists()
    assert not Runner.objects.exists() and not Robot.objects.exists()
    assert not User.objects.filter(email__endswith="@robotkontor.invalid").exists()
    assert not AuditEvent.objects.exists()


def test_provisioning_benchmark_measures_both_ways_and_leaves_nothing(office):
    result = provisioning.run(repetitions=1)
    assert result.clone_median > 0 and result.migrate_median > 0
    assert "ratio migrate / clone" in provisioning.report(result)
    assert not Organisation.objects.filter(slug__startswith="bench-").exists()
    assert not schema_exists("org_bench_0")
    assert not schema_exists("org_bench_migrated_0")


def test_job_claims_benchmark_claims_through_the_api_and_leaves_nothing(office):
    result = job_claims.run(
        seconds=0.3,
        runners=2,
        finished=50,
        queued=2000,
        member_count=2,
        deployments_per_member=1,
        never_analyzed=False,
    )
    assert result.health.requests > 0
    # Claims while jobs end meanwhile, then claims each reported done.
    assert result.claims.requests > 0 and result.completions.requests > 0
    assert result.claims.requests + result.completions.requests <= 2000
    report = job_claims.report(result)
    assert "ratio claims / healthz" in report and "p99" in report
    assert_nothing_left(job_claims.SLUG_PREFIX)
    assert not schema_exists("org_benchclaims_0")


def test_job_claims_benchmark_makes_and_removes_the_office_site_when_there_is_none(db):
    result = job_claims.run(
        seconds=0.2, runners=1, finished=5, queued=2, member_count=1, never_analyzed=False
    )
    # Both jobs are claimed, in the first window or in the one whose claims are reported.
    assert result.claims.requests >= 1
    assert result.claims.requests + result.completions.requests == 2
    assert not Organisation.objects.exists()
    assert_nothing_left(job_claims.SLUG_PREFIX)


def test_job_claims_benchmark_also_claims_on_a_fresh_never_analyzed_database(office):
    result = job_claims.run(
        seconds=0.3, runners=1, finished=20, queued=200, member_count=1, never_analyzed=True
    )
    fresh = result.never_analyzed
    assert fresh.claims.requests > 0
    assert [table["never_analyzed"] for table in fresh.statistics] == [True] * 4
    assert "never analyzed" in job_claims.report(result)
    assert_nothing_left(job_claims.SLUG_PREFIX)


def test_sustained_load_benchmark_measures_both_configurations_and_leaves_nothing(office):
    result = sustained_load.run(seconds=2, runners=2, finished=20, queued=100, member_count=1)
    for stretch in (result.before, result.production):
        assert stretch.answered and stretch.p99() > 0
    report = sustained_load.report(result)
    assert "worst second" in report and "p99" in report
    assert_nothing_left(job_claims.SLUG_PREFIX)


def test_work_items_benchmark_works_every_item_three_ways_and_leaves_nothing(office):
    result = work_items.run(items=10, claims=5)
    assert result.raw.processed == result.service.processed == result.api.processed == 10
    assert result.claims.processed == 5
    report = work_items.report(result)
    assert "ratio HTTP API / raw" in report and "ratio services / raw" in report
    assert "ratio API call / claim" in report
    assert_nothing_left(work_items.SLUG_PREFIX)
    assert not schema_exists("org_benchitems_0")


def test_invoice_pdfs_benchmark_renders_both_ways_and_writes_nothing(office):
    result = invoice_pdfs.run(invoices=2, lines_per_invoice=3)
    assert result.html.rendered == result.pdf.rendered == 2
    assert "ratio PDF / HTML time" in invoice_pdfs.report(result)
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()
    assert not Period.objects.exists()
    assert list(Organisation.objects.values_list("kind", flat=True)) == ["office"]


def test_billing_close_benchmark_closes_a_period_and_rolls_everything_back(office):
    result = billing_close.run(organisations=5, usage_rows=200, pools=3)
    assert result.invoices == 5 and result.raw_seconds > 0 and result.close_seconds > 0
    report = billing_close.report(result)
    assert "ratio close / raw" in report and "200 usage rows" in report
    assert not Organisation.objects.filter(slug__startswith=billing_close.SLUG_PREFIX).exists()
    assert not UsageEntry.objects.exists() and not KeyFigure.objects.exists()
    assert not Period.objects.exists() and not CostPool.objects.exists()
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()
    assert not RateCard.objects.exists() and not AuditEvent.objects.exists()


def test_insight_dashboard_benchmark_measures_both_pages_and_rolls_everything_back(office):
    result = insight_dashboard.run(organisations=3, months=2, repetitions=1)
    assert result.office_ms > 0 and result.member_ms > 0 and result.healthz_ms > 0
    assert result.rollup_rows == 12 and result.office_queries > 0
    report = insight_dashboard.report(result)
    assert "ratio office / healthz" in report and "3 members" in report
    assert_nothing_left(insight_dashboard.SLUG_PREFIX)
    assert not MonthlyValue.objects.exists() and not MonthlyCost.objects.exists()


def test_member_export_benchmark_exports_and_dumps_the_schema_and_leaves_nothing(office):
    result = member_export.run(items=2000)
    assert result.items == 2000
    assert result.export_seconds > 0 and result.dump_seconds > 0
    assert result.export_bytes > 0 and result.dump_bytes > 0
    assert result.peak_rss_kb >= result.baseline_rss_kb > 0
    report = member_export.report(result)
    assert "ratio export / pg_dump" in report and "peak memory" in report
    assert not Organisation.objects.filter(slug__startswith=member_export.SLUG_PREFIX).exists()
    assert not schema_exists("org_benchexport_0")
