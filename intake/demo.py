"""Demo ideas for `make run`: one in every stage of the office's kanban. Loaded once: when
ideas exist, nothing changes."""

from decimal import Decimal

from django.db import transaction

from intake import services
from intake.models import Idea
from tenants.models import Organisation, User

S = Idea.Status
BASE = {
    "rule_based": Idea.RuleBased.MOSTLY,
    "digital_input": Idea.Digital.YES,
    "systems_change": Idea.Change.YEARLY,
    "contract_allows": Idea.Contract.YES,
    "urgency": Idea.Urgency.MEDIUM,
    "exception_rate": Decimal("10"),
}
# (member, submitter, fields, the kanban stages it moves through)
IDEAS = [
    (
        "aarhus",
        "medarbejder@aarhus.dk",
        {
            "title": "Journalisering af post i Digital Post",
            "description": "Indgående Digital Post journaliseres på den rigtige sag ud fra CPR "
            "og emne.",
            "volume_per_month": 2400,
            "minutes_per_case": Decimal("3"),
            "systems": ["Digital Post", "KMD Nexus"],
            "personal_data": True,
            "personal_data_categories": "CPR-nummer, helbredsoplysninger",
            "legal_basis": "Forvaltningsloven § 15 (notatpligt)",
        },
        [],
    ),
    (
        "aarhus",
        "procesejer@aarhus.dk",
        {
            "title": "Udsendelse af rykkere for daginstitutionsbetaling",
            "description": "Rykkere dannes og sendes, når betaling for pasning mangler efter "
            "fristen.",
            "volume_per_month": 600,
            "minutes_per_case": Decimal("6"),
            "systems": ["KMD Opus"],
            "legal_basis": "Dagtilbudsloven § 35",
        },
        [S.ASSESSMENT],
    ),
    (
        "aab",
        "medarbejder@aab.dk",
        {
            "title": "Flytteopgørelser",
            "description": "Flytteopgørelsen dannes ud fra synsrapport og sendes til fraflytter.",
            "volume_per_month": 350,
            "minutes_per_case": Decimal("20"),
            "systems": ["EG Bolig", "e-Boks"],
            "personal_data": True,
            "personal_data_categories": "Navn, adresse, økonomi",
            "legal_basis": "Almenlejeloven § 98",
        },
        [S.ASSESSMENT, S.APPROVED],
    ),
    (
        "aab",
        "procesejer@aab.dk",
        {
            "title": "Venteliste-oprydning",
            "description": "Boligsøgende, der ikke har betalt gebyr, fjernes fra ventelisten.",
            "volume_per_month": 900,
            "minutes_per_case": Decimal("2"),
            "systems": ["EG Bolig"],
            "rule_based": Idea.RuleBased.RULES,
        },
        [S.ASSESSMENT, S.APPROVED, S.IN_DEVELOPMENT],
    ),
    (
        "aarhus",
        "admin@aarhus.dk",
        {
            "title": "Afstemning af bankkonti",
            "description": "Daglig afstemning af bankkonti mod finansbogholderiet.",
            "volume_per_month": 22,
            "minutes_per_case": Decimal("45"),
            "systems": ["SAP"],
        },
        [S.ASSESSMENT, S.APPROVED, S.IN_DEVELOPMENT, S.TEST],
    ),
    (
        "aab",
        "procesejer@aab.dk",
        {
            "title": "Registrering af indflytningssyn",
            "description": "Synsrapporter fra tablet registreres på lejemålet i boligsystemet.",
            "volume_per_month": 300,
            "minutes_per_case": Decimal("8"),
            "systems": ["UNIK Bolig4"],
        },
        [S.ASSESSMENT, S.APPROVED, S.IN_DEVELOPMENT, S.TEST, S.LIVE],
    ),
    (
        "aarhus",
        "medarbejder@aarhus.dk",
        {
            "title": "Vurdering af ansøgninger om enkeltydelser",
            "description": "Robotten skal vurdere, om en ansøgning om enkeltydelse skal "
            "imødekommes.",
            "volume_per_month": 150,
            "minutes_per_case": Decimal("30"),
            "systems": ["KMD"],
            "rule_based": Idea.RuleBased.JUDGEMENT,
            "digital_input": Idea.Digital.PARTLY,
            "contract_allows": Idea.Contract.UNKNOWN,
        },
        [S.ASSESSMENT, S.REJECTED],
    ),
]
DEVELOPER = "udvikler@robotkontor.dk"


@transaction.atomic
def load() -> int:
    """Create the demo ideas unless there are ideas already; returns how many were new."""
    if Idea.objects.exists():
        return 0
    developer = User.objects.get(email=DEVELOPER)
    for slug, submitter, fields, stages in IDEAS:
        idea = services.submit_idea(
            organisation=Organisation.objects.get(slug=slug),
            actor=User.objects.get(email=submitter),
            **(BASE | fields),
        )
        for stage in stages:
            if stage == S.ASSESSMENT:
                services.assess_idea(
                    idea=idea, actor=developer, assignee=developer, estimated_build_hours=80
                )
            services.move_idea(
                idea=idea,
                to_status=stage,
                actor=developer,
                reason="Kræver faglig skønsudøvelse; egner sig ikke til en robot."
                if stage == S.REJECTED
                else "",
            )
    return len(IDEAS)
