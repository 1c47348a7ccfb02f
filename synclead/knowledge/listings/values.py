"""One cell of a listings export → a typed value, as people and spreadsheets write it.

A cell is text from a CSV, or what Excel stored: a number, a date, a boolean. Amounts are read as people write them
("1 250 €", "1,250", "1.250,50", "1250,50"), kinds and property types in English or French. A value that cannot
be read raises `ValueProblem`, whose message completes "line N, column 'X': …".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

Cell = str | int | float | Decimal | bool | date | datetime | None

MAX_EUROS = 2_000_000_000  # the model's PositiveIntegerField


class ValueProblem(ValueError):
    """A cell that cannot be read; the message says what it should be."""


def key(text: str) -> str:
    """Lower case, no accents, words joined by "_": how headers and words are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def as_text(cell: Cell) -> str:
    """A cell as the text a person sees: whole numbers without ".0", dates in ISO form, spaces collapsed."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return " ".join(str(cell).split())


def _shown(cell: Cell) -> str:
    return repr(as_text(cell))


# --- Words --------------------------------------------------------------------------------------------------------

_KINDS = {
    **dict.fromkeys(
        ("rent", "rental", "rentals", "to_rent", "for_rent", "let", "to_let", "letting", "lettings", "lease"), "rent"
    ),
    **dict.fromkeys(("location", "locations", "louer", "a_louer", "en_location", "locatif", "loc"), "rent"),
    **dict.fromkeys(("sale", "sales", "for_sale", "sell", "selling", "buy", "purchase"), "sale"),
    **dict.fromkeys(("vente", "ventes", "vendre", "a_vendre", "en_vente", "achat"), "sale"),
}

# A property type is recognised by its first word: "Appartement T3", "Maison de ville", "Studio meublé".
_PROPERTY_WORDS = frozenset(
    """
    apartment apartments appartement appartements appart flat flats condo house houses maison maisons home
    studio studios studette loft duplex triplex penthouse villa chalet pavillon bungalow cottage townhouse
    mansion manoir chateau mas longere ferme farmhouse room chambre land terrain plot parking garage box
    office offices bureau bureaux shop boutique commerce local warehouse entrepot building immeuble
    hotel residence propriete property
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# "T3" and "F3" are French shorthand for a three-room flat; "T1 bis" a one-room flat with an alcove.
_ROOM_CODE = re.compile(r"^[tf](\d{1,2})(?:_?bis)?$")


def kind_of(cell: Cell) -> str | None:
    """ "rent" or "sale" for a word that says it, None otherwise."""
    return _KINDS.get(key(as_text(cell)))


def is_property_type(cell: Cell) -> bool:
    words = key(as_text(cell)).split("_")
    return bool(words[0]) and (words[0] in _PROPERTY_WORDS or _ROOM_CODE.match(words[0]) is not None)


def rooms_of_property_type(text: str) -> int | None:
    """The rooms a property type implies: 3 for "T3" or "Appartement F3", 1 for a studio."""
    for word in key(text).split("_"):
        if word in ("studio", "studette"):
            return 1
        if match := _ROOM_CODE.match(word):
            return int(match.group(1))
    return None


# --- Parsers ------------------------------------------------------------------------------------------------------


def text(limit: int, *, required: bool = False) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        value = as_text(cell)
        if required and not value:
            raise ValueProblem(_("is empty; every listing needs one."))
        if len(value) > limit:
            raise ValueProblem(_("is longer than %(limit)d characters.") % {"limit": limit})
        return value

    return parse


# What people write around an amount: currency, units, "per month". Spaces and apostrophes group thousands.
# Units are glued to the number as often as not ("58m2", "1250eur"), so they are cut without a word boundary before.
_AMOUNT_NOISE = re.compile(
    r"€|m²|(?<![a-z])(?:euros?|eur|m2|hc|fai)(?![a-z])|/\s*mois|\bpar mois\b|/\s*month|\bper month\b", re.I
)
_GROUPING = re.compile(r"[\s\u00a0\u202f'\u2019_]")


def parse_amount(cell: Cell) -> Decimal | None:
    """An amount as people write it: "1 250 €", "1,250", "1.250", "1250,50", "1,250.50". Empty: None."""
    if isinstance(cell, bool | date):
        raise ValueProblem(_("%(value)s is not a number.") % {"value": _shown(cell)})
    if isinstance(cell, int | float | Decimal):
        # A number Excel stored is already a number: reading it back as text would turn 2.125 into 2125.
        amount = Decimal(str(cell))
        if not amount.is_finite() or amount < 0:
            raise ValueProblem(_("%(value)s is not a number.") % {"value": _shown(cell)})
        return amount
    raw = cell or ""
    stripped = _GROUPING.sub("", _AMOUNT_NOISE.sub("", raw))
    if not stripped:
        return None
    problem = ValueProblem(_("%(value)s is not a number.") % {"value": repr(raw)})
    if not re.fullmatch(r"\d[\d.,]*", stripped) or stripped[-1] in ".,":
        raise problem
    if "," in stripped and "." in stripped:
        decimal_mark = "," if stripped.rfind(",") > stripped.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, _mark, fraction = stripped.rpartition(decimal_mark)
        if thousands in fraction or not re.fullmatch(rf"\d{{1,3}}(?:\{thousands}\d{{3}})*", whole):
            raise problem
        stripped = whole.replace(thousands, "") + "." + fraction
    elif "," in stripped or "." in stripped:
        mark = "," if "," in stripped else "."
        # "1,250" and "1.250" group thousands; "1250,50" and "58.5" have decimals.
        if re.fullmatch(rf"\d{{1,3}}(?:\{mark}\d{{3}})+", stripped):
            stripped = stripped.replace(mark, "")
        elif stripped.count(mark) == 1:
            stripped = stripped.replace(mark, ".")
        else:
            raise problem
    try:
        return Decimal(stripped)
    except InvalidOperation:
        raise problem from None


