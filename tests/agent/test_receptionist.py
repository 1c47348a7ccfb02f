"""The offline receptionist: grounded answers, listings by criteria, and a message when it does not know."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field, replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synclead.agent.knowledge import Listing, ListingCriteria, Passage
from synclead.agent.offline.criteria import arrondissement_of, features_in
from synclead.agent.offline.phrases import PHRASES
from synclead.agent.offline.receptionist import ReceptionistAgent, Stage
from synclead.agent.offline.rules import fold
from synclead.agent.profile import AgencyProfile

EN, FR = PHRASES["en"], PHRASES["fr"]
CALLER = "+33612345678"
TODAY = date(2026, 11, 1)

ENGLISH = [
    Passage(
        "agency.md",
        "The agency is open Monday to Friday from 9:00 to 19:00, and on Saturday from 10:00 to 17:00. "
        "It is closed on Sunday and on public holidays.",
        0,
        "Agence Lumière > Opening hours",
    ),
    Passage(
        "fees.md",
        "Rental fees are 12 euros per square metre of living space for the tenant, plus 3 euros per square metre "
        "for the check-in inventory. Our commission on a sale is 4 % of the price, paid by the seller.",
        0,
        "Fees",
    ),
    Passage(
        "renting.md",
        "To apply for a rental, each tenant provides:\n- a valid identity document\n- the last three payslips\n"
        "- the last tax notice\nA complete file is considered first.",
        0,
        "Documents to provide",
    ),
]
FRENCH = [
    Passage(
        "agence.md",
        "L'agence est ouverte du lundi au vendredi de 9 h à 19 h, et le samedi de 10 h à 17 h. Elle est fermée "
        "le dimanche et les jours fériés.",
        0,
        "Horaires d'ouverture",
    ),
    Passage(
        "honoraires.md",
        "Paris est en zone tendue : les honoraires de location sont plafonnés par la loi. Le locataire paie 12 € "
        "par m² de surface habitable, plus 3 € par m² pour l'état des lieux.",
        0,
        "Location : honoraires à la charge du locataire",
    ),
    Passage(
        "dossier.md",
        "Chaque locataire fournit une pièce d'identité, les trois derniers bulletins de salaire et le dernier "
        "avis d'imposition. Un dossier complet est étudié en priorité.",
        0,
        "Les pièces à fournir",
    ),
]
LISTINGS = [
    Listing("R9A", "rent", "Paris", "9e - Saint-Georges", 3, 2, 58, 1650, 150, "2026-12-01", ("balcon", "ascenseur"),
            "Bright apartment on the 4th floor with a lift."),
    Listing("R9B", "rent", "Paris", "9e - Trudaine", 3, 2, 70, 2100, 100, "now", ("balcon",), "Apartment."),
    Listing("R11", "rent", "Paris", "11e - Oberkampf", 3, 2, 55, 1500, 100, "now", (), "Apartment."),
    Listing("R9C", "rent", "Paris", "9e", 2, 1, 40, 1200, 80, "now", (), "Deux-pièces sur cour."),
    Listing("S9", "sale", "Paris", "9e", 3, 2, 61, 655000, None, "now", ("ascenseur",), "Appartement."),
]  # fmt: skip
WEEKDAYS = {day: [["09:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@dataclass
class FakeKnowledge:
    """An organization's knowledge in memory, ranked the way the hybrid retriever ranks it."""

    passages: list[Passage] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    criteria: list[ListingCriteria] = field(default_factory=list)

    async def search(self, query: str, language: str, limit: int = 3) -> list[Passage]:
        self.queries.append(query)
        words = {w for w in fold(query).split() if len(w) > 3}

        def shared(passage: Passage) -> int:
            return len(words & set(fold(f"{passage.heading} {passage.text}").split()))

        ranked = sorted(self.passages, key=shared, reverse=True)[:limit]
        # Like reciprocal rank fusion: the semantic list always has a first place, so even an unrelated passage
        # comes back with 0.5; one that shares words with the question is in both lists and scores higher.
        return [replace(p, score=(1.0 - 0.05 * rank) if shared(p) else 0.5) for rank, p in enumerate(ranked)]

    async def search_listings(self, criteria: ListingCriteria, limit: int = 3) -> list[Listing]:
        self.criteria.append(criteria)

        def fits(listing: Listing) -> bool:
            total = listing.price + (listing.charges or 0 if listing.kind == "rent" else 0)
            place = f"{listing.district} {listing.city}"
            return (
                (criteria.kind is None or listing.kind == criteria.kind)
                and (criteria.max_price is None or total <= criteria.max_price)
                and (criteria.min_rooms is None or (listing.rooms or 0) >= criteria.min_rooms)
                and (criteria.min_bedrooms is None or (listing.bedrooms or 0) >= criteria.min_bedrooms)
                and (criteria.min_surface_m2 is None or (listing.surface_m2 or 0) >= criteria.min_surface_m2)
                and (
                    criteria.area is None
                    or arrondissement_of(criteria.area) == arrondissement_of(listing.district) is not None
                    or fold(criteria.area) in fold(place)
                )
                and set(criteria.features) <= set(features_in(" ".join(listing.features)))
            )

        return sorted(filter(fits, self.listings), key=lambda listing: listing.price)[:limit]


