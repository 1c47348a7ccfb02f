"""Words for lexical search: the same folding for passages and questions, and the query each database understands.

SQLite's FTS5 tokenizer folds accents and stems by itself; PostgreSQL's 'simple' configuration does neither, so
for it passages and questions go through `terms()` here (one column serves French and English: a language's own
configuration would stem the other language's words wrongly).
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})

# Words that carry no meaning in a question; without IDF (PostgreSQL's ranking has none) they would swamp it.
# Kept short on purpose: "rent", "fees", "visit" are exactly what a caller asks about.
_ENGLISH_TEXT = """a about am an and any are as at be been but by can could did do does doing for from had has have how
i if in into is it its me my of on or our please so than that the their them then there these they this those to
us was we were what when where which who whom why will with would you your yours hello hi thanks thank tell know
want like need get much many"""
_FRENCH_TEXT = """a ai au aux avec avez avons c ca ce ces cette d dans de des du elle en est et etes etre il ils j je l
la le les leur leurs lui m ma mais me mes moi mon n ne nos notre nous on ou par pas peut peux pour qu que quel quelle
quelles quels qui s sa se ses si son sont sur t ta te tes toi ton tu un une vos votre vous y bonjour merci dire
savoir voudrais veux faut combien comment quand"""
STOPWORDS = {"en": frozenset(_ENGLISH_TEXT.split()), "fr": frozenset(_FRENCH_TEXT.split())}
_ALL_STOPWORDS = STOPWORDS["en"] | STOPWORDS["fr"]


def fold(text: str) -> str:
    """Lower case without accents: "Équipé" -> "equipe"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def light_stem(word: str) -> str:
    # Plurals only, the same way in both languages ("loyers" -> "loyer", "bureaux" -> "bureau", "fees" -> "fee"):
    # heavier stemming of one language mangles the other.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("aux", "eux", "eaux")):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Folded words of `text`, in order."""
    return _WORD.findall(fold(text))


def query_words(question: str, language: str | None = None) -> list[str]:
    """The words of a question worth searching for: folded, without stop words, each once."""
    stop = STOPWORDS.get(language or "", _ALL_STOPWORDS)
    seen: dict[str, None] = {}
    for word in words(question):
        if word not in stop and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)


def terms(text: str) -> list[str]:
    """Words as PostgreSQL's column stores them: folded and stripped of plural endings."""
    return [light_stem(word) for word in words(text)]


def fts5_query(organization_id: int, question_terms: list[str]) -> str:
    """An FTS5 MATCH expression: the organization's passages containing any of the terms (a term of several words
    is a phrase).

    The organization is part of the expression (its id is an indexed column), so FTS5 intersects it with the words
    instead of ranking every organization's passages and filtering afterwards. Terms are quoted and made of \\w+
    words only, so no FTS5 syntax can ride in on a caller's question.
    """
    any_term = " OR ".join(f'"{term}"' for term in question_terms)
    return f'organization_id : "{int(organization_id)}" AND {{heading text}} : ({any_term})'


def tsquery(question_terms: list[str]) -> str:
    """A to_tsquery('simple', ...) expression: any of the terms, stemmed like the stored column; phrases kept."""
    alternatives: dict[str, None] = {}
    for term in question_terms:
        stems = [f"'{light_stem(word)}'" for word in term.split()]
        alternatives.setdefault(" <-> ".join(stems) if len(stems) > 1 else stems[0], None)
    return " | ".join(f"({alternative})" if " " in alternative else alternative for alternative in alternatives)
