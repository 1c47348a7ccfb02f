"""What the receptionist says beyond the answering agent's phrases, and how it speaks a listing, in English and French.

Everything here is read aloud by a speech synthesiser: amounts are written the way each voice reads them best
(Piper reads "1,650"; espeak's French voice reads "1650" but stumbles on "1 650" and "9e"), ordinals in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from string import Template

from synclead.agent.knowledge import Listing
from synclead.agent.offline.criteria import arrondissement_of, features_in
from synclead.agent.offline.rules import fold

__all__ = ["describe_listing", "listing_note", "say", "speak_hours"]

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "anything_else": "Is there anything else I can help you with?",
        "go_ahead": "Of course, what would you like to know?",
        "how_can_i_help": "How can I help you?",
        "no_info": "I don't have that information, but I can take a message and an advisor will call you back.",
        "take_message": "Of course, I'll take a message and an advisor will call you back.",
        "no_listing": (
            "I'm sorry, we have nothing matching that at the moment, but I can take a message and an advisor "
            "will call you back when something comes up."
        ),
        "ask_name": "May I have your name?",
        "listings_one": "We have $first.",
        "listings_two": "We have $first. We also have $second.",
        "offer_one": "Would you like an advisor to call you about it?",
        "offer_two": "Would you like an advisor to call you about them?",
        "offer_callback": "Would you like an advisor to call you back$name?",
        "no_problem": "No problem.",
        "goodbye": "Thank you for calling $org. Goodbye!",
        "ask_address": "What is the address of the property?",
        "ask_address_again": "Sorry, could you repeat the address, with the street and the town?",
        "ask_kind": "Is it an apartment or a house?",
        "ask_kind_again": "Sorry, what kind of property is it: an apartment, a house?",
        "ask_size": "About how big is it, in square metres or in rooms?",
        "ask_size_again": "Sorry, roughly how many square metres, or how many rooms?",
        "ask_time": "When would suit you for the viewing?",
        "ask_time_again": "Sorry, which day and time would suit you?",
        "seller": "Of course, we can help you sell your property.",
        "valuation": "Of course, we can value your property.",
        "offer_valuation": (
            "Would you like a valuation appointment? An advisor will call you back to set a time with you."
        ),
        "viewing": "Of course, I'll arrange that with an advisor.",
        "urgent": "I understand, I'm noting this as urgent.",
        "transfer": "I understand, this is urgent. I'm putting you through to an advisor now.",
        "fallback": "No matter, an advisor will go through it with you.",
        "goodbye_callback": (
            "Thank you$name. An advisor from $org will call you back on the number ending in $digits as soon as "
            "possible. Goodbye!"
        ),
    },
    "fr": {
        "anything_else": "Puis-je vous aider pour autre chose ?",
        "go_ahead": "Bien sûr, que souhaitez-vous savoir ?",
        "how_can_i_help": "Que puis-je faire pour vous ?",
        "no_info": ("Je n'ai pas cette information, mais je peux prendre un message et un conseiller vous rappellera."),
        "take_message": "Bien sûr, je prends un message et un conseiller vous rappellera.",
        "no_listing": (
            "Je suis désolé, nous n'avons rien qui corresponde pour le moment, mais je peux prendre un message et "
            "un conseiller vous rappellera dès qu'un bien se libère."
        ),
        "ask_name": "Puis-je avoir votre nom ?",
        "listings_one": "Nous avons $first.",
        "listings_two": "Nous avons $first. Nous avons aussi $second.",
        "offer_one": "Souhaitez-vous qu'un conseiller vous rappelle à ce sujet ?",
        "offer_two": "Souhaitez-vous qu'un conseiller vous rappelle à leur sujet ?",
        "offer_callback": "Souhaitez-vous qu'un conseiller vous rappelle$name ?",
        "no_problem": "Pas de problème.",
        "goodbye": "Merci de votre appel. Au revoir !",
        "ask_address": "Quelle est l'adresse du bien ?",
        "ask_address_again": "Pardon, pouvez-vous me redonner l'adresse, avec la rue et la ville ?",
        "ask_kind": "S'agit-il d'un appartement ou d'une maison ?",
        "ask_kind_again": "Pardon, de quel type de bien s'agit-il : un appartement, une maison ?",
        "ask_size": "Quelle est sa surface environ, en mètres carrés ou en nombre de pièces ?",
        "ask_size_again": "Pardon, combien de mètres carrés environ, ou combien de pièces ?",
        "ask_time": "Quand souhaiteriez-vous visiter ?",
        "ask_time_again": "Pardon, quel jour et à quelle heure vous conviendraient ?",
        "seller": "Bien sûr, nous pouvons vous accompagner dans la vente de votre bien.",
        "valuation": "Bien sûr, nous pouvons estimer votre bien.",
        "offer_valuation": (
            "Souhaitez-vous un rendez-vous d'estimation ? Un conseiller vous rappellera pour convenir d'un horaire."
        ),
        "viewing": "Bien sûr, je transmets votre demande de visite à un conseiller.",
        "urgent": "Je comprends, je le signale comme urgent.",
        "transfer": "Je comprends, c'est urgent. Je vous mets en relation avec un conseiller.",
        "fallback": "Ce n'est pas grave, un conseiller verra cela avec vous.",
        "goodbye_callback": (
            "Merci$name. Un conseiller de $org vous rappellera au numéro se terminant par $digits dès que possible. "
            "Au revoir !"
        ),
    },
}


def say(language: str, key: str, **values: str) -> str:
    table = PHRASES.get(language, PHRASES["en"])
    return Template(table[key]).safe_substitute(values)


# --- Listings ---------------------------------------------------------------------------------------------

_EN_COUNTS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_EN_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
_FR_ORDINALS = [
    "", "premier", "deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième", "huitième",
    "neuvième", "dixième", "onzième", "douzième", "treizième", "quatorzième", "quinzième", "seizième",
    "dix-septième", "dix-huitième", "dix-neuvième", "vingtième",
]  # fmt: skip
_EN_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
]  # fmt: skip
_FR_MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre",
]  # fmt: skip
# The kind of home, only when the listing itself says it: a missing word is better than a wrong one.
_NOUNS = [
    ("house", "maison", r"house|maison|villa|pavillon"), ("loft", "loft", r"loft"),
    ("duplex", "duplex", r"duplex"), ("studio", "studio", r"studio"),
    ("apartment", "appartement", r"apartment|flat|appartement"),
]  # fmt: skip
_FEMININE = {"maison"}
_NOW = re.compile(r"\b(?:now|immediately|immediate|today|immediatement|de suite|tout de suite|maintenant|libre)\b")
_FEATURE_WORDS = {
    "balcony": ("a balcony", "un balcon"), "lift": ("a lift", "un ascenseur"), "parking": ("parking", "un parking"),
    "terrace": ("a terrace", "une terrasse"), "garden": ("a garden", "un jardin"),
    "furnished": ("furniture", "des meubles"),
}  # fmt: skip


def _noun(listing: Listing, french: bool) -> str | None:
    text = fold(listing.description)
    for english, french_noun, pattern in _NOUNS:
        if re.search(rf"\b(?:{pattern})s?\b", text):
            return french_noun if french else english
    if listing.rooms == 1:
        return "studio"
    return None


def _number(value: float, french: bool) -> str:
    if value != int(value):
        return f"{value:.1f}".replace(".", "," if french else ".")
    return str(int(value)) if french else f"{int(value):,}"


def _place(listing: Listing, french: bool) -> str:
    number = arrondissement_of(listing.district) if listing.district else None
    if number is not None:
        return f"dans le {_FR_ORDINALS[number]}" if french else f"in the {_EN_ORDINALS.get(number, f'{number}th')}"
    where = listing.district or listing.city
    if not where:
        return ""
    return f"à {where}" if french else f"in {where}"


def _available(text: str, french: bool, today: date) -> str:
    if not text.strip():
        return ""
    try:
        when = date.fromisoformat(text.strip()[:10])
    except ValueError:
        if _NOW.search(fold(text)):
            return "disponible immédiatement" if french else "available now"
        return f"disponible à partir de {text.strip()}" if french else f"available from {text.strip()}"
    if when <= today:
        return "disponible immédiatement" if french else "available now"
    if french:
        day = "1er" if when.day == 1 else str(when.day)
        return f"disponible à partir du {day} {_FR_MONTHS[when.month - 1]}"
    return f"available from {_EN_MONTHS[when.month - 1]} {when.day}"


def _size_en(listing: Listing, noun: str | None) -> str:
    noun = noun or "property"
    if listing.bedrooms and listing.bedrooms < len(_EN_COUNTS):
        return f"a {_EN_COUNTS[listing.bedrooms]}-bedroom {noun}"
    if listing.rooms and listing.rooms > 1 and listing.rooms < len(_EN_COUNTS):
        return f"a {_EN_COUNTS[listing.rooms]}-room {noun}"
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _size_fr(listing: Listing, noun: str | None) -> str:
    if noun is None:
        # "Un trois-pièces" is how a Parisian says it; with no room count either, "un bien" claims nothing.
        head = f"un {listing.rooms} pièces" if listing.rooms and listing.rooms > 1 else "un bien"
    else:
        head = f"{'une' if noun in _FEMININE else 'un'} {noun}"
        if listing.rooms and listing.rooms > 1 and noun != "studio":
            head += f" de {listing.rooms} pièces"
    if listing.bedrooms:
        head += f" avec {listing.bedrooms} chambre{'s' if listing.bedrooms > 1 else ''}"
    return head


def _price(listing: Listing, french: bool) -> str:
    amount = _number(listing.price, french)
    if listing.kind == "sale":
        return f"à {amount} euros" if french else f"for {amount} euros"
    price = f"à {amount} euros par mois" if french else f"at {amount} euros a month"
    if listing.charges:
        charges = _number(listing.charges, french)
        price += f" plus {charges} euros de charges" if french else f" plus {charges} euros of charges"
    return price


def _with_features(listing: Listing, asked: tuple[str, ...], french: bool) -> str:
    has = features_in(" ".join(listing.features))
    words = [_FEATURE_WORDS[f][1 if french else 0] for f in asked if f in has and f in _FEATURE_WORDS]
    if not words:
        return ""
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + (" et " if french else " and ") + words[-1]
    return f"avec {joined}" if french else f"with {joined}"


def describe_listing(listing: Listing, language: str, today: date, asked: tuple[str, ...] = ()) -> str:
    """One listing in a breath: "a two-bedroom apartment in the 9th, 58 square metres, at 1,650 euros a month
    plus 150 euros of charges, available from December 1". Every figure comes from the listing itself.

    `asked` names the features the caller asked for; those the listing has are said ("with a balcony").
    """
    french = language.startswith("fr")
    noun = _noun(listing, french)
    parts = [
        (_size_fr if french else _size_en)(listing, noun),
        _place(listing, french),
        _with_features(listing, asked, french),
    ]
    head = " ".join(part for part in parts if part)
    tail = []
    if listing.surface_m2:
        unit = "mètres carrés" if french else "square metres"
        tail.append(f"{_number(listing.surface_m2, french)} {unit}")
    tail.append(_price(listing, french))
    tail.append(_available(listing.available, french, today))
    return ", ".join([head, *(part for part in tail if part)])


def listing_note(listing: Listing, language: str) -> str:
    """A listing as staff read it in a lead: "A12 (rent, 9e, 2 bedrooms, 58 m², 1650 € + 150 € charges)"."""
    french = language.startswith("fr")
    kind = {"rent": ("rent", "location"), "sale": ("sale", "vente")}[listing.kind][1 if french else 0]
    parts = [kind, listing.district or listing.city]
    if listing.bedrooms:
        noun = "chambre" if french else "bedroom"
        parts.append(f"{listing.bedrooms} {noun}{'s' if listing.bedrooms > 1 else ''}")
    elif listing.rooms:
        noun = "pièce" if french else "room"
        parts.append(f"{listing.rooms} {noun}{'s' if listing.rooms > 1 else ''}")
    if listing.surface_m2:
        parts.append(f"{_number(listing.surface_m2, True)} m²")
    price = f"{listing.price} €" + ("/mois" if french else "/month") * (listing.kind == "rent")
    if listing.charges:
        price += f" + {listing.charges} € charges"
    parts.append(price)
    return f"{listing.reference} ({', '.join(part for part in parts if part)})"


# --- Opening hours ----------------------------------------------------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _clock(value: str, french: bool) -> str:
    hour, minute = (int(part) for part in value.strip().split(":"))
    if french:
        return f"{hour} h" + (f" {minute:02d}" if minute else "")
    suffix = "am" if hour < 12 or hour == 24 else "pm"
    twelve = hour % 12 or 12
    return f"{twelve}{f':{minute:02d}' if minute else ''} {suffix}"


def speak_hours(hours: Mapping[str, Sequence[Sequence[str]]], language: str) -> str:
    """The organization's weekly hours in a sentence: "We are open Monday to Friday from 9 am to 7 pm, and on
    Saturday from 10 am to 5 pm." Days with the same hours are grouped; "" when no day has valid hours."""
    french = language.startswith("fr")
    names = _FR_DAYS if french else _EN_DAYS
    try:
        spans = [
            " and ".join(f"{_clock(a, french)}|{_clock(b, french)}" for a, b in hours.get(day, ())) for day in _DAYS
        ]
    except (ValueError, TypeError):
        return ""  # malformed settings: say nothing rather than a wrong time
    groups: list[tuple[int, int, str]] = []
    for index, span in enumerate(spans):
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == span:
            groups[-1] = (groups[-1][0], index, span)
        else:
            groups.append((index, index, span))
    parts = []
    for first, last, span in groups:
        if not span:
            continue
        ranges = span.split(" and ")
        if french:
            days = f"le {names[first]}" if first == last else f"du {names[first]} au {names[last]}"
            times = " et ".join("de {} à {}".format(*r.split("|")) for r in ranges)
        else:
            days = f"on {names[first]}" if first == last else f"{names[first]} to {names[last]}"
            times = " and ".join("from {} to {}".format(*r.split("|")) for r in ranges)
        parts.append(f"{days} {times}")
    if not parts:
        return ""
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + (", et " if french else ", and ") + parts[-1]
    return f"Nous sommes ouverts {joined}." if french else f"We are open {joined}."
