"""Possible duplicates: ideas whose title and description share most of their trigrams.

The PostgreSQL server here has pg_trgm, but the embedded server ``make run`` starts (the
``pgserver`` package) is built without it, so the similarity is computed in Python, over
a bounded set of candidates (see ``selectors.DUPLICATE_CANDIDATES``). It follows pg_trgm:
every word is padded ("  word ") and cut into three-letter pieces, and two texts are as
similar as the share of pieces they have in common (Jaccard). Pieces of words, not whole
words, so "lejetilbud" and "lejetilbuddet" or "sygedagpenge" and "sygedagpengesager"
still meet, which matters in Danish with its compounds and inflections.
"""

import re
from collections.abc import Iterable

# Words too common in Danish (and English) case descriptions to tell ideas apart.
STOPWORDS = frozenset(
    {
        *("og", "i", "at", "det", "en", "et", "til", "er", "som", "på", "de", "med", "for"),
        *("ikke", "der", "var", "af", "den", "har", "vi", "om", "fra", "ved", "kan", "skal"),
        *("eller", "hvis", "alle", "efter", "sag", "sager", "hver", "når", "vores", "robot"),
        *("robotten", "the", "and", "with", "from", "that", "this"),
    }
)
# pg_trgm's own default threshold for its % operator.
THRESHOLD = 0.3


def words(text: str) -> list[str]:
    return [
        word for word in re.findall(r"\w+", text.lower()) if len(word) > 1 and word not in STOPWORDS
    ]


def trigrams(text: str) -> frozenset[str]:
    pieces = set()
    for word in words(text):
        padded = f"  {word} "
        pieces.update(padded[index : index + 3] for index in range(len(padded) - 2))
    return frozenset(pieces)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def idea_trigrams(idea) -> frozenset[str]:
    return trigrams(f"{idea.title} {idea.description}")


def similar(idea, candidates: Iterable, threshold: float = THRESHOLD) -> list[tuple]:
    """(similarity, other) for candidates of other organisations, most similar first."""
    mine = idea_trigrams(idea)
    scored = [
        (round(similarity(mine, idea_trigrams(other)), 3), other)
        for other in candidates
        if other.pk != idea.pk and other.organisation_id != idea.organisation_id
    ]
    return sorted(
        ((value, other) for value, other in scored if value >= threshold),
        key=lambda pair: (-pair[0], pair[1].pk),
    )
