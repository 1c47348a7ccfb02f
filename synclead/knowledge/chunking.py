"""Sections → passages: a few sentences each, cut where sentences end, never across a heading.

A passage is what the agent may read out to a caller, so it is whole sentences of plain text, and short: about
60 to 120 words, enough to answer one question without burying it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from synclead.knowledge.loaders import Section

IDEAL_WORDS = 90
MAX_WORDS = 120
# Passages are scored by their squared distance to IDEAL_WORDS. Two halves of s words cost more than one passage of
# s words whenever s <= IDEAL_WORDS * sqrt(2); with MAX_WORDS below that, neighbours that fit together are merged.
assert IDEAL_WORDS * math.sqrt(2) >= MAX_WORDS

# Words that end with a full stop without ending the sentence (lower case, without their final full stop).
ABBREVIATIONS = frozenset(
    {
        *("m", "mm", "mme", "mmes", "mlle", "mlles", "mr", "mrs", "ms", "dr", "pr", "prof", "st", "ste", "sr", "jr"),
        *("etc", "e.g", "i.e", "cf", "vs", "env", "approx", "ex", "fig", "réf", "ref", "tél", "tel", "no", "nº"),
        *("av", "ave", "bd", "bld", "blvd", "ch", "min", "max", "apt", "appt", "inc", "ltd", "co", "dept", "art"),
    }
)
# Sentence-ending punctuation, any closing quotes or brackets (French » may follow a no-break space), then a space.
_CANDIDATE = re.compile(r"(?:\.\.\.|[.!?…])+(?:[\u00a0\u202f ]?»|[\"”\u2019')\]])*\s+")
_OPENERS = '«"“\u2018([¿¡ \u00a0\u202f'
_ENDS = re.compile(r"[.!?…:;][\"»”\u2019')\]]*$")
_CLAUSE_END = (",", ";", ":", "\u2013", "\u2014")


@dataclass(frozen=True, slots=True)
class Chunk:
    position: int
    headings: tuple[str, ...]
    text: str

    @property
    def heading(self) -> str:
        return " > ".join(self.headings)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order. A line break ends a sentence too (paragraphs, list items, titles); such a
    sentence is given a full stop if it has no closing punctuation, so that it is read with a pause."""
    sentences: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        pieces = _split_line(line)
        if not _ENDS.search(pieces[-1]):
            pieces[-1] += "."
        sentences.extend(pieces)
    return sentences


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(line):
        if _ends_sentence(line, match):
            pieces.append(line[start : match.end()].strip())
            start = match.end()
    if rest := line[start:].strip():
        pieces.append(rest)
    return pieces


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    following = line[match.end() :].lstrip(_OPENERS)
    # Sentences start with a capital or a figure; "etc. and" or "10 h. puis" carry on.
    if not following or not (following[0].isupper() or following[0].isdigit()):
        return False
    punctuation = match.group()
    if any(mark in punctuation for mark in "!?…") or punctuation.startswith(".."):
        return True
    before = line[: match.start()].rsplit(" ", 1)[-1].lstrip(_OPENERS)
    if before.lower() in ABBREVIATIONS or ("." in before and before.replace(".", "").isalpha()):  # "U.S."
        return False
    # A lone capital is an initial: "M. Dupont", "J. Martin".
    return not (len(before) == 1 and before.isupper())


def _split_long(sentence: str, max_words: int) -> list[str]:
    """A sentence too long for one passage, cut after a comma or a dash where possible, else between words."""
    words = sentence.split(" ")
    pieces: list[str] = []
    start = 0
    while len(words) - start > max_words:
        window = words[start : start + max_words]
        clause_ends = [i + 1 for i, word in enumerate(window) if word.endswith(_CLAUSE_END) and i + 1 >= max_words // 2]
        cut = clause_ends[-1] if clause_ends else max_words
        pieces.append(" ".join(window[:cut]))
        start += cut
    pieces.append(" ".join(words[start:]))
    return pieces


def _group(counts: list[int], max_words: int) -> list[int]:
    """Where passages start, for sentences of these word counts: the cheapest cut (dynamic programming) where
    each passage costs its squared distance to IDEAL_WORDS and none is over `max_words`."""
    best = [0.0] + [math.inf] * len(counts)
    starts = [0] * (len(counts) + 1)
    for end in range(1, len(counts) + 1):
        words = 0
        for start in range(end - 1, -1, -1):
            words += counts[start]
            if words > max_words and start < end - 1:
                break
            cost = best[start] + (IDEAL_WORDS - words) ** 2
            if cost < best[end]:
                best[end], starts[end] = cost, start
    cuts: list[int] = []
    end = len(counts)
    while end > 0:
        end = starts[end]
        cuts.append(end)
    return cuts[::-1]


def chunk_section(section: Section, max_words: int = MAX_WORDS) -> list[str]:
    """The passages of one section's text."""
    sentences = [piece for sentence in split_sentences(section.text) for piece in _split_long(sentence, max_words)]
    if not sentences:
        return []
    starts = _group([len(sentence.split(" ")) for sentence in sentences], max_words)
    bounds = [*starts, len(sentences)]
    return [" ".join(sentences[a:b]) for a, b in pairwise(bounds)]


def chunk_sections(sections: Iterable[Section], max_words: int = MAX_WORDS) -> list[Chunk]:
    """Every section's passages, numbered through the document."""
    chunks: list[Chunk] = []
    for section in sections:
        for text in chunk_section(section, max_words):
            chunks.append(Chunk(len(chunks), section.headings, text))
    return chunks
