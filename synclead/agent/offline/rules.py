"""What a caller meant, from one Whisper transcript: their name, yes or no, why they call, how urgent it is.

Keyword rules in English and French, not a model: they run in microseconds on every turn, give the same answer
every time, and the LLM agent can still overrule them. Both vocabularies are always on, because Whisper
mislabels short answers and bilingual callers mix languages ("oui, that's right").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

__all__ = ["Intent", "Urgency", "classify_intent", "classify_urgency", "extract_name", "is_affirmative"]

Intent = Literal[
    "rent", "buy", "sell", "valuation", "property_management", "tenant_issue", "viewing", "general_question",
    "other",
]  # fmt: skip
Urgency = Literal["low", "normal", "high"]


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: "C'est ÇA !" becomes "c est ca"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def _phrases(phrases: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of the phrases as whole words, in folded text; longest first."""
    folded = sorted({fold(phrase) for phrase in phrases}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(phrase) for phrase in folded) + r")\b")


# --- Yes or no --------------------------------------------------------------------------------------------

_UNSURE = _phrases([
    "not sure", "don't know", "dont know", "no idea", "maybe", "perhaps", "i'm not certain",
    "je ne sais pas", "je sais pas", "chais pas", "aucune idée", "peut-être", "pas sûr", "pas sûre", "pas certain",
])  # fmt: skip
# Said to agree although they contain "no" or "pas".
_YES_DESPITE_NO = _phrases([
    "no problem", "not a problem", "no worries", "why not", "no doubt", "don't worry",
    "pas de problème", "pas de souci", "pas de soucis", "sans problème", "sans souci", "pourquoi pas",
    "n'est-ce pas", "pas mal",
])  # fmt: skip
# A negation takes the words after it with it, so "not right" and "pas ça" never count as agreeing.
_NO = re.compile(
    r"\b(?:no|nope|nah|non|nan|negative|wrong|incorrect|faux|never|jamais)\b"
    r"|\b(?:not|pas|isn t|don t|doesn t|didn t|wasn t)\b(?: [a-z0-9]+){0,2}"
)
_YES = _phrases([
    "yes", "yeah", "yep", "yup", "yea", "ya", "correct", "right", "exactly", "sure", "absolutely", "of course",
    "definitely", "certainly", "perfect", "that's it", "ok", "okay", "indeed", "affirmative", "uh huh",
    "mm hmm", "i think so", "go ahead", "sounds good", "great", "spot on",
    "oui", "ouais", "ouai", "si", "c'est ça", "c'est bien ça", "c'est bien", "exactement", "exact", "tout à fait",
    "d'accord", "bien sûr", "parfait", "voilà", "absolument", "effectivement", "c'est bon", "ça marche",
    "c'est juste", "carrément",
])  # fmt: skip


def is_affirmative(text: str, language: str) -> bool | None:
    """True for a yes ("yeah that's right", "oui c'est ça"), False for a no ("nope", "non, pas ça").

    None when the caller said neither, was unsure, or said both ("yes… no, wait"): the agent should ask again
    rather than guess. `language` is accepted for symmetry; both vocabularies are always on.
    """
    folded = fold(text)
    if not folded or _UNSURE.search(folded):
        return None
    agreed = bool(_YES_DESPITE_NO.search(folded))
    folded = _YES_DESPITE_NO.sub(" ", folded)
    refused = bool(_NO.search(folded))
    agreed = agreed or bool(_YES.search(_NO.sub(" ", folded)))
    if agreed == refused:
        return None
    return agreed


# --- Why they call ----------------------------------------------------------------------------------------

