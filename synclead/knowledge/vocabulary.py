"""The names an agency's callers say that a recogniser does not know: its districts, streets, towns and people.

Whisper writes "Croix-Rousse" as "Kua Raos" and "rue des Martyrs" as "rue des Martirs" unless it is told these
names exist. They are found in what the agency uploaded: every listing's district and city, and in its documents the
street names ("rue Hippolyte-Lebas") and the other proper nouns — a capitalised word or run of words that the
documents never write in lower case and that is not merely the first word of a sentence. The result is stored per
organization on each ingest (`OrganizationVocabulary`), and the gateway hands it to the recogniser at call start:
Whisper reads it as a prompt (`providers/stt/whisper.py`), AssemblyAI as `keyterms_prompt`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from synclead.knowledge.lexical import fold

# AssemblyAI's limits for `keyterms_prompt`: at most 100 terms of at most 50 characters each.
MAX_TERMS = 100
MAX_TERM_CHARS = 50

# A street, square or station: its kind, then its name (capitalised words, particles between them).
_PARTICLE = r"(?:de la|de l'|des|du|de|d'|la|le|les|l'|sur|sous|en|lès|et)"
_STREET = re.compile(
    r"\b(?:rue|avenue|av\.|boulevard|bd|place|quai|impasse|allée|allee|cours|square|passage|chemin|route|villa|cité|"
    r"parvis|pont|porte|métro|metro|station|gare)\s+"
    rf"((?:{_PARTICLE}\s*)?[A-ZÀ-Ý][\w'\u2019-]*(?:[\s-]+(?:{_PARTICLE}[\s-]*)?[A-ZÀ-Ý][\w'\u2019-]*)*)",
)
# A capitalised word, with what may join it to the next one ("Saint-Ouen", "Notre-Dame-de-Lorette").
_NAME = re.compile(r"[A-ZÀ-Ý][^\W\d_]*(?:['\u2019-][^\W\d_]+)*")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_LEADING_PARTICLE = re.compile(r"^(?:de la|de l'|des|du|de|d')\s*")
_STATION_WORDS = frozenset({"métro", "metro", "station"})
_PARTICLES = frozenset({"de", "des", "du", "la", "le", "les", "sur", "sous", "en", "lès", "et", "d'", "l'"})
_SENTENCE_START = re.compile(r"(?:^|[.!?:;»\"\n#*|>\-\u2013\u2014]\s*)$")
# Capitalised in the documents, yet not names a recogniser needs help with.
_COMMON_TEXT = """
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september
october november december lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin
juillet aout septembre octobre novembre decembre french english spanish italian german francais anglais espagnol
italien allemand vat tva ttc ht id pdf email e-mail phone tel mr mrs ms dr m mme mlle i we our you the a an
"""
_COMMON = frozenset(_COMMON_TEXT.split())
# Listing districts such as "9e - Saint-Georges": the arrondissement is said as a number, the rest is the name.
_ARRONDISSEMENT = re.compile(r"^\s*\d{1,2}\s*(?:e|er|ème|eme)?\s*(?:arr\w*\.?)?\s*[-\u2013\u2014,:]?\s*", re.IGNORECASE)


def listing_terms(places: Iterable[tuple[str, str]]) -> Counter[str]:
    """Districts and cities of the listings, `(district, city)` pairs, counted."""
    found: Counter[str] = Counter()
    for district, city in places:
        for part in (_ARRONDISSEMENT.sub("", district or ""), city or ""):
            name = " ".join(part.split()).strip(" -\u2013\u2014,")
            if _is_name(name):
                found[name] += 1
    return found


def text_terms(texts: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """(streets, other proper nouns) named in `texts`, counted."""
    texts = list(texts)
    lower_case = {fold(word) for text in texts for word in _WORD.findall(text) if word[0].islower()}
    streets: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for text in texts:
        for match in _STREET.finditer(text):
            name = match.group(1).rstrip("'\u2019- ")
            if any(fold(word) in _COMMON for word in name.split()):
                continue  # "viewings take place Monday to Saturday": an English verb, not a square
            kind = text[match.start() : match.start(1)].strip().lower()
            # "métro Abbesses", "station Cadet": a station is called by its name alone; a street with its kind.
            name = _LEADING_PARTICLE.sub("", name) if kind in _STATION_WORDS else f"{kind} {name}"
            if _is_name(name):
                streets[name] += 1
        for run in _runs(text):
            first_words = run.split()
            # A lone capitalised word that also appears in lower case is a common word starting a heading or line.
            if len(first_words) == 1 and fold(run) in lower_case:
                continue
            names[run] += 1
    return streets, names


def _runs(text: str) -> Iterable[str]:
    """Runs of capitalised words ("Notre-Dame-de-Lorette", "Agence Lumière"), minus a sentence's first word."""
    matches = list(_NAME.finditer(text))
    index = 0
    while index < len(matches):
        match = matches[index]
        parts = [match.group()]
        end = match.end()
        while index + 1 < len(matches):
            gap = text[end : matches[index + 1].start()]
            joint = gap.strip().lower()
            if "\n" not in gap and (gap == " " or (joint in _PARTICLES and len(gap) <= len(joint) + 2)):
                parts.append(gap + matches[index + 1].group())
                end = matches[index + 1].end()
                index += 1
            else:
                break
        index += 1
        words = "".join(parts).split()
        while words and fold(words[0]) in _COMMON:
            words = words[1:]
        while words and (fold(words[-1]) in _COMMON or words[-1].lower() in _PARTICLES):
            words = words[:-1]
        if len(words) == 1 and _SENTENCE_START.search(text[: match.start()]):
            continue  # "Viewings are by appointment": capitalised because it starts the sentence
        name = " ".join(words)
        if _is_name(name):
            yield name