def agent(language: str = "en", passages: list[Passage] | None = None, **profile: object) -> ReceptionistAgent:
    knowledge = FakeKnowledge(ENGLISH + FRENCH if passages is None else passages, LISTINGS)
    return ReceptionistAgent(
        AgencyProfile("Agence Lumière", language, **profile),  # type: ignore[arg-type]
        knowledge,
        CALLER,
        today=TODAY,
    )


async def converse(receptionist: ReceptionistAgent, *turns: str) -> list[str]:
    return [(await receptionist.reply(turn)).text for turn in turns]


# --- Questions --------------------------------------------------------------------------------------------


async def test_opening_hours_come_from_the_passage():
    [said] = await converse(agent(), "Hi, what are your opening hours?")
    assert said == (
        "The agency is open Monday to Friday from 9:00 to 19:00, and on Saturday from 10:00 to 17:00. "
        f"It is closed on Sunday and on public holidays. {EN['anything_else']}"
    )


async def test_fees_give_the_figures():
    [said] = await converse(agent(), "How much are your fees?")
    assert "12 euros per square metre" in said and "4 % of the price" in said
    assert said.endswith(EN["anything_else"])


async def test_a_list_of_documents_is_read_as_one_sentence():
    [said] = await converse(agent(), "What documents do I need to provide?")
    assert said.startswith(
        "To apply for a rental, each tenant provides: a valid identity document, the last three payslips, "
        "the last tax notice."
    )


async def test_an_unknown_question_gets_no_answer_but_an_offer_to_take_a_message():
    receptionist = agent()
    said = await converse(receptionist, "Do you have parking for bikes?", "No thanks.")
    assert said[0] == f"{EN['no_info']} {EN['ask_name']}"
    assert said[1] == f"{EN['no_problem']} {EN['anything_else']}"
    assert receptionist.exchanges[0].answer == ""


async def test_a_question_only_partly_covered_is_not_answered():
    # "Viewing" is in no passage, "dog" in none: nothing about opening hours may pass for an answer.
    [said] = await converse(agent(), "Can I bring my dog to the viewing on Saturday?")
    assert said == f"{EN['no_info']} {EN['ask_name']}"


async def test_an_english_caller_never_hears_a_french_passage():
    [said] = await converse(agent(passages=FRENCH), "What are your rental fees?")
    assert said == f"{EN['no_info']} {EN['ask_name']}"


async def test_the_organizations_facts_answer_too():
    facts = "Agence Lumière is at 12 rue des Martyrs, 75009 Paris.\nRental fees: 12 euros per square metre."
    [said] = await converse(agent(passages=[], facts=facts), "Where are you located?")
    assert said == f"Agence Lumière is at 12 rue des Martyrs, 75009 Paris. {EN['anything_else']}"


async def test_hours_from_the_settings_when_no_passage_speaks_the_callers_language():
    receptionist = agent("fr", passages=ENGLISH, business_hours={**WEEKDAYS, "sat": [["10:00", "17:00"]]})
    [said] = await converse(receptionist, "Quels sont vos horaires ?")
    assert said == (
        f"Nous sommes ouverts du lundi au vendredi de 9 h à 19 h, et le samedi de 10 h à 17 h. {FR['anything_else']}"
    )


# --- Listings ---------------------------------------------------------------------------------------------


