"""The office's bank account, which invoices and e-invoices name as where to pay: a bad one
is refused with the reason, and the office keeps the account it had."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tenants import services
from tenants.models import Organisation

pytestmark = pytest.mark.django_db

OFFICE = {"name": "Robotkontoret", "cvr": "29189846", "ean": "5798000000001"}


def test_the_office_keeps_a_danish_account_and_an_iban(office):
    services.ensure_office(
        **OFFICE, bank_reg_no="1234", bank_account_no="0012345678", iban="DK5000400440116243"
    )
    saved = services.office()
    assert (saved.bank_reg_no, saved.bank_account_no, saved.iban) == (
        "1234",
        "0012345678",
        "DK5000400440116243",
    )


@pytest.mark.parametrize(
    ("bank", "field", "message"),
    [
        pytest.param(
            {"bank_reg_no": "12a4", "bank_account_no": "12345678"},
            "bank_reg_no",
            "12a4 is not a Danish bank registration number (4 digits).",
            id="letters-in-reg-no",
        ),
        pytest.param(
            {"bank_reg_no": "1234", "bank_account_no": "12-345"},
            "bank_account_no",
            "12-345 is not a Danish bank account number (up to 10 digits).",
            id="dash-in-account",
        ),
        pytest.param(
            {"bank_reg_no": "1234"},
            "bank_account_no",
            "A Danish bank account needs both the registration number and the account number.",
            id="reg-no-alone",
        ),
        pytest.param(
            {"iban": "DK5000400440116244"},
            "iban",
            "DK5000400440116244 is not a valid IBAN (country code, check digits and account "
            "number, without spaces).",
            id="iban-check-digits",
        ),
    ],
)
def test_a_bad_bank_account_is_refused_and_nothing_changes(office, bank, field, message):
    services.ensure_office(**OFFICE, iban="DK5000400440116243")
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            services.ensure_office(**OFFICE, **bank)
        assert refused.value.message_dict[field] == [message]
    saved = Organisation.objects.get(pk=office.pk)
    assert (saved.bank_reg_no, saved.bank_account_no, saved.iban) == ("", "", "DK5000400440116243")
