"""What a caller is looking for, from one Whisper transcript: rent or buy, where, how big, what budget.

Keyword and number rules in English and French, like `understanding`: they cost microseconds, give the same answer
every time, and only ever narrow a listing search (a criterion we miss widens it, it never invents a listing).
Whisper writes amounts in many ways ("1,500 euros", "1 500 €", "€1,500", "1.5k", "fifteen hundred euros", "quatre
cent mille euros"), so numbers are first rewritten as plain integers, then the text is folded and read by patterns.
"""

from __future__ import annotations

import re
import unicodedata

from synclead.agent.knowledge import ListingCriteria, ListingKind
from synclead.agent.offline.numbers import spoken_digits
from synclead.agent.offline.rules import classify_intent, fold

__all__ = ["arrondissement_of", "features_in", "parse_criteria"]

# --- Numbers as Whisper writes them -----------------------------------------------------------------------

# "1,500" "1 500" "1.500" "400 000" (thousands groups of exactly three), "1.5" "1,5" (decimals), then an optional
# multiplier: "1.5k", "400 k€", "2 grand", "1,2 million".
_DIGITS = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ ,.]\d{3})+(?!\d)|\d+)(?:[.,](\d+))?"
    r"(?:\s?(k|grand|millions?)(?![a-z]))?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[\u00a0\u202f\u2009]")
_SCALE = {"k": 1000, "grand": 1000, "million": 1_000_000, "millions": 1_000_000}


def _plain_number(match: re.Match[str]) -> str:
    whole, decimals, scale = match.group(1), match.group(2) or "", (match.group(3) or "").lower()
    if whole.startswith("0"):
        return match.group(0)  # a phone number or a time ("06 12…", "09:30"), not an amount
    value = float(re.sub(r"\D", "", whole) + ("." + decimals if decimals else ""))
    return f" {round(value * _SCALE.get(scale, 1))} "


_EN_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand"
)
_FR_NUMBER_WORDS = (
    "un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt vingts "
    "trente quarante cinquante soixante cent cents mille"
)
_NUMBER_WORD = rf"(?:{'|'.join((_EN_NUMBER_WORDS + ' ' + _FR_NUMBER_WORDS).split())})"
_WORD_RUN = re.compile(rf"\b{_NUMBER_WORD}(?: (?:and |et )?{_NUMBER_WORD})*\b(?: (million)s?\b)?")
# Small counts stay words ("two bedrooms", "trois pièces"); only what cannot be a count becomes digits.
_BIG_WORD = re.compile(
    r"\b(?:hundred|thousand|cents?|mille|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    r"|vingts?|trente|quarante|cinquante|soixante)\b"
)


def _spelled_number(match: re.Match[str], language: str) -> str:
    run = match.group(0)
    if match.group(1):  # "one million", "un million": spoken_digits has no millions
        digits = spoken_digits(run.rsplit(" ", 1)[0], language) or "1"
        return str(int(digits) * 1_000_000)
    if not _BIG_WORD.search(run):
        return run
    digits = spoken_digits(run, language)
    return digits.lstrip("+") or run


def _normalize(text: str, language: str) -> str:
    """Folded text with every amount as plain digits and "€", "m²" as words: "€1,500" → "euros 1500"."""
    text = unicodedata.normalize("NFKC", _SPACES.sub(" ", text))
    text = re.sub(r"m\s?²|m2\b", " m2 ", text)
    text = text.replace("€", " euros ").replace("$", " dollars ").replace("£", " pounds ")
    folded = fold(_DIGITS.sub(_plain_number, text))
    return _WORD_RUN.sub(lambda m: _spelled_number(m, language), folded)


_SMALL = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10,
}  # fmt: skip
_COUNT = r"(\d{1,2}|" + "|".join(_SMALL) + r")"


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _SMALL[word]


