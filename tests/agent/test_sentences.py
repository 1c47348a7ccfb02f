"""Streamed model text cut into sentences as soon as each is complete."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from synclead.agent.sentences import SentenceSplitter, clean_for_speech, split_sentences


def split(*pieces: str) -> list[list[str]]:
    splitter = SentenceSplitter()
    return [splitter.feed(piece) for piece in pieces] + [splitter.flush()]


def test_a_sentence_is_released_once_the_character_after_its_dot_has_arrived():
    assert split("Bonjour.", " Le loyer", " est de 1", ".5 mille euros. Merci") == [
        [],
        ["Bonjour."],
        [],
        ["Le loyer est de 1.5 mille euros."],
        ["Merci"],
    ]


def test_times_prices_and_abbreviations_stay_whole():
    pieces = split("Ouvert de 9 h 30 à 19 h. M. Dupont", " vous rappellera à 9.30 ! Le prix", " est de 1 450 € ?")
    assert [s for batch in pieces for s in batch] == [
        "Ouvert de 9 h 30 à 19 h.",
        "M. Dupont vous rappellera à 9.30 !",
        "Le prix est de 1 450 € ?",
    ]


def test_markdown_is_not_read_aloud():
    assert clean_for_speech("**Studio** of 25 m², `ref` #12") == "Studio of 25 m², ref 12"
    assert split("- First point. - Second") == [["First point."], ["Second"]]


def test_a_whole_reply_is_cut_as_the_engine_speaks_it():
    # The engine and the agents share this splitter: "M. Dupont" is one sentence, a line break ends one.
    assert split_sentences("Bonjour M. Dupont. Comment allez-vous ? Très bien!") == [
        "Bonjour M. Dupont.",
        "Comment allez-vous ?",
        "Très bien!",
    ]
    assert split_sentences("Mr. Smith will call.\nOpening hours") == ["Mr. Smith will call.", "Opening hours"]
    assert split_sentences("  ") == []


@given(st.text(alphabet=st.sampled_from(list("ab .!?…\nM")), max_size=60))
def test_splitting_keeps_every_word_in_order(text: str):
    assert " ".join(split_sentences(text)).split() == text.split()
