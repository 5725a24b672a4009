"""The demo partnership loaded by `make run`: the office, four municipalities and three
housing organisations with valid-looking CVR/EAN numbers and public key figures, and a
demo user for each role. Loading it twice changes nothing."""

import datetime
from decimal import Decimal

from django.db import transaction

from tenants import services
from tenants.models import KeyFigure, Organisation, Role, User

DEMO_PASSWORD = "robotkontor-demo"

OFFICE = {
    "name": "Robotkontoret",
    "cvr": "29189846",
    "ean": "5798000000001",
    "street": "Rådhuspladsen 2",
    "postcode": "8000",
    "city": "Aarhus C",
    "contact_name": "Robotkontoret",
    "contact_email": "kontakt@robotkontor.dk",
    # A made-up account: the invoices' "Betaling" block and Peppol payment means show it.
    "bank_reg_no": "9570",
    "bank_account_no": "0012345678",
}

# Population: Statistics Denmark (Danmarks Statistik), table FOLK1A, 1 January 2024.
# Housing units: the organisations' own published counts (lejemål), 2023.
MEMBERS = [
    (
        "aarhus",
        "Aarhus Kommune",
        Organisation.Kind.MUNICIPALITY,
        "55133018",
        "8000",
        "Aarhus C",
        {KeyFigure.Kind.POPULATION: 367095},
    ),
    (
        "odense",
        "Odense Kommune",
        Organisation.Kind.MUNICIPALITY,
        "35209115",
        "5000",
        "Odense C",
        {KeyFigure.Kind.POPULATION: 207524},
    ),
    (
        "aalborg",
        "Aalborg Kommune",
        Organisation.Kind.MUNICIPALITY,
        "29189420",
        "9000",
        "Aalborg",
        {KeyFigure.Kind.POPULATION: 222575},
    ),
    (
        "vejle",
        "Vejle Kommune",
        Organisation.Kind.MUNICIPALITY,
        "29189684",
        "7100",
        "Vejle",
        {KeyFigure.Kind.POPULATION: 121178},
    ),
    (
        "aab",
        "Boligforeningen AAB",
        Organisation.Kind.HOUSING,
        "12854358",
        "1799",
        "København V",
        {KeyFigure.Kind.HOUSING_UNITS: 20600},
    ),
    (
        "fsb",
        "fsb",
        Organisation.Kind.HOUSING,
        "10125715",
        "2300",
        "København S",
        {KeyFigure.Kind.HOUSING_UNITS: 12700},
    ),
    (
        "lejerbo",
        "Lejerbo",
        Organisation.Kind.HOUSING,
        "27454208",
        "2000",
        "Frederiksberg",
        {KeyFigure.Kind.HOUSING_UNITS: 42000},
    ),
]

KEY_FIGURE_DATE = datetime.date(2024, 1, 1)

OFFICE_USERS = [
    ("admin@robotkontor.dk", "Anne Admin", Role.OFFICE_ADMIN),
    ("drift@robotkontor.dk", "Ole Operatør", Role.OFFICE_OPERATOR),
    ("udvikler@robotkontor.dk", "Uffe Udvikler", Role.OFFICE_DEVELOPER),
    ("okonomi@robotkontor.dk", "Øjvind Økonomi", Role.FINANCE),
]
MEMBER_USERS = [
    ("medarbejder@aarhus.dk", "Mette Medarbejder", Role.MEMBER),
    ("procesejer@aarhus.dk", "Per Procesejer", Role.PROCESS_OWNER),
    ("admin@aarhus.dk", "Anders Admin", Role.MEMBER_ADMIN),
    ("okonomi@aarhus.dk", "Karen Økonomi", Role.FINANCE),
    ("medarbejder@aab.dk", "Bente Boligadministration", Role.MEMBER),
    ("procesejer@aab.dk", "Poul Procesejer", Role.PROCESS_OWNER),
]


def gln(prefix12: str) -> str:
    from stdnum import ean

    return prefix12 + ean.calc_check_digit(prefix12)


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = services.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name)
    return user


@transaction.atomic
def load() -> list[tuple[str, str, str]]:
    """Load the demo partnership; returns (site, e-mail, role) of each demo login."""
    office = services.ensure_office(**OFFICE)
    logins = []
    for index, (slug, name, kind, cvr, postcode, city, figures) in enumerate(MEMBERS):
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            organisation = services.provision_organisation(
                name=name,
                slug=slug,
                kind=kind,
                cvr=cvr,
                ean=gln(f"57980057{index:04d}"),
                postcode=postcode,
                city=city,
                contact_email=f"robot@{slug}.dk",
                vat_status=Organisation.VatStatus.EXEMPT
                if kind == Organisation.Kind.MUNICIPALITY
                else Organisation.VatStatus.STANDARD,
            )
        for figure_kind, value in figures.items():
            services.set_key_figure(
                organisation=organisation,
                kind=figure_kind,
                value=Decimal(value),
                valid_from=KEY_FIGURE_DATE,
                source="Danmarks Statistik, FOLK1A"
                if figure_kind == KeyFigure.Kind.POPULATION
                else "Organisationens årsberetning",
            )
    for email, full_name, role in OFFICE_USERS:
        services.add_member(user=_user(email, full_name), organisation=office, role=role)
        logins.append((services.site_url(office), email, Role(role).label))
    for email, full_name, role in MEMBER_USERS:
        organisation = Organisation.objects.get(slug=email.split("@")[1].removesuffix(".dk"))
        services.add_member(user=_user(email, full_name), organisation=organisation, role=role)
        logins.append((services.site_url(organisation), email, Role(role).label))
    return logins