# --- Where ------------------------------------------------------------------------------------------------

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "premier": 1, "deuxieme": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5, "sixieme": 6,
    "septieme": 7, "huitieme": 8, "neuvieme": 9, "dixieme": 10, "onzieme": 11, "douzieme": 12, "treizieme": 13,
    "quatorzieme": 14, "quinzieme": 15, "seizieme": 16, "dix septieme": 17, "dix huitieme": 18,
    "dix neuvieme": 19, "vingtieme": 20,
}  # fmt: skip
_ORDINAL = r"(\d{1,2}) ?(?:e|eme|ieme|er|ere|th|st|nd|rd)|" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True))
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
)
# An ordinal is an arrondissement after "in the", "dans le", "Paris"…, never in "the 2nd floor", "le 1er mai".
_ARRONDISSEMENT = re.compile(
    rf"\b75(?:0(\d\d)|116)\b"
    rf"|\bparis (\d{{1,2}})\b"
    rf"|\b(?:in the|dans le|le|du|au|paris|near the|around the)"
    rf" ({_ORDINAL})(?! (?:floor|etage|of|{_MONTHS}))\b"
    rf"|\b({_ORDINAL}) arr(?:ondissement)?\b|\barrondissement (\d{{1,2}})\b|\bdans le (\d{{1,2}})\b"
)

_DISTRICTS = {
    "Montmartre": "montmartre|monmartre|mont martre", "Batignolles": "batignoll?es?",
    "Pigalle": "pigalle|pigal", "Marais": "marais", "Bastille": "bastille", "Belleville": "belleville",
    "Ménilmontant": "menilmontant", "Oberkampf": "oberkampf", "Montparnasse": "montparnasse",
    "Saint-Germain-des-Prés": "saint germain(?: des pres)?|st germain",
    "Quartier latin": "latin quarter|quartier latin",
    "Canal Saint-Martin": "canal saint martin", "Butte-aux-Cailles": "butte aux cailles", "Opéra": "opera",
    "Grands Boulevards": "grands boulevards", "Nation": "nation", "République": "republique|republic",
    "Trocadéro": "trocadero", "Passy": "passy", "Auteuil": "auteuil", "Ternes": "ternes", "Monceau": "monceau",
    "Buttes-Chaumont": "buttes? chaumont", "Bercy": "bercy", "Saint-Georges": "saint georges", "SoPi": "sopi",
}  # fmt: skip
_CITIES = {
    "Paris": "paris", "Lyon": "lyon", "Marseille": "marseille", "Bordeaux": "bordeaux", "Lille": "lille",
    "Nantes": "nantes", "Toulouse": "toulouse", "Nice": "nice", "Strasbourg": "strasbourg",
    "Montpellier": "montpellier", "Rennes": "rennes", "Boulogne-Billancourt": "boulogne(?: billancourt)?",
    "Neuilly-sur-Seine": "neuilly(?: sur seine)?", "Levallois-Perret": "levallois(?: perret)?",
    "Issy-les-Moulineaux": "issy(?: les moulineaux)?", "Vincennes": "vincennes", "Montreuil": "montreuil",
    "Saint-Denis": "saint denis", "Saint-Ouen": "saint ouen", "Clichy": "clichy", "Versailles": "versailles",
    "Courbevoie": "courbevoie", "Nanterre": "nanterre", "Pantin": "pantin",
}  # fmt: skip
_PLACES = [(name, re.compile(rf"\b(?:{pattern})\b")) for name, pattern in [*_DISTRICTS.items(), *_CITIES.items()]]
# An unknown place: Whisper capitalises it after "in", "à", "near": "a flat in Rouen", "à Annecy".
_BARE_ORDINAL = re.compile(rf"\b(?:{_ORDINAL})\b")
_CAPITALISED_PLACE = re.compile(
    r"\b(?:in|near|around|à|vers|du côté de)\s+([A-ZÉÈ][a-zéèêëàâîïôûüç'-]{2,}(?:[ -](?:[A-ZÉÈ][\w'-]+|sur|les))*)"
)
_NOT_PLACES = {
    "The", "Euros", "English", "French", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday",
    "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche",
}  # fmt: skip
_POSTCODE = re.compile(r"\b(?:in|a|dans le|near|code postal|postcode|zip code) (\d{5})\b(?! (?:euros?|dollars))")


def arrondissement_of(text: str) -> int | None:
    """The Paris arrondissement named in `text` ("9e", "Paris 9", "75009", "the ninth", "le neuvième"), or None.

    Also reads a listing's district field, where a bare "9e" or "18" needs no "in the" before it.
    """
    folded = _normalize(text, "fr")
    number = _arrondissement(folded) or _arrondissement(f"dans le {folded}")
    if number is None and (bare := _BARE_ORDINAL.search(folded)):
        number = _ordinal_value(bare.group(0))  # "Montmartre (18e)": a field is no sentence, any ordinal will do
    return number if number is not None and 1 <= number <= 20 else None


