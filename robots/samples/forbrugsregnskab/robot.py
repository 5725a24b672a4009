"""Makes heating consumption statements (forbrugsregnskab) for tenancies from meter readings.

Each work item is one tenancy's readings: ``{"lejemaal", "maaler", "start", "slut",
"aconto_kr", "pris_pr_enhed"}``. The robot writes a statement file to the job's output
folder and the result on the item; a reading that goes backwards or is far beyond normal
(a replaced meter, a typo) goes to manual handling.
"""

import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from robocorp import workitems
from robocorp.workitems import BusinessException

MAX_UNITS = Decimal("25")  # MWh a year; more than this in a flat is a reading error


def statement(payload: dict) -> dict:
    start, end = Decimal(str(payload["start"])), Decimal(str(payload["slut"]))
    used = end - start
    if used < 0:
        raise BusinessException(code="NEGATIVT_FORBRUG", message=f"Måleren går baglæns: {used}")
    if used > MAX_UNITS:
        raise BusinessException(
            code="URIMELIGT_FORBRUG", message=f"Forbrug {used} MWh er urimeligt"
        )
    price = Decimal(str(payload["pris_pr_enhed"]))
    cost = (used * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    balance = Decimal(str(payload["aconto_kr"])) - cost
    return {"forbrug": str(used), "beloeb_kr": str(cost), "tilgode_kr": str(balance)}


def main() -> None:
    output = Path(os.environ.get("RK_OUTPUT_DIR", "output"))
    output.mkdir(parents=True, exist_ok=True)
    made = 0
    for item in workitems.inputs:
        with item:
            payload = item.payload or {}
            result = statement(payload)
            lines = [
                f"Forbrugsregnskab for lejemål {payload['lejemaal']}",
                f"Forbrug: {result['forbrug']} MWh",
                f"Beløb: {result['beloeb_kr']} kr., aconto: {payload['aconto_kr']} kr.",
                f"Til gode (negativ: efterbetaling): {result['tilgode_kr']} kr.",
            ]
            (output / f"regnskab-{payload['lejemaal']}.txt").write_text("\n".join(lines) + "\n")
            item.payload = {**payload, **result}
            item.save()
            made += 1
            print(
                f"Lejemål {payload['lejemaal']}: {result['forbrug']} MWh, {result['beloeb_kr']} kr."
            )
    print(f"Færdig: {made} forbrugsregnskaber dannet")


if __name__ == "__main__":
    main()
