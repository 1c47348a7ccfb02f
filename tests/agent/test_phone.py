"""Phone numbers as Whisper writes what callers say, and as the agent reads them back."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from synclead.agent.offline.numbers import last_digits, parse_phone, region_of, speak_phone, spoken_digits

MOBILE = "+33612345678"


@pytest.mark.parametrize(
    ("text", "language", "digits"),
    [
        ("06 12 34 56 78", "fr", "0612345678"),
        ("0612345678", "fr", "0612345678"),
        ("06.12.34.56.78.", "fr", "0612345678"),
        ("0-6-1-2-3-4-5-6-7-8", "en", "0612345678"),
        ("zero six, twelve, thirty four, fifty six, seventy eight", "en", "0612345678"),
        ("Zero six twelve thirty-four fifty-six seventy-eight.", "en", "0612345678"),
        ("oh six one two three four five six seven eight", "en", "0612345678"),
        ("five oh five", "en", "505"),
        ("double five", "en", "55"),
        ("triple seven", "en", "777"),
        ("double oh seven", "en", "007"),
        ("double 5, triple 0", "en", "55000"),
        ("double seventy-eight", "en", "7878"),
        ("plus thirty three six twelve thirty-four fifty-six seventy-eight", "en", "+33612345678"),
        ("+33 6 12 34 56 78", "en", "+33612345678"),
        ("zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit", "fr", "0612345678"),
        ("zero six douze trente quatre cinquante six soixante dix huit", "fr", "0612345678"),
        ("zéro six douze", "fr", "0612"),
        ("quatre-vingt-dix-neuf", "fr", "99"),
        ("quatre-vingts, quatre-vingt-un, quatre-vingt-onze", "fr", "808191"),
        ("vingt et un, soixante et onze, soixante-douze, soixante dix sept", "fr", "21717277"),
        ("septante, huitante, octante, nonante-neuf", "fr", "70808099"),
        ("zéro un, quarante-deux", "fr", "0142"),
        ("plus trente-trois, six", "fr", "+336"),
        ("plus un deux un deux", "fr", "+1212"),
        ("one eight hundred five five five one two one two", "en", "18005551212"),
        ("five hundred and fifty five", "en", "555"),
        ("eight hundred twelve", "en", "812"),
        ("a hundred", "en", "100"),
        ("two thousand twenty", "en", "2020"),
        ("deux mille trois cents", "fr", "2300"),
        ("nineteen eighty-four", "en", "1984"),
        ("zero six 12 34 fifty-six 78", "en", "0612345678"),
        ("\uff10\uff16 \uff11\uff12", "fr", "0612"),  # full-width digits
    ],
)
def test_spoken_digits(text: str, language: str, digits: str) -> None:
    assert spoken_digits(text, language) == digits


@pytest.mark.parametrize(
    ("text", "language", "digits"),
    [
        # A pause keeps numbers apart: the caller said sixty, then twelve.
        ("sixty, twelve", "en", "6012"),
        ("soixante, douze", "fr", "6012"),
        ("soixante douze", "fr", "72"),
        ("quatre, vingt", "fr", "420"),
        # Words that are only numbers beside numbers.
        ("Oh, my number is 06 12", "en", "0612"),
        ("c'est un appartement", "fr", ""),
        ("il n'y a plus de chauffage", "fr", ""),
        ("a double bedroom", "en", ""),
        ("fifty cent", "en", "50"),
        ("hello, I'd like some information", "en", ""),
        # Only a "plus" said first is a country code.
        ("six plus six", "en", "66"),
    ],
)
def test_spoken_digits_reads_words_in_context(text: str, language: str, digits: str) -> None:
    assert spoken_digits(text, language) == digits


@pytest.mark.parametrize(
    ("text", "language", "region", "expected"),
    [
        ("My number is 06 12 34 56 78.", "en", "FR", MOBILE),
        ("C'est le 06 12 34 56 78.", "fr", "FR", MOBILE),
        ("Uh, zero six, twelve, thirty-four, fifty-six, seventy-eight.", "en", "FR", MOBILE),
        ("c'est le zéro six, euh, douze, trente-quatre, cinquante-six, soixante-dix-huit", "fr", "FR", MOBILE),
        ("Oui, zéro six douze trente-quatre cinquante-six soixante-dix-huit, voilà.", "fr", "FR", MOBILE),
        ("oh six one two three four five six seven eight", "en", "FR", MOBILE),
        ("06-12-34-56-78", "fr", "FR", MOBILE),
        ("6 12 34 56 78", "fr", "FR", MOBILE),  # the leading zero swallowed
        ("+33 6 12 34 56 78", "en", "US", MOBILE),
        ("plus thirty-three, six, twelve, thirty-four, fifty-six, seventy-eight", "en", "GB", MOBILE),
        ("+33 (0)6 12 34 56 78", "fr", "FR", MOBILE),
        ("double zero thirty-three six twelve thirty-four fifty-six seventy-eight", "en", "FR", MOBILE),
        ("zéro un, quarante-deux, soixante-huit, cinquante-trois, zéro zéro", "fr", "FR", "+33142685300"),
        ("One moment... OK, it's 06 12 34 56 78", "en", "FR", MOBILE),
        ("I'm in flat 2, my number is 06 12 34 56 78", "en", "FR", MOBILE),
        ("zero six twelve thirty-four, like, fifty-six seventy-eight", "en", "FR", MOBILE),
        ("zero six, sorry, zero six twelve thirty-four fifty-six seventy-eight", "en", "FR", MOBILE),
        ("two one two, five five five, zero one two three", "en", "US", "+12125550123"),
        ("(212) 555-0123", "en", "US", "+12125550123"),
        ("oh seven four double oh, one two three, four five six", "en", "GB", "+447400123456"),
        # The caller's region is unknown: French speakers fall back to France.
        ("06 12 34 56 78", "fr", None, MOBILE),
        ("zero six twelve thirty-four fifty-six seventy-eight", "en", "fr", MOBILE),
    ],
)
def test_parse_phone(text: str, language: str, region: str | None, expected: str) -> None:
    assert parse_phone(text, language, region) == expected


@pytest.mark.parametrize(
    ("text", "language", "region"),
    [
        ("zero six twelve", "fr", "FR"),  # too few digits
        ("06 12 34 56", "fr", "FR"),
        ("06 12 34 56 78 90 12", "fr", "FR"),  # too many
        ("00 00 00 00 00", "fr", "FR"),
        ("I don't have one", "en", "US"),
        ("", "en", "US"),
        ("112", "fr", "FR"),
        ("555 0123", "en", "US"),
    ],
)
def test_parse_phone_refuses_what_is_not_a_number(text: str, language: str, region: str) -> None:
    assert parse_phone(text, language, region) is None


def test_parse_phone_reads_national_numbers_in_the_callers_region_first() -> None:
    # An English speaker with no region known is read as American; the agency's region can be offered after.
    assert parse_phone("06 12 34 56 78", "en", None) is None
    assert parse_phone("06 12 34 56 78", "en", None, fallback_regions=["FR"]) == MOBILE


def test_region_of() -> None:
    assert region_of(MOBILE) == "FR"
    assert region_of("+12125550123") == "US"
    assert region_of("not a number") is None


@pytest.mark.parametrize(
    ("e164", "language", "spoken"),
    [
        (MOBILE, "en", "zero six, twelve, thirty-four, fifty-six, seventy-eight"),
        (MOBILE, "fr", "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit"),
        ("+33180719871", "fr", "zéro un, quatre-vingts, soixante et onze, quatre-vingt-dix-huit, soixante et onze"),
        ("+33621910017", "fr", "zéro six, vingt et un, quatre-vingt-onze, zéro zéro, dix-sept"),
        ("+33180719871", "en", "zero one, eighty, seventy-one, ninety-eight, seventy-one"),
        ("+12125550123", "en", "two one two, five five five, zero one two three"),
        ("+12125550123", "fr", "deux un deux, cinq cinq cinq, zéro un deux trois"),
        ("+447400123456", "en", "zero seven four zero zero, one two three, four five six"),
        ("+262692123456", "fr", "zéro six, quatre-vingt-douze, douze, trente-quatre, cinquante-six"),
    ],
)
def test_speak_phone(e164: str, language: str, spoken: str) -> None:
    assert speak_phone(e164, language) == spoken


def test_speak_phone_gives_the_country_code_for_a_number_from_elsewhere() -> None:
    assert speak_phone(MOBILE, "en", home_region="GB") == (
        "plus thirty-three, six, twelve, thirty-four, fifty-six, seventy-eight"
    )
    assert speak_phone("+12125550123", "fr", home_region="FR") == (
        "plus un, deux un deux, cinq cinq cinq, zéro un deux trois"
    )
    assert speak_phone(MOBILE, "fr", home_region="FR").startswith("zéro six")


def test_speak_phone_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        speak_phone("not a number", "en")


def test_last_digits() -> None:
    assert last_digits(MOBILE) == "5678"
    assert last_digits(MOBILE, 2) == "78"
    assert last_digits(MOBILE, 0) == ""


# --- Properties -------------------------------------------------------------------------------------------

french_mobiles = st.builds(
    lambda prefix, rest: f"+33{prefix}{rest:08d}", st.sampled_from("67"), st.integers(0, 99_999_999)
).filter(lambda n: phonenumbers.is_valid_number(phonenumbers.parse(n)))
languages = st.sampled_from(["en", "fr"])


@given(french_mobiles, languages)
def test_a_french_mobile_read_back_parses_to_itself(number: str, language: str) -> None:
    assert parse_phone(speak_phone(number, language), language, "FR") == number


@given(french_mobiles, languages, st.sampled_from(["GB", "US", "DE"]))
def test_a_french_mobile_read_back_abroad_parses_to_itself(number: str, language: str, home: str) -> None:
    # Said with its country code, it parses back whatever region the listener is in.
    assert parse_phone(speak_phone(number, language, home_region=home), language, home) == number


@given(
    french_mobiles,
    st.lists(st.sampled_from(["", " ", "-", ".", ", ", " - ", "  ", " uh ", " euh, "]), min_size=9, max_size=9),
    st.sampled_from(["", "My number is ", "C'est le ", "Uh, it's ", "Mon numéro, c'est le "]),
    st.sampled_from(["", ".", ", thanks.", ", merci.", "!"]),
)
def test_digits_with_any_separators_parse_back(number: str, separators: list[str], before: str, after: str) -> None:
    national = "0" + number[3:]
    text = before + "".join(d + s for d, s in zip(national, [*separators, ""], strict=True)) + after
    assert parse_phone(text, "fr", "FR") == number


@given(st.integers(0, 99), languages)
def test_every_pair_reads_back_as_itself(value: int, language: str) -> None:
    # A French number is said two digits at a time, so every pair from 00 to 99 must survive the round trip.
    number = f"+3361234{value:02d}56"
    assume(phonenumbers.is_valid_number(phonenumbers.parse(number)))
    assert spoken_digits(speak_phone(number, language), language) == "0" + number[3:]


@given(
    st.sampled_from(["+12125550123", "+447400123456", "+4915123456789", "+262692123456", "+33142685300"]),
    languages,
)
def test_other_numbers_read_back_parse_to_themselves(number: str, language: str) -> None:
    assert parse_phone(speak_phone(number, language), language, region_of(number)) == number


@given(st.text(max_size=200), st.sampled_from(["en", "fr", "de", ""]), st.sampled_from(["FR", "US", "GB", None]))
def test_reading_never_fails_on_any_text(text: str, language: str, region: str | None) -> None:
    digits = spoken_digits(text, language)
    assert re.fullmatch(r"\+?[0-9]*", digits)
    number = parse_phone(text, language, region)
    assert number is None or phonenumbers.is_valid_number(phonenumbers.parse(number))
