"""Listing criteria from what callers say, written the way Whisper writes it, in English and French."""

from __future__ import annotations

import pytest

from synclead.agent.knowledge import ListingCriteria
from synclead.agent.offline.criteria import arrondissement_of, features_in, parse_criteria


def criteria(text: str, language: str = "en") -> ListingCriteria:
    found = parse_criteria(text, language)
    assert found is not None, text
    return found


@pytest.mark.parametrize(
    ("text", "language", "kind"),
    [
        ("I'd like to rent a flat.", "en", "rent"),
        ("Do you have any rentals in Montmartre?", "en", "rent"),
        ("Is there anything to let near Batignolles?", "en", "rent"),
        ("I'm looking to buy an apartment.", "en", "sale"),
        ("Do you have flats for sale in the 11th?", "en", "sale"),
        ("Je voudrais louer un appartement.", "fr", "rent"),
        ("Je cherche une location dans le 9e.", "fr", "rent"),
        ("Nous voulons acheter un trois pièces.", "fr", "sale"),
        ("C'est pour un achat, un T3.", "fr", "sale"),
        # No kind word: a monthly budget is a rent, a budget in hundreds of thousands a purchase.
        ("A two-bedroom, around 2000 a month.", "en", "rent"),
        ("Un trois pièces, budget de 400 000 euros.", "fr", "sale"),
    ],
)
def test_rent_or_buy(text: str, language: str, kind: str) -> None:
    assert criteria(text, language).kind == kind


def test_location_is_a_rental_only_in_french() -> None:
    assert criteria("Je cherche une location meublée à Lyon.", "fr").kind == "rent"
    assert parse_criteria("What is your location?", "en") is None


@pytest.mark.parametrize(
    ("text", "language", "area"),
    [
        ("A flat to rent in the ninth.", "en", "9e"),
        ("A flat to rent in the 9th arrondissement.", "en", "9e"),
        ("Something to rent in Paris 9, please.", "en", "9e"),
        ("Un studio à louer dans le 9e.", "fr", "9e"),
        ("Un deux-pièces à louer dans le 9ème.", "fr", "9e"),
        ("Un appartement à louer, le neuvième si possible.", "fr", "9e"),
        ("Un appart à louer dans le 15.", "fr", "15e"),
        ("A one-bedroom in 75011.", "en", "11e"),
        ("Un studio dans le 75116.", "fr", "16e"),
        ("A studio in the first.", "en", "1er"),
        ("I'd like to rent near Montmartre.", "en", "Montmartre"),
        ("Something to rent in the Batignoles.", "en", "Batignolles"),  # Whisper drops an l
        ("Je cherche à acheter à Boulogne.", "fr", "Boulogne-Billancourt"),
        ("A flat to rent in Rouen.", "en", "Rouen"),  # not in any list: Whisper's capital letter says "place"
        ("Un T2 à louer à Annecy.", "fr", "Annecy"),
    ],
)
def test_where(text: str, language: str, area: str) -> None:
    assert criteria(text, language).area == area


def test_an_ordinal_that_is_a_floor_or_a_date_is_no_arrondissement() -> None:
    assert criteria("I'd like to rent a flat on the 2nd floor.").area is None
    assert criteria("Je cherche à louer un studio pour le 1er mai.", "fr").area is None
    assert criteria("A flat to rent from the 5th of January.").area is None


@pytest.mark.parametrize(
    ("text", "language", "rooms", "bedrooms"),
    [
        ("A two-bedroom flat to rent.", "en", None, 2),
        ("I need a 2 bed apartment.", "en", None, 2),
        ("Looking for 3 bedrooms to buy.", "en", None, 3),
        ("A 3 room apartment to rent.", "en", 3, None),
        ("Un trois pièces à louer.", "fr", 3, None),
        ("Un deux-pièces à louer.", "fr", 2, None),
        ("Je cherche un T3.", "fr", 3, None),
        ("Un F2 à louer.", "fr", 2, None),
        ("Un appartement avec deux chambres.", "fr", None, 2),
        ("Do you have a studio to rent?", "en", 1, None),
        ("Je cherche un studio.", "fr", 1, None),
    ],
)
def test_how_big(text: str, language: str, rooms: int | None, bedrooms: int | None) -> None:
    found = criteria(text, language)
    assert (found.min_rooms, found.min_bedrooms) == (rooms, bedrooms)


