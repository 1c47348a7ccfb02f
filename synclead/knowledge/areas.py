"""Where a caller wants to live, matched against where a listing is: arrondissements said every way, or names.

A caller (or the model writing a tool call for one) says "the 9th", "9ème", "Paris 9", "75009" or "neuvième"; a
listing's CSV says "9e arrondissement" or "Paris 9e". Both sides are reduced to the arrondissement's number. Lyon
and Marseille have arrondissements too, so a city named alongside the number must match as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from synclead.knowledge.lexical import fold

_EN_ORDINALS_TEXT = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
_FR_ORDINALS_TEXT = (
    "premier deuxieme troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme onzieme douzieme "
    "treizieme quatorzieme quinzieme seizieme dix-septieme dix-huitieme dix-neuvieme vingtieme"
)
_ORDINALS = {
    word: n for words in (_EN_ORDINALS_TEXT.split(), _FR_ORDINALS_TEXT.split()) for n, word in enumerate(words, start=1)
}
_ORDINALS.update({"premiere": 1, "second": 2, "seconde": 2, "dix septieme": 17, "dix huitieme": 18, "dix neuvieme": 19})
_ORDINAL_WORDS = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _ORDINALS), key=len, reverse=True)) + r")\b")
# 75009, 75 009, and 75116 (the 16th's second postcode).
_POSTCODE = re.compile(r"\b(?:75|69|13)\s?0?(\d{2})\b|\b75116\b")
_NUMBERED = re.compile(r"\b(\d{1,2})\s*(?:e|er|ere|eme|ieme|th|st|nd|rd|arr\w*)?\b")
_ROMAN = re.compile(r"\b([ivx]{1,5})(?:e|er|eme)\b")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
# Words that only frame the place ("the 9th district", "le quartier du Marais").
_FILLER_TEXT = (
    "the a in at near around district area neighbourhood neighborhood quarter arrondissement arr le la les l du de "
    "des dans a cote pres quartier secteur vers city ville centre center"
)
_FILLER = frozenset(_FILLER_TEXT.split())
_CITY_OF_POSTCODE = {"75": "paris", "69": "lyon", "13": "marseille"}


def _roman(numeral: str) -> int | None:
    total, previous = 0, 0
    for char in reversed(numeral):
        value = _ROMAN_VALUES[char]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total if 1 <= total <= 20 else None


@dataclass(frozen=True, slots=True)
class Place:
    arrondissement: int | None
    words: tuple[str, ...]  # the rest: a city, a district's name


def parse_place(text: str) -> Place:
    """An arrondissement number if `text` names one, and the other meaningful words."""
    folded = fold(text).replace("-", " ").replace("'", " ")
    number: int | None = None
    city: str | None = None
    if match := _POSTCODE.search(folded):
        number = 16 if match.group(0) == "75116" else int(match.group(1))
        city = _CITY_OF_POSTCODE.get(match.group(0)[:2])
        folded = folded.replace(match.group(0), " ")
    elif match := _ORDINAL_WORDS.search(folded.replace("dix ", "dix-")) or _ORDINAL_WORDS.search(folded):
        number = _ORDINALS[match.group(1)]
        folded = folded.replace(match.group(1).replace("-", " "), " ")
    elif match := _NUMBERED.search(folded):
        number = int(match.group(1))
        folded = folded[: match.start()] + " " + folded[match.end() :]
    elif match := _ROMAN.search(folded):
        number = _roman(match.group(1))
        folded = folded[: match.start()] + " " + folded[match.end() :]
    if number is not None and not 1 <= number <= 20:
        number = None
    words = [w for w in re.findall(r"[a-z0-9]+", folded) if w not in _FILLER and w not in _ORDINALS]
    if city and city not in words:
        words.append(city)
    return Place(number, tuple(words))


def matches(area: str, district: str, city: str) -> bool:
    """Whether a listing in `district`, `city` is in the `area` a caller asked for."""
    wanted = parse_place(area)
    listing = parse_place(f"{district} {city}")
    if wanted.arrondissement is not None:
        if listing.arrondissement != wanted.arrondissement:
            return False
        # "Paris 9" and "9e" both mean Paris's 9th for an agency in Paris; "Lyon 3e" must not match Paris 3e.
        return all(word in listing.words for word in wanted.words)
    if not wanted.words:
        return True
    return all(word in listing.words for word in wanted.words)
