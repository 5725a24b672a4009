"""What the intake tests share: the seeds' answers, people in every role, an idea maker."""

import pytest

from intake import services
from tenants import services as tenant_services
from tenants.models import Role

ANSWERS = {
    "volume_per_month": "400",
    "minutes_per_case": "6",
    "rule_based": "mostly",
    "digital_input": "partly",
    "systems": "EG Bolig, Outlook",
    "systems_change": "yearly",
    "exception_rate": "10",
    "legal_basis": "Lejeloven",
    "contract_allows": "unknown",
    "urgency": "medium",
}


def submit(client, title, description="Svar på lejetilbud registreres i EG Bolig"):
    return client.post("/ideas/new/", {"title": title, "description": description, **ANSWERS})


def new_idea(organisation, user, title, description):
    fields = {key: value for key, value in ANSWERS.items() if key != "systems"}
    return services.submit_idea(
        organisation=organisation,
        actor=user,
        title=title,
        description=description,
        systems=["EG Bolig"],
        **fields,
    )


@pytest.fixture
def people(office, aarhus, odense, make_user):
    return {
        "aarhus": make_user("mette@aarhus.dk", aarhus, Role.MEMBER),
        "odense": make_user("ole@odense.dk", odense, Role.MEMBER),
        "developer": make_user("udvikler@robotkontor.dk", office, Role.OFFICE_DEVELOPER),
        "operator": make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR),
    }


def api_key(user, organisation):
    return tenant_services.issue_api_token(user=user, organisation=organisation, name="t")[1]