def _arrondissement(folded: str) -> int | None:
    match = _ARRONDISSEMENT.search(folded)
    if not match:
        return None
    if match.group(0) == "75116":
        return 16
    number = _ordinal_value(next(group for group in match.groups() if group))
    return number if 1 <= number <= 20 else None


def _ordinal_value(found: str) -> int:
    digits = re.match(r"\d+", found)
    return int(digits.group(0)) if digits else _ORDINAL_WORDS[found]


def _area(folded: str, original: str) -> str | None:
    number = _arrondissement(folded)
    if number is not None:
        return "1er" if number == 1 else f"{number}e"
    # Districts are listed before cities, so "Montmartre, Paris" gives the more precise one.
    for name, pattern in _PLACES:
        if pattern.search(folded):
            return name
    for match in _CAPITALISED_PLACE.finditer(original):
        if match.group(1).split()[0] not in _NOT_PLACES:
            return match.group(1)
    postcode = _POSTCODE.search(folded)
    return postcode.group(1) if postcode else None


# --- What kind, how big, how much -------------------------------------------------------------------------

_RENT = re.compile(
    r"\b(?:rent|rents|rental|rentals|renting|to let|for let|lease|leasing|louer|loue|a louer|en location"
    r"|loyer|colocation|flatshare|flat share|a month|per month|monthly|par mois|mensuels?)\b"
)
_RENT_FR_ONLY = re.compile(r"\blocations?\b")  # in English a "location" is a place
_SALE = re.compile(
    r"\b(?:buy|buying|purchase|purchasing|for sale|acheter|achete|achat|acquerir|acquisition|a vendre|en vente"
    r"|invest|investir)\b"
)
_MONTHLY = re.compile(r"\b(?:a month|per month|monthly|par mois|mensuels?|mois)\b")
_BEDROOMS = re.compile(rf"\b{_COUNT} ?(?:bedrooms?|beds?|br|chambres?)\b")
_ROOMS = re.compile(rf"\b{_COUNT} ?(?:rooms?|pieces?|p)\b|\b(?:t|f|type) ?(\d)\b")
_STUDIO = re.compile(r"\bstudios?\b")
_CURRENCY = r"(?:euros?|eur|dollars?|pounds?|balles)"
_SURFACE = re.compile(r"\b(\d+) ?(?:m2|m 2|metres? carres?|meters? carres?|square (?:metres?|meters?)|sq ?m|sqm)\b")
# A number is an amount when a currency or "a month" follows it, or a budget word comes just before it.
_AMOUNT = r"([1-9]\d{2,})"
_AMOUNT_AFTER = re.compile(rf"\b{_AMOUNT} ?(?:{_CURRENCY}|a month|per month|par mois|monthly)\b")
_AMOUNT_BEFORE = re.compile(
    rf"\b(?:under|below|less than|max|maximum|up to|no more than|not more than|at most|budget(?: is| of)?"
    rf"|around|about|approximately|roughly|for|moins de|jusqu a|pas plus de|au plus|budget de"
    rf"|autour de|environ|dans les|aux alentours de|{_CURRENCY})"
    rf"(?: (?:of|is|de|d|a|an|the|my|mon|est))* {_AMOUNT}\b(?! ?(?:m2|m 2|square|metres|meters|sq))"
)
_AMOUNT_CEILING = re.compile(rf"\b{_AMOUNT} ?(?:max|maximum|maxi|tops|at most|at the most|grand max)\b")
_AMOUNT_RANGE = re.compile(rf"\b(?:between|from|entre|de) {_AMOUNT} (?:and|to|et|a) {_AMOUNT}\b")
# "Around 2000" is not a hard ceiling: a listing a little above is still worth telling the caller about.
_APPROXIMATE = re.compile(
    r"\b(?:around|about|approximately|roughly|something like|environ|autour de|dans les|aux alentours"
    r"|a peu pres|grosso modo)\b"
)
_APPROXIMATE_SLACK = 0.10
_MIN_AMOUNT = 200  # "under 50" is never a rent or a price in euros; a smaller number is something else
_MAX_AMOUNT = 100_000_000  # anything larger is a phone number said with a budget word before it
_SALE_FROM = 50_000  # no monthly rent reaches this; a budget this large is a purchase

