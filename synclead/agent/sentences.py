"""The one sentence splitter: a reply is spoken a sentence at a time, so the first plays while the rest is prepared.

`SentenceSplitter` cuts a model's streamed text the moment each sentence is complete; `split_sentences` cuts a whole
text (the engine's replies, the greeting to synthesise ahead, a passage read out).

A sentence ends at `.`, `!`, `?` or `…` followed by a space: "1.5", "9.30" and "9 h 30" stay whole because no
space follows their dot, and a dot can only be judged once the next character has arrived. Common abbreviations
("M. Dupont", "Mr. Smith", "etc. ") do not end a sentence either.
"""

from __future__ import annotations

import re

# A terminator, closing quotes or brackets, then a space; French puts a space before ! and ?, which changes nothing.
_BOUNDARY = re.compile(r"[.!?…]+[\"'»”)\]]*(?=\s)")
_ABBREVIATIONS = frozenset(
    {"m", "mm", "mme", "mmes", "mlle", "mr", "mrs", "ms", "dr", "st", "ste", "av", "bd", "no", "n°", "tél", "tel",
     "etc", "env", "cf", "vs", "apt", "appt"}
)  # fmt: skip
# Markdown a model may slip in despite the prompt; a voice would read "asterisk".
_MARKUP = re.compile(r"[*#`_]+|^\s*[-•]\s+", re.MULTILINE)


def clean_for_speech(text: str) -> str:
    return re.sub(r"\s+", " ", _MARKUP.sub("", text)).strip()


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order; a line break ends one too (a list item, a title)."""
    sentences: list[str] = []
    for line in text.splitlines():
        splitter = SentenceSplitter()
        sentences += splitter.feed(line) + splitter.flush()
    return sentences


class SentenceSplitter:
    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        """Add streamed text; return the sentences it completed."""
        self._buffer += text
        sentences: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(self._buffer):
            if match.group().startswith(".") and _is_abbreviation(self._buffer[start : match.start()]):
                continue
            sentence = clean_for_speech(self._buffer[start : match.end()])
            if sentence:
                sentences.append(sentence)
            start = match.end()
        self._buffer = self._buffer[start:]
        return sentences

    def flush(self) -> list[str]:
        """The text left when the stream ends, as a last sentence."""
        rest, self._buffer = clean_for_speech(self._buffer), ""
        return [rest] if rest else []


def _is_abbreviation(before: str) -> bool:
    words = before.split()
    return bool(words) and words[-1].casefold().lstrip("(«\"'") in _ABBREVIATIONS
