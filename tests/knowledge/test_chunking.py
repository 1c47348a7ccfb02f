"""Sections to passages: whole sentences, in order, never across a heading, of a size a caller can be read."""

from __future__ import annotations

import re
from itertools import accumulate, pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synclead.knowledge.chunking import MAX_WORDS, Chunk, chunk_section, chunk_sections, split_sentences
from synclead.knowledge.loaders import Section, load_sections


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("M. Dupont vous reçoit. Mme Martin aussi.", ["M. Dupont vous reçoit.", "Mme Martin aussi."]),
        (
            "Ask Mr. Smith, e.g. on Monday. Or Dr. Who etc. Fine.",
            ["Ask Mr. Smith, e.g. on Monday.", "Or Dr. Who etc. Fine."],
        ),
        ("Vous cherchez ? Nous avons ! Parfait…", ["Vous cherchez ?", "Nous avons !", "Parfait…"]),
        ("Il a dit « Bonjour. » Puis il est parti.", ["Il a dit « Bonjour. »", "Puis il est parti."]),
        ('She said "Hello." Then she left.', ['She said "Hello."', "Then she left."]),
        ("Le loyer est de 1.250 €. Les charges de 58,5 €.", ["Le loyer est de 1.250 €.", "Les charges de 58,5 €."]),
        ("Ouvert à 9 h. puis fermé.", ["Ouvert à 9 h. puis fermé."]),
        ("Contact J. Martin. He knows.", ["Contact J. Martin.", "He knows."]),
        ("Built in 1998. 12 flats remain.", ["Built in 1998.", "12 flats remain."]),
        ("Wait... Really?", ["Wait...", "Really?"]),
        ("Documents to provide:\nIdentity card\nPayslips", ["Documents to provide:", "Identity card.", "Payslips."]),
    ],
)
def test_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_passages_carry_their_headings_and_positions_through_the_document():
    chunks = chunk_sections(
        [Section(("Fees",), "Rentals cost one month. Sales cost four percent."), Section(("Fees", "Parking"), "Free.")]
    )
    assert chunks == [
        Chunk(0, ("Fees",), "Rentals cost one month. Sales cost four percent."),
        Chunk(1, ("Fees", "Parking"), "Free."),
    ]
    assert chunks[1].heading == "Fees > Parking"


def test_a_long_section_is_cut_into_balanced_passages():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(40))  # 280 words
    sizes = [len(passage.split()) for passage in chunk_section(Section((), text))]
    assert sizes == [98, 91, 91]


def test_a_sentence_longer_than_a_passage_is_cut_after_a_comma():
    clause = "the flat has a large living room facing south and a quiet bedroom on the courtyard"  # 17 words
    sentence = ", ".join([clause] * 10) + "."
    passages = chunk_section(Section((), sentence))
    assert len(passages) == 2
    assert all(len(p.split()) <= MAX_WORDS for p in passages)
    assert passages[0].endswith(",")
    assert " ".join(passages) == sentence


def test_passages_from_markdown_have_no_markdown_left():
    markdown = b"# Fees\n\n- **Rental**: one month's rent, see [the law](https://x.example).\n- *Sale*: 4 %\n"
    [chunk] = chunk_sections(load_sections("fees.md", markdown))
    assert chunk.text == "Rental: one month's rent, see the law. Sale: 4 %."
    assert not re.search(r"[*_#\[\]`]|\]\(", chunk.text)


# --- Properties, over generated documents ------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        *("appartement", "loyer", "charges", "quartier", "visite", "agency", "tenant", "deposit", "lease", "keys"),
        *("études", "à", "côté", "d'une", "l'agence", "1 250 €", "58,5", "3.5", "m²", "9e", "Paris", "Lyon"),
        *("M. Dupont", "Mme Martin", "Dr. Morel", "e.g.", "etc.", "J. Martin", "(voir", "plan)", "«", "»", "—"),
    ]
)
ENDINGS = st.sampled_from([".", "!", "?", " ?", " !", "…", "...", ".»", '."', ".)"])


@st.composite
def sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=40))
    first = draw(st.sampled_from(["The", "Le", "Nous", "Our", "Il", "12", "« Bonjour"]))
    return " ".join([first, *words]) + draw(ENDINGS)


@st.composite
def documents(draw: st.DrawFn) -> list[tuple[Section, list[str]]]:
    """Sections with the sentences they were written from; some sentences start a new line."""
    result = []
    for number in range(draw(st.integers(1, 4))):
        said = draw(st.lists(sentences(), min_size=1, max_size=30))
        breaks = draw(st.lists(st.booleans(), min_size=len(said), max_size=len(said)))
        text = "".join(s + ("\n" if brk else " ") for s, brk in zip(said, breaks, strict=True))
        result.append((Section(("Guide", f"Part {number}"), text), said))
    return result


@settings(max_examples=150, deadline=None)
@given(documents())
def test_passages_keep_every_sentence_in_order_within_its_heading(document):
    chunks = chunk_sections([section for section, _ in document])

    assert [chunk.position for chunk in chunks] == list(range(len(chunks)))
    for section, said in document:
        # Abbreviations, initials, decimals and quotes do not end a sentence; every sentence end is found.
        assert split_sentences(section.text) == said
        mine = [chunk for chunk in chunks if chunk.headings == section.headings]
        # Concatenated, a section's passages are its sentences, all of them, in order...
        assert " ".join(chunk.text for chunk in mine) == " ".join(said)
        # ...and every passage starts where a sentence starts: none is cut in two.
        sentence_starts = set(accumulate((len(s) + 1 for s in said), initial=0))
        passage_starts = set(accumulate((len(c.text) + 1 for c in mine[:-1]), initial=0))
        assert passage_starts <= sentence_starts
    # No passage crosses a heading: the passages of one section are consecutive.
    headings = [chunk.headings for chunk in chunks]
    assert headings == sorted(headings, key=lambda h: [s.headings for s, _ in document].index(h))


@settings(max_examples=150, deadline=None)
@given(documents())
def test_passage_sizes_are_bounded_and_not_fragmented(document):
    for section, _ in document:
        sizes = [len(passage.split()) for passage in chunk_section(section)]
        assert all(size <= MAX_WORDS for size in sizes)
        # Two neighbours that would fit in one passage are always one passage.
        assert all(a + b > MAX_WORDS for a, b in pairwise(sizes))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=600))
def test_any_text_loses_no_word(text):
    passages = chunk_section(Section((), text))
    said, written = " ".join(passages).split(), text.split()
    # Words come out as they went in; the chunker may only give a line without closing punctuation a full stop.
    assert len(said) == len(written)
    assert all(out in (word, word + ".") for out, word in zip(said, written, strict=True))
    assert all(len(passage.split()) <= MAX_WORDS for passage in passages)
