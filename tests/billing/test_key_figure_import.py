"""The key-figure import reads numbers the Danish way, as they are displayed ("1.234",
"1234", "1234,5"), and refuses anything else by line with a clear message: "1.2.3" is not
123 and "1e5" is not 100.000 (issue 13, Bad input)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenants.models import KeyFigure, Role

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DA = {"HTTP_ACCEPT_LANGUAGE": "da"}


@pytest.fixture
def client(office, make_user, site_client):
    return site_client(office, make_user("finance@robotkontor.dk", office, Role.FINANCE))


def _upload(client, text: str, language=EN):
    csv = SimpleUploadedFile("figures.csv", text.encode())
    return client.post("/billing/key-figures/", {"file": csv}, **language)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.234", Decimal("1234")),
        ("1234", Decimal("1234")),
        ("355.238", Decimal("355238")),
        ("1.234.567", Decimal("1234567")),
        ("4.512,5", Decimal("4512.5")),
        ("4512,25", Decimal("4512.25")),
        ("0", Decimal("0")),
    ],
)
def test_danish_numbers_are_imported(client, aarhus, typed, value):
    response = _upload(client, f"aarhus;population;{typed};2025-01-01\n")
    assert response.status_code == 302, response.content.decode()
    assert KeyFigure.objects.get(organisation=aarhus, kind="population").value == value


@pytest.mark.parametrize(
    "typed",
    [
        "1.2.3",
        "1e5",
        "1E5",
        "12.34",
        "1.23",
        "1,2,3",
        "1.234,5,6",
        "NaN",
        "Infinity",
        "1 234",
        "0x10",
        "١٢٣",
        "12,",
        ",5",
        "1.2345",
        ".123",
    ],
)
def test_anything_else_is_refused_by_line(client, aarhus, odense, typed):
    text = f"aarhus;population;1.234;2025-01-01\nodense;population;{typed};2025-01-01\n"
    response = _upload(client, text)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert f"Line 2: “{typed}” is not a number (write e.g. 1.234, 1234 or 1234,5)." in html
    assert "Line 1" not in html
    assert not KeyFigure.objects.exists()


def test_the_refusal_is_in_danish_too(client, aarhus):
    response = _upload(client, "aarhus;population;1e5;2025-01-01\n", DA)
    assert response.status_code == 400
    assert "Linje 1: “1e5” er ikke et tal" in response.content.decode()
    assert not KeyFigure.objects.exists()