def euros(*, what: str = "price") -> Callable[[Cell], int | None]:
    """Whole euros, rounded half up; empty is None. `what` is "price" (at least 1 €) or "amount" (0 allowed)."""

    def parse(cell: Cell) -> int | None:
        not_this = (
            _("%(value)s is not a price.") if what == "price" else _("%(value)s is not an amount in euros.")
        ) % {"value": _shown(cell)}
        try:
            amount = parse_amount(cell)
        except ValueProblem:
            raise ValueProblem(not_this) from None
        if amount is None:
            return None
        value = int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if what == "price" and value < 1:
            raise ValueProblem(not_this)
        if value > MAX_EUROS:
            raise ValueProblem(_("%(value)s is too large to be a price in euros.") % {"value": _shown(cell)})
        return value

    return parse


def kind(cell: Cell) -> str | None:
    """ "rent" or "sale"; None when empty (a filled rent or sale price column may still tell)."""
    found = kind_of(cell)
    if found is None:
        if not as_text(cell):
            return None
        raise ValueProblem(_("%(value)s is neither rent (location) nor sale (vente).") % {"value": _shown(cell)})
    return found


_ROOMS = re.compile(r"^(?:[tf]\s*)?(\d{1,2})(?:\s*(?:bis|pieces?|rooms?|p))?$")


def rooms(cell: Cell) -> int | None:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if cell != int(cell) or not 0 <= cell < 100:
            raise ValueProblem(_("%(value)s is not a number of rooms.") % {"value": _shown(cell)})
        return int(cell)
    words = key(as_text(cell)).replace("_", " ")
    if not words:
        return None
    if words in ("studio", "studette"):
        return 1
    if match := _ROOMS.match(words):
        return int(match.group(1))
    raise ValueProblem(_("%(value)s is not a number of rooms.") % {"value": _shown(cell)})


def bedrooms(cell: Cell) -> int | None:
    value = as_text(cell)
    if not value:
        return None
    if not re.fullmatch(r"\d{1,2}", value):
        raise ValueProblem(_("%(value)s is not a number of bedrooms.") % {"value": _shown(cell)})
    return int(value)


def surface(cell: Cell) -> float | None:
    problem = ValueProblem(_("%(value)s is not a surface in m².") % {"value": _shown(cell)})
    try:
        amount = parse_amount(cell)
    except ValueProblem:
        raise problem from None
    if amount is not None and not 0 < amount < 100_000:
        raise problem
    return None if amount is None else float(amount)


def postal_code(cell: Cell) -> str:
    if isinstance(cell, int) and not isinstance(cell, bool) and 0 < cell < 100_000:
        # Excel drops a French postcode's leading zero: 01000 (Bourg-en-Bresse) is stored as 1000.
        return f"{cell:05d}"
    value = as_text(cell)
    if len(value) > 10 or (value and not re.fullmatch(r"[0-9A-Za-z -]+", value)):
        raise ValueProblem(_("%(value)s is not a postcode.") % {"value": _shown(cell)})
    return value


_AVAILABLE_NOW = {"now", "immediately", "immediate", "immediatement", "de_suite", "tout_de_suite", "libre", "yes"}
_AVAILABLE_NOW |= {"oui", "available", "disponible", "vacant", "true", "vrai"}
_TAKEN = {"no", "non", "rented", "let", "sold", "under_offer", "reserved", "unavailable", "taken", "withdrawn"}
_TAKEN |= {"loue", "louee", "vendu", "vendue", "reserve", "reservee", "sous_compromis", "sous_offre", "indisponible"}
_TAKEN |= {"false", "faux"}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def available(cell: Cell) -> date | bool | None:
    """A date; or True for "now", False for "let", "sold"; or None when empty."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date | bool):
        return cell
    words = key(as_text(cell))
    if not words:
        return None
    if words in _AVAILABLE_NOW:
        return True
    if words in _TAKEN:
        return False
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(as_text(cell), pattern).date()
        except ValueError:
            continue
    raise ValueProblem(_("%(value)s is not a date (write 2026-12-01 or 01/12/2026).") % {"value": _shown(cell)})


def status(cell: Cell) -> bool | None:
    value = available(cell)
    if isinstance(value, date) and not isinstance(value, bool):
        raise ValueProblem(_("%(value)s is not a status (available, let, sold...).") % {"value": _shown(cell)})
    return value


def features(cell: Cell) -> tuple[str, ...]:
    parts = (" ".join(part.split()) for part in re.split(r"[;|]", as_text(cell)))
    return tuple(dict.fromkeys(part for part in parts if part))