_FEATURES = {
    "balcony": r"balcon(?:y|ies|s)?", "lift": r"lifts?|elevators?|ascenseurs?",
    "parking": r"parking|car park|parking space|garage|place de parking|stationnement",
    "terrace": r"terraces?|terrasses?", "garden": r"gardens?|jardins?", "furnished": r"furnished|meublee?s?",
}  # fmt: skip
_FEATURE_PATTERNS = [(name, re.compile(rf"\b(?:{pattern})\b")) for name, pattern in _FEATURES.items()]
_NOT_FURNISHED = re.compile(r"\b(?:unfurnished|non meublee?s?|pas meublee?s?|vide)\b")

# --- Is it a search at all --------------------------------------------------------------------------------

_PROPERTY = re.compile(
    r"\b(?:apartments?|flats?|houses?|homes?|properties|property|lofts?|duplex|studios?|places?|villas?"
    r"|appartements?|apparts?|maisons?|logements?|pavillons?|un bien|des biens|vos biens)\b"
)
_SEEKING = re.compile(
    r"\b(?:looking for|look for|searching|search for|i m after|interested in|do you have|have you got|got any"
    r"|any available|is there|are there|available"
    r"|cherche|recherche|cherchons|vous avez|avez vous|auriez vous|est ce que vous avez|disponibles?"
    r"|(?:want|like|wanted|hoping|looking|need) to (?:rent|buy)|(?:louer|acheter) (?:un|une|des))\b"
)
# An owner selling, letting or valuing their own place, or a tenant with a problem, is not searching.
_NOT_SEEKERS = {"sell", "valuation", "property_management", "tenant_issue"}
_OWNER = re.compile(
    r"\b(?:rent out|let out|(?:rent|let|sell) (?:my|our) (?:\w+ ){0,2}(?:flat|apartment|house|home|place|property"
    r"|studio)|louer (?:mon|ma|notre)|mettre en location|vendre (?:mon|ma|notre))\b"
)
# Questions about the agency itself ("your fees for a rental", "documents to rent a flat") are answered from
# its documents, not its listings, unless the caller also gave hard criteria.
_AGENCY_QUESTION = re.compile(
    r"\b(?:fees?|commission|charge for|honoraires|frais|tarifs?|hours|opening|open|close|closed|horaires"
    r"|ouverts?|ouverture|fermes?|fermeture|documents?|papers|paperwork|dossier|pieces? (?:justificatives?|a fournir)"
    r"|justificatifs?|guarantor|garant|deposit|depot de garantie|address|adresse|where are you|ou etes vous"
    r"|located|situes?|how does it work|comment ca marche)\b"
)


def _kind(folded: str, language: str, max_price: int | None) -> ListingKind | None:
    rent = bool(_RENT.search(folded) or (language.startswith("fr") and _RENT_FR_ONLY.search(folded)))
    sale = bool(_SALE.search(folded))
    if rent != sale:
        return "rent" if rent else "sale"
    if max_price is not None:
        return "sale" if max_price >= _SALE_FROM else "rent" if _MONTHLY.search(folded) else None
    return None


def _max_price(folded: str) -> int | None:
    amounts = [
        int(m.group(m.lastindex or 1))
        for p in (_AMOUNT_AFTER, _AMOUNT_BEFORE, _AMOUNT_CEILING, _AMOUNT_RANGE)
        for m in p.finditer(folded)
    ]
    # Paris postcodes are numbers too; "between 1200 and 1500" keeps the ceiling.
    amounts = [a for a in amounts if _MIN_AMOUNT <= a <= _MAX_AMOUNT and not (75001 <= a <= 75020 or a == 75116)]
    if not amounts:
        return None
    ceiling = max(amounts)
    return round(ceiling * (1 + _APPROXIMATE_SLACK)) if _APPROXIMATE.search(folded) else ceiling


def _min_surface(folded: str) -> float | None:
    match = _SURFACE.search(folded)
    if not match:
        return None
    surface = float(match.group(1))
    return surface * (1 - _APPROXIMATE_SLACK) if _APPROXIMATE.search(folded) else surface


