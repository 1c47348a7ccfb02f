"""Listings CSVs in English and French layouts: rows as typed values, sentences as a caller is told them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from synclead.knowledge.listings import ParsedListing, ValueProblem, describe, parse_amount, parse_listings
from synclead.knowledge.loaders import IngestError
from tests.knowledge.files import LYON_RENTALS_FR, PARIS_RENTALS_EN

HEADER = "reference,kind,city,district,rooms,bedrooms,surface_m2,price,charges,available_from,features\n"


def test_english_layout_with_commas():
    a102, a103, s201 = parse_listings("paris.csv", PARIS_RENTALS_EN.encode())
    assert a102 == ParsedListing(
        where="line 2",
        reference="A-102",
        kind="rent",
        city="Paris",
        district="9e",
        rooms=3,
        bedrooms=2,
        surface_m2=58.0,
        price=1650,
        charges=150,
        available_from=date(2026, 12, 1),
        features=("balcony", "lift"),
        description="Bright flat near Saint-Georges.",
    )
    assert (a103.price, a103.surface_m2, a103.available_from, a103.features) == (1180, 41.5, None, ("parquet",))
    assert (s201.kind, s201.price, s201.features) == ("sale", 645_000, ("lift", "cellar", "view"))


def test_french_layout_from_excel():
    l1, l2 = parse_listings("lyon.csv", LYON_RENTALS_FR)
    assert (l1.reference, l1.kind, l1.city, l1.district, l1.rooms, l1.bedrooms) == ("L-1", "rent", "Lyon", "6e", 3, 2)
    assert (l1.surface_m2, l1.price, l1.charges, l1.available_from) == (58.5, 1650, 150, date(2026, 12, 1))
    assert l1.features == ("balcon", "ascenseur")
    assert (l2.kind, l2.rooms, l2.price, l2.charges, l2.available_from, l2.available) == (
        "sale",
        4,
        385_000,
        None,
        None,
        True,
    )


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("1 250 €", Decimal(1250)),
        ("1\u202f250\u00a0€", Decimal(1250)),
        ("1,250", Decimal(1250)),
        ("1.250", Decimal(1250)),
        ("1250,50", Decimal("1250.50")),
        ("1,250.50", Decimal("1250.50")),
        ("1.250,50 €", Decimal("1250.50")),
        ("€1,250", Decimal(1250)),
        ("58,5 m²", Decimal("58.5")),
        ("1 650 €/mois", Decimal(1650)),
        ("1'250", Decimal(1250)),
        ("", None),
    ],
)
def test_amounts_as_people_write_them(raw, amount):
    assert parse_amount(raw) == amount


@pytest.mark.parametrize("raw", ["12O0", "1,2,3", "-5", "1.", "twelve", "1 250 € CC"])
def test_what_is_not_an_amount(raw):
    with pytest.raises(ValueProblem, match="is not a number"):
        parse_amount(raw)


def test_a_bad_price_on_line_7_names_the_line_and_the_column():
    rows = [f"R-{n},rent,Paris,9e,2,1,40,1200,100,,lift" for n in range(1, 6)]
    rows.insert(5, "R-6,rent,Paris,9e,2,1,40,12O0,100,,lift")
    data = (HEADER + "\n".join(rows) + "\n").encode()
    with pytest.raises(IngestError) as caught:
        parse_listings("stock.csv", data)
    assert caught.value.name == "stock.csv"
    assert "line 7, column 'price': '12O0' is not a price." in caught.value.reason
    assert "nothing was stored" in caught.value.reason


def test_every_problem_is_listed_at_once_with_the_header_as_written():
    data = (
        "Référence;Type;Ville;Loyer;Disponible;Pièces\n"
        "A;location;Paris;900;01/13/2026;2\n"
        "B;colocation;Paris;900;;2\n"
        "D;vente;;0;;deux\n"
        "C;vente;Lyon;100 000;;2;extra\n"
    ).encode()
    with pytest.raises(IngestError) as caught:
        parse_listings("stock.csv", data)
    reason = caught.value.reason
    assert reason.startswith("6 problems; nothing was stored.")
    for problem in (
        "line 2, column 'Disponible': '01/13/2026' is not a date",
        "line 3, column 'Type': 'colocation' is neither rent (location) nor sale (vente)",
        "line 4, column 'Ville': is empty",
        "line 4, column 'Loyer': '0' is not a price",
        "line 4, column 'Pièces': 'deux' is not a number of rooms",
        "line 5: 7 values for 6 columns",
    ):
        assert problem in reason


def test_a_reference_used_twice_is_refused():
    data = b"ref,kind,city,price\nA,rent,Paris,900\nB,rent,Paris,900\nA,sale,Paris,90000\n"
    with pytest.raises(IngestError, match="line 4: reference 'A' was already used on line 2"):
        parse_listings("stock.csv", data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (HEADER.encode(), "no listings in this file"),
        (b"name,email\nAnne,anne@example.com\n", "no column for reference"),
        (b"ref,kind,city,price,prix\nA,rent,Paris,1,1\n", "both give the price"),
        (b'reference,kind,city,price\nA,rent,"Paris,1\n', "malformed"),
    ],
)
def test_files_that_are_not_listings(data, reason):
    with pytest.raises(IngestError, match=reason):
        parse_listings("stock.csv", data)


def test_status_and_availability_words():
    data = (
        "ref;type;ville;prix;disponible;statut\n"
        "A;location;Paris;900;immédiatement;\n"
        "B;location;Paris;900;loué;\n"
        "C;vente;Paris;90000;;vendu\n"
        "D;vente;Paris;90000;2027-01-15;disponible\n"
    ).encode()
    rows = parse_listings("stock.csv", data)
    assert [(row.available, row.available_from) for row in rows] == [
        (True, None),
        (False, None),
        (False, None),
        (True, date(2027, 1, 15)),
    ]


def test_unknown_columns_are_ignored_and_blank_lines_skipped():
    data = b"reference,kind,city,price,photo_url\n\nA,rent,Paris,900,https://x.example/a.jpg\n,,,,\n"
    [row] = parse_listings("stock.csv", data)
    assert (row.reference, row.where) == ("A", "line 3")


def test_english_sentence():
    listing = parse_listings("paris.csv", PARIS_RENTALS_EN.encode())[0]
    assert describe(listing, "en") == (
        "Property to rent in Paris 9e, 3 rooms (2 bedrooms), 58 m², 1,650 € per month plus 150 € charges, "
        "available from 1 December 2026: balcony, lift. Bright flat near Saint-Georges. Reference A-102."
    )


def test_french_sentence():
    l1, l2 = parse_listings("lyon.csv", LYON_RENTALS_FR)
    assert describe(l1, "fr") == (
        "Logement à louer à Lyon 6e, 3 pièces (2 chambres), 58,5 m², 1\u00a0650 € par mois plus 150 € de charges, "
        "disponible à partir du 1er décembre 2026 : balcon, ascenseur. Référence L-1."
    )
    assert describe(l2, "fr") == (
        "Bien à vendre à Lyon (Croix-Rousse), 4 pièces (3 chambres), 92 m², 385\u00a0000 € : cave. Référence L-2."
    )


def test_sentence_for_a_sale_with_a_property_type_already_sold():
    row = ParsedListing(
        where="line 2",
        reference="S-9",
        kind="sale",
        city="Paris",
        district="1",
        rooms=1,
        price=310_000,
        charges=80,
        available=False,
        property_type="studio",
    )
    assert describe(row, "en") == (
        "Studio for sale in Paris 1er, 1 room, 310,000 €, charges 80 € per month, already sold. Reference S-9."
    )
    assert describe(row, "fr") == (
        "Studio à vendre à Paris 1er, 1 pièce, 310\u00a0000 €, charges de 80 € par mois, déjà vendu. Référence S-9."
    )