@pytest.mark.parametrize(
    ("text", "language", "budget"),
    [
        ("A flat to rent under 1,500 euros.", "en", 1500),
        ("A flat to rent under €1,500 a month.", "en", 1500),
        ("A flat to rent for less than 1500 euros per month.", "en", 1500),
        ("To rent, max 1500 € par mois.", "fr", 1500),
        ("Un studio, maximum 1 500 € par mois.", "fr", 1500),
        ("Un studio à louer, 900€/mois.", "fr", 900),
        ("A flat to rent, 1.5k max.", "en", 1500),
        ("A two-bedroom to rent, my budget is 2k.", "en", 2000),
        ("A flat to rent, up to fifteen hundred euros.", "en", 1500),
        ("Un deux pièces, pas plus de mille huit cents euros.", "fr", 1800),
        ("Un trois pièces, budget de 400 000 euros.", "fr", 400_000),
        ("I'd like to buy, my budget is 1.2 million.", "en", 1_200_000),
        ("Un appartement à acheter, 400 k€.", "fr", 400_000),
        ("A one-bedroom between 1,200 and 1,500 euros.", "en", 1500),
        # "Around" is no hard ceiling: a listing a little above is still worth telling the caller about.
        ("A two-bedroom, around 2000 a month.", "en", 2200),
        ("Un studio à louer, environ 1000 euros.", "fr", 1100),
    ],
)
def test_budget(text: str, language: str, budget: int) -> None:
    assert criteria(text, language).max_price == budget


def test_numbers_that_are_not_a_budget() -> None:
    found = criteria("A 2 bedroom flat to rent in 75009, at least 50 square meters, call me on 06 12 34 56 78.")
    assert found.max_price is None
    assert found.min_surface_m2 == 50
    assert found.area == "9e"


@pytest.mark.parametrize(
    ("text", "language", "surface"),
    [
        ("A flat to rent, at least 50 square meters.", "en", 50),
        ("A flat to rent, 50 m² minimum.", "fr", 50),
        ("Un appartement à louer de 50m2.", "fr", 50),
        ("Un appartement à louer, cinquante mètres carrés.", "fr", 50),
        ("A flat to rent, about 60 sq m.", "en", 54),
    ],
)
def test_surface(text: str, language: str, surface: float) -> None:
    assert criteria(text, language).min_surface_m2 == pytest.approx(surface)


def test_features() -> None:
    found = criteria("I want to rent a flat with a balcony and a lift, and parking if possible.")
    assert found.features == ("balcony", "lift", "parking")
    found = criteria("Je cherche à louer un appartement avec terrasse, jardin et ascenseur.", "fr")
    assert set(found.features) == {"terrace", "garden", "lift"}
    assert criteria("Un studio meublé à louer.", "fr").features == ("furnished",)
    assert criteria("An unfurnished studio to rent.").features == ()
    assert features_in("Balcon | ascenseur | cave") == ("balcony", "lift")


def test_a_whole_request() -> None:
    assert parse_criteria(
        "Hi, I'm looking for a two-bedroom flat to rent in the 9th, under 1,800 euros, with a balcony.", "en"
    ) == ListingCriteria(kind="rent", area="9e", min_bedrooms=2, max_price=1800, features=("balcony",))
    assert parse_criteria("Je cherche un T3 à louer dans le 9e, max 1500 € par mois.", "fr") == ListingCriteria(
        kind="rent", area="9e", min_rooms=3, max_price=1500
    )


def test_property_words_with_a_place_or_a_feature_are_a_search() -> None:
    assert criteria("Is the flat in Montmartre still available?").area == "Montmartre"
    assert criteria("Do you have any flats with a terrace?").features == ("terrace",)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("What are your opening hours?", "en"),
        ("How much are your fees for a rental?", "en"),
        ("What documents do I need to rent an apartment?", "en"),
        ("Do you have parking for bikes?", "en"),
        ("Where are you located?", "en"),
        ("Hello, this is Anna Martin.", "en"),
        ("My number is 06 12 34 56 78.", "en"),
        ("I want to sell my flat in the 9th.", "en"),
        ("I'd like to rent out my two-bedroom apartment.", "en"),
        ("There is a leak in my two-bedroom flat.", "en"),
        ("I'm calling about my flat.", "en"),
        ("Quels sont vos horaires ?", "fr"),
        ("Quels documents faut-il fournir pour louer un appartement ?", "fr"),
        ("Quels sont vos honoraires de location ?", "fr"),
        ("Je voudrais faire estimer mon appartement.", "fr"),
        ("Je souhaite mettre en location mon deux pièces.", "fr"),
        ("Oui, c'est bien ça.", "fr"),
        ("", "en"),
    ],
)
def test_not_a_property_search(text: str, language: str) -> None:
    assert parse_criteria(text, language) is None


@pytest.mark.parametrize(
    ("district", "number"),
    [
        ("9e", 9),
        ("9e - Saint-Georges", 9),
        ("Paris 9e", 9),
        ("9ème arrondissement", 9),
        ("75009", 9),
        ("Montmartre (18e)", 18),
        ("neuvième", 9),
        ("1er", 1),
        ("SoPi", None),
        ("Boulogne-Billancourt", None),
        ("25e", None),
    ],
)
def test_arrondissement_of_a_listing_district(district: str, number: int | None) -> None:
    assert arrondissement_of(district) == number
