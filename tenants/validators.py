"""Danish identifiers: CVR (company number), EAN/GLN (public buyer location number) and
bank accounts (registration and account number, or IBAN)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import ean, iban
from stdnum.dk import cvr
from stdnum.exceptions import ValidationError as StdnumError


def validate_cvr(value: str) -> None:
    try:
        cvr.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid CVR number (8 digits with a valid check digit)."),
            params={"value": value},
            code="invalid_cvr",
        ) from exc


def validate_gln(value: str) -> None:
    try:
        ean.validate(value)
        valid = len(ean.compact(value)) == 13
    except StdnumError:
        valid = False
    if not valid:
        raise ValidationError(
            _(
                "%(value)s is not a valid EAN/GLN location number "
                "(13 digits with a valid check digit)."
            ),
            params={"value": value},
            code="invalid_gln",
        )


BUYER_REFERENCE_TOO_LONG = _(
    "The buyer reference can be at most 100 characters: shorten it to the person, "
    "department or requisition number the member asks for."
)


def validate_bank_reg_no(value: str) -> None:
    if not re.fullmatch(r"[0-9]{4}", value):
        raise ValidationError(
            _("%(value)s is not a Danish bank registration number (4 digits)."),
            params={"value": value},
            code="invalid_bank_reg_no",
        )


def validate_bank_account_no(value: str) -> None:
    if not re.fullmatch(r"[0-9]{1,10}", value):
        raise ValidationError(
            _("%(value)s is not a Danish bank account number (up to 10 digits)."),
            params={"value": value},
            code="invalid_bank_account_no",
        )


def validate_iban(value: str) -> None:
    try:
        valid = iban.validate(value) == value
    except StdnumError:
        valid = False
    if not valid:
        raise ValidationError(
            _(
                "%(value)s is not a valid IBAN (country code, check digits and account "
                "number, without spaces)."
            ),
            params={"value": value},
            code="invalid_iban",
        )
