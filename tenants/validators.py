"""Danish identifiers: CVR (company number) and EAN/GLN (public buyer location number)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import ean
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