async def test_a_rental_within_budget_in_the_ninth():
    receptionist = agent()
    [said] = await converse(receptionist, "I'm looking for a two-bedroom flat to rent in the 9th, under 1,800 €.")
    assert receptionist.knowledge.criteria == [  # type: ignore[attr-defined]
        ListingCriteria(kind="rent", area="9e", min_bedrooms=2, max_price=1800)
    ]
    assert said == (
        "We have a two-bedroom apartment in the 9th, 58 square metres, at 1,650 euros a month plus 150 euros of "
        f"charges, available from December 1. {EN['offer_one']}"
    )
    assert "2,100" not in said and "1,500" not in said


async def test_two_matches_are_both_offered():
    [said] = await converse(agent(), "Do you have anything to rent in the 9th with a balcony?")
    assert "1,650 euros a month" in said and "2,100 euros a month" in said and "with a balcony" in said
    assert said.endswith(EN["offer_two"])


async def test_no_match_is_said_honestly_and_a_message_offered():
    [said] = await converse(agent(), "A five-bedroom house to buy in the 9th under 300,000 euros.")
    assert said == f"{EN['no_listing']} {EN['ask_name']}"


async def test_declining_the_listing_goes_back_to_questions():
    said = await converse(agent(), "A two-bedroom to rent in the 9th under 1,800 euros?", "No.")
    assert said[1] == f"{EN['no_problem']} {EN['anything_else']}"


# --- French -----------------------------------------------------------------------------------------------


async def test_a_french_call_gets_french_answers():
    receptionist = agent("fr")
    said = await converse(
        receptionist,
        "Bonjour, quels sont vos horaires ?",
        "Je cherche un T3 à louer dans le 9e, maximum 1 800 € par mois.",
        "Non merci. Et quels sont vos honoraires de location ?",
        "Quelles pièces faut-il fournir ?",
    )
    assert said[0].startswith("L'agence est ouverte du lundi au vendredi de 9 h à 19 h")
    assert said[1] == (
        "Nous avons un appartement de 3 pièces avec 2 chambres dans le neuvième, 58 mètres carrés, à 1650 euros "
        f"par mois plus 150 euros de charges, disponible à partir du 1er décembre. {FR['offer_one']}"
    )
    assert said[2] == (
        "Paris est en zone tendue : les honoraires de location sont plafonnés par la loi. Le locataire paie 12 € "
        f"par m² de surface habitable, plus 3 € par m² pour l'état des lieux. {FR['anything_else']}"
    )
    assert said[3].startswith("Chaque locataire fournit une pièce d'identité")
    assert not any(english in " ".join(said) for english in ("Monday", "Rental fees", "payslips"))


# --- The whole call and its lead --------------------------------------------------------------------------


async def test_questions_then_a_callback_with_another_number_read_back():
    receptionist = agent()
    said = await converse(
        receptionist,
        "Hello, this is Anna Martin. What are your opening hours?",
        "Great. And what are the fees for a rental?",
        "No, that's all, thanks.",
        "Yes please.",
        "No, call me on 07 81 22 33 44.",
        "Yes.",
    )
    assert "9:00 to 19:00" in said[0]
    assert "12 euros per square metre" in said[1]
    assert said[2] == "Would you like an advisor to call you back, Anna Martin?"
    assert "ending in 5 6 7 8" in said[3]
    assert "zero seven, eighty-one, twenty-two, thirty-three, forty-four" in said[4]
    assert said[5].endswith("Goodbye!")
    assert receptionist.stage is Stage.DONE
    outcome = receptionist.outcome("agent_hangup")
    assert outcome.lead["name"] == "Anna Martin"
    assert outcome.lead["phone"] == "+33781223344"
    assert "opening hours" in outcome.lead["details"] and "fees for a rental" in outcome.lead["details"]
    assert outcome.summary.startswith("Anna Martin asked: “Hello, this is Anna Martin. What are your opening hours?”")
    assert "9:00 to 19:00" in outcome.summary and outcome.summary.endswith("Call back on +33781223344.")
    again = await receptionist.reply("Hello?")
    assert again.hang_up


