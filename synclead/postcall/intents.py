"""Why the caller called, out of the organization's intent vocabulary: keyword rules and zero-shot embeddings.

The keyword rules (`synclead.agent.offline.rules`) are precise when they fire but blind to paraphrase; the
multilingual embeddings compare the caller's words with a short English and French description of each intent and
catch what the rules miss ("we're relocating and need somewhere for the kids"). Combining both gives one intent and
a confidence; an organization's own intents, unknown to the rules, are judged by the embeddings alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synclead.agent.offline.rules import classify_intent
from synclead.providers.embeddings import Embedder

log = logging.getLogger(__name__)

DEFAULT_INTENTS: tuple[str, ...] = (
    "rent", "buy", "sell", "valuation", "property_management", "tenant_issue", "viewing", "general_question", "other",
)  # fmt: skip

# Two short descriptions per intent, one per language: e5 compares a caller's sentence with them directly.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "rent": (
        "I need a place to live, a flat or a house to rent with a lease",
        "je cherche un logement, un appartement ou une maison à louer avec un bail",
    ),
    "buy": ("I want to buy an apartment or a house", "je veux acheter un appartement ou une maison"),
    "sell": ("I want to sell my apartment or my house", "je veux vendre mon appartement ou ma maison"),
    "valuation": ("how much is my property worth, I want a valuation", "combien vaut mon bien, je veux une estimation"),
    "property_management": (
        "I am a landlord: I own a flat and want an agency to manage it and find tenants",
        "je suis propriétaire et je cherche une gestion locative pour mon appartement",
    ),
    "tenant_issue": (
        "I am a tenant and something is broken: no heating, no water, a leak",
        "je suis locataire et j'ai un problème : plus de chauffage, plus d'eau, une fuite",
    ),
    "viewing": ("I would like to book a visit of the apartment", "je voudrais organiser une visite de l'appartement"),
    "general_question": (
        "a question about your opening hours, your fees or your address",
        "une question sur vos horaires, vos honoraires ou votre adresse",
    ),
    "other": ("something else, not about property", "autre chose, sans rapport avec l'immobilier"),
}

# How much each signal counts. A keyword hit is a strong, explainable cue; the embeddings settle ties and paraphrases.
KEYWORD_WEIGHT = 0.6
EMBEDDING_WEIGHT = 0.4
# e5 cosines sit in a narrow band (0.7 to 0.9): a sharp softmax turns their differences into a distribution.
_SHARPNESS = 50.0


@dataclass(frozen=True, slots=True)
class IntentGuess:
    intent: str
    confidence: float
    utterance: int | None  # the caller utterance that says it best


class _DescriptionVectors:
    """The descriptions' vectors, computed once per embedder and vocabulary: they never change."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def get(self, embedder: Embedder, intents: Sequence[str]) -> np.ndarray:
        key = (embedder.name, tuple(intents))
        if key not in self._cache:
            rows = []
            for intent in intents:
                texts = DESCRIPTIONS.get(intent) or (intent.replace("_", " "),)
                rows.append(np.stack([embedder.embed_query(text) for text in texts]))
            width = max(len(r) for r in rows)
            # Pad with copies so every intent has the same number of descriptions; the max over them is unchanged.
            self._cache[key] = np.stack(
                [np.concatenate([r, r[: width - len(r)]]) if len(r) < width else r for r in rows]
            )
        return self._cache[key]


_descriptions = _DescriptionVectors()


def embedding_scores(texts: Sequence[str], intents: Sequence[str], embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """(per-intent probability, per-utterance by per-intent cosine) for the caller's utterances."""
    described = _descriptions.get(embedder, intents)  # (intents, descriptions, dim)
    spoken = np.stack([embedder.embed_query(text) for text in texts])  # (utterances, dim)
    cosines = np.einsum("ud,idk->uik", spoken, np.swapaxes(described, 1, 2)).max(axis=2)  # (utterances, intents)
    best = cosines.max(axis=0)
    weights = np.exp((best - best.max()) * _SHARPNESS)
    return weights / weights.sum(), cosines


def classify(
    utterances: Sequence[tuple[int, str]], language: str, intents: Sequence[str], embedder: Embedder | None
) -> IntentGuess:
    """The caller's intent among `intents`, from their utterances as (id, text) pairs."""
    intents = list(intents) or list(DEFAULT_INTENTS)
    fallback = "other" if "other" in intents else intents[-1]
    if not utterances:
        return IntentGuess(fallback, 0.0, None)
    keyword = classify_intent(" ".join(text for _, text in utterances), language)
    keyword_hit = keyword if keyword in intents and keyword != "other" else None
    combined = np.zeros(len(intents))
    if keyword_hit:
        combined[intents.index(keyword_hit)] += KEYWORD_WEIGHT
    cosines = None
    if embedder is not None:
        try:
            probabilities, cosines = embedding_scores([text for _, text in utterances], intents, embedder)
            combined += (EMBEDDING_WEIGHT if keyword_hit else 1.0) * probabilities
        except Exception:  # an embedding failure must not lose the lead: the rules still answer
            log.exception("intent embeddings failed; keyword rules only")
    if not combined.any():
        return IntentGuess(fallback, 0.2, None)
    best = int(combined.argmax())
    intent = intents[best]
    return IntentGuess(intent, round(float(combined[best]), 3), _evidence(utterances, language, intent, best, cosines))


def _evidence(
    utterances: Sequence[tuple[int, str]], language: str, intent: str, column: int, cosines: np.ndarray | None
) -> int | None:
    # The first utterance the rules read as this intent is where the caller said it; else the closest in meaning.
    for utterance_id, text in utterances:
        if classify_intent(text, language) == intent:
            return utterance_id
    if cosines is not None:
        return utterances[int(cosines[:, column].argmax())][0]
    return None
