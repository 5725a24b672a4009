"""The benchmarks still run and clean up after themselves (timings are not asserted)."""

import pytest
from django_tenants.utils import schema_exists

from bench import provisioning
from tenants.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)


def test_provisioning_benchmark_measures_both_ways_and_leaves_nothing(office):
    result = provisioning.run(repetitions=1)
    assert result.clone_median > 0 and result.migrate_median > 0
    assert "ratio migrate / clone" in provisioning.report(result)
    assert not Organisation.objects.filter(slug__startswith="bench-").exists()
    assert not schema_exists("org_bench_0")
    assert not schema_exists("org_bench_migrated_0")
