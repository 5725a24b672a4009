"""Demo catalog for `make run`: robots from the seed documents (AlmenNet's housing examples
and the municipal examples), each with a version in production. Loading twice changes nothing."""

import hashlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

from catalog import services
from catalog.models import Robot, RobotVersion
from tenants.models import Organisation, User

HOUSING = Organisation.Kind.HOUSING
MUNICIPALITY = Organisation.Kind.MUNICIPALITY

ROBOTS = [
    {
        "slug": "lejetilbud",
        "kind": Robot.Kind.RPA,
        "name_da": "Svar på lejetilbud",
        "name_en": "Rental offer answers",
        "summary_da": "Registrerer boligsøgendes ja/nej-svar på lejetilbud i boligsystemet.",
        "summary_en": "Registers applicants' yes/no answers to rental offers in the "
        "housing system.",
        "category": Robot.Category.RENTAL,
        "systems": ["EG Bolig", "UNIK Bolig4", "Outlook"],
        "member_kinds": [HOUSING],
        "maturity": Robot.Maturity.MATURE,
        "estimated_minutes_saved": Decimal("4"),
        "parameters_schema": {
            "type": "object",
            "properties": {
                "mailbox": {"type": "string", "title": "Postkasse med svar"},
                "reply_days": {"type": "integer", "title": "Svarfrist (dage)", "minimum": 1},
            },
            "required": ["mailbox"],
        },
    },
    {
        "slug": "fakturakontering",
        "kind": Robot.Kind.ML_MODEL,
        "name_da": "Konteringsforslag til fakturaer",
        "name_en": "Invoice posting suggestions",
        "summary_da": "Foreslår konto og afdeling til indgående fakturaer ud fra tidligere "
        "konteringer.",
        "summary_en": "Suggests account and estate for incoming invoices from earlier postings.",
        "category": Robot.Category.FINANCE,
        "systems": ["EG Bolig", "NemHandel"],
        "member_kinds": [HOUSING],
        "maturity": Robot.Maturity.PROVEN,
        "estimated_minutes_saved": Decimal("2.5"),
    },
    {
        "slug": "forbrugsregnskab",
        "kind": Robot.Kind.RPA,
        "name_da": "Forbrugsregnskaber",
        "name_en": "Consumption statements",
        "summary_da": "Henter målerdata, danner forbrugsregnskaber og sender dem til beboerne "
        "i e-Boks.",
        "summary_en": "Fetches meter data, produces consumption statements and sends them to "
        "tenants via e-Boks.",
        "category": Robot.Category.TENANCY,
        "systems": ["UNIK Bolig4", "e-Boks"],
        "member_kinds": [HOUSING],
        "maturity": Robot.Maturity.PILOT,
        "estimated_minutes_saved": Decimal("9"),
    },
    {
        "slug": "sygedagpenge-opfoelgning",
        "kind": Robot.Kind.RPA,
        "name_da": "Opfølgning på sygedagpengesager",
        "name_en": "Sickness benefit follow-up",
        "summary_da": "Opretter opfølgningsopgaver og breve, når sygedagpengesager når en frist.",
        "summary_en": "Creates follow-up tasks and letters when sickness benefit cases reach "
        "a deadline.",
        "category": Robot.Category.SOCIAL,
        "systems": ["KMD", "e-Boks"],
        "member_kinds": [MUNICIPALITY],
        "maturity": Robot.Maturity.PROVEN,
        "estimated_minutes_saved": Decimal("12"),
    },
    {
        "slug": "borgerservice-bot",
        "kind": Robot.Kind.BOT,
        "name_da": "Borgerservice-chatbot",
        "name_en": "Citizen service chatbot",
        "summary_da": "Besvarer de hyppigste spørgsmål om flytning og adresseændring.",
        "summary_en": "Answers the most frequent questions about moving and change of address.",
        "category": Robot.Category.SOCIAL,
        "systems": ["Outlook"],
        "member_kinds": [MUNICIPALITY, HOUSING],
        "maturity": Robot.Maturity.PILOT,
        "estimated_minutes_saved": Decimal("3"),
    },
    {
        "slug": "kontanthjaelp-kontrol",
        "kind": Robot.Kind.RPA,
        "name_da": "Kontrol af kontanthjælp",
        "name_en": "Cash benefit check",
        "summary_da": "Sammenholder udbetalt kontanthjælp med indkomstregisteret og markerer "
        "sager med afvigelser.",
        "summary_en": "Compares paid cash benefit with the income register and flags cases "
        "with discrepancies.",
        "category": Robot.Category.SOCIAL,
        "systems": ["KMD", "eIndkomst"],
        "member_kinds": [MUNICIPALITY],
        "maturity": Robot.Maturity.PROVEN,
        "estimated_minutes_saved": Decimal("15"),
        "credential_types": ["Funktionscertifikat (OCES)"],
        "parameters_schema": {
            "type": "object",
            "properties": {
                "jobcenter": {"type": "string", "title": "Jobcenter"},
                "threshold": {
                    "type": "integer",
                    "title": "Afvigelse før markering (kr.)",
                    "minimum": 0,
                },
            },
            "required": ["jobcenter"],
        },
    },
    {
        "slug": "kontoplan",
        "kind": Robot.Kind.RPA,
        "name_da": "Opdatering af kontoplan",
        "name_en": "Chart of accounts update",
        "summary_da": "Opretter og lukker konti i økonomisystemet ud fra et godkendt regneark.",
        "summary_en": "Opens and closes accounts in the finance system from an approved "
        "spreadsheet.",
        "category": Robot.Category.FINANCE,
        "systems": ["SAP", "EG Bolig"],
        "member_kinds": [MUNICIPALITY, HOUSING],
        "maturity": Robot.Maturity.MATURE,
        "estimated_minutes_saved": Decimal("6"),
    },
    {
        "slug": "reparationsbot",
        "kind": Robot.Kind.BOT,
        "name_da": "Booking af reparationsbesøg",
        "name_en": "Repair visit booking bot",
        "summary_da": "Lader beboere melde en fejl og booke et besøg af ejendomsfunktionæren.",
        "summary_en": "Lets tenants report a fault and book a visit by the caretaker.",
        "category": Robot.Category.TENANCY,
        "systems": ["UNIK Bolig4", "Outlook"],
        "member_kinds": [HOUSING],
        "maturity": Robot.Maturity.PILOT,
        "estimated_minutes_saved": Decimal("8"),
    },
]

