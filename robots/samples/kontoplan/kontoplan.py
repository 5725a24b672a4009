"""Keywords for the chart-of-accounts robot (tasks.robot)."""

import csv
from collections import Counter

MAIN_GROUPS = {"1": "Indtægter", "2": "Driftsudgifter", "3": "Aktiver", "4": "Passiver"}


def read_chart_of_accounts(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as source:
        return list(csv.DictReader(source, delimiter=";"))


def find_problems(accounts: list[dict]) -> list[str]:
    problems = []
    numbers = Counter(account["konto"] for account in accounts)
    for number, times in sorted(numbers.items()):
        if times > 1:
            problems.append(f"konto {number} findes {times} gange")
    for account in accounts:
        number, name = account["konto"].strip(), account["navn"].strip()
        if not (number.isdigit() and len(number) == 4):
            problems.append(f"kontonummer «{number}» har ikke fire cifre")
        elif number[0] not in MAIN_GROUPS:
            problems.append(f"konto {number} hører ikke til en kendt hovedgruppe")
        if not name:
            problems.append(f"konto {number} mangler et navn")
    return problems
