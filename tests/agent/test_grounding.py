"""Choosing, word for word, the sentences of the agency's passages that answer a question."""

from __future__ import annotations

from datetime import date

from synclead.agent.knowledge import Listing, Passage
from synclead.agent.offline.grounding import concepts, grounded_answer, language_of, sentences
from synclead.agent.offline.phrases import describe_listing, speak_hours

HOURS = Passage(
    "agency.md",
    "The agency is open Monday to Friday from 9:00 to 19:00.\nIt is closed on Sunday. Parking is on rue Saint-Georges.",
    0.9,
    "Opening hours",
)
FEES = Passage(
    "honoraires.md",
    "Les honoraires de location sont plafonnés par la loi. Le locataire paie 12 € par m². Rien d'autre.",
    0.9,
    "Honoraires",
)


def test_concepts_fold_stem_and_merge_synonyms():
    assert concepts("What are your opening hours?", question=True) == {"hours"}
    assert concepts("Quels sont vos horaires d'ouverture ?", question=True) == {"hours"}
    assert concepts("Where are you?", question=True) == {"address"}
    assert concepts("a flat where you live") == {"flat", "liv"}
    assert concepts("Les honoraires de location", language="fr") == {"fees", "rent"}
    assert concepts("Hello, this is Anna Martin", frozenset({"anna", "martin"})) == set()


def test_sentences_join_wrapped_lines_and_lists():
    text = "# Documents\nEach tenant\nprovides:\n- an ID card\n- three payslips.\n\nFiles are read in order."
    assert sentences(text) == [
        "Documents.",
        "Each tenant provides: an ID card, three payslips.",
        "Files are read in order.",
    ]
    assert sentences("Call M. Dupont on 01 42. He answers at 9.30!") == [
        "Call M. Dupont on 01 42.",
        "He answers at 9.30!",
    ]


def test_language_of_a_passage():
    assert language_of(HOURS.text) == "en"
    assert language_of(FEES.text) == "fr"
    assert language_of("Mon-Fri 9:00-19:00") is None


def test_the_best_sentence_and_its_neighbour():
    assert grounded_answer("Are you open on Sunday?", [HOURS], "en") == (
        "The agency is open Monday to Friday from 9:00 to 19:00. It is closed on Sunday."
    )


def test_a_question_of_how_much_gets_the_sentence_with_the_figures():
    assert grounded_answer("Quels sont vos honoraires ?", [FEES], "fr") == (
        "Les honoraires de location sont plafonnés par la loi. Le locataire paie 12 € par m²."
    )


def test_gates():
    assert grounded_answer("Are you open on Sunday?", [HOURS], "fr") == ""  # an English passage for a French call
    assert grounded_answer("Are you open on Sunday?", [HOURS], "en", min_score=0.95) == ""
    assert grounded_answer("Is there parking for bikes?", [HOURS], "en") == ""  # "bikes" is nowhere
    assert grounded_answer("Thanks!", [HOURS], "en") == ""


def test_a_listing_in_a_breath():
    listing = Listing("A1", "sale", "Paris", "Montmartre (18e)", 2, 1, 40.5, 395000, None, "now", (), "Loft")
    assert describe_listing(listing, "en", date(2026, 1, 1)) == (
        "a one-bedroom loft in the 18th, 40.5 square metres, for 395,000 euros, available now"
    )
    assert describe_listing(listing, "fr", date(2026, 1, 1)) == (
        "un loft de 2 pièces avec 1 chambre dans le dix-huitième, 40,5 mètres carrés, à 395000 euros, "
        "disponible immédiatement"
    )
    house = Listing("H1", "rent", "Boulogne-Billancourt", "", 5, None, None, 3000, None, "", (), "Maison")
    assert describe_listing(house, "fr", date(2026, 1, 1)) == (
        "une maison de 5 pièces à Boulogne-Billancourt, à 3000 euros par mois"
    )


def test_opening_hours_from_the_settings():
    hours = {"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "tue": [["09:00", "12:30"], ["14:00", "19:00"]]}
    assert speak_hours(hours, "en") == "We are open Monday to Tuesday from 9 am to 12:30 pm and from 2 pm to 7 pm."
    assert speak_hours({"sat": [["10:00", "17:00"]]}, "fr") == "Nous sommes ouverts le samedi de 10 h à 17 h."
    assert speak_hours({"sat": [["10h", "17:00"]]}, "en") == ""


def test_the_conversation_settles_which_fees():
    sales = Passage("fees.md", "Our commission on a sale is 4 % of the price.", 1.0, "Fees > Sales")
    rentals = Passage("fees.md", "Rental fees are 12 euros per square metre.", 0.9, "Fees > Rentals")
    assert grounded_answer("What are your fees?", [sales, rentals], "en") == sales.text
    earlier = ["I'm looking for a flat to rent in the 9th."]
    assert grounded_answer("And your fees?", [sales, rentals], "en", earlier=earlier) == rentals.text


def test_free_is_the_amount_a_cost_question_asks_for():
    services = Passage(
        "services.md",
        "We value your apartment or house free of charge and with no obligation. An advisor visits the property "
        "and sends you a written valuation within 48 hours. Book a valuation by phone or at the agency.",
        0.9,
        "Our services > Free valuation",
    )
    said = grounded_answer("what does a valuation cost?", [services], "en")
    assert said.startswith("We value your apartment or house free of charge")
