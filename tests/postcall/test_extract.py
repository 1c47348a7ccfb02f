"""Offline extraction per intent, in English and French: intent, urgency, name, number, and where each was said."""

from __future__ import annotations

import pytest

from synclead.postcall.extract import extract, find_email
from synclead.providers.embeddings import get_embedder
from tests.postcall.conftest import caller_utterance

# (language, transcript, intent, urgency, name, phone, index of the caller utterance that states the intent)
CASES = [
    ("en", [("agent", "Hello, how can I help?"),
            ("caller", "Hi, this is John Carter. I'm looking for a two bedroom flat to rent "
                       "in the 11th, under 1,800 euros."),
            ("agent", "What number can we reach you on?"),
            ("caller", "zero six, twelve, thirty four, fifty six, seventy eight")],
     "rent", "normal", "John Carter", "+33612345678", 0),
    ("fr", [("agent", "Bonjour, que puis-je pour vous ?"),
            ("caller", "Bonjour, je m'appelle Marie Dubois."),
            ("caller", "Nous voulons acheter une maison à Vincennes, on a un accord de prêt de la banque.")],
     "buy", "normal", "Marie Dubois", "+33699887766", 1),
    ("fr", [("caller", "Bonjour, moi c'est Paul Martin, je voudrais vendre mon appartement dans le 15e."),
            ("caller", "Rappelez-moi au zéro six, quatre-vingt-dix-neuf, douze, trente-quatre, cinquante-six.")],
     "sell", "normal", "Paul Martin", "+33699123456", 0),
    ("en", [("caller", "My name is Emma Stone. How much is my house worth? I'd like a valuation, no rush.")],
     "valuation", "low", "Emma Stone", "+33699887766", 0),
    ("fr", [("caller", "Je suis propriétaire d'un studio, je cherche une gestion locative."),
            ("agent", "Quel est votre nom ?"), ("caller", "Claire Petit.")],
     "property_management", "normal", "Claire Petit", "+33699887766", 0),
    ("en", [("caller", "Hi, it's Tom Baker, I'm a tenant at 12 rue Oberkampf and there's no heating since yesterday.")],
     "tenant_issue", "high", "Tom Baker", "+33699887766", 0),
    ("fr", [("caller", "Bonjour, ici Sophie Laurent. Je n'ai plus d'eau chaude, je suis locataire.")],
     "tenant_issue", "high", "Sophie Laurent", "+33699887766", 0),
    ("en", [("caller", "Hello, my name is Anna Lee, I'd like to book a viewing of the apartment on rue de Rivoli.")],
     "viewing", "normal", "Anna Lee", "+33699887766", 0),
    ("fr", [("caller", "Bonjour, je m'appelle Luc Moreau, quels sont vos horaires d'ouverture ?")],
     "general_question", "normal", "Luc Moreau", "+33699887766", 0),
]  # fmt: skip


@pytest.mark.parametrize(("language", "lines", "intent", "urgency", "name", "phone", "said_in"), CASES)
def test_extracts_each_intent(make_call, language, lines, intent, urgency, name, phone, said_in) -> None:
    call = make_call(lines, language=language)
    result = extract(list(call.utterances.all()), language, call.from_number, embedder=get_embedder())
    assert (result.intent, result.urgency, result.name, result.phone) == (intent, urgency, name, phone)
    assert result.evidence["intent"]["utterance"] == caller_utterance(call, said_in)
    assert 0.0 < result.evidence["intent"]["confidence"] <= 1.0
    name_line = next(u.id for u in call.utterances.filter(role="caller") if name.split()[0] in u.text)
    assert result.evidence["name"]["utterance"] == name_line
    if urgency == "high":
        assert result.evidence["urgency"]["utterance"] == caller_utterance(call, 0)


def test_qualification_points_at_its_utterance(make_call) -> None:
    call = make_call(CASES[0][1])
    result = extract(list(call.utterances.all()), "en", call.from_number, embedder=get_embedder())
    expected = {"kind": "rent", "area": "11e", "bedrooms": 2, "budget": 1800}
    assert {k: result.qualification.get(k) for k in expected} == expected
    assert result.evidence["budget"]["utterance"] == caller_utterance(call, 0)
    assert result.evidence["phone"] == {"confidence": 0.9, "utterance": caller_utterance(call, 1)}
    assert result.summary.startswith("Caller: John Carter (+33612345678).")


def test_paraphrase_without_keywords_is_classified_by_embeddings(make_call) -> None:
    call = make_call(
        [("caller", "We are moving to Paris with the kids and need somewhere to live, a lease of a year.")]
    )
    result = extract(list(call.utterances.all()), "en", call.from_number, embedder=get_embedder())
    assert result.intent == "rent"


def test_custom_vocabulary_is_honoured(make_call) -> None:
    call = make_call([("caller", "I want to buy a flat in the 9th.")])
    result = extract(list(call.utterances.all()), "en", call.from_number, ["purchase", "complaint"], get_embedder())
    assert result.intent == "purchase"


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("my email is john dot smith at gmail dot com", "john.smith@gmail.com"),
        ("c'est marie point dubois arobase orange point fr", "marie.dubois@orange.fr"),
        ("write to Anna.Lee@example.org please", "anna.lee@example.org"),
        ("I'm at home at the moment", None),
    ],
)
def test_email(text, email) -> None:
    assert find_email(text) == email
