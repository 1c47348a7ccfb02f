"""Phone numbers as callers say them, and as the agent reads them back.

The text comes from Whisper on phone audio, so one number arrives in every spelling: "06 12 34 56 78",
"0-6-1-2…", "zero six, twelve, thirty-four…", "oh six one two…", "double five", "plus thirty-three six…",
"zéro six, douze, trente-quatre…", "quatre-vingt-dix-neuf", mixed with fillers and punctuation. We turn the
words into digits ourselves and let `phonenumbers` decide what is a real number. Pure Python, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeGuard

import phonenumbers

__all__ = ["last_digits", "parse_phone", "region_of", "speak_phone", "spoken_digits"]

TokenKind = Literal["digits", "number", "scale", "repeat", "plus", "and", "filler", "pause", "other"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TokenKind
    word: str  # lower-cased, accents removed: "zéro" and "zero" look the same
    value: int = 0  # a number's value, a scale's factor (100, 1000) or a repeat's count


_EN_NUMBERS = {
    "zero": 0, "nought": 0, "naught": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_FR_NUMBERS = {
    "zero": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    # Belgian and Swiss callers count differently above sixty.
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "hundreds": 100, "thousand": 1000, "cent": 100, "cents": 100, "mille": 1000}
# Words that are numbers in one language and ordinary words in the other ("fifty cent", "plus de chauffage").
_FRENCH_ONLY = {"cent", "cents", "mille"}
_REPEATS = {"double": 2, "triple": 3}
_CONNECTORS = {"and", "et"}
_FILLERS = {
    "uh", "um", "umm", "uhm", "er", "erm", "ah", "eh", "hmm", "mm", "then", "dash", "hyphen", "so",
    "euh", "heu", "hum", "ben", "bah", "puis", "tiret", "alors",
}  # fmt: skip
# Said for 0 (English) and 1 (French), but also an exclamation and an article: only read as digits beside numbers.
_ZERO_LIKE = {"oh", "o"}
_ONE_LIKE = {"un", "une"}

_TOKEN = re.compile(r"\+|\d+|[^\W\d_]+|[.,;:!?…]+")
_LANGUAGE_REGIONS = {"fr": "FR", "en": "US"}
# Regions where a number is said two digits at a time: "zéro six, douze, trente-quatre…".
_PAIR_REGIONS = {"FR", "MC", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF"}

_EN_SAY = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_FR_SAY = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
           "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]  # fmt: skip
_FR_TENS = ["", "", "vingt", "trente", "quarante", "cinquante", "soixante"]


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _base_language(language: str) -> str:
    return language.strip().lower()[:2]


# --- Reading: text -> tokens -> digit runs -------------------------------------------------------------


def _classify(word: str, language: str) -> _Token:
    """What a word is out of context; the few words that depend on their neighbours stay "other" for now."""
    if word == "+":
        return _Token("plus", word)
    if word.isdigit():
        # Whatever digits the recogniser wrote (Arabic-Indic, full-width), the agent works with ASCII ones.
        return _Token("digits", "".join(str(unicodedata.digit(ch)) for ch in word))
    if not word[:1].isalpha():
        return _Token("pause", word)
    if word in _SCALES and (word not in _FRENCH_ONLY or language == "fr"):
        return _Token("scale", word, _SCALES[word])
    # Both vocabularies are accepted whatever the label: Whisper mislabels short answers, callers mix languages.
    value = _EN_NUMBERS.get(word, _FR_NUMBERS.get(word))
    if value is not None:
        return _Token("number", word, value)
    if word in _CONNECTORS:
        return _Token("and", word)
    if word in _FILLERS:
        return _Token("filler", word)
    return _Token("other", word)


def _tokens(text: str, language: str) -> list[_Token]:
    raw = [_classify(_fold(match), language) for match in _TOKEN.findall(text)]
    return [_resolve(raw, i, language) for i in range(len(raw))]


def _could_be_number(token: _Token | None) -> bool:
    return token is not None and (
        token.kind in ("digits", "number", "scale") or token.word in _ZERO_LIKE | _ONE_LIKE | _REPEATS.keys()
    )


def _neighbour(tokens: list[_Token], i: int, step: int, skip: set[str]) -> _Token | None:
    i += step
    while 0 <= i < len(tokens) and tokens[i].kind in skip:
        i += step
    return tokens[i] if 0 <= i < len(tokens) else None


def _resolve(tokens: list[_Token], i: int, language: str) -> _Token:
    """Decide the context-dependent words: "oh", "un", "a", "plus", "double"."""
    token = tokens[i]
    if token.kind != "other":
        return token
    word = token.word
    before, after = _neighbour(tokens, i, -1, set()), _neighbour(tokens, i, +1, set())
    if word in _ZERO_LIKE and language != "fr" and (_could_be_number(before) or _could_be_number(after)):
        return _Token("number", word, 0)
    if word in _ONE_LIKE and language != "en":
        # "zéro un", "plus un", "vingt et un" — never the article in "c'est un appartement".
        previous = _neighbour(tokens, i, -1, {"filler", "pause", "and"})
        if _could_be_number(previous) or (previous is not None and previous.word in ("plus", "+")):
            return _Token("number", word, 1)
    if word == "a" and language != "fr" and after is not None and after.kind == "scale":
        return _Token("number", word, 1)
    following = _neighbour(tokens, i, +1, {"filler", "pause"})
    if word == "plus" and _could_be_number(following):
        return _Token("plus", word)
    if word in _REPEATS and _could_be_number(following):
        return _Token("repeat", word, _REPEATS[word])
    return token


def _runs(tokens: list[_Token]) -> list[list[_Token]]:
    """Split at ordinary words: fillers and punctuation may sit inside a number, "my" or "and I" may not."""
    runs: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind == "other":
            runs.append([])
        else:
            runs[-1].append(token)
    return [run for run in runs if any(t.kind in ("digits", "number", "scale") for t in run)]


def _at(tokens: list[_Token], i: int) -> _Token | None:
    # Words only combine when said together: a pause ("sixty, twelve") or a filler keeps them apart.
    return tokens[i] if i < len(tokens) else None


def _is_number(token: _Token | None, low: int, high: int) -> TypeGuard[_Token]:
    return token is not None and token.kind == "number" and low <= token.value <= high


def _teen(tokens: list[_Token], i: int) -> tuple[int, int]:
    """Ten to nineteen, French "dix-sept"…"dix-neuf" included."""
    value = tokens[i].value
    if tokens[i].word == "dix" and _is_number(_at(tokens, i + 1), 7, 9):
        return 10 + tokens[i + 1].value, i + 2
    return value, i + 1


def _after_tens(tokens: list[_Token], i: int, tens: int, french_teens: bool) -> tuple[int, int]:
    """What may follow a multiple of ten: "-four", "et un", and in French "soixante-douze", "quatre-vingt-dix"."""
    nxt = _at(tokens, i)
    if _is_number(nxt, 1, 9):
        return tens + nxt.value, i + 1
    if nxt is not None and nxt.kind == "and" and _at(tokens, i + 1) is not None:
        joined = tokens[i + 1]
        if joined.kind == "number" and joined.value in (1, 11):
            return tens + joined.value, i + 2
    if french_teens and nxt is not None and nxt.word in _FR_NUMBERS and _is_number(nxt, 10, 19):
        teen, j = _teen(tokens, i)
        return tens + teen, j
    return tens, i


def _below_hundred(tokens: list[_Token], i: int) -> tuple[int, int]:
    token = tokens[i]
    nxt = _at(tokens, i + 1)
    if token.value == 4 and nxt is not None and nxt.word in ("vingt", "vingts"):
        return _after_tens(tokens, i + 2, 80, french_teens=True)
    if 10 <= token.value <= 19:
        return _teen(tokens, i)
    if token.value >= 20:
        return _after_tens(tokens, i + 1, token.value, french_teens=token.word == "soixante")
    return token.value, i + 1


def _tail(tokens: list[_Token], i: int) -> tuple[int, int]:
    """What may follow "hundred" or "thousand" and add to it.

    A lone digit does not: "one eight hundred five five five…" is 1-800-555, not 805.
    """
    nxt = _at(tokens, i)
    if nxt is not None and nxt.kind == "and" and _is_number(_at(tokens, i + 1), 0, 99):
        return _below_hundred(tokens, i + 1)
    if _is_number(nxt, 10, 99):
        return _below_hundred(tokens, i)
    return 0, i


def _hundreds(tokens: list[_Token], i: int) -> tuple[int | None, int]:
    token = tokens[i]
    if token.kind == "scale":
        if token.value == 1000:
            return None, i  # "mille" alone: the caller multiplies
        value, j = 100, i + 1
    else:
        value, j = _below_hundred(tokens, i)
        nxt = _at(tokens, j)
        if nxt is None or nxt.kind != "scale" or nxt.value != 100:
            return value, j
        value, j = value * 100, j + 1
    rest, j = _tail(tokens, j)
    return value + rest, j


def _read_number(tokens: list[_Token], i: int) -> tuple[str, int]:
    """Read one spoken number starting at `i`; returns its digits and where it ends."""
    value, i = _hundreds(tokens, i)
    nxt = _at(tokens, i)
    if nxt is None or nxt.kind != "scale" or nxt.value != 1000:
        return str(value), i
    value = (value or 1) * 1000  # "mille" and "thousand" alone are one thousand
    after, later = _at(tokens, i + 1), _at(tokens, i + 2)
    if after is not None and (after.kind == "scale" or (later is not None and later.kind == "scale")):
        rest, i = _hundreds(tokens, i + 1)  # "two thousand three hundred"
    else:
        rest, i = _tail(tokens, i + 1)
    return str(value + (rest or 0)), i


def _read_run(run: list[_Token]) -> str:
    out: list[str] = []
    i = 0
    while i < len(run):
        token = run[i]
        count = 1
        if token.kind == "repeat" and i + 1 < len(run) and run[i + 1].kind in ("digits", "number", "scale"):
            count, i = token.value, i + 1  # "double five", "triple seven"
            token = run[i]
        if token.kind == "digits":
            out.append(token.word * count)
            i += 1
        elif token.kind in ("number", "scale"):
            digits, i = _read_number(run, i)
            out.append(digits * count)
        else:
            if token.kind == "plus" and not out:
                out.append("+")
            i += 1
    return "".join(out)


def _digit_runs(text: str, language: str) -> list[str]:
    return [_read_run(run) for run in _runs(_tokens(text, _base_language(language)))]


def _joined(runs: list[str]) -> str:
    # Only a "plus" said before everything else is a country-code prefix.
    return runs[0] + "".join(run.lstrip("+") for run in runs[1:]) if runs else ""


def spoken_digits(text: str, language: str) -> str:
    """All the digits said in `text`, in order, as one string; starts with '+' when the caller said "plus".

    >>> spoken_digits("zero six, twelve, thirty four, fifty six, seventy eight", "en")
    '0612345678'
    >>> spoken_digits("plus trente-trois six, quatre-vingt-dix-neuf", "fr")
    '+33699'
    """
    return _joined(_digit_runs(text, language))


# --- Validating -------------------------------------------------------------------------------------------


def _regions(default_region: str | None, language: str, fallback_regions: Iterable[str]) -> list[str]:
    ordered = [default_region, _LANGUAGE_REGIONS.get(_base_language(language), "US"), *fallback_regions]
    return list(dict.fromkeys(region.upper() for region in ordered if region))


def _valid_e164(candidate: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(
    text: str, language: str, default_region: str | None = None, fallback_regions: Sequence[str] = ()
) -> str | None:
    """The phone number said in `text`, in E.164, or None when no valid number was said.

    `default_region` is the caller's own region (see `region_of`) and decides how a national number such as
    "06 12 34 56 78" is read; when it is unknown or the number is not valid there, the language's region is
    tried (fr → FR, en → US), then `fallback_regions` (the agency's own region, say).
    """
    runs = _digit_runs(text, language)
    # Each stretch of numbers on its own first ("flat 2… it's 06 12 34 56 78"), then everything said together,
    # for a number broken by a word ("zero six twelve, like, thirty-four…"). A fragment is too short to be valid.
    candidates = list(dict.fromkeys(c for c in (*runs, _joined(runs)) if sum(ch.isdigit() for ch in c) >= 3))
    for region in _regions(default_region, language, fallback_regions):
        for candidate in candidates:
            e164 = _valid_e164(candidate, region)
            if e164 is not None:
                return e164
    return None


def region_of(e164: str) -> str | None:
    """The region (ISO 3166 code) a number belongs to, e.g. the caller's own, for `parse_phone`."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region != "ZZ" else None


def last_digits(e164: str, n: int = 4) -> str:
    """The last `n` digits, for "the number ending in 5678"."""
    digits = re.sub(r"\D", "", e164)
    return digits[-n:] if n > 0 else ""


# --- Speaking ---------------------------------------------------------------------------------------------


def _say_en(value: int) -> str:
    if value < 20:
        return _EN_SAY[value]
    tens, unit = divmod(value, 10)
    return _EN_TENS[tens] + (f"-{_EN_SAY[unit]}" if unit else "")


def _say_fr(value: int) -> str:
    if value < 20:
        return _FR_SAY[value]
    if value < 70:
        tens, unit = divmod(value, 10)
        joiner = " et " if unit == 1 else "-"
        return _FR_TENS[tens] + (joiner + _FR_SAY[unit] if unit else "")
    if value < 80:
        return "soixante" + (" et " if value == 71 else "-") + _FR_SAY[value - 60]
    if value == 80:
        return "quatre-vingts"
    return "quatre-vingt-" + _FR_SAY[value - 80]


def _say_number(value: int, language: str) -> str:
    return _say_fr(value) if language == "fr" else _say_en(value)


def _say_pair(pair: str, language: str) -> str:
    # "06" is "zero six", never "six"; a pair without a leading zero is one number: "12" is "twelve".
    if len(pair) == 1 or pair.startswith("0"):
        return " ".join(_say_number(int(digit), language) for digit in pair)
    return _say_number(int(pair), language)


def _say_digits(group: str, language: str) -> str:
    return " ".join(_say_number(int(digit), language) for digit in group)


def _pairs_from_right(digits: str) -> list[str]:
    head = digits[: len(digits) % 2]
    return ([head] if head else []) + [digits[i : i + 2] for i in range(len(head), len(digits), 2)]


def _small_groups(group: str) -> list[str]:
    # Six digits and more are hard to hold in the ear; say them three at a time, never leaving one alone.
    if len(group) <= 5:
        return [group]
    chunks = [group[i : i + 3] for i in range(0, len(group), 3)]
    if len(chunks[-1]) == 1:
        chunks[-2:] = [chunks[-2] + chunks[-1]]
    return chunks


def speak_phone(e164: str, language: str, home_region: str | None = None) -> str:
    """How a person would read the number back, in `language` ("en" or "fr").

    French numbers go by pairs ("zero six, twelve, thirty-four…" / "zéro six, douze, trente-quatre…"), others
    digit by digit in small groups. The national format is used unless `home_region` is given and the number
    belongs elsewhere; then it starts with "plus" and the country code.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"not an E.164 number: {e164!r}") from error
    language = _base_language(language)
    region = phonenumbers.region_code_for_number(number)
    international = home_region is not None and region != home_region.upper()
    style = phonenumbers.PhoneNumberFormat.INTERNATIONAL if international else phonenumbers.PhoneNumberFormat.NATIONAL
    groups = re.findall(r"\d+", phonenumbers.format_number(number, style))
    parts: list[str] = []
    if international:
        code = groups.pop(0)
        plus = "plus " + (_say_number(int(code), language) if len(code) <= 2 else _say_digits(code, language))
        parts.append(plus)
    if region in _PAIR_REGIONS:
        parts += [_say_pair(pair, language) for pair in _pairs_from_right("".join(groups))]
    else:
        parts += [_say_digits(chunk, language) for group in groups for chunk in _small_groups(group)]
    return ", ".join(parts)
