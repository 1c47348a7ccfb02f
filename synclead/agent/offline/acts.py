"""What a short answer does in the conversation: yes, no, "this number", a correction, thanks, goodbye.

Rules first, in English and French: they are exact, explainable and take microseconds. A short answer the rules do
not recognise ("that'll do nicely", "allez-y") is compared with a few exemplars of each act in the multilingual
embedding space (e5, the model the knowledge base already uses). The exemplars are embedded once per process; a turn
costs one query embedding (~13 ms on one core), and only when the rules found nothing in a short answer.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from synclead.agent.offline.rules import _phrases, fold, is_affirmative

__all__ = ["ACTS", "Act", "Acts", "TextEmbedder", "by_rules", "classify", "prepare"]

Act = Literal["yes", "no", "this_number", "correction", "thanks", "goodbye"]
ACTS: tuple[Act, ...] = ("yes", "no", "this_number", "correction", "thanks", "goodbye")


class TextEmbedder(Protocol):
    """The part of the knowledge base's embedder this module needs (`synclead.providers.embeddings.Embedder`)."""

    name: str

    def embed_query(self, text: str) -> np.ndarray:
        """float32 (dim,), unit length."""
        ...


@dataclass(frozen=True, slots=True)
class Acts:
    """The acts in one caller turn; several may come together ("yes, this number, thanks")."""

    acts: frozenset[Act] = frozenset()
    by_embeddings: bool = False

    def __contains__(self, act: object) -> bool:
        return act in self.acts

    @property
    def main(self) -> Act | None:
        """The one that decides what happens next: a correction outranks a no, "this number" a yes."""
        for act in ("correction", "this_number", "goodbye", "no", "yes", "thanks"):
            if act in self.acts:
                return act  # type: ignore[return-value]
        return None


# --- Rules ------------------------------------------------------------------------------------------------

_THIS_NUMBER = _phrases([
    "this number", "this one", "that number", "same number", "the number i'm calling from", "the one i'm calling from",
    "the number i am calling from", "the one i am calling from", "the number i'm calling on", "the one i'm on",
    "the number you have", "the number you've got", "the number on your screen", "the number that shows up",
    "the number showing", "my caller id", "this phone", "this line", "this mobile", "the number i called from",
    "the one i called from", "that one's fine", "that one is fine", "the same one",
    "ce numéro", "ce numero-là", "ce numéro là", "celui-ci", "celui-là", "ce même numéro", "le même numéro",
    "le numéro d'où j'appelle", "le numéro d'où je vous appelle", "celui d'où j'appelle",
    "celui d'où je vous appelle", "le numéro avec lequel j'appelle", "celui avec lequel j'appelle",
    "le numéro qui s'affiche", "celui qui s'affiche", "le numéro que vous avez", "celui que vous avez",
    "sur ce téléphone", "sur cette ligne", "ce portable", "le même",
])  # fmt: skip
_THANKS = _phrases(["thanks", "thank you", "cheers", "much appreciated", "merci", "je vous remercie"])
_GOODBYE = _phrases([
    "goodbye", "good bye", "bye", "bye bye", "have a nice day", "have a good day", "have a good one",
    "talk to you later", "see you", "take care", "speak soon", "au revoir", "bonne journée", "bonne soirée",
    "bonne fin de journée", "à bientôt", "salut", "ciao", "adieu", "à plus",
])  # fmt: skip
# Said to change what was just read back: "actually", "I mean", "plutôt", "en fait".
_AMENDS = _phrases([
    "actually", "i mean", "i meant", "sorry it's", "sorry it is", "rather", "instead", "correction", "no wait",
    "en fait", "plutôt", "je voulais dire", "pardon c'est", "non attendez", "je me suis trompé", "je me suis trompée",
])  # fmt: skip
_NUMBER_WORDS = re.compile(
    r"\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty|seventy|eighty"
    r"|ninety|un|deux|trois|quatre|cinq|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente"
    r"|quarante|cinquante|soixante)\b"
)


def _has_value(folded: str) -> bool:
    """Digits, or at least three number words: "zero six eleven…", not the "one" of "not that one, this one"."""
    return any(ch.isdigit() for ch in folded) or len(_NUMBER_WORDS.findall(folded)) >= 3


def by_rules(text: str, language: str) -> set[Act]:
    """The acts the keyword rules recognise in `text` (both languages always on: Whisper mislabels short answers)."""
    folded = fold(text)
    found: set[Act] = set()
    if _THIS_NUMBER.search(folded):
        found.add("this_number")
    if _GOODBYE.search(folded):
        found.add("goodbye")
    if _THANKS.search(folded):
        found.add("thanks")
    answer = is_affirmative(_GOODBYE.sub(" ", _THANKS.sub(" ", folded)), language)
    if answer is True:
        found.add("yes")
    elif answer is False:
        found.add("no")
    # "No, it's 06…", "actually 43 not 34": a denial or an amendment carrying the value that replaces it.
    if (answer is False or _AMENDS.search(folded)) and _has_value(folded):
        found.add("correction")
    return found


