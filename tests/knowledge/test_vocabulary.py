"""An agency's own names (districts, streets, people) found in what it uploads, kept per organization on every ingest,
and handed to the recogniser when a call starts: Whisper's prompt, AssemblyAI's key terms."""

from __future__ import annotations

from collections import Counter

import pytest

from synclead.config import get_settings
from synclead.gateway.media import agency_profile
from synclead.gateway.providers import Providers, recognizers_for
from synclead.knowledge.ingest import delete_document, ingest_file, ingest_paths
from synclead.knowledge.vocabulary import choose_terms, listing_terms, text_terms, vocabulary_for
from synclead.providers.stt.assemblyai import AssemblyAIStreaming
from synclead.providers.stt.whisper import WhisperSTT, vocabulary_prompt
from synclead.web.service.demo_kb import demo_files
from tests.knowledge.files import LYON_RENTALS_FR

AGENCY = """# Agence Lumière — about the agency

Agence Lumière is an independent agency founded in 2009. Viewings take place Monday to Saturday.

## Address

The agency is at 12 rue des Martyrs, between rue Notre-Dame-de-Lorette and rue Hippolyte-Lebas. The nearest metro
station is Notre-Dame-de-Lorette, and Cadet is five minutes away. Ask for Claire Fontaine at the front desk.
"""


def test_streets_and_proper_nouns_are_found_and_common_words_are_not() -> None:
    streets, names = text_terms([AGENCY])
    assert set(streets) == {"rue des Martyrs", "rue Notre-Dame-de-Lorette", "rue Hippolyte-Lebas"}
    assert {"Agence Lumière", "Notre-Dame-de-Lorette", "Cadet", "Claire Fontaine"} <= set(names)
    # First words of sentences and headings, days of the week: capitalised, yet not names.
    assert not {"Viewings", "Monday", "Saturday", "Address", "The", "Ask"} & set(names)


def test_listing_districts_lose_their_arrondissement_number() -> None:
    found = listing_terms([("9e - Saint-Georges", "Paris"), ("18e arrondissement", "Paris"), ("Croix-Rousse", "Lyon")])
    assert found == Counter({"Paris": 2, "Saint-Georges": 1, "Croix-Rousse": 1, "Lyon": 1})


def test_the_vocabulary_puts_listing_places_first_and_says_each_name_once() -> None:
    streets, names = text_terms([AGENCY, "La rue des Martyrs est animée. LUMIÈRE, agence lumière."])
    terms = choose_terms(listing_terms([("Batignolles", "Paris")]), streets, names, limit=6)
    assert terms[:2] == ["Batignolles", "Paris"]
    assert len(terms) == 6
    assert "Martyrs" not in terms  # "rue des Martyrs" already says it
    assert sum(term.lower().replace("è", "e") == "agence lumiere" for term in terms) <= 1


def test_whisper_gets_a_prompt_within_its_budget() -> None:
    terms = [f"Rue Numéro {n}" for n in range(100)]
    prompt = vocabulary_prompt(terms)
    assert prompt.startswith("Rue Numéro 0, Rue Numéro 1,") and prompt.endswith(".")
    assert len(prompt) <= 481
    assert vocabulary_prompt([]) == ""


@pytest.mark.django_db
def test_ingest_keeps_each_organizations_vocabulary(org, other_org) -> None:
    ingest_paths(org, demo_files())
    ingest_file(other_org, "lyon.csv", LYON_RENTALS_FR)
    terms = vocabulary_for(org.pk)
    assert {"Saint-Georges", "Batignolles", "Montmartre", "rue des Martyrs", "rue Hippolyte-Lebas"} <= set(terms)
    assert {"Agence Lumière", "Clichy", "Levallois", "Saint-Ouen", "Oberkampf"} <= set(terms)
    assert len(terms) <= 100 and all(len(term) <= 50 for term in terms)
    assert "Croix-Rousse" in vocabulary_for(other_org.pk) and "Croix-Rousse" not in terms
    # Oberkampf is only in the listings: deleting them takes it out of the vocabulary, in the same transaction.
    assert delete_document(org, "listings.csv")
    assert "Oberkampf" not in vocabulary_for(org.pk)
    assert "rue des Martyrs" in vocabulary_for(org.pk)
    assert "Saint-Georges" not in vocabulary_for(other_org.pk)


@pytest.mark.django_db
def test_a_call_starts_with_the_vocabulary_for_whisper_and_assemblyai(org, monkeypatch) -> None:
    ingest_paths(org, demo_files())
    profile = agency_profile(org, "fr")  # what the gateway reads when a call's stream starts
    assert "rue des Martyrs" in profile.vocabulary

    whisper = WhisperSTT("tiny.en")
    stt = Providers(stt=whisper, tts=None, vad_factory=None, agent_factory=None).stt_for(profile)  # type: ignore[arg-type]
    # The process's model, prompted for this call with the organization's names.
    assert stt.whisper is whisper  # type: ignore[attr-defined]
    assert stt.vocabulary == vocabulary_prompt(profile.vocabulary)  # type: ignore[attr-defined]
    assert "rue des Martyrs" in stt.vocabulary  # type: ignore[attr-defined]

    settings = get_settings()
    monkeypatch.setattr(settings, "stt", "assemblyai")
    monkeypatch.setattr(settings, "assemblyai_api_key", "aai-test-key")
    recognizer = recognizers_for(settings)(profile)
    assert isinstance(recognizer, AssemblyAIStreaming)
    assert recognizer.parameters("fr").keyterms_prompt == list(profile.vocabulary)
