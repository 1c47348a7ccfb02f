"""Listings from an agency's CSV export: rows to filter on, and one sentence each for the agent to search and say.

Agencies export from different software, in French or English, with `;` or `,`: headers are matched by meaning,
amounts are read as people write them ("1 250 €", "1,250", "1250,50"). A file with any bad row is refused whole,
with every problem named by line and column, so a fixed file can be uploaded in one go.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from synclead.knowledge.loaders import IngestError, decode_text

MAX_PROBLEMS_SHOWN = 20

# Field → the header names it goes by, as `_key` writes them (lower case, no accents, words joined by "_").
HEADERS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref", "reference_annonce", "listing_reference", "listing_id"),
    "kind": ("kind", "type", "transaction", "offer", "offre", "listing_type", "type_de_transaction"),
    "property_type": ("property", "property_type", "bien", "type_de_bien", "typologie"),
    "city": ("city", "ville", "town", "commune"),
    "district": ("district", "quartier", "arrondissement", "neighbourhood", "neighborhood", "area", "secteur"),
    "rooms": ("rooms", "pieces", "nb_pieces", "nombre_de_pieces"),
    "bedrooms": ("bedrooms", "chambres", "nb_chambres", "nombre_de_chambres"),
    "surface_m2": ("surface", "surface_m2", "area_m2", "size_m2", "m2", "superficie", "surface_habitable"),
    "price": (
        *("price", "prix", "loyer", "rent", "monthly_rent", "loyer_mensuel", "loyer_hc", "loyer_hors_charges"),
        *("sale_price", "prix_de_vente", "asking_price"),
    ),
    "charges": ("charges", "monthly_charges", "charges_mensuelles"),
    "available_from": (
        *("available_from", "available", "availability", "available_on", "disponible", "disponibilite"),
        *("disponible_le", "disponible_a_partir_du", "date_de_disponibilite"),
    ),
    "status": ("status", "statut", "etat"),
    "features": ("features", "equipements", "amenities", "atouts", "prestations", "options"),
    "description": ("description", "descriptif", "details"),
}
_FIELD_BY_HEADER = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
REQUIRED = ("reference", "kind", "city", "price")

_KINDS = {
    **dict.fromkeys(("rent", "rental", "to_rent", "let", "to_let", "lease", "location", "louer", "a_louer"), "rent"),
    **dict.fromkeys(("sale", "for_sale", "sell", "buy", "vente", "vendre", "a_vendre", "achat"), "sale"),
}
_AVAILABLE_NOW = {"now", "immediately", "immediate", "immediatement", "de_suite", "tout_de_suite", "libre", "yes"}
_AVAILABLE_NOW |= {"oui", "available", "disponible", "vacant"}
_TAKEN = {"no", "non", "rented", "let", "sold", "under_offer", "reserved", "unavailable", "taken", "withdrawn"}
_TAKEN |= {"loue", "louee", "vendu", "vendue", "reserve", "reservee", "sous_compromis", "sous_offre", "indisponible"}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
# What people write around an amount: currency, units, "per month". Spaces and apostrophes group thousands.
_AMOUNT_NOISE = re.compile(r"€|\beuros?\b|\beur\b|m²|\bm2\b|/\s*mois|\bpar mois\b|/\s*month|\bper month\b", re.I)
_GROUPING = re.compile(r"[\s\u00a0\u202f'\u2019_]")
_ROOMS = re.compile(r"^(?:[tf]\s*)?(\d{1,2})(?:\s*(?:pieces?|rooms?|p))?$")


@dataclass(frozen=True, slots=True)
class ListingRow:
    """One listing as read from the file; `line` is where it was, for messages."""

    line: int
    reference: str
    kind: str  # "rent" or "sale"
    city: str
    district: str = ""
    rooms: int | None = None
    bedrooms: int | None = None
    surface_m2: float | None = None
    price: int = 0  # monthly rent without charges, or sale price, euros
    charges: int | None = None
    available_from: date | None = None
    available: bool = True
    features: tuple[str, ...] = ()
    description: str = ""
    property_type: str = ""  # "Apartment", "Maison": said, not filtered on


class _Problem(ValueError):
    """A value that cannot be read; the message completes "line N, column 'X': ..."."""


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def parse_listings(name: str, data: bytes) -> list[ListingRow]:
    """Every listing in a CSV file, or an `IngestError` listing every problem found."""
    text = decode_text(name, data)
    header_line = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=header_line.count) if header_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise IngestError(name, "the file is empty.")
        columns = _columns(name, header)
        rows: list[ListingRow] = []
        problems: list[str] = []
        seen: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                problems.append(f"line {line}: {len(cells)} values for {len(header)} columns (a stray '{delimiter}'?).")
                continue
            row = _row(line, cells, header, columns, problems)
            if row is None:
                continue
            if row.reference in seen:
                problems.append(
                    f"line {line}: reference {row.reference!r} was already used on line {seen[row.reference]}."
                )
                continue
            seen[row.reference] = line
            rows.append(row)
    except csv.Error as exc:
        raise IngestError(name, f"line {reader.line_num}: the CSV is malformed ({exc}).") from exc
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        listed = "\n".join(shown) + (f"\n… and {more} more." if more else "")
        raise IngestError(
            name, f"{len(problems)} problem{'s' if len(problems) > 1 else ''}; nothing was stored.\n{listed}"
        )
    if not rows:
        raise IngestError(name, "there are no listings in this file, only a header.")
    return rows


def _columns(name: str, header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        field = _FIELD_BY_HEADER.get(_key(title))
        if field is None:
            continue  # other software's extra columns (photos, agent...) are not ours to refuse
        if field in columns:
            raise IngestError(name, f"columns {header[columns[field]]!r} and {title!r} both give the {field}.")
        columns[field] = index
    if missing := [field for field in REQUIRED if field not in columns]:
        names = ", ".join(f"{field} ({' / '.join(HEADERS[field][:3])})" for field in missing)
        raise IngestError(name, f"this is not a listings file: the first line has no column for {names}.")
    return columns


def _row(
    line: int, cells: list[str], header: list[str], columns: dict[str, int], problems: list[str]
) -> ListingRow | None:
    values: dict[str, object] = {}
    failed = False
    for field, index in columns.items():
        raw = cells[index].strip() if index < len(cells) else ""
        try:
            values[field] = _PARSERS[field](raw)
        except _Problem as problem:
            problems.append(f"line {line}, column {header[index]!r}: {problem}")
            failed = True
    if failed:
        return None
    status = values.pop("status", None)
    available_from = values.pop("available_from", None)
    available = True
    if isinstance(available_from, bool):
        available, available_from = available_from, None
    if status is False:
        available = False
    return ListingRow(line=line, available=available, available_from=available_from, **values)  # type: ignore[arg-type]


def _text(limit: int, *, required: bool = False) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = " ".join(raw.split())
        if required and not value:
            raise _Problem("is empty; every listing needs one.")
        if len(value) > limit:
            raise _Problem(f"is longer than {limit} characters.")
        return value

    return parse


def parse_amount(raw: str) -> Decimal | None:
    """An amount as people write it: "1 250 €", "1,250", "1.250", "1250,50", "1,250.50". Empty: None."""
    text = _GROUPING.sub("", _AMOUNT_NOISE.sub("", raw))
    if not text:
        return None
    if not re.fullmatch(r"\d[\d.,]*", text) or text[-1] in ".,":
        raise _Problem(f"{raw!r} is not a number.")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text or "." in text:
        mark = "," if "," in text else "."
        # "1,250" and "1.250" group thousands; "1250,50" and "58.5" have decimals.
        if re.fullmatch(rf"\d{{1,3}}(?:\{mark}\d{{3}})+", text):
            text = text.replace(mark, "")
        elif text.count(mark) == 1:
            text = text.replace(mark, ".")
        else:
            raise _Problem(f"{raw!r} is not a number.")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _Problem(f"{raw!r} is not a number.") from None


def _euros(*, required: bool = False) -> Callable[[str], int | None]:
    def parse(raw: str) -> int | None:
        amount = parse_amount(raw)
        if amount is None:
            if required:
                raise _Problem("is empty; every listing needs a price.")
            return None
        euros = int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if required and euros < 1:
            raise _Problem(f"{raw!r} is not a price.")
        if euros > 2_000_000_000:
            raise _Problem(f"{raw!r} is too large to be a price in euros.")
        return euros

    return parse


def _kind(raw: str) -> str:
    kind = _KINDS.get(_key(raw))
    if kind is None:
        raise _Problem(f"{raw!r} is neither rent (location) nor sale (vente).")
    return kind


def _rooms(raw: str) -> int | None:
    key = _key(raw).replace("_", " ")
    if not key:
        return None
    if key == "studio":
        return 1
    if match := _ROOMS.match(key):
        return int(match.group(1))
    raise _Problem(f"{raw!r} is not a number of rooms.")


def _bedrooms(raw: str) -> int | None:
    if not raw.strip():
        return None
    if not re.fullmatch(r"\d{1,2}", raw.strip()):
        raise _Problem(f"{raw!r} is not a number of bedrooms.")
    return int(raw)


def _surface(raw: str) -> float | None:
    amount = parse_amount(raw)
    if amount is not None and not 0 < amount < 100_000:
        raise _Problem(f"{raw!r} is not a surface in m².")
    return None if amount is None else float(amount)


def _available(raw: str) -> date | bool | None:
    """A date; or True for "now", False for "let", "sold"; or None when empty."""
    key = _key(raw)
    if not key:
        return None
    if key in _AVAILABLE_NOW:
        return True
    if key in _TAKEN:
        return False
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(raw.strip(), pattern).date()
        except ValueError:
            continue
    raise _Problem(f"{raw!r} is not a date (write 2026-12-01 or 01/12/2026).")


def _status(raw: str) -> bool | None:
    value = _available(raw)
    if isinstance(value, date):
        raise _Problem(f"{raw!r} is not a status (available, let, sold...).")
    return value


def _features(raw: str) -> tuple[str, ...]:
    features = (" ".join(part.split()) for part in re.split(r"[;|]", raw))
    return tuple(dict.fromkeys(feature for feature in features if feature))


_PARSERS = {
    "reference": _text(64, required=True),
    "kind": _kind,
    "property_type": _text(60),
    "city": _text(100, required=True),
    "district": _text(100),
    "rooms": _rooms,
    "bedrooms": _bedrooms,
    "surface_m2": _surface,
    "price": _euros(required=True),
    "charges": _euros(),
    "available_from": _available,
    "status": _status,
    "features": _features,
    "description": _text(2000),
}


# --- The sentence a caller is told ------------------------------------------------------------------------------

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


def describe(listing: ListingRow, language: str) -> str:
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


def _place(listing: ListingRow) -> str:
    city, district = listing.city, listing.district
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
