"""A listing as the agent says it: one sentence in the organization's language, stored as a searchable passage."""

from __future__ import annotations

import re
from datetime import date

from synclead.knowledge.listings.reading import ParsedListing

_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
_ARRONDISSEMENT = re.compile(r"^(\d{1,2})\s*(?:e|er|eme|ème|è|th|st|nd|rd)?$", re.IGNORECASE)


def describe(listing: ParsedListing, language: str) -> str:
    """One listing as the agent would say it, e.g. "Apartment to rent in Paris 9e, 3 rooms (2 bedrooms), 58 m²,
    1,650 € per month plus 150 € charges, available from 1 December 2026: balcony, lift. Reference A-102." """
    fr = language == "fr"
    rent = listing.kind == "rent"
    what = listing.property_type or ("Logement" if rent else "Bien") if fr else listing.property_type or "Property"
    if fr:
        head = f"{what[:1].upper()}{what[1:]} {'à louer' if rent else 'à vendre'} à {_place(listing)}"
    else:
        head = f"{what[:1].upper()}{what[1:]} {'to rent' if rent else 'for sale'} in {_place(listing)}"
    parts = [head]
    rooms = _count(listing.rooms, "pièce" if fr else "room")
    bedrooms = _count(listing.bedrooms, "chambre" if fr else "bedroom")
    if rooms or bedrooms:
        parts.append(f"{rooms} ({bedrooms})" if rooms and bedrooms else rooms or bedrooms)
    if listing.surface_m2:
        parts.append(f"{_number(listing.surface_m2, language)} m²")
    price = f"{_number(listing.price, language)} €"
    charges = f"{_number(listing.charges, language)} €" if listing.charges else ""
    if rent:
        price += (" par mois" if fr else " per month") + (
            (f" plus {charges} de charges" if fr else f" plus {charges} charges") if charges else ""
        )
    parts.append(price)
    if charges and not rent:
        parts.append(f"charges de {charges} par mois" if fr else f"charges {charges} per month")
    if not listing.available:
        parts.append(("déjà loué" if rent else "déjà vendu") if fr else ("already let" if rent else "already sold"))
    elif listing.available_from:
        when = _date(listing.available_from, language)
        parts.append(f"disponible à partir du {when}" if fr else f"available from {when}")
    sentence = ", ".join(parts)
    if listing.features:
        sentence += (" : " if fr else ": ") + ", ".join(listing.features)
    sentences = [sentence + "."]
    if listing.description:
        description = listing.description
        sentences.append(description if description[-1] in ".!?…" else description + ".")
    sentences.append(f"{'Référence' if fr else 'Reference'} {listing.reference}.")
    return " ".join(sentences)


def _place(listing: ParsedListing) -> str:
    city, district = listing.city, listing.district or listing.postal_code
    if not district or district.lower() == city.lower():
        return city
    if match := _ARRONDISSEMENT.match(district):
        number = int(match.group(1))
        return f"{city} {number}{'er' if number == 1 else 'e'}"
    if district.lower().startswith(city.lower()) or re.fullmatch(r"\d{5}", district):
        return district if district.lower().startswith(city.lower()) else f"{city} {district}"
    return f"{city} ({district})"


def _count(value: int | None, noun: str) -> str:
    return "" if value is None else f"{value} {noun}{'s' if value > 1 else ''}"


def _number(value: float, language: str) -> str:
    if language == "fr":
        # French groups thousands with a no-break space and writes a decimal comma: "1 650", "58,5".
        whole = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
        return whole.replace(",", "\u00a0").replace(".", ",")
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _date(day: date, language: str) -> str:
    if language == "fr":
        return f"{'1er' if day.day == 1 else day.day} {_MONTHS['fr'][day.month - 1]} {day.year}"
    return f"{day.day} {_MONTHS['en'][day.month - 1]} {day.year}"