SAMPLES = Path(__file__).resolve().parent.parent / "robots" / "samples"
AUTHOR = "udvikler@robotkontor.dk"
APPROVER = "admin@robotkontor.dk"


def demo_package(slug: str) -> bytes:
    """A zip of the robot's sample package (robots/samples/<slug>/, doing real work on the
    sample data shipped with it), or of the generic sample robot, so the local runner that
    `make run` starts has real work to do."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        folder = SAMPLES / slug
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(folder).as_posix())
        else:
            archive.write(SAMPLES / "demo_robot.py", "robot.py")
    return buffer.getvalue()


@transaction.atomic
def load() -> int:
    """Create the demo robots (each 1.0.0 in production); returns how many were new."""
    author = User.objects.get(email=AUTHOR)
    approver = User.objects.get(email=APPROVER)
    created = 0
    for fields in ROBOTS:
        if Robot.objects.filter(slug=fields["slug"]).exists():
            continue
        robot = services.create_robot(actor=author, owner=author, **fields)
        package = demo_package(robot.slug)
        version = services.create_version(
            robot=robot,
            actor=author,
            version="1.0.0",
            changelog="Første version i drift.",
            archive=ContentFile(package, name=f"{robot.slug}-1.0.0.zip"),
            archive_sha256=hashlib.sha256(package).hexdigest(),
        )
        services.transition_version(version, RobotVersion.Status.TEST, author)
        services.transition_version(version, RobotVersion.Status.APPROVED, approver)
        services.transition_version(version, RobotVersion.Status.PRODUCTION, approver)
        created += 1
    return created
