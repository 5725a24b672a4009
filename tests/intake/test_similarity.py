"""Duplicate detection's text similarity, without a database."""

from types import SimpleNamespace

from intake import similarity


def idea(pk, organisation_id, title, description):
    return SimpleNamespace(
        pk=pk, organisation_id=organisation_id, title=title, description=description
    )


RENTAL = idea(
    1,
    1,
    "Registrering af svar på lejetilbud",
    "Robotten registrerer ja/nej-svar på lejetilbud fra boligsøgende i EG Bolig",
)
RENTAL_AGAIN = idea(
    2, 2, "Svar på lejetilbud", "Boligsøgendes ja/nej-svar på lejetilbuddet tastes i EG Bolig"
)
SICK_PAY = idea(3, 3, "Sygedagpenge", "Opfølgning på sygedagpengesager i KMD")
ACCOUNTS = idea(4, 2, "Kontoplan", "Opdatering af kontoplanen i økonomisystemet ved årsskiftet")


def test_trigrams_follow_pg_trgm():
    # pg_trgm pads each word with two spaces in front and one behind: "  kmd " → 4 trigrams.
    assert similarity.trigrams("KMD") == frozenset({"  k", " km", "kmd", "md "})
    # Stop words ("og", "i") carry no meaning and are left out.
    assert similarity.trigrams("og i") == frozenset()


def test_the_same_process_in_other_words_is_similar():
    value = similarity.similarity(
        similarity.idea_trigrams(RENTAL), similarity.idea_trigrams(RENTAL_AGAIN)
    )
    assert value >= similarity.THRESHOLD


def test_unrelated_processes_are_not():
    for other in (SICK_PAY, ACCOUNTS):
        value = similarity.similarity(
            similarity.idea_trigrams(RENTAL), similarity.idea_trigrams(other)
        )
        assert value < 0.1


def test_similar_skips_the_idea_itself_and_its_own_organisation():
    same_member = idea(5, 1, RENTAL_AGAIN.title, RENTAL_AGAIN.description)
    found = similarity.similar(RENTAL, [RENTAL, same_member, RENTAL_AGAIN, SICK_PAY, ACCOUNTS])
    assert [other.pk for _value, other in found] == [2]


def test_empty_text_is_similar_to_nothing():
    assert similarity.similarity(frozenset(), similarity.trigrams("lejetilbud")) == 0.0
