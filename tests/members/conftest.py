"""People of the office who run the member lifecycle, and a new member's details."""

import pytest

from tenants.models import Role

# The smallest file that is a PDF by its name and first bytes.
PDF = b"%PDF-1.4\n%%EOF\n"


def join_fields(slug: str, cvr: str) -> dict:
    return {
        "name": f"{slug.title()} Kommune",
        "slug": slug,
        "kind": "municipality",
        "cvr": cvr,
        "ean": "5798000000001",
        "buyer_reference": "IT-afdelingen",
        "street": "Rådhustorvet 1",
        "postcode": "7100",
        "city": slug.title(),
        "vat_status": "standard",
    }


@pytest.fixture
def finance(office, make_user):
    return make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
