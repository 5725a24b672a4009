"""Demo orders for `make run`: one in every stage, for Aarhus (a municipality) and AAB (a
housing organisation). Loaded once: when orders exist, nothing changes."""

from django.db import transaction

from catalog.models import RobotVersion
from orders import services
from orders.models import Order
from tenants.models import Organisation, User
from tenants.services import office

A = services.Action
# (member, robot, orderer, process owner, parameters, schedule, the steps taken)
ACTIVE = [A.APPROVE, A.ACCEPT, A.START_TEST, A.ACTIVATE]
ORDERS = [
    (
        "aarhus",
        "kontanthjaelp-kontrol",
        "medarbejder@aarhus.dk",
        "procesejer@aarhus.dk",
        {"jobcenter": "Jobcenter Aarhus", "threshold": 500},
        "0 6 * * 1-5",
        [*ACTIVE, A.PAUSE],
    ),
    (
        "aarhus",
        "sygedagpenge-opfoelgning",
        "medarbejder@aarhus.dk",
        "procesejer@aarhus.dk",
        {},
        "30 7 * * 1-5",
        [A.APPROVE, A.ACCEPT, A.START_TEST],
    ),
    # A Robot Framework robot (robots/samples/kontoplan), often enough to see runs at once.
    (
        "aarhus",
        "kontoplan",
        "medarbejder@aarhus.dk",
        "admin@aarhus.dk",
        {},
        "*/10 * * * *",
        ACTIVE,
    ),
    (
        "aarhus",
        "borgerservice-bot",
        "medarbejder@aarhus.dk",
        "procesejer@aarhus.dk",
        {},
        "",
        [A.APPROVE],
    ),
    # The sample robots that work AAB's work queues (robots/workitems/demo.py fills them).
    (
        "aab",
        "lejetilbud",
        "medarbejder@aab.dk",
        "procesejer@aab.dk",
        {"mailbox": "lejetilbud@aab.dk", "reply_days": 5},
        "*/5 * * * *",
        ACTIVE,
    ),
    (
        "aab",
        "forbrugsregnskab",
        "medarbejder@aab.dk",
        "procesejer@aab.dk",
        {},
        "*/15 * * * *",
        ACTIVE,
    ),
    (
        "aab",
        "fakturakontering",
        "medarbejder@aab.dk",
        "procesejer@aab.dk",
        {},
        "*/10 * * * *",
        ACTIVE,
    ),
    ("aab", "reparationsbot", "medarbejder@aab.dk", "procesejer@aab.dk", {}, "", []),
    (
        "aab",
        "borgerservice-bot",
        "medarbejder@aab.dk",
        "procesejer@aab.dk",
        {},
        "",
        [A.APPROVE, A.ACCEPT],
    ),
    (
        "aab",
        "kontoplan",
        "medarbejder@aab.dk",
        "procesejer@aab.dk",
        {},
        "0 2 1 * *",
        [A.CANCEL],
    ),
]
OFFICE_ACTOR = "drift@robotkontor.dk"


@transaction.atomic
def load() -> int:
    """Create the demo orders unless there are orders already; returns how many were new."""
    if Order.objects.exists():
        return 0
    site_of_office = office()
    operator = User.objects.get(email=OFFICE_ACTOR)
    for slug, robot, orderer, owner, parameters, schedule, steps in ORDERS:
        member = Organisation.objects.get(slug=slug)
        owner_user = User.objects.get(email=owner)
        order = services.place_order(
            organisation=member,
            actor=User.objects.get(email=orderer),
            robot_version=RobotVersion.objects.get(
                robot__slug=robot, status=RobotVersion.Status.PRODUCTION
            ),
            process_owner=owner_user,
            parameters=parameters,
            proposed_schedule=schedule,
        )
        for step in steps:
            on_office = step in services.OFFICE_ACTIONS
            services.act_on_order(
                order=order,
                action=step,
                actor=operator if on_office else owner_user,
                site=site_of_office if on_office else member,
                reason="Behovet er dækket af en anden løsning." if step == A.CANCEL else "",
            )
    return len(ORDERS)
