"""A listings export → the listings it holds, with how each column was understood.

`read_listings` never stores anything and keeps going past bad cells, so a preview can show every problem at once
beside the columns; `parse_listings` is the strict door the knowledge base goes through: a file with any problem is
refused whole, each problem named by line (or spreadsheet row) and column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from synclead.knowledge.listings import values
from synclead.knowledge.listings.columns import ColumnReading, MappingError, read_columns
from synclead.knowledge.listings.tables import Row, Table, read_table
from synclead.knowledge.loaders import IngestError

MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class ParsedListing:
    """One listing as read from an export, before it is stored; `where` ("line 7", "row 14") is for messages."""

    where: str
    reference: str
    kind: str  # "rent" or "sale"
    city: str
    district: str = ""
    postal_code: str = ""
    rooms: int | None = None
    bedrooms: int | None = None
    surface_m2: float | None = None
    price: int = 0  # monthly rent without charges, or sale price, euros
    charges: int | None = None
    available_from: date | None = None
    available: bool = True
    features: tuple[str, ...] = ()
    description: str = ""
    property_type: str = ""  # "Apartment", "Maison", "T3": said, not filtered on


@dataclass(frozen=True, slots=True)
class ListingImport:
    """What a file would give: its columns as understood, the listings, and every problem that stops it."""

    name: str
    source: str
    columns: tuple[ColumnReading, ...]
    listings: tuple[ParsedListing, ...] = ()
    problems: tuple[str, ...] = field(default=())
    columns_understood: bool = True  # False: the problems are about the columns, and no row was read

    @property
    def refusal(self) -> str:
        """The problems as one message: how many, that nothing was stored, the first ones."""
        if not self.columns_understood:
            return " ".join(self.problems)
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        count = len(self.problems)
        head = ngettext("%(count)d problem; nothing was stored.", "%(count)d problems; nothing was stored.", count)
        listed = "\n".join(shown)
        if more := count - len(shown):
            listed += "\n" + _("… and %(more)d more.") % {"more": more}
        return head % {"count": count} + "\n" + listed


_PARSERS: dict[str, Callable[[values.Cell], object]] = {
    "reference": values.text(64, required=True),
    "kind": values.kind,
    "property_type": values.text(60),
    "city": values.text(100, required=True),
    "district": values.text(100),
    "postal_code": values.postal_code,
    "rooms": values.rooms,
    "bedrooms": values.bedrooms,
    "surface_m2": values.surface,
    "price": values.euros(),
    "rent": values.euros(),
    "sale_price": values.euros(),
    "charges": values.euros(what="amount"),
    "available_from": values.available,
    "status": values.status,
    "features": values.features,
    "description": values.text(2000),
}


def read_listings(name: str, data: bytes, mapping: Mapping[str, str] | None = None) -> ListingImport:
    """Everything a file would give. Raises `IngestError` only for a file that cannot be read as a table or a
    mapping that does not fit it; bad cells and missing columns are `problems`."""
    table = read_table(name, data)
    try:
        readings, problems = read_columns(table.header, [table.column(i) for i in range(len(table.header))], mapping)
    except MappingError as error:
        raise IngestError(name, str(error)) from error
    if problems:
        return ListingImport(name, table.source, tuple(readings), problems=tuple(problems), columns_understood=False)
    problems = list(table.problems)
    listings: list[ParsedListing] = []
    seen: dict[str, str] = {}
    used = [reading for reading in readings if reading.field]
    for row in table.rows:
        listing = _listing(table, row, used, problems)
        if listing is None:
            continue
        if listing.reference in seen:
            problems.append(
                _("%(where)s: reference %(reference)r was already used on %(first)s.")
                % {"where": row.where, "reference": listing.reference, "first": seen[listing.reference]}
            )
            continue
        seen[listing.reference] = row.where
        listings.append(listing)
    if not listings and not problems:
        problems.append(_("there are no listings in this file, only a header."))
    return ListingImport(name, table.source, tuple(readings), tuple(listings), tuple(problems))


def parse_listings(name: str, data: bytes, mapping: Mapping[str, str] | None = None) -> list[ParsedListing]:
    """Every listing in the file, or an `IngestError` naming every problem found."""
    result = read_listings(name, data, mapping)
    if result.problems:
        raise IngestError(name, result.refusal)
    return list(result.listings)


def _listing(table: Table, row: Row, used: list[ColumnReading], problems: list[str]) -> ParsedListing | None:
    read: dict[str, object] = {}
    failed = False
    for reading in used:
        assert reading.field is not None
        cell = row.cells[reading.index] if reading.index < len(row.cells) else None
        try:
            read[reading.field] = _PARSERS[reading.field](cell)
        except values.ValueProblem as problem:
            problems.append(f"{row.where}, {table.column_label(reading.index)}: {problem}")
            failed = True
    if failed:
        return None
    kind, price, (column, problem) = _kind_and_price(read, used, table)
    if problem:
        at = row.where if column is None else f"{row.where}, {table.column_label(column)}"
        problems.append(f"{at}: {problem}")
        return None
    status = read.pop("status", None)
    available_from = read.pop("available_from", None)
    available = True
    if isinstance(available_from, bool):
        available, available_from = available_from, None
    if status is False:
        available = False
    property_type = str(read.get("property_type") or "")
    if read.get("rooms") is None and property_type:
        read["rooms"] = values.rooms_of_property_type(property_type)  # "T3", "Studio"
    for key in ("kind", "price", "rent", "sale_price"):
        read.pop(key, None)
    return ParsedListing(
        where=row.where,
        kind=kind,
        price=price,
        available=available,
        available_from=available_from,  # type: ignore[arg-type]
        **read,  # type: ignore[arg-type]
    )


_Failure = tuple[int | None, str]  # the column at fault (None: the row), and what is wrong
_FINE: _Failure = (None, "")


def _kind_and_price(read: dict[str, object], used: list[ColumnReading], table: Table) -> tuple[str, int, _Failure]:
    """The row's kind and price, from a kind column or from which of a rent and a sale price column is filled."""
    index = {reading.field: reading.index for reading in used}
    kind = read.get("kind")
    rent, sale = read.get("rent"), read.get("sale_price")
    prices = [field for field in ("price", "rent", "sale_price") if field in index]
    no_kind = _("is empty; say rent (location) or sale (vente).")
    no_price = _("is empty; every listing needs a price.")
    if "price" in index:  # a plain price column: the kind column says which
        if kind is None:
            return "", 0, (index["kind"], no_kind)
        amount = read.get("price")
        return (str(kind), int(amount), _FINE) if isinstance(amount, int) else ("", 0, (index["price"], no_price))
    if kind is None:
        if rent is not None and sale is not None:
            both = {"rent": table.column_label(index["rent"]), "sale": table.column_label(index["sale_price"])}
            return "", 0, (None, _("%(rent)s and %(sale)s are both filled; a kind column must say which.") % both)
        if rent is None and sale is None:
            if "kind" in index:
                return "", 0, (index["kind"], no_kind)
            if len(prices) == 1:
                return "", 0, (index[prices[0]], no_price)
            return "", 0, (None, _("neither price column is filled; every listing needs a price."))
        kind = "rent" if rent is not None else "sale"
    amount = rent if kind == "rent" else sale
    if amount is None and len(prices) == 1:
        amount = rent if rent is not None else sale  # one price column serves both kinds ("Loyer" for a sale)
    if amount is None:
        wanted = "rent" if kind == "rent" else "sale_price"
        if wanted in index:
            return "", 0, (index[wanted], no_price)
        return "", 0, (None, _("it is for %(kind)s but the file has no column for that price.") % {"kind": kind})
    return str(kind), int(amount), _FINE  # type: ignore[call-overload]
