"""Listings exports as agencies' software writes them: French Excel CSVs, .xlsx workbooks, unit-suffixed headers, a
`type` column beside a `kind` column, separate rent and sale price columns, and a mapping for the rest."""

from __future__ import annotations

from datetime import date

import pytest

from synclead.knowledge.listings import MappingError, parse_listings, parse_mapping, read_listings
from synclead.knowledge.loaders import IngestError
from tests.knowledge.files import AGENCY_EXPORT_FR, UNIT_HEADERS_EN, listings_xlsx

pytestmark = pytest.mark.django_db(databases=[])  # gettext needs settings, no database


def _fields(name: str, data: bytes, mapping: dict[str, str] | None = None) -> dict[str, tuple[str | None, str]]:
    return {column.header: (column.field, column.source) for column in read_listings(name, data, mapping).columns}


def test_a_french_excel_csv_with_semicolons_windows_1252_and_decimal_commas():
    reading = read_listings("export.csv", AGENCY_EXPORT_FR)
    assert reading.source == "CSV, ';' separated, Windows-1252"
    assert _fields("export.csv", AGENCY_EXPORT_FR) == {
        "Réf.": ("reference", "header"),
        "Type": ("property_type", "values"),
        "Transaction": ("kind", "header"),
        "Ville": ("city", "header"),
        "Code postal": ("postal_code", "header"),
        "Pièces": ("rooms", "header"),
        "Surface (m²)": ("surface_m2", "header"),
        "Loyer (€/mois)": ("rent", "header"),
        "Prix (€)": ("sale_price", "header"),
        "Charges (€/mois)": ("charges", "header"),
        "Disponibilité": ("available_from", "header"),
        "Négociateur": (None, "unused"),
        "": (None, "unused"),
    }
    loc12, loc13, ven7 = reading.listings
    assert (loc12.reference, loc12.kind, loc12.property_type, loc12.postal_code) == (
        "LOC-12",
        "rent",
        "Appartement T3",
        "75009",
    )
    # "1 250,50 €" is 1 250.50 euros, stored in whole euros; "Appartement T3" says three rooms.
    assert (loc12.price, loc12.charges, loc12.surface_m2, loc12.rooms) == (1251, 95, 62.4, 3)
    assert loc12.available_from == date(2027, 2, 1)
    assert (loc13.rooms, loc13.surface_m2, loc13.price, loc13.available) == (1, 18.5, 690, True)
    assert (ven7.kind, ven7.price, ven7.rooms, ven7.charges, ven7.city) == ("sale", 485_000, 5, None, "Lyon")


def test_kind_and_type_columns_together_with_unit_headers():
    fields = _fields("stock.csv", UNIT_HEADERS_EN)
    assert fields["kind"] == ("kind", "values")
    assert fields["type"] == ("property_type", "values")
    assert fields["rent_eur_month"] == ("rent", "header")
    assert fields["price_eur"] == ("sale_price", "header")  # a plain price beside a rent column
    assert fields["charges_eur_month"] == ("charges", "header")
    r1, r2, s1 = parse_listings("stock.csv", UNIT_HEADERS_EN)
    assert (r1.kind, r1.property_type, r1.price, r1.charges, r1.surface_m2) == ("rent", "apartment", 1650, 150, 58.5)
    assert (r2.property_type, r2.rooms, r2.price) == ("studio", 1, 780)
    assert (s1.kind, s1.property_type, s1.price, s1.charges) == ("sale", "house", 495_000, None)


def test_without_a_kind_column_the_filled_price_column_says_it():
    data = b"ref,city,rent_eur_month,price_eur\nA,Paris,900,\nB,Lyon,,250000\n"
    a, b = parse_listings("stock.csv", data)
    assert (a.kind, a.price, b.kind, b.price) == ("rent", 900, "sale", 250_000)
    only_rents = parse_listings("stock.csv", b"ref,city,loyer_eur_mois\nA,Paris,900\n")
    assert only_rents[0].kind == "rent"