# (intent, weight, pattern over folded text, language or None for both). A weight of 2 marks a cue that
# settles the question on its own; a weight of 1 a hint that a stronger cue outranks.
_INTENT_RULES: list[tuple[Intent, int, str, str | None]] = [
    ("tenant_issue", 2, r"leak(?:s|ing|ed)?|broken|not working|doesn t work|isn t working|stopped working"
                        r"|no (?:hot )?water|no heating|flood(?:ed|ing)?|burst pipe|mou?ld|damp|blocked"
                        r"|fuite|panne|ne marche plus|ne fonctionne plus|degat des eaux|inond\w*|moisissure"
                        r"|plus de chauffage|pas de chauffage|plus d eau|bouche|casse", None),
    ("tenant_issue", 1, r"heating|boiler|radiator|plumber|repair\w*|landlord|my tenancy|i m a tenant"
                        r"|chauffage|chaudiere|radiateur|plombier|reparation|locataire|mon proprietaire", None),
    ("viewing", 2, r"viewing|book a visit|arrange a visit|visite|visiter"
                   r"|voir (?:l appartement|la maison|le bien|le studio)", None),
    ("viewing", 1, r"visit|see (?:the|this|that) (?:flat|apartment|house|property|place)|come and see", None),
    ("valuation", 2, r"valuation|valued|apprais\w*|how much (?:is|would) (?:my|our)|what s (?:my|our) \w+ worth"
                     r"|estimation|estimer|faire estimer|combien vaut|combien (?:je peux|pourrais) (?:en )?tirer",
                     None),
    ("valuation", 1, r"estimate|value|worth", None),
    ("property_management", 2, r"manage my|management|rent out|let (?:out )?my|letting my|my tenant"
                               r"|gestion locative|gerer mon|gerer ma|gestion de mon|mettre en location"
                               r"|louer mon|louer ma|mon locataire|syndic", None),
    ("sell", 2, r"sell\w*|(?<!\ba )vendre|je vends|mettre (?:\w+ ){0,3}en vente|vente de (?:mon|ma|notre)"
                r"|j ai (?:un|une) \w+ a vendre|put (?:my|our) \w+ on the market", None),
    ("buy", 2, r"buy\w*|purchas\w*|acheter|achat|acquerir|acquisition|mortgage", None),
    # Buyers read "for sale" on a listing, but an owner may say it too: only a hint.
    ("buy", 1, r"for sale|a vendre|en vente", None),
    ("rent", 1, r"rent(?:s|al|als|ing)?|to let|lettings?|louer|a louer|loyer", None),
    # In English a "location" is a place and "bail" is no lease.
    ("rent", 1, r"locations?|bail", "fr"),
    ("general_question", 1, r"opening hours|open|hours|fees?|commission|how much do you charge|question|address"
                            r"|where are you|horaires|ouvert|honoraires|frais|tarifs?|adresse|renseignement", None),
]  # fmt: skip
_INTENT_PATTERNS = [
    (intent, weight, re.compile(rf"\b(?:{pattern})\b"), only) for intent, weight, pattern, only in _INTENT_RULES
]
# On a tie the more specific need wins: a viewing of a flat to rent is a viewing.
_INTENT_ORDER: list[Intent] = [
    "viewing", "valuation", "property_management", "sell", "buy", "rent", "tenant_issue", "general_question",
]  # fmt: skip


def classify_intent(text: str, language: str) -> Intent:
    """Why the caller is calling, by keyword rules in English and French; "other" when nothing matches."""
    folded = fold(text)
    language = language.strip().lower()[:2]
    scores: dict[Intent, int] = {}
    for intent, weight, pattern, only in _INTENT_PATTERNS:
        if (only is None or only == language) and pattern.search(folded):
            scores[intent] = scores.get(intent, 0) + weight
    if not scores:
        return "other"
    return max(_INTENT_ORDER, key=lambda intent: (scores.get(intent, 0), -_INTENT_ORDER.index(intent)))


# --- How urgent -------------------------------------------------------------------------------------------

_LOW = _phrases([
    "no rush", "no hurry", "not urgent", "not an emergency", "whenever", "when you can", "when you get a chance",
    "when you have time", "take your time", "no pressure", "it can wait", "not in a hurry", "nothing urgent",
    "pas pressé", "pas pressée", "pas urgent", "pas une urgence", "rien d'urgent", "pas d'urgence",
    "sans urgence", "quand vous pouvez", "quand vous aurez le temps", "ça peut attendre", "rien de pressé",
])  # fmt: skip
_HIGH = _phrases([
    "no heating", "heating is off", "heating isn't working", "heating not working", "heating broke",
    "heating has broken", "boiler is broken", "boiler broke", "no water", "no hot water", "leak", "leaking",
    "flood", "flooded", "flooding", "burst pipe", "urgent", "urgently", "emergency", "asap", "as soon as possible",
    "right away", "immediately", "gas smell", "smell gas", "smell of gas", "no electricity", "no power",
    "power cut", "locked out", "on fire",
    "fuite", "inondation", "inondé", "inondée", "dégât des eaux", "plus de chauffage", "pas de chauffage",
    "chauffage en panne", "chaudière en panne", "plus d'eau", "pas d'eau", "plus d'eau chaude", "urgence",
    "au plus vite", "dès que possible", "tout de suite", "immédiatement", "odeur de gaz", "fuite de gaz",
    "plus d'électricité", "plus de courant", "coupure", "incendie", "enfermé dehors",
])  # fmt: skip