def _rooms(folded: str) -> tuple[int | None, int | None]:
    bedrooms = _BEDROOMS.search(folded)
    rooms = _ROOMS.search(folded)
    min_rooms = (_count(rooms.group(1)) if rooms.group(1) else int(rooms.group(2))) if rooms else None
    if min_rooms is None and _STUDIO.search(folded):
        min_rooms = 1
    return min_rooms, _count(bedrooms.group(1)) if bedrooms else None


def _features(folded: str) -> tuple[str, ...]:
    found = tuple(name for name, pattern in _FEATURE_PATTERNS if pattern.search(folded))
    return tuple(f for f in found if f != "furnished" or not _NOT_FURNISHED.search(folded))


def features_in(text: str) -> tuple[str, ...]:
    """The features named in `text` ("Balcon, ascenseur"), as the tags of `ListingCriteria.features`."""
    return _features(_normalize(text, "en"))


def parse_criteria(text: str, language: str) -> ListingCriteria | None:
    """The listing search the caller describes, or None when `text` is not about finding a property.

    "A two-bedroom flat to rent in the 9th, under 1,800 euros" gives kind "rent", area "9e", min_bedrooms 2 and
    max_price 1800. Areas come back as "9e" ("1er") for a Paris arrondissement, else a district or city name;
    features as "balcony", "lift", "parking", "terrace", "garden", "furnished".
    """
    folded = _normalize(text, language)
    if not folded:
        return None
    max_price = _max_price(folded)
    min_rooms, min_bedrooms = _rooms(folded)
    min_surface = _min_surface(folded)
    criteria = ListingCriteria(
        kind=_kind(folded, language, max_price),
        area=_area(folded, text),
        min_rooms=min_rooms,
        min_bedrooms=min_bedrooms,
        max_price=max_price,
        min_surface_m2=min_surface,
        features=_features(folded),
    )
    seeking = bool(_SEEKING.search(folded))
    if _OWNER.search(folded) or (not seeking and classify_intent(text, language) in _NOT_SEEKERS):
        return None
    hard = any(v is not None for v in (min_rooms, min_bedrooms, max_price, min_surface))
    if hard:
        return criteria
    if _AGENCY_QUESTION.search(folded):
        return None
    if criteria.kind is not None:
        return criteria
    if _PROPERTY.search(folded) and (criteria.area or criteria.features or seeking):
        return criteria
    return None


# --- A property the caller owns -----------------------------------------------------------------------------

_KINDS = [
    ("house", "maison", r"houses?|maisons?|villas?|pavillons?|cottages?|bungalows?"),
    ("studio", "studio", r"studios?"),
    ("loft", "loft", r"lofts?"),
    ("duplex", "duplex", r"duplex"),
    ("apartment", "appartement", r"apartments?|flats?|appartements?|apparts?|(?:t|f|type) ?\d|\d ?pieces?"),
    ("commercial premises", "local commercial", r"shops?|offices?|commercial|local commercial|bureaux?|commerces?"),
    ("land", "terrain", r"land|plot|terrain"),
]  # fmt: skip
_KIND_PATTERNS = [(english, french, re.compile(rf"\b(?:{pattern})\b")) for english, french, pattern in _KINDS]


def property_kind(text: str, language: str) -> str | None:
    """What kind of property the caller describes ("apartment", "maison"), in the caller's language."""
    folded = _normalize(text, language)
    for english, french, pattern in _KIND_PATTERNS:
        if pattern.search(folded):
            return french if language == "fr" else english
    return None


def property_size(text: str, language: str) -> str | None:
    """How big the caller says the property is, as they would read it back: "65 m²", "3 rooms", "2 bedrooms"."""
    folded = _normalize(text, language)
    french = language == "fr"
    if surface := _SURFACE.search(folded):
        return f"{surface.group(1)} m²"
    rooms, bedrooms = _rooms(folded)
    if rooms is not None and not (rooms == 1 and _STUDIO.search(folded)):
        return f"{rooms} pièces" if french else f"{rooms} rooms"
    if bedrooms is not None:
        return f"{bedrooms} chambres" if french else f"{bedrooms} bedrooms"
    return None
