"""A member site's API, fuzzed as the member's administrator (issue 14: no 5xx, nothing the
schema does not say)."""

import pytest
import schemathesis

from tenants.models import Role
from tests.api.fuzzing import Actor, fuzz_settings, requests_inside_the_test_transaction

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


@pytest.fixture
def actor(aarhus, make_user):
    return Actor(aarhus, make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN))


@pytest.fixture
def member_api(actor, request):
    with requests_inside_the_test_transaction(request):
        yield actor.schema()
    print(f"{actor.cases} cases sent")


schema = schemathesis.pytest.from_fixture("member_api")


@schema.parametrize()
@fuzz_settings
def test_the_member_api_answers_every_generated_case_as_its_schema_says(case, actor):
    actor.check(case)
