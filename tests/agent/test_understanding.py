"""Names, yes and no, intents and urgency, from Whisper transcripts in English and French."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synclead.agent.offline.rules import classify_intent, classify_urgency, extract_name, is_affirmative

# --- Names ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("My name is John Smith.", "en", "John Smith"),
        ("my name is john smith", "en", "John Smith"),
        ("Uh, my name is, uh, John Smith.", "en", "John Smith"),
        ("My name's Anna-Lena, and I'd like to rent a flat.", "en", "Anna-Lena"),
        ("This is Sarah.", "en", "Sarah"),
        ("Hi, this is Sarah from Foxtons, I'm calling about the flat.", "en", "Sarah"),
        ("I'm Paul Martin and I'm looking for a flat.", "en", "Paul Martin"),
        ("I'm Ted", "en", "Ted"),
        ("It's Anna.", "en", "Anna"),
        ("It's... Anna", "en", "Anna"),
        ("this is sarah", "en", "Sarah"),
        ("Hello, John speaking.", "en", "John"),
        ("Yes, hello, it's Mrs. Clarke.", "en", "Clarke"),
        ("Je m'appelle Marie Dubois.", "fr", "Marie Dubois"),
        ("Bonjour, je m'appelle Marie Dubois et je cherche un appartement.", "fr", "Marie Dubois"),
        ("Je m'appelle Pierre de la Fontaine.", "fr", "Pierre de la Fontaine"),
        ("C'est Pierre.", "fr", "Pierre"),
        ("Oui bonjour, c'est Pierre de l'agence.", "fr", "Pierre"),
        ("Moi, c'est Karim.", "fr", "Karim"),
        ("Mon nom est Lefèvre.", "fr", "Lefèvre"),
        ("Marie Dubois à l'appareil.", "fr", "Marie Dubois"),
        ("je m'appelle jean-pierre o'connor", "fr", "Jean-Pierre O'Connor"),
        ("My name is JOHN SMITH", "en", "John Smith"),
        ("My name is Ronan McDonald", "en", "Ronan McDonald"),
        ("It's about the flat, my name is Paul.", "en", "Paul"),
    ],
)
def test_extract_name(text: str, language: str, name: str) -> None:
    assert extract_name(text, language) == name


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("Marie Dubois", "fr", "Marie Dubois"),
        ("Marie Dubois.", "fr", "Marie Dubois"),
        ("Euh, Marie Dubois.", "fr", "Marie Dubois"),
        ("Oui, Marie Dubois, merci.", "fr", "Marie Dubois"),
        ("Dubois, D-U-B-O-I-S.", "fr", "Dubois"),
        ("D-U-B-O-I-S", "fr", "Dubois"),
        ("Smith. John Smith.", "en", "John Smith"),
        ("Yes, John O'Brien, thanks.", "en", "John O'Brien"),
        ("Mr. Smith", "en", "Smith"),
        ("john", "en", "John"),
        ("It's John.", "en", "John"),
        ("John Smith, and I'm calling about the flat.", "en", "John Smith"),
    ],
)
def test_extract_name_as_an_answer(text: str, language: str, name: str) -> None:
    assert extract_name(text, language, expecting_name=True) == name


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'm looking for a flat to rent.", "en"),
        ("i'm looking for a flat to rent", "en"),
        ("I'm calling about the apartment.", "en"),
        ("I'm interested in the house on Elm Street.", "en"),
        ("I'm a tenant.", "en"),
        ("I'm fine, thanks.", "en"),
        ("it's raining", "en"),
        ("It's about the flat on rue de Rivoli.", "en"),
        ("It's 06 12 34 56 78.", "en"),
        ("This is urgent.", "en"),
        ("It's Monday.", "en"),
        ("I'm French.", "en"),
        ("Je suis à Paris.", "fr"),
        ("C'est pour une location.", "fr"),
        ("Oui, c'est ça.", "fr"),
        ("C'est bien ça.", "fr"),
        ("Je suis intéressé par l'appartement.", "fr"),
        ("je suis intéressé", "fr"),
        ("Marie Dubois", "fr"),  # a bare name counts only when the agent asked for it
        ("Hello, I'm calling about the flat for rent. John Smith.", "en"),
        ("", "en"),
    ],
)
def test_extract_name_finds_none_where_there_is_none(text: str, language: str) -> None:
    assert extract_name(text, language) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'd rather not say.", "en"),
        ("Why do you need it?", "en"),
        ("Sorry?", "en"),
        ("Pardon ?", "fr"),
        ("Bonjour.", "fr"),
        ("Hmm.", "en"),
        ("Yes.", "en"),
        ("Je préfère ne pas le dire.", "fr"),
        ("Can you repeat the question?", "en"),
        ("06 12 34 56 78", "fr"),
    ],
)
def test_extract_name_as_an_answer_refuses_sentences(text: str, language: str) -> None:
    assert extract_name(text, language, expecting_name=True) is None


names = st.sampled_from(["Marie", "John", "Anna", "Karim", "Sophie", "Paul", "Lucie", "Oliver"])
surnames = st.sampled_from(["Dubois", "Smith", "Martin", "Nguyen", "O'Brien", "Lefèvre", "Bernard", "Jones"])
introductions = st.sampled_from(
    ["My name is {}.", "This is {}.", "Hi, I'm {}.", "Je m'appelle {}.", "Bonjour, c'est {}.", "{} speaking."]
)


@given(names, surnames, introductions, st.booleans())
def test_any_introduction_gives_the_name(first: str, last: str, introduction: str, lower: bool) -> None:
    text = introduction.format(f"{first} {last}")
    # Some recognisers give no capitals; "My name is …" is still a name then.
    if lower and introduction.startswith("My name"):
        text = text.lower()
    assert extract_name(text, "en") == f"{first} {last}"


# --- Yes or no --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "yes", "Yes.", "Yeah, that's right.", "Yep", "correct", "That's correct.", "Sure.", "Right.",
        "Exactly.", "Yes please.", "uh-huh", "Mm-hmm.", "Absolutely.", "Of course.", "No problem.",
        "Oui.", "Ouais ouais.", "C'est ça.", "Oui, c'est bien ça.", "Exactement.", "Tout à fait.",
        "D'accord.", "Pas de problème.", "Oui oui, c'est exact.", "Oui, that's right.",
    ],
)  # fmt: skip
def test_is_affirmative_yes(text: str) -> None:
    assert is_affirmative(text, "en") is True
    assert is_affirmative(text, "fr") is True


@pytest.mark.parametrize(
    "text",
    [
        "no", "No.", "Nope.", "Nah.", "That's not right.", "No, that's wrong.", "Not quite, it's 07.",
        "That's incorrect.", "No, it's zero seven.", "I don't think so.",
        "Non.", "Non, c'est pas ça.", "Pas ça.", "Ce n'est pas ça.", "Non, ce n'est pas correct.", "Pas du tout.",
        "C'est faux.",
    ],
)  # fmt: skip
def test_is_affirmative_no(text: str) -> None:
    assert is_affirmative(text, "en") is False
    assert is_affirmative(text, "fr") is False


@pytest.mark.parametrize(
    "text",
    [
        "", "Hmm.", "What?", "Sorry, can you repeat?", "I don't know.", "Je ne sais pas.", "Maybe.",
        "Yes... no, wait.", "No, no, that's right.", "Attendez.", "Hello?",
    ],
)  # fmt: skip
def test_is_affirmative_undecided(text: str) -> None:
    assert is_affirmative(text, "en") is None


# --- Intent -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("I'm looking for a flat to rent.", "en", "rent"),
        ("Do you have any rentals in the centre?", "en", "rent"),
        ("Je cherche un appartement à louer.", "fr", "rent"),
        ("Je cherche une location à Lyon.", "fr", "rent"),
        ("I'd like to buy a house.", "en", "buy"),
        ("I'm interested in purchasing a property.", "en", "buy"),
        ("I'm calling about the flat for sale on your website.", "en", "buy"),
        ("Je voudrais acheter un appartement.", "fr", "buy"),
        ("C'est pour un achat.", "fr", "buy"),
        ("L'appartement en vente rue de la Paix m'intéresse.", "fr", "buy"),
        ("I want to sell my house.", "en", "sell"),
        ("Je veux vendre mon appartement.", "fr", "sell"),
        ("Je voudrais mettre ma maison en vente.", "fr", "sell"),
        ("How much is my house worth?", "en", "valuation"),
        ("Could you do a valuation of my flat?", "en", "valuation"),
        ("Je voudrais une estimation de ma maison.", "fr", "valuation"),
        ("Combien vaut mon appartement ?", "fr", "valuation"),
        ("Can you manage my property?", "en", "property_management"),
        ("I want to rent out my flat.", "en", "property_management"),
        ("Je cherche une agence pour la gestion locative.", "fr", "property_management"),
        ("Je voudrais louer mon appartement.", "fr", "property_management"),
        ("There's a leak in the bathroom.", "en", "tenant_issue"),
        ("My boiler is broken.", "en", "tenant_issue"),
        ("The heating isn't working.", "en", "tenant_issue"),
        ("I'm renting from you and there's a leak.", "en", "tenant_issue"),
        ("Il y a une fuite dans la cuisine.", "fr", "tenant_issue"),
        ("Le chauffage est en panne.", "fr", "tenant_issue"),
        ("I'd like to book a viewing.", "en", "viewing"),
        ("Can I see the apartment on Saturday?", "en", "viewing"),
        ("Je voudrais visiter l'appartement à louer.", "fr", "viewing"),
        ("Est-ce qu'on peut organiser une visite ?", "fr", "viewing"),
        ("What are your opening hours?", "en", "general_question"),
        ("What are your fees?", "en", "general_question"),
        ("Quels sont vos honoraires ?", "fr", "general_question"),
        ("J'ai une question.", "fr", "general_question"),
        ("Hello.", "en", "other"),
        ("Bonjour, c'est Marie.", "fr", "other"),
        ("What's your location?", "en", "other"),  # a place, not a rental, in English
        ("", "en", "other"),
    ],
)
def test_classify_intent(text: str, language: str, intent: str) -> None:
    assert classify_intent(text, language) == intent


# --- Urgency ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "urgency"),
    [
        ("There's no heating.", "en", "high"),
        ("We have no water since this morning.", "en", "high"),
        ("Water is leaking through the ceiling.", "en", "high"),
        ("The kitchen is flooded.", "en", "high"),
        ("It's urgent.", "en", "high"),
        ("It's an emergency.", "en", "high"),
        ("Please call me back ASAP.", "en", "high"),
        ("Il y a une fuite d'eau.", "fr", "high"),
        ("Inondation dans la salle de bain !", "fr", "high"),
        ("Il n'y a plus de chauffage.", "fr", "high"),
        ("C'est urgent.", "fr", "high"),
        ("No rush, but water is leaking.", "en", "high"),
        ("No rush.", "en", "low"),
        ("Whenever you can.", "en", "low"),
        ("It's not urgent.", "en", "low"),
        ("It's not an emergency.", "en", "low"),
        ("Je ne suis pas pressé.", "fr", "low"),
        ("Ce n'est pas urgent.", "fr", "low"),
        ("Rien d'urgent.", "fr", "low"),
        ("I'd like to book a viewing.", "en", "normal"),
        ("Je cherche un appartement.", "fr", "normal"),
        ("", "en", "normal"),
    ],
)
def test_classify_urgency(text: str, language: str, urgency: str) -> None:
    assert classify_urgency(text, language) == urgency


@given(st.text(max_size=200), st.sampled_from(["en", "fr", "de", ""]))
def test_understanding_never_fails_on_any_text(text: str, language: str) -> None:
    extract_name(text, language, expecting_name=True)
    assert is_affirmative(text, language) in (True, False, None)
    assert classify_intent(text, language) in {
        "rent", "buy", "sell", "valuation", "property_management", "tenant_issue", "viewing",
        "general_question", "other",
    }  # fmt: skip
    assert classify_urgency(text, language) in {"low", "normal", "high"}
