"""Dialogue acts by rules, and by the nearest exemplar in e5's space for short answers the rules miss.

The accuracy is measured on `acts_paraphrases.json`, paraphrases written after the exemplars and the rules and
never used to tune them, in English and French, with answers that are no act at all (names, questions, addresses).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synclead.agent.offline.acts import ACTS, EXEMPLARS, by_rules, classify
from synclead.agent.offline.dialogue import Dialogue
from synclead.providers.embeddings import get_embedder

HELD_BACK = json.loads((Path(__file__).parent / "acts_paraphrases.json").read_text())
# Measured: 105 of 106 (every act 100 % but French "yes", 11 of 12). The bar leaves room for a model update.
MIN_ACCURACY = 0.9
MIN_PER_ACT = 0.75


def test_rules_read_the_plain_answers():
    assert by_rules("Yes, that's right.", "en") == {"yes"}
    assert by_rules("Non merci.", "fr") == {"no", "thanks"}
    assert by_rules("You can call me back on this number.", "en") == {"this_number"}
    assert by_rules("Non, c'est le 06 12 34 56 78.", "fr") == {"no", "correction"}
    assert by_rules("Thank you, goodbye.", "en") == {"thanks", "goodbye"}
    assert classify("No, not that one, this one.", "en").main == "this_number"
    assert by_rules("Marie Dubois", "fr") == set()
    assert classify("No, it's 06 11 22 33 55.", "en").main == "correction"


def test_no_held_back_paraphrase_is_an_exemplar():
    exemplars = {text.casefold() for texts in EXEMPLARS.values() for text in texts}
    said = {text.casefold() for language in ("en", "fr") for texts in HELD_BACK[language].values() for text in texts}
    assert not said & exemplars


@pytest.mark.slow
def test_paraphrases_written_afterwards_are_understood():
    embedder = get_embedder()
    right: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for language in ("en", "fr"):
        for act, texts in HELD_BACK[language].items():
            for text in texts:
                total[language, act] += 1
                right[language, act] += (classify(text, language, embedder).main or "other") == act
    report = {f"{language}/{act}": f"{right[language, act]}/{n}" for (language, act), n in total.items()}
    assert sum(right.values()) / sum(total.values()) >= MIN_ACCURACY, report
    for key, n in total.items():
        assert right[key] / n >= MIN_PER_ACT, report


_WORDS = [
    "yes", "no", "oui", "non", "this", "number", "ce", "numéro", "06", "12", "34", "56", "78", "zero", "six",
    "thanks", "merci", "bye", "au", "revoir", "actually", "en", "fait", "Marie", "Dubois", "rue", "12", "flat",
    "maison", "m2", "70", "square", "metres", "tomorrow", "demain", ",", ".", "?", "c'est", "it's", "perfect",
]  # fmt: skip


@settings(deadline=None, max_examples=80)  # the first example loads the NER model
@given(st.lists(st.sampled_from(_WORDS), max_size=14).map(" ".join), st.sampled_from(["en", "fr"]))
def test_any_answer_is_read_without_error_and_a_kept_number_is_e164(text: str, language: str):
    acts = classify(text, language)
    assert acts.acts <= set(ACTS) and (acts.main is None) == (not acts.acts)
    dialogue = Dialogue(errand="seller")
    for slot in ("address", "kind", "size", "name"):
        dialogue.asking = slot
        dialogue.absorb(text, language, acts, "FR")
    assert not dialogue.candidate_phone or re.fullmatch(r"\+\d{8,15}", dialogue.candidate_phone)
    assert set(dialogue.slots) <= {"address", "kind", "size", "time", "name", "phone"}
