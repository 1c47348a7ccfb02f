"""Property tests of the listings readers: amounts however they are written, kinds, surfaces, headers with units,
and columns recognised by their values; then whole exports written every way an agency's software writes them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from synclead.knowledge.listings import ParsedListing, parse_listings, read_listings, values
from synclead.knowledge.listings.columns import HEADERS, header_field, read_columns
from synclead.knowledge.listings.values import ValueProblem, parse_amount

pytestmark = pytest.mark.django_db(databases=[])  # gettext needs settings, no database

AMOUNTS = st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2, allow_nan=False)
SPACES = st.sampled_from([" ", "\u00a0", "\u202f"])  # Excel in French groups with a no-break space


def _grouped(whole: int, separator: str) -> str:
    return f"{whole:,}".replace(",", separator)


@st.composite
def written_amount(draw: st.DrawFn) -> tuple[str, Decimal]:
    """An amount as a person or a spreadsheet writes it, and its value."""
    amount: Decimal = draw(AMOUNTS)
    whole, cents = divmod(int(amount * 100), 100)
    style = draw(st.sampled_from(["fr", "fr_dots", "en", "plain_comma", "plain_dot"]))
    fraction = "" if cents == 0 and draw(st.booleans()) else f"{cents:02d}"
    if style == "fr":
        text = _grouped(whole, draw(SPACES)) + ("," + fraction if fraction else "")
    elif style == "fr_dots":
        text = _grouped(whole, ".") + ("," + fraction if fraction else "")
    elif style == "en":
        text = _grouped(whole, ",") + ("." + fraction if fraction else "")
    else:
        mark = "," if style == "plain_comma" else "."
        text = str(whole) + (mark + fraction if fraction else "")
    text = draw(st.sampled_from(["{}", "{} €", "{}\u00a0€", "€{}", "{} EUR", "{} euros", "{} €/mois"])).format(text)
    value = Decimal(whole) + (Decimal(int(fraction)) / 100 if fraction else 0)
    return text, value


@given(written_amount())
def test_an_amount_reads_back_however_it_is_written(case):
    text, value = case
    assert parse_amount(text) == value


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False) | st.integers(min_value=0, max_value=10**9))
def test_a_number_excel_stored_is_taken_as_it_is(number):
    # Read back as text, 2.125 would look like "2,125" to a person: two thousand one hundred and twenty-five.
    assert parse_amount(number) == Decimal(str(number))


@given(st.integers(min_value=1, max_value=values.MAX_EUROS), st.sampled_from(["fr", "en"]))
def test_a_price_is_whole_euros(euros, style):
    text = _grouped(euros, "\u00a0" if style == "fr" else ",") + " €"
    assert values.euros()(text) == euros


@given(st.text(alphabet="abcxyzO-/+*", min_size=1).filter(lambda text: text.strip() and text.strip() != "-"))
def test_letters_are_not_a_price(text):
    with pytest.raises(ValueProblem, match="is not a price"):
        values.euros()(text)


@given(st.decimals(min_value=Decimal("0.1"), max_value=Decimal("9999.9"), places=1), st.sampled_from([",", "."]))
def test_a_surface_with_a_decimal_comma_or_point(surface, mark):
    text = str(surface).replace(".", mark) + draw_unit(surface)
    assert values.surface(text) == pytest.approx(float(surface))


def draw_unit(surface: Decimal) -> str:
    return ["", " m²", "m2", " m2"][int(surface * 10) % 4]


def _dressed(word: str, draw: st.DrawFn) -> str:
    """A word as it may be typed: any case, spaces or dashes for underscores, an accent where French puts one."""
    text = word.replace("_", draw(st.sampled_from([" ", "-", "_"])))
    text = text.replace("a_", "à ").replace("a ", "à ") if draw(st.booleans()) else text
    return draw(st.sampled_from([str.lower, str.upper, str.title]))(text)


@given(st.data())
def test_a_kind_is_read_in_either_language(data):
    word, kind = data.draw(st.sampled_from(sorted(values._KINDS.items())))
    assert values.kind(_dressed(word, data.draw)) == kind


@given(st.text(max_size=30))
def test_every_parser_reads_or_says_what_is_wrong(text):
    # Whatever an export holds, a cell is a value or a `ValueProblem` with words for the person importing it.
    for parse in (values.kind, values.rooms, values.bedrooms, values.surface, values.euros(), values.available):
        try:
            parse(text)
        except ValueProblem as problem:
            assert str(problem)


UNIT_DECORATIONS = ["{}", "{}_eur", "{} (€)", "{}_eur_month", "{} (€/mois)", "{} en €", "{}_m2", "{} (m²)"]


@given(st.data())
def test_a_header_is_known_with_or_without_its_unit(data):
    field = data.draw(st.sampled_from(sorted(HEADERS)))
    alias = data.draw(st.sampled_from(HEADERS[field]))
    decoration = data.draw(st.sampled_from(UNIT_DECORATIONS))
    header = _dressed(alias, data.draw)
    found, _why = header_field(decoration.format(header))
    if field == "price" and ("month" in decoration or "mois" in decoration):
        assert found == "rent"  # a monthly price is a rent
    elif field == "district" and "m" in decoration.replace("mois", "").replace("month", ""):
        assert found in ("district", "surface_m2")  # "area_m2" is a surface, "area" a district
    else:
        assert found == field


PROPERTY_TYPES = ["Apartment", "House", "studio", "Appartement", "Maison", "T2", "F3", "Studio meublé", "Loft", "Villa"]
KINDS = ["rent", "sale", "Location", "Vente", "à louer", "À vendre", "For sale"]


@given(
    types=st.lists(st.sampled_from(PROPERTY_TYPES), min_size=1, max_size=12),
    kinds=st.lists(st.sampled_from(KINDS), min_size=12, max_size=12),
    header=st.sampled_from(["type", "Type", "kind", "Catégorie", "Nature"]),
    other=st.sampled_from(["kind", "Type", "Transaction", "Offre", "Genre"]),
    kind_first=st.booleans(),
)
def test_a_type_column_is_read_by_what_it_holds(types, kinds, header, other, kind_first):
    assume(header.lower() != other.lower())
    kinds = kinds[: len(types)]
    columns = [(other, kinds), (header, types)] if kind_first else [(header, types), (other, kinds)]
    titles = ["ref", "city", "price", *(title for title, _cells in columns)]
    cells = [["A"] * len(types), ["Paris"] * len(types), ["900"] * len(types), *(cells for _title, cells in columns)]
    readings, problems = read_columns(titles, cells)
    fields = {reading.header: reading.field for reading in readings}
    assert problems == []
    assert fields[header] == "property_type"
    assert fields[other] == "kind"


@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=10), title=st.sampled_from(["Col7", "Mandat X"]))
def test_an_unknown_header_holding_only_rent_and_sale_is_the_kind(kinds, title):
    readings, problems = read_columns(["ref", "city", "price", title], [["A"], ["Paris"], ["1"], kinds])
    assert readings[3].field == "kind" and readings[3].source == "values"
    assert problems == []


# --- Whole exports -----------------------------------------------------------------------------------------------

LISTINGS = st.builds(
    ParsedListing,
    where=st.just(""),
    reference=st.from_regex(r"[A-Z]{1,3}-[0-9]{1,5}", fullmatch=True),
    kind=st.sampled_from(["rent", "sale"]),
    city=st.sampled_from(["Paris", "Lyon", "Saint-Étienne", "Aix-en-Provence"]),
    district=st.sampled_from(["", "9e", "Croix-Rousse", "Le Marais"]),
    rooms=st.none() | st.integers(1, 12),
    surface_m2=st.none() | st.decimals(Decimal(9), Decimal(999), places=1).map(float),
    price=st.integers(300, 5_000_000),
    charges=st.none() | st.integers(0, 900),
    property_type=st.sampled_from(["", "Appartement", "Maison", "Studio", "Loft"]),
)


def _amount(value: float | int, style: str) -> str:
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if style == "fr":
        return text.replace(",", "\u00a0").replace(".", ",") + " €"
    return text


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    listings=st.lists(LISTINGS, min_size=1, max_size=8, unique_by=lambda listing: listing.reference),
    delimiter=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    style=st.sampled_from(["fr", "en"]),
    separate_prices=st.booleans(),
    order=st.randoms(use_true_random=False),
)
def test_an_export_reads_back_as_written(listings, delimiter, encoding, style, separate_prices, order):
    header = ["Référence", "Ville", "Quartier", "Pièces", "surface_m2", "Type", "charges_eur_month"]
    header += ["rent_eur_month", "price_eur"] if separate_prices else ["Transaction", "Prix (€)"]
    rows = []
    for listing in listings:
        row = [listing.reference, listing.city, listing.district, "" if listing.rooms is None else str(listing.rooms)]
        row += ["" if listing.surface_m2 is None else _amount(listing.surface_m2, style), listing.property_type]
        row += ["" if listing.charges is None else _amount(listing.charges, style)]
        if separate_prices:
            price = _amount(listing.price, style)
            row += [price, ""] if listing.kind == "rent" else ["", price]
        else:
            row += ["location" if listing.kind == "rent" else "vente", _amount(listing.price, style)]
        rows.append(row)
    columns = list(range(len(header)))
    order.shuffle(columns)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([header[i] for i in columns])
    writer.writerows([[row[i] for i in columns] for row in rows])
    if not any(listing.property_type for listing in listings):
        return  # an empty "Type" column says nothing; covered by the cases above
    read = parse_listings("export.csv", out.getvalue().encode(encoding))
    expected_rooms = [listing.rooms if listing.rooms is not None else _implied(listing) for listing in listings]
    assert [(r.reference, r.kind, r.city, r.district, r.price, r.charges) for r in read] == [
        (x.reference, x.kind, x.city, x.district, x.price, x.charges) for x in listings
    ]
    assert [(r.rooms, r.surface_m2, r.property_type) for r in read] == [
        (rooms, x.surface_m2, x.property_type) for rooms, x in zip(expected_rooms, listings, strict=True)
    ]


def _implied(listing: ParsedListing) -> int | None:
    return 1 if listing.property_type == "Studio" else None


def test_the_reading_says_how_the_file_was_read():
    data = "ref;ville;loyer\nA;Paris;900\n".encode("cp1252")
    assert read_listings("stock.csv", data).source == "CSV, ';' separated, UTF-8"
    assert read_listings("stock.csv", "ref;ville;loyer\nA;Évry;900\n".encode("cp1252")).source.endswith("Windows-1252")
