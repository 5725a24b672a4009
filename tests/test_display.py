"""The display layer (core.display): stored values as a Danish reader reads them."""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core import display

DANISH_MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]


@pytest.fixture(autouse=True)
def danish():
    with translation.override("da"):
        yield


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(9999, 12, 31)))
def test_a_month_reads_as_its_danish_name_and_year(day):
    with translation.override("da"):
        expected = f"{DANISH_MONTHS[day.month - 1]} {day.year}"
        assert display.month(day) == expected
        assert display.month(f"{day.year:04d}-{day.month:02d}") == expected


@given(st.integers(min_value=-(2**31), max_value=2**31))
def test_the_runner_s_exit_code_message_reads_in_danish_with_the_code_as_digits(code):
    with translation.override("da"):
        shown = display.stored_message(f"The robot ended with exit code {code}.")
        assert shown == f"Robotten sluttede med afslutningskode {code}."


def test_other_stored_messages_are_translated_or_left_as_they_are():
    assert display.stored_message("Stopped on request.") == "Stoppet efter anmodning."
    assert display.stored_message("Timed out after 600 s.") == "Afbrudt efter 600 s (tidsgrænse)."
    assert display.stored_message("EG Bolig svarer ikke") == "EG Bolig svarer ikke"
    assert display.stored_message("") == ""


def test_plain_values_read_as_words_and_json_never_as_python():
    assert display.plain(True) == "ja" and display.plain(False) == "nej"
    assert display.plain(None) == "–" and display.plain("") == "–"
    assert display.plain({"lejemål": "12-101", "ok": True}) == '{"lejemål": "12-101", "ok": true}'
    assert display.as_json({"a": None}) == '{\n  "a": null\n}'


def test_audit_codes_read_as_titles_and_unknown_ones_as_a_change():
    assert display.audit_action("orders.order.placed") == "Bestilling afgivet"
    assert display.audit_action("members.member.invented") == "Ændring"


def test_choice_labels_and_schema_titles():
    choices = [("municipality", "Kommune"), ("housing", "Boligorganisation")]
    assert display.labels(["housing", "municipality"], choices) == "Boligorganisation, Kommune"
    schema = {"properties": {"reply_days": {"title": "Svarfrist (dage)"}, "plain": {}}}
    assert display.schema_title("reply_days", schema) == "Svarfrist (dage)"
    assert display.schema_title("plain", schema) == "plain"
    assert display.schema_title("unknown", None) == "unknown"


def test_a_status_has_exactly_one_colour():
    tones = [values for values in display.STATUS_TONES.values()]
    every = [value for values in tones for value in values]
    assert len(every) == len(set(every))
    assert display.status_tone("failed") == "error"
    assert display.status_tone("nothing-known") == "neutral"


BADGE_RULE = re.compile(r"\.rk-status--(\w+) \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6});")


def _luminance(colour: str) -> float:
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_badge_colour_has_text_contrast_of_at_least_4_5_to_1():
    with open(finders.find("css/app.css"), encoding="utf-8") as css:
        found = BADGE_RULE.findall(css.read())
    rules = {tone: (background, text) for tone, background, text in found}
    assert set(rules) == {*display.STATUS_TONES, "neutral"}
    for tone, (background, text) in rules.items():
        lighter, darker = sorted((_luminance(background), _luminance(text)), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, tone