async def test_a_listing_the_caller_wants_to_hear_about_becomes_the_leads_details():
    receptionist = agent()
    said = await converse(
        receptionist, "A two-bedroom flat to rent in the 9th, max 1,800 euros.", "Yes please.", "Paul Durand", "Yes"
    )
    assert said[1] == EN["ask_name"]
    assert "ending in 5 6 7 8" in said[2]
    replies = said[3]
    assert replies.endswith("Goodbye!")
    lead = receptionist.outcome("agent_hangup").lead
    assert lead["name"] == "Paul Durand" and lead["phone"] == CALLER and lead["intent"] == "rent"
    assert "R9A (rent, 9e - Saint-Georges, 2 bedrooms, 58 m², 1650 €/month + 150 € charges)" in lead["details"]


async def test_a_caller_who_wants_no_callback_is_still_a_lead():
    receptionist = agent()
    said = await converse(receptionist, "What are your opening hours?", "No, that's all.", "No, thank you.")
    assert said[1] == f"{EN['offer_callback'].replace('$name', '')} {EN['ask_name']}"
    assert said[2] == "Thank you for calling Agence Lumière. Goodbye!"
    outcome = receptionist.outcome("agent_hangup")
    assert outcome.lead["phone"] == CALLER and outcome.lead["name"] == ""
    assert outcome.summary.startswith("The caller asked: “What are your opening hours?” (answered: “The agency")


async def test_asking_for_a_callback_starts_the_message_at_once():
    receptionist = agent()
    said = await converse(receptionist, "Can someone call me back please?", "John Smith", "Yes")
    assert said[0] == f"{EN['take_message']} {EN['ask_name']}"
    assert "John Smith" in said[1] and "ending in 5 6 7 8" in said[1]
    assert said[2].endswith("Goodbye!")
    assert receptionist.outcome("agent_hangup").lead["name"] == "John Smith"


async def test_an_errand_is_a_message_not_a_question():
    receptionist = agent()
    [said] = await converse(receptionist, "My heating is broken, there is no hot water.")
    # Out of business hours (no hours set, no staff number): noted as urgent, the property's address first.
    assert said == f"{EN['urgent']} {EN['ask_address']}"
    assert receptionist.knowledge.queries == []  # type: ignore[attr-defined]
    assert receptionist.outcome("agent_hangup").lead["urgency"] == "high"


async def test_silence_and_time_out_end_the_call():
    receptionist = agent()
    assert not receptionist.on_silence(1).hang_up
    assert receptionist.on_silence(2).hang_up
    assert receptionist.stage is Stage.DONE
    assert agent().farewell().hang_up


# --- Never invented ---------------------------------------------------------------------------------------

_WORDS = [
    "open", "opening", "hours", "monday", "saturday", "fees", "rent", "rental", "documents", "deposit", "tenant",
    "agency", "parking", "garden", "dog", "viewing", "euros", "square", "metre", "the", "is", "from", "to", "we",
    "your", "our", "a", "of", "for", "and", "on", "honoraires", "loyer", "horaires", "le", "la", "de",
    "9:00", "19:00", "12", "1,500", "4 %",
]  # fmt: skip
_sentence = st.builds(
    lambda words, end: " ".join(words).capitalize() + end,
    st.lists(st.sampled_from(_WORDS), min_size=2, max_size=12),
    st.sampled_from([".", "!", "?"]),
)
_passage = st.builds(
    lambda sentences, score: Passage("doc.md", " ".join(sentences), score),
    st.lists(_sentence, min_size=1, max_size=4),
    st.floats(min_value=0.3, max_value=1.0),
)
_question = st.builds(lambda words: " ".join(words) + "?", st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6))
_FIXED = sorted({*EN.values()}, key=len, reverse=True)


def _facts(reply: str) -> list[str]:
    """What is left of a reply once the agent's own phrases are taken out, cut where sentences end."""
    for fixed in _FIXED:
        reply = reply.replace(fixed, " ")
    return [piece for piece in re.split(r"(?<=[.!?])\s+", reply.strip()) if piece.strip()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_passage, min_size=0, max_size=4), _question)
def test_whatever_it_says_about_facts_is_taken_from_the_passages(passages: list[Passage], question: str):
    receptionist = ReceptionistAgent(
        AgencyProfile("Agence Lumière", "en"), FakeKnowledge(passages, []), CALLER, today=TODAY
    )
    reply = asyncio.run(receptionist.reply(question))
    for piece in _facts(reply.text):
        assert any(piece in passage.text for passage in passages), (piece, reply.text)