def classify_urgency(text: str, language: str) -> Urgency:
    """High for emergencies (no heating, a leak, "urgent"), "low" when the caller says there is no rush.

    A real emergency outranks politeness: "no rush, but water is leaking" is high.
    """
    folded = fold(text)
    relaxed = _LOW.search(folded)
    # "Not urgent" contains "urgent": take the calm phrases out before looking for alarms.
    if _HIGH.search(_LOW.sub(" ", folded)):
        return "high"
    return "low" if relaxed else "normal"


# --- Their name -------------------------------------------------------------------------------------------

# "My name is …": what follows is meant to be a name, even in lower case.
_STRONG_BEFORE = [
    r"my name is", r"my name'?s", r"the name is", r"the name'?s", r"name'?s", r"call me", r"my first name is",
    r"i am called", r"je m'appelle", r"je m'apelle", r"mon nom,? (?:est|c'est)", r"mon pr[ée]nom,? (?:est|c'est)",
    r"moi,? c'est", r"on m'appelle", r"je me nomme",
]  # fmt: skip
# "This is …", "c'est …": often followed by something else ("it's about the flat"), so we ask for more proof.
_WEAK_BEFORE = [
    r"this is", r"it'?s", r"it is", r"i'?m", r"i am", r"here is", r"you'?re speaking (?:to|with)", r"c'est",
    r"je suis", r"ici", r"vous parlez (?:[àa]|avec)",
]  # fmt: skip
_AFTER = [r"speaking", r"here", r"[àa] l'appareil", r"on the line"]