def test_an_xlsx_export_with_numbers_and_dates_as_excel_stores_them():
    reading = read_listings("export.xlsx", listings_xlsx())
    assert reading.source == "Excel sheet 'Annonces'"
    x1, x2, x3 = reading.listings
    assert (x1.where, x1.kind, x1.property_type, x1.price, x1.charges, x1.surface_m2) == (
        "row 2", "rent", "Apartment", 1251, 95, 62.4,
    )  # fmt: skip
    assert (x1.available_from, x1.postal_code) == (date(2027, 2, 1), "75009")
    assert (x2.kind, x2.price, x2.rooms) == ("sale", 485_000, 5)
    # A reference Excel stored as a number stays the reference people type; "T2" gives the rooms.
    assert (x3.reference, x3.rooms, x3.available) == ("1023", 2, True)


def test_a_postcode_excel_stored_as_a_number_keeps_its_leading_zero():
    row = ["A-1", "Maison", "sale", "Bourg-en-Bresse", 1000, 4, 90, 180000, None, None, None, ""]
    [listing] = parse_listings("ain.xlsx", listings_xlsx([row]))
    assert listing.postal_code == "01000"


def test_a_bad_cell_in_a_workbook_is_named_by_row_and_column():
    rows = [[f"X-{n}", "Apartment", "rent", "Paris", 75009, 2, 40, None, 900, 50, None, ""] for n in range(1, 14)]
    rows[11][8] = "abc"  # spreadsheet row 14, below the header and a blank row
    rows[12][6] = "grand"
    with pytest.raises(IngestError) as refused:
        parse_listings("export.xlsx", listings_xlsx(rows, blank_rows=1))
    reason = refused.value.reason
    assert reason.startswith("2 problems; nothing was stored.")
    assert "row 14, column 'rent_eur_month' (I): 'abc' is not a price." in reason
    assert "row 15, column 'surface_m2' (G): 'grand' is not a surface in m²." in reason


def test_two_kind_columns_are_still_refused_with_the_way_out():
    data = b"ref,kind,transaction,city,price\nA,rent,location,Paris,900\n"
    with pytest.raises(IngestError, match=r"columns 'kind' and 'transaction' both give the kind; map one of them"):
        parse_listings("stock.csv", data)


def test_a_row_with_both_prices_and_no_kind_is_refused():
    data = b"ref,city,rent_eur_month,price_eur\nA,Paris,900,250000\n"
    with pytest.raises(IngestError, match=r"line 2: column 'rent_eur_month' and column 'price_eur' are both filled"):
        parse_listings("stock.csv", data)


def test_a_mapping_reads_columns_no_header_names():
    data = b"Code;Localisation;Tarif;Offre;Commercial\nA;Paris;900;location;Anne\n"
    with pytest.raises(IngestError, match=r"no column for reference .*, city .*, price"):
        parse_listings("stock.csv", data)
    mapping = parse_mapping(["Code=reference", "localisation=city", "Tarif=price", "Commercial=ignore"])
    fields = _fields("stock.csv", data, mapping)
    assert fields["Code"] == ("reference", "map") and fields["Localisation"] == ("city", "map")
    assert fields["Commercial"] == (None, "map")
    [listing] = parse_listings("stock.csv", data, mapping)
    assert (listing.reference, listing.city, listing.price, listing.kind) == ("A", "Paris", 900, "rent")


def test_a_mapping_is_checked():
    with pytest.raises(MappingError, match=r"'surface' is not a field\. The fields are: reference, kind, .*ignore"):
        parse_mapping(["Taille=surface"])
    with pytest.raises(MappingError, match="is not COLUMN=FIELD"):
        parse_mapping(["Taille"])
    with pytest.raises(IngestError, match=r"names column 'Taille', which is not in this file; its columns are 'ref'"):
        read_listings("stock.csv", b"ref,city,price,kind\nA,Paris,9,rent\n", {"Taille": "surface_m2"})


def test_excel_unicode_text_is_utf_16_with_tabs():
    # Excel's "Unicode text" export: UTF-16 with a byte-order mark, tab separated.
    data = "Référence\tVille\tLoyer\tType\nA-1\tÉvry\t850\tStudio\n".encode("utf-16")
    reading = read_listings("export.txt.csv", data)
    assert reading.source == "CSV, tab separated, UTF-16"
    [listing] = reading.listings
    # No kind column: a rent column says it; "Studio" is one room.
    assert (listing.city, listing.kind, listing.price, listing.rooms) == ("Évry", "rent", 850, 1)
