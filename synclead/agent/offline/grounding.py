"""Answers taken word for word from the agency's passages: which passage may answer, and which of its sentences.

The offline receptionist has no language model to write an answer, so it reads one: the one or two sentences of the
retrieved passages that share the most content words with the question. Nothing is rephrased, so nothing can be
invented; the risk left is an answer to another question, which the coverage gate below keeps out.

Why a lexical gate on top of the retriever's score: the fused score (reciprocal rank fusion, scaled so first place
in both lists is 1.0) is rank-based, and the semantic list always has a first place, so even "Can I bring my dog?"
gets a top passage scored 0.5 or more. The score orders passages; whether one answers is decided here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from synclead.agent.knowledge import Passage
from synclead.agent.offline.rules import fold
from synclead.agent.sentences import SentenceSplitter

__all__ = ["concepts", "grounded_answer", "sentences"]

# Fused score of a passage ranked first by one of the two lists (lexical or semantic) and absent from the other;
# a passage both lists found scores above it (0.76 at worst, at depth 20). Below: one list only, and not its best.
DEFAULT_MIN_SCORE = 0.5
# Share of the question's content words (synonyms merged) a passage must hold: one word of one, both of two, two of
# three. Half would let "parking for bikes?" be answered by a car park and "my dog at a viewing?" by how long a
# viewing lasts; the price is that "fees for a studio?" goes to a message when no passage names studios.
DEFAULT_MIN_COVERAGE = 0.66

_STOP = frozenset(
    """a about actually again all also am an and any anything are as at be been but by can could did do does
    for from get got had has have hello hey hi how i if in is it its just know let like many may me might more
    much my need no of ok okay on or our please right should so some something still sure tell thank thanks that
    the their there these they this those to um uh us want was we well what whats when which who why will with
    would yes you your yours agency office time day days where not now then really very bring come coming go going
    take make put give see say ask asking wondering wonder question quick calling call guys price cost costs
    amount
    ai alors as au aussi aux avec avez avoir avons bah ben bien bon bonjour bonsoir c ca car ce cela ces cette
    chez combien comment connaitre d dans de des devez dire dois doit donc du elle elles en encore est et etes
    etre euh faire fait faut heu il ils j je juste l la le les leur leurs m ma mais me merci mes moi mon n ne
    nos notre nous on ont ou oui non par pas peut peux plait plus pour pourriez pouvez pourquoi qu quand que
    quel quelle quelles quels qui quoi s sa savoir se ses si sont souhaite suis sur svp t ta te tes toi ton
    tous tout toute tu un une voudrais vous voulez vos votre veux y aimerais agence maintenant puis voir venir
    aller prendre donner mettre demander question appelle appeler amener apporter prix cout coute coutent
    montant""".split()  # noqa: SIM905
)
# Lemma-light: one suffix off, the same rule on both sides, so "opening hours" meets "opens" and "horaire".
_SUFFIXES = ("ements", "ement", "ations", "ation", "ings", "ing", "ies", "als", "al", "ed", "es", "s", "e")
# Words a caller and a document use for the same thing, in either language.
_SYNONYMS = {
    "hours": """hour hours open opening opens opened close closed closing closes horaire horaires heure heures
        ouvert ouverte ouverts ouverture ouvrez ouvre ouvrir ferme fermez fermeture fermer""",
    "fees": "fee fees commission commissions honoraires frais tarif tarifs",
    # Not "pièces": a "deux-pièces" is a flat.
    "documents": """document documents documentation paper papers paperwork dossier justificatif justificatifs
        provide fournir""",
    "address": "address adresse located situated situe situes rue",
    "visit": "visit visits viewing viewings visite visites visiter",
    "rent": "rent rental rentals renting let letting louer loyer locatif locative locataire tenant",
    "buy": "buy buying purchase achat acheter acquerir",
    "sell": "sell selling sale vente vendre",
    "valuation": "valuation value estimate estimation estimer appraisal",
    "management": "management manage gestion gerer gerance",
    "deposit": "deposit depot",  # not "caution", a guarantor as often as a deposit
    "guarantor": "guarantor garant",
}


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_CONCEPT = {_stem(word): concept for concept, words in _SYNONYMS.items() for word in words.split()}
_TOPICS = frozenset(_SYNONYMS)
# A "location" is a rental in French. In an English question it, "where" and "charge" ask for an address and
# fees; in a document they are mostly "a great location", "a flat where you…" and "free of charge".
_FRENCH_WORDS = {"location": "rent", "locations": "rent"}
_QUESTION_WORDS = {"where": "address", "location": "address", "charge": "fees"}


def concepts(
    text: str, ignore: frozenset[str] = frozenset(), *, question: bool = False, language: str = ""
) -> set[str]:
    """The content of `text` as lower-case, accent-free stems, synonyms merged: "Opening hours?" → {"hours"}."""
    found: set[str] = set()
    for word in fold(text).split():
        if language.startswith("fr") and word in _FRENCH_WORDS:
            found.add(_FRENCH_WORDS[word])
        elif question and word in _QUESTION_WORDS:
            found.add(_QUESTION_WORDS[word])
        elif len(word) > 1 and not word.isdigit() and word not in _STOP and word not in ignore:
            stem = _stem(word)
            found.add(_CONCEPT.get(stem, stem))
    return found


# "When", "how much": the answer is a time or an amount, so the sentence that holds the figures is the one to say.
_ASKS_FIGURES = re.compile(
    r"\b(?:when|what time|how much|how many|how long|which days|what days|hours|fees?|cost|price|amount"
    r"|quand|quelle heure|quelles heures|combien|quel prix|quels jours|horaires?|tarifs?|prix|honoraires|frais"
    r"|montant)\b"
)
# An amount is a figure, or "free": "what does a valuation cost?" is answered by "free of charge".
_FIGURE = re.compile(
    r"\d|\b(?:free|gratuit|gratuite|gratuits|gratuites|gratuitement|no charge|sans frais|offert|offerte)\b", re.I
)
_PRONOUN = re.compile(r"(?:it|they|this|these|that|those|he|she|il|elle|ils|elles|ce|cela|ca|celui|celle|ceux)\b")

# --- Passages as sentences --------------------------------------------------------------------------------

_BULLET = re.compile(r"^(?:[-*•+]|\d+[.)])\s+")
_HEADING = re.compile(r"^#+\s*")


def _speakable(text: str) -> str:
    """A passage as it reads aloud: wrapped lines joined, markdown headings and bullets gone, a list after "…:"
    read as the end of the sentence that announces it."""
    units: list[str] = []
    mode = ""  # what a following plain line continues: "paragraph", "list", or nothing
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            mode = ""
        elif _HEADING.match(line):
            units.append(_HEADING.sub("", line))
            mode = ""
        elif item := _BULLET.sub("", line) if _BULLET.match(line) else "":
            if units and (mode == "list" or units[-1].endswith(":")):
                joiner = " " if units[-1].endswith(":") else ", "
                units[-1] = units[-1].rstrip(".;,") + joiner + item.rstrip(".;,")
            else:
                units.append(item)
            mode = "list"
        elif mode == "paragraph" or (mode == "list" and line[0].islower()):
            units[-1] += " " + line
        else:
            units.append(line)
            mode = "paragraph"
    # A heading or a list has no full stop: give it one, or it runs into the next sentence when spoken.
    return " ".join(unit if unit[-1] in ".!?…:" else unit + "." for unit in units if unit)


def sentences(text: str) -> list[str]:
    """The sentences of a passage, in order, as they would be spoken."""
    splitter = SentenceSplitter()
    return splitter.feed(_speakable(text)) + splitter.flush()


_EN_WORDS = frozenset({
    "the", "and", "of", "to", "is", "are", "for", "on", "with", "from", "we", "you", "your", "our", "per", "by",
    "at", "be", "this", "in",
})  # fmt: skip
_FR_WORDS = frozenset({
    "le", "la", "les", "des", "du", "et", "est", "sont", "pour", "sur", "avec", "nous", "vous", "votre", "vos",
    "de", "un", "une", "au", "aux", "par", "dans",
})  # fmt: skip


def language_of(text: str) -> str | None:
    """ "en" or "fr" by their commonest words; None when too short or mixed to tell ("Mon-Fri 9:00-19:00")."""
    words = fold(text).split()
    en, fr = sum(w in _EN_WORDS for w in words), sum(w in _FR_WORDS for w in words)
    if max(en, fr) < 2 or (en <= 1.5 * fr and fr <= 1.5 * en):
        return None
    return "en" if en > fr else "fr"


# --- Choosing what to say ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    passage: int  # rank of its passage
    position: int  # within the passage
    matched: frozenset[str]  # the question's concepts it holds
    score: float
    heading: frozenset[str]  # the question's concepts its passage's heading holds


def _may_answer(passage: Passage, asked: set[str], language: str, min_score: float, min_coverage: float) -> bool:
    found = asked & concepts(f"{passage.heading} {passage.text}", language=language)
    if passage.score < min_score or not found or len(found) / len(asked) < min_coverage:
        return False
    # Read word for word, a passage in another language would be spoken in it.
    return language_of(passage.text) in (None, language[:2])


def _candidates(
    asked: set[str], topic: set[str], passages: list[Passage], language: str, wants_figures: bool
) -> list[_Sentence]:
    pool: list[_Sentence] = []
    for rank, passage in enumerate(passages):
        titled = concepts(passage.heading, language=language)
        for position, text in enumerate(sentences(passage.text)):
            said = concepts(text, language=language)
            score = len(asked & said) + 0.5 * len(topic & said) + 0.25 * len(topic & titled)
            if wants_figures and _FIGURE.search(text):
                score += 0.5
            pool.append(_Sentence(text, rank, position, frozenset(asked & said), score, frozenset(asked & titled)))
    return pool


def _second(best: _Sentence, pool: list[_Sentence], wants_figures: bool) -> _Sentence | None:
    if _PRONOUN.match(fold(best.text)) and best.position > 0:
        # "It is closed on Sunday": say what "it" is, from the sentence before.
        return next(s for s in pool if s.passage == best.passage and s.position == best.position - 1)
    if wants_figures and not _FIGURE.search(best.text):
        # "Fees are capped by law." says nothing of how much: the figures are in the sentence or two after it.
        following = [s for s in pool if s.passage == best.passage and 0 < s.position - best.position <= 2]
        with_figures = next((s for s in following if _FIGURE.search(s.text)), None)
        if with_figures:
            return with_figures
    # The sentence after it, if it says more about what was asked; from elsewhere, only an answer to another
    # part of the question (a sentence lifted from another passage may start with "It" and repeat the first).
    covered = best.matched | best.heading
    others = [
        s
        for s in pool
        if s is not best
        and s.matched
        and (s.matched - covered or (s.passage == best.passage and s.position == best.position + 1))
    ]
    return max(
        others,
        key=lambda s: (len(s.matched - covered), s.score, s.passage == best.passage, -s.passage, -s.position),
        default=None,
    )


def grounded_answer(
    question: str,
    passages: list[Passage],
    language: str,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    ignore: frozenset[str] = frozenset(),
    earlier: Sequence[str] = (),
    max_words: int = 60,
) -> str:
    """One or two sentences of `passages`, word for word, that answer `question`; "" when none may.

    A passage may answer when its score is at least `min_score`, it is not in another language than `language`,
    and it holds at least `min_coverage` of the question's content words (and at least one). `ignore` holds words
    that are no part of the question, such as the caller's and the agency's names. `earlier` are the caller's
    earlier questions: their topic (renting, buying…) settles a question that does not say ("and your fees?").
    """
    asked = concepts(question, ignore, question=True, language=language)
    if not asked:
        return ""
    topic = {c for text in earlier for c in concepts(text, question=True, language=language)} & _TOPICS - asked
    wants_figures = bool(_ASKS_FIGURES.search(fold(question)))
    allowed = [p for p in passages if _may_answer(p, asked, language, min_score, min_coverage)]
    pool = _candidates(asked, topic, allowed, language, wants_figures)
    if not pool:
        return ""
    # On a tie the retriever's order decides (the organization's own facts come first); a passage may pass on its
    # heading alone ("Opening hours" above "Mon-Fri 9-19"), and then its first sentence is said.
    best = max(pool, key=lambda s: (s.score, -s.passage, -s.position))
    chosen = [best]
    second = _second(best, pool, wants_figures)
    if second and len(best.text.split()) + len(second.text.split()) <= max_words:
        chosen.append(second)
        if second.passage == best.passage:
            chosen.sort(key=lambda s: s.position)
    return " ".join(s.text for s in chosen)
