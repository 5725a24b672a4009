"""Registers applicants' answers to rental offers (lejetilbud) from the member's work queue.

Each work item is one answer from the CSV inbox: ``{"tilbud": ..., "ansoeger": ...,
"svar": ...}``. A clear yes or no is registered on the item; an answer the robot cannot read
goes back to the housing organisation's staff as a business exception (manual handling).
"""

import re

from robocorp import workitems
from robocorp.workitems import BusinessException

YES = re.compile(r"\b(ja|accepterer|tager imod|vil gerne|siger ja)\b", re.IGNORECASE)
NO = re.compile(r"\b(nej|afslår|afviser|ønsker ikke|takker nej|siger nej)\b", re.IGNORECASE)


def answer_of(text: str) -> str | None:
    """'accepteret', 'afslået' or None when the answer is unclear (both, or neither)."""
    said_yes, said_no = bool(YES.search(text)), bool(NO.search(text))
    if said_yes == said_no:
        return None
    return "accepteret" if said_yes else "afslået"


def main() -> None:
    registered = unclear = 0
    for item in workitems.inputs:
        with item:
            payload = item.payload or {}
            text = str(payload.get("svar", ""))
            answer = answer_of(text)
            if answer is None:
                unclear += 1
                print(f"Tilbud {payload.get('tilbud')}: svaret kan ikke tolkes")
                raise BusinessException(
                    code="UKLART_SVAR", message=f"Svaret kan ikke tolkes: «{text}»"
                )
            item.payload = {**payload, "registreret": answer}
            item.save()
            registered += 1
            print(f"Tilbud {payload.get('tilbud')}: {answer} ({payload.get('ansoeger')})")
    print(f"Færdig: {registered} svar registreret, {unclear} sendt til manuel behandling")


if __name__ == "__main__":
    main()
