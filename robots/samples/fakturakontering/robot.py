"""Suggests the ledger account for incoming invoices (fakturakontering) with a classifier.

A scikit-learn model is trained on the historical invoices shipped with the robot
(training/historiske_fakturaer.csv: supplier, text, amount, account). Each work item is a new
invoice ``{"faktura", "leverandoer", "tekst", "beloeb"}``; a confident suggestion is written on
the item, a suggestion below the confidence threshold goes to manual handling with the
robot's best guess, so a person decides.
"""

import csv
import json
import os
from pathlib import Path

from robocorp import workitems
from robocorp.workitems import BusinessException
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

TRAINING = Path(__file__).resolve().parent / "training" / "historiske_fakturaer.csv"


def text_of(invoice: dict) -> str:
    return f"{invoice.get('leverandoer', '')} {invoice.get('tekst', '')}".lower()


def train():
    with TRAINING.open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source, delimiter=";"))
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)),
        LogisticRegression(max_iter=1000, C=10),
    )
    model.fit([text_of(row) for row in rows], [row["konto"] for row in rows])
    print(f"Model trænet på {len(rows)} historiske fakturaer")
    return model


def suggest(model, invoice: dict) -> tuple[str, float]:
    probabilities = model.predict_proba([text_of(invoice)])[0]
    best = probabilities.argmax()
    return str(model.classes_[best]), float(probabilities[best])


def main() -> None:
    parameters = json.loads(os.environ.get("RK_PARAMETERS") or "{}")
    threshold = float(parameters.get("confidence_threshold", 0.6))
    model = train()
    posted = doubtful = 0
    for item in workitems.inputs:
        with item:
            invoice = item.payload or {}
            account, confidence = suggest(model, invoice)
            if confidence < threshold:
                doubtful += 1
                print(f"Faktura {invoice.get('faktura')}: usikker ({confidence:.0%})")
                raise BusinessException(
                    code="USIKKER_KONTERING",
                    message=f"Usikkert forslag: konto {account} ({confidence:.0%} sikkerhed)",
                )
            item.payload = {**invoice, "konto": account, "sikkerhed": round(confidence, 3)}
            item.save()
            posted += 1
            print(f"Faktura {invoice.get('faktura')}: konto {account} ({confidence:.0%})")
    print(f"Færdig: {posted} konteret, {doubtful} sendt til manuel behandling")


if __name__ == "__main__":
    main()
