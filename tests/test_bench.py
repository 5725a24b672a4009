"""The benchmarks still run and clean up after themselves (timings are not asserted)."""

import pytest
from django_tenants.utils import schema_exists

from bench import job_claims, provisioning, work_items
from catalog.models import AuditEvent, Robot
from robots.models import Deployment, Job, Runner
from tenants.models import Organisation, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_provisioning_benchmark_measures_both_ways_and_leaves_nothing(office):
    result = provisioning.run(repetitions=1)
    assert result.clone_median > 0 and result.migrate_median > 0
    assert "ratio migrate / clone" in provisioning.report(result)
    assert not Organisation.objects.filter(slug__startswith="bench-").exists()
    assert not schema_exists("org_bench_0")
    assert not schema_exists("org_bench_migrated_0")


def test_job_claims_benchmark_claims_every_job_both_ways_and_leaves_nothing(office):
    result = job_claims.run(jobs_count=6, member_count=2, deployments_per_member=2)
    assert result.ours_claimed == result.raw_claimed == 6
    assert "ratio ours / raw" in job_claims.report(result)
    assert not Organisation.objects.filter(slug__startswith=job_claims.SLUG_PREFIX).exists()
    assert not schema_exists("org_benchclaims_0")
    assert not Job.objects.exists() and not Deployment.objects.exists()
    assert not Runner.objects.exists() and not Robot.objects.exists()
    assert not User.objects.filter(email__endswith="@robotkontor.invalid").exists()
    assert not AuditEvent.objects.exists()


def test_work_items_benchmark_works_every_item_both_ways_and_leaves_nothing(office):
    result = work_items.run(items=10)
    assert result.ours_processed == result.raw_processed == 10
    assert "ratio ours / raw" in work_items.report(result)
    assert not Organisation.objects.filter(slug__startswith=work_items.SLUG_PREFIX).exists()
    assert not schema_exists("org_benchitems_0")