def _is_name(name: str) -> bool:
    folded = fold(name)
    return 2 < len(name) <= MAX_TERM_CHARS and folded not in _COMMON and any(char.isalpha() for char in name)


def choose_terms(
    listings: Counter[str], streets: Counter[str], names: Counter[str], limit: int = MAX_TERMS
) -> list[str]:
    """The vocabulary, most useful first: listing places, then streets, then the other names, each by frequency.

    A name is kept once whatever its case or accents ("Lumière", "LUMIERE"), in its most frequent spelling.
    """
    chosen: dict[str, str] = {}
    for counter in (listings, streets, names):
        for term, _count in sorted(counter.items(), key=lambda item: (-item[1], item[0])):
            key = fold(term)
            # "Martyrs" says nothing "rue des Martyrs" did not: one entry per name.
            if not any(f" {key} " in f" {other} " for other in chosen):
                chosen[key] = term
            if len(chosen) >= limit:
                return list(chosen.values())
    return list(chosen.values())


def compute_terms(organization_id: int) -> list[str]:
    """The organization's vocabulary from what is stored now (its passages and listings)."""
    from synclead.knowledge.models import Listing, Passage

    places = Listing.objects.filter(organization_id=organization_id).values_list("district", "city")
    listings = listing_terms(places.iterator())
    # Listing passages repeat the listing's fields: their places are counted once, from the listings, and their
    # descriptions ("near rue Lepic") read from the listings too.
    texts = (
        Passage.objects.filter(organization_id=organization_id)
        .exclude(document__kind="listings")
        .values_list("text", flat=True)
    )
    descriptions = Listing.objects.filter(organization_id=organization_id).values_list("description", flat=True)
    streets, names = text_terms([*texts.iterator(), *descriptions.iterator()])
    return choose_terms(listings, streets, names)


def refresh_vocabulary(organization_id: int) -> list[str]:
    """Recompute and store the organization's vocabulary (after an ingest, a deletion or a reindex)."""
    from synclead.knowledge.models import OrganizationVocabulary

    terms = compute_terms(organization_id)
    OrganizationVocabulary.objects.update_or_create(organization_id=organization_id, defaults={"terms": terms})
    return terms


def vocabulary_for(organization_id: int) -> list[str]:
    """The stored vocabulary, for a call about to start; empty for an organization with no knowledge."""
    from synclead.knowledge.models import OrganizationVocabulary

    stored = OrganizationVocabulary.objects.filter(organization_id=organization_id).values_list("terms", flat=True)
    return list(stored.first() or [])