# --- Embeddings -------------------------------------------------------------------------------------------

# A few ways of saying each act, English then French. "other" holds what a short answer often is instead (a name,
# a question, a request): the nearest exemplar must be an act, not one of those.
EXEMPLARS: dict[str, tuple[str, ...]] = {
    "yes": (
        "yes please", "yeah sure", "that's right", "go on then", "that would be great", "sounds good to me",
        "fine by me", "why not", "please do", "absolutely, go ahead",
        "oui s'il vous plaît", "d'accord", "volontiers", "ça me va", "c'est ça", "je veux bien", "allez-y",
        "avec plaisir", "tout à fait", "entendu",
    ),
    "no": (
        "no thanks", "no, that's wrong", "not really", "I'd rather not", "no need", "that's not it",
        "I don't think so", "not at the moment",
        "non merci", "non, ce n'est pas ça", "pas vraiment", "je préfère pas", "pas la peine", "ce n'est pas bon",
        "pas pour l'instant", "sûrement pas",
    ),
    "this_number": (
        "you can call me back on this number", "the number I'm calling from is fine", "use this one",
        "same number as now", "call me on the number you see", "the one on your screen",
        "vous pouvez me rappeler sur ce numéro", "le numéro d'où j'appelle", "rappelez-moi sur celui-ci",
        "le même numéro que maintenant", "celui qui s'affiche chez vous",
    ),
    "thanks": (
        "thank you very much", "thanks a lot", "that's very kind", "great, thanks", "I appreciate it",
        "merci beaucoup", "merci bien", "c'est gentil", "je vous remercie", "super, merci",
    ),
    "goodbye": (
        "goodbye", "bye now", "have a nice day", "that's all, bye", "I'll hang up now", "talk soon",
        "au revoir", "bonne journée", "à bientôt", "je vais raccrocher", "bonne soirée, au revoir",
    ),
    "other": (
        "John Smith", "my name is Marie Dubois", "Dubois", "Pierre Martin", "what are your opening hours",
        "how much are your fees", "I'm looking for a flat to rent", "I want to sell my house",
        "my heating is broken", "12 rue de la Paix", "a three bedroom apartment", "about 70 square metres",
        "tomorrow afternoon", "on Monday at 10", "can I speak to someone", "I have a question",
        "je m'appelle Sophie Laurent", "quels sont vos horaires", "je cherche un appartement à louer",
        "je voudrais vendre ma maison", "une maison de 120 mètres carrés", "demain matin", "j'ai une question",
        "il y a une fuite chez moi", "combien coûtent vos honoraires", "c'est pour une location",
    ),
}  # fmt: skip
# The nearest exemplar must be at least this close; tuned on the exemplars (leave one out), then checked on a
# held-back set of paraphrases written afterwards (tests/agent/acts_paraphrases.json).
MIN_COSINE = 0.86
# Only short answers are judged this way: a long sentence is a request or a question, not an act.
MAX_WORDS = 10


@dataclass(frozen=True, slots=True)
class _Exemplars:
    labels: tuple[str, ...]
    vectors: np.ndarray  # (n, dim), unit rows


_lock = threading.Lock()
_prepared: dict[str, _Exemplars] = {}


def prepare(embedder: TextEmbedder) -> None:
    """Embed the exemplars for this embedder, once per process (a second or two on one core)."""
    _exemplars(embedder)


def _exemplars(embedder: TextEmbedder) -> _Exemplars:
    with _lock:
        found = _prepared.get(embedder.name)
        if found is None:
            labels = tuple(label for label, texts in EXEMPLARS.items() for _ in texts)
            texts = [text for group in EXEMPLARS.values() for text in group]
            found = _Exemplars(labels, np.stack([embedder.embed_query(text) for text in texts]))
            _prepared[embedder.name] = found
        return found


def nearest(text: str, embedder: TextEmbedder) -> tuple[str, float]:
    """The label of the exemplar nearest to `text`, and its cosine."""
    exemplars = _exemplars(embedder)
    cosines = exemplars.vectors @ embedder.embed_query(text)
    best = int(np.argmax(cosines))
    return exemplars.labels[best], float(cosines[best])


def classify(text: str, language: str, embedder: TextEmbedder | None = None) -> Acts:
    """The acts in one caller turn: by rules, and for a short answer they miss, by the nearest exemplar."""
    found = by_rules(text, language)
    if found or embedder is None:
        return Acts(frozenset(found))
    words = fold(text).split()
    if not words or len(words) > MAX_WORDS or "?" in text or _has_value(" ".join(words)):
        return Acts()
    label, cosine = nearest(text, embedder)
    if label == "other" or cosine < MIN_COSINE:
        return Acts()
    return Acts(frozenset({label}), by_embeddings=True)  # type: ignore[arg-type]