def _trigger(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])(?:" + "|".join(patterns) + r")(?![\w'])", re.IGNORECASE)


_STRONG, _WEAK, _SUFFIX = _trigger(_STRONG_BEFORE), _trigger(_WEAK_BEFORE), _trigger(_AFTER)
_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*|\d+|[.,;:!?…]")
_PAUSE = re.compile(r"[.,;:!?…]")
_MAX_NAME_WORDS = 4

_TITLES = {
    "mr", "mister", "mrs", "ms", "miss", "dr", "doctor", "sir", "madam", "monsieur", "madame", "mademoiselle",
    "m", "mme", "mlle", "me", "maitre", "docteur",
}  # fmt: skip
_PARTICLES = {"de", "du", "des", "d", "la", "le", "van", "von", "der", "den", "da", "di", "del", "della", "dos", "ter"}
_LEADING_NOISE = {
    "uh", "um", "umm", "er", "erm", "ah", "eh", "hmm", "well", "so", "yes", "yeah", "yep", "sure", "okay", "ok",
    "hello", "hi", "hey", "euh", "heu", "hum", "ben", "bah", "alors", "donc", "oui", "ouais", "bonjour", "allo",
    "bonsoir", "voila", "bien", "sur", "of", "course", "it", "its", "is", "c", "est",
}  # fmt: skip
_TRAILING_NOISE = {"thanks", "thank", "you", "please", "merci", "s'il", "vous", "plait", "beaucoup", "here"}
# Words that are never a name. Whisper capitalises names, so in cased text this list only has to catch
# capitalised words at the start of a sentence; in lower-case text it does all the work.
_NOT_NAMES = {
    # English
    "a", "an", "the", "i", "i'm", "im", "i'd", "i'll", "i've", "me", "my", "mine", "you", "your", "you're", "we",
    "our", "us", "he", "she", "they", "them", "it", "it's", "its", "this", "that", "that's", "these", "those",
    "there", "here", "what", "what's", "who", "whom", "why", "how", "when", "where", "which", "is", "am", "are",
    "was", "were", "be", "been", "do", "does", "did", "don't", "have", "has", "had", "will", "would", "can",
    "could", "should", "may", "might", "must", "not", "no", "nope", "yes", "yeah", "yep", "ok", "okay", "sure",
    "fine", "good", "great", "well", "so", "just", "also", "really", "very", "quite", "actually", "still", "and",
    "or", "but", "if", "then", "than", "because", "for", "from", "to", "of", "in", "on", "at", "by", "with",
    "about", "regarding", "re", "concerning", "into", "out", "up", "down", "back", "again", "please", "thanks",
    "thank", "hello", "hi", "hey", "bye", "goodbye", "sorry", "pardon", "excuse", "calling", "call", "ringing",
    "phoning", "looking", "interested", "wondering", "trying", "hoping", "going", "getting", "planning",
    "thinking", "enquiring", "inquiring", "speaking", "want", "wanted", "need", "needed", "like", "afraid",
    "happy", "glad", "busy", "moving", "selling", "buying", "renting", "letting", "flat", "apartment", "house",
    "home", "property", "rent", "rental", "buy", "sell", "viewing", "visit", "agent", "agency", "landlord",
    "tenant", "owner", "buyer", "seller", "number", "phone", "email", "name", "surname", "first", "last",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "zero", "oh", "uh", "um",
    "er", "erm", "hmm", "anyone", "someone", "nobody", "everyone", "rather", "say", "tell", "know",
    "repeat", "new", "old", "retired", "married", "currently", "right", "correct", "exactly",
    "available", "around", "away", "outside", "inside", "near", "next", "urgent", "emergency",
    # Acknowledgements said where a name was asked for: "Perfect.", "Lovely."
    "perfect", "lovely", "brilliant", "wonderful", "excellent", "alright", "cool", "super", "awesome", "nice",
    "noted", "understood", "cheers", "splendid", "marvellous", "indeed", "certainly", "absolutely", "definitely",
    "parfait", "parfaite", "genial", "nickel", "impeccable", "entendu", "volontiers", "accord", "top",
    # French
    "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "je", "j", "j'ai", "m", "moi",
    "tu", "te", "toi", "vous", "il", "elle", "nous", "ils", "elles", "lui", "leur", "c", "c'est", "ce",
    "ca", "cela", "ceci", "est", "suis", "es", "sommes", "etes", "sont", "etait", "etre", "ai", "as", "avons",
    "avez", "ont", "avoir", "pour", "par", "avec", "sans", "sur", "sous", "dans", "en", "et", "ou", "mais",
    "donc", "car", "que", "qui", "quoi", "quel", "quelle", "comment", "pourquoi", "quand", "oui", "ouais",
    "non", "si", "pas", "ne", "n", "plus", "bien", "bon", "bonne", "bonjour", "bonsoir", "merci", "allo",
    "salut", "euh", "heu", "hum", "ben", "bah", "voila", "alors", "appelle", "appel", "appeler", "telephone",
    "numero", "nom", "prenom", "interesse", "interessee", "locataire", "proprietaire", "acheteur", "vendeur",
    "recherche", "cherche", "voudrais", "veux", "souhaite", "aimerais", "appartement", "maison", "studio",
    "logement", "location", "achat", "vente", "agence", "visite", "desole", "desolee", "deja",
    "encore", "tres", "vraiment", "juste", "exact", "exactement", "ici", "la-bas", "chez", "moi-meme", "meme",
    "disponible", "occupe", "occupee", "content", "contente", "ravi", "ravie", "urgence", "tout",
    "rien", "personne", "quelqu'un", "dire", "repeter", "sais", "sait", "deux", "trois", "quatre",
    # Capitalised, but a day or a nationality: "It's Monday", "I'm French", "je suis anglaise".
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lundi", "mardi", "mercredi",
    "jeudi", "vendredi", "samedi", "dimanche", "french", "english", "british", "american", "irish", "scottish",
    "francais", "francaise", "anglais", "anglaise", "americain", "americaine",
}  # fmt: skip


def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _spelled(word: str) -> str | None:
    """ "D-U-B-O-I-S", as Whisper writes a spelled name, read as one word."""
    letters = word.split("-")
    if len(letters) >= 2 and all(len(letter) == 1 for letter in letters):
        return "".join(letters)
    return None


def _is_name_word(word: str, need_capital: bool) -> bool:
    if _PAUSE.fullmatch(word) or word.isdigit():
        return False
    spelled = _spelled(word)
    word = spelled or word
    folded = _fold_word(word)
    # "l'agence", "j'ai": an elided article or pronoun in front of an ordinary word.
    last_part = re.split(r"['\-]", folded)[-1]
    if len(folded) < 2 or folded in _NOT_NAMES or last_part in _NOT_NAMES:
        return False
    return spelled is not None or not need_capital or word[0].isupper()


def _title_case(word: str) -> str:
    word = _spelled(word) or word
    if _fold_word(word) in _PARTICLES:
        return word.lower()
    if word.islower() or word.isupper():
        return re.sub(r"[^\W\d_]+", lambda part: part.group(0).capitalize(), word.lower())
    return word  # "McDonald", "LeBlanc": the caller's own capitals are right


def _skip(words: list[str], i: int, noise: set[str]) -> int:
    while i < len(words) and (_fold_word(words[i]) in noise or _fold_word(words[i]) in _TITLES):
        i += 1
        if i < len(words) and words[i] == ".":  # "Mr. Smith"
            i += 1
    return i


def _take_name(words: list[str], need_capital: bool, strong: bool) -> list[str]:
    """The name at the start of `words`: up to four name words, particles allowed between them."""
    name: list[str] = []
    particles: list[str] = []  # "de la" in "Pierre de la Fontaine" counts only if a name word follows
    # "My name is, uh, John": pauses and fillers before the name are not the end of it.
    i = _skip(words, 0, {"uh", "um", "euh", "heu", "er", "erm", ",", ".", "…", ":", ";"})
    while i < len(words) and len(name) + len(particles) < _MAX_NAME_WORDS:
        word = words[i]
        # After a strong trigger a lower-case first word is fine, and then so are the next ones.
        capital = need_capital and (name[0][0].isupper() if name else not strong)
        if _is_name_word(word, capital):
            name += [*particles, word]
            particles = []
        elif name and _fold_word(word) in _PARTICLES:
            particles.append(word)
        else:
            break
        i += 1
    return name


def _is_cased(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return any(ch.isupper() for ch in letters) and any(ch.islower() for ch in letters)


def _after_trigger(text: str, pattern: re.Pattern[str], strong: bool) -> list[str] | None:
    cased = _is_cased(text)
    for match in pattern.finditer(text):
        words = _NAME_TOKEN.findall(text[match.end() :])
        name = _take_name(words, need_capital=cased, strong=strong)
        # Lower-case text has no capitals to tell "I'm Paul" from "I'm looking": refuse the obvious verbs.
        if name and not (not strong and not cased and _fold_word(name[0]).endswith("ing")):
            return name
    return None


def _before_trigger(text: str) -> list[str] | None:
    cased = _is_cased(text)
    for match in _SUFFIX.finditer(text):
        words = _NAME_TOKEN.findall(text[: match.start()])
        name: list[str] = []
        for word in reversed(words):
            if len(name) == _MAX_NAME_WORDS or not _is_name_word(word, need_capital=cased):
                break
            name.insert(0, word)
        if name:
            return name
    return None


def _bare_answer(text: str) -> list[str] | None:
    """A name said on its own, as the answer to "what is your name?": "Marie Dubois.", "Smith, John Smith"."""
    best: list[str] = []
    for segment in _PAUSE.split(text):
        words = _NAME_TOKEN.findall(segment)
        start = _skip(words, 0, _LEADING_NOISE)
        end = len(words)
        while end > start and _fold_word(words[end - 1]) in _TRAILING_NOISE:
            end -= 1
        words = words[start:end]
        name = _take_name(words, need_capital=False, strong=True)
        # The whole segment must be the name: "I'd rather not say" is a sentence, not a name.
        if name and len(name) == len(words) and len(name) > len(best):
            best = name
    return best or None


def extract_name(text: str, language: str, expecting_name: bool = False) -> str | None:
    """The caller's name, title-cased ("Marie Dubois"), or None when they did not give one.

    Understands "my name is …", "this is …", "I'm …", "it's …", "je m'appelle …", "c'est …", "… speaking",
    "… à l'appareil". With `expecting_name` (the agent has just asked for it) a bare "Marie Dubois." counts too.
    `language` is accepted for symmetry; both vocabularies are always on.
    """
    text = text.replace("\u2019", "'")
    name = (
        _after_trigger(text, _STRONG, strong=True)
        or _after_trigger(text, _WEAK, strong=False)
        or _before_trigger(text)
        or (_bare_answer(text) if expecting_name else None)
    )
    if not name:
        return None
    return " ".join(_title_case(word) for word in name)
