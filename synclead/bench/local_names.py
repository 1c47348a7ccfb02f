"""Whether Whisper hears the demo agency's districts and streets over the phone, without and with its vocabulary.

    python -m synclead.bench.local_names [--json out.json]

Each sentence names places the demo agency's documents and listings name (Saint-Georges, rue des Martyrs,
Batignolles…), is spoken by the offline voice of its language (Piper in English, Kokoro in French), crosses 8 kHz
μ-law, and is transcribed by Whisper base twice: as today without a prompt, then with the vocabulary that ingesting
the demo knowledge base computes (`knowledge/vocabulary.py`). A name counts as right when it is in the transcript,
spelt as the agency spells it (case, accents and hyphens aside).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from synclead.bench.phone_speech import phone_line, speak
from synclead.knowledge.lexical import words

# (language, sentence, the names in it)
SENTENCES: list[tuple[str, str, tuple[str, ...]]] = [
    ("fr", "Je cherche un deux-pièces dans le quartier Saint-Georges.", ("Saint-Georges",)),
    ("fr", "Votre agence est bien rue des Martyrs ?", ("rue des Martyrs",)),
    ("fr", "Avez-vous quelque chose aux Batignolles ?", ("Batignolles",)),
    ("fr", "J'aimerais habiter près du canal Saint-Martin.", ("Saint-Martin",)),
    ("fr", "Le studio à Montmartre est-il encore libre ?", ("Montmartre",)),
    ("fr", "Je descends à la station Notre-Dame-de-Lorette.", ("Notre-Dame-de-Lorette",)),
    ("fr", "Je vends un appartement rue Hippolyte-Lebas.", ("Hippolyte-Lebas",)),
    ("fr", "Je cherche du côté de Pigalle ou de Trudaine.", ("Pigalle", "Trudaine")),
    ("fr", "Le trois-pièces d'Oberkampf m'intéresse.", ("Oberkampf",)),
    ("fr", "Je travaille à côté de la gare de l'Est.", ("gare de l'Est",)),
    ("fr", "Nous habitons à Boulogne-Billancourt.", ("Boulogne-Billancourt",)),
    ("fr", "Je voudrais visiter l'appartement de la rue Lepic.", ("rue Lepic",)),
    ("fr", "Le métro Abbesses est-il loin de l'appartement ?", ("Abbesses",)),
    ("fr", "Vous gérez aussi des biens à Levallois et à Clichy ?", ("Levallois", "Clichy")),
    ("fr", "J'ai un bien à estimer à Saint-Ouen.", ("Saint-Ouen",)),
    ("fr", "Bonjour, c'est bien l'Agence Lumière ?", ("Agence Lumière",)),
    ("fr", "Je suis à la sortie du métro Cadet.", ("Cadet",)),
    ("fr", "L'appartement donne sur le square des Batignolles ?", ("square des Batignolles",)),
    ("fr", "Est-ce que la maison est près de Marcel Sembat ?", ("Marcel Sembat",)),
    ("fr", "Je préfère l'avenue Trudaine à la place Saint-Georges.", ("avenue Trudaine", "place Saint-Georges")),
    ("en", "I am looking for a flat near Saint-Georges.", ("Saint-Georges",)),
    ("en", "Is your office on rue des Martyrs?", ("rue des Martyrs",)),
    ("en", "Do you have anything in Batignolles?", ("Batignolles",)),
    ("en", "I would like to live by the Canal Saint-Martin.", ("Saint-Martin",)),
    ("en", "Is the studio in Montmartre still available?", ("Montmartre",)),
    ("en", "I get off at Notre-Dame-de-Lorette station.", ("Notre-Dame-de-Lorette",)),
    ("en", "I want to sell my apartment on rue Hippolyte-Lebas.", ("Hippolyte-Lebas",)),
    ("en", "We are looking around Pigalle and Oberkampf.", ("Pigalle", "Oberkampf")),
    ("en", "My office is next to Gare de l'Est.", ("Gare de l'Est",)),
    ("en", "We live in Boulogne-Billancourt at the moment.", ("Boulogne-Billancourt",)),
    ("en", "Can I visit the flat on rue Lepic?", ("rue Lepic",)),
    ("en", "How far is it from Abbesses metro station?", ("Abbesses",)),
    ("en", "Do you manage properties in Levallois?", ("Levallois",)),
    ("en", "Hello, is this Agence Lumière?", ("Agence Lumière",)),
]


def name_heard(name: str, transcript: str) -> bool:
    """Whether the transcript has the name's words in a row (case, accents, hyphens and punctuation aside)."""
    return f" {' '.join(words(name))} " in f" {' '.join(words(transcript))} "


def demo_vocabulary() -> list[str]:
    """The vocabulary ingesting the demo knowledge base stores (its documents and listings), without a database."""
    from synclead.knowledge.vocabulary import choose_terms, listing_terms, text_terms
    from synclead.web.service.demo_kb import demo_files

    texts: list[str] = []
    places: list[tuple[str, str]] = []
    for path in demo_files():
        if path.suffix == ".csv":
            rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
            places += [(row["district"], row["city"]) for row in rows]
            texts += [row["description"] for row in rows]
        else:
            texts.append(path.read_text(encoding="utf-8"))
    streets, names = text_terms(texts)
    return choose_terms(listing_terms(places), streets, names)


@dataclass(frozen=True, slots=True)
class Recognised:
    language: str
    text: str
    names: tuple[str, ...]
    without: str
    with_vocabulary: str

    def right(self, transcript: str) -> int:
        return sum(name_heard(name, transcript) for name in self.names)


def run() -> dict[str, object]:
    from synclead.providers.stt.whisper import WhisperSTT, vocabulary_prompt
    from synclead.providers.tts.kokoro import KokoroTTS
    from synclead.providers.tts.piper import PiperTTS

    voices = {"en": PiperTTS(noise_scale=0.0, noise_w_scale=0.0), "fr": KokoroTTS("jm_kumo")}
    whisper = WhisperSTT("base")
    terms = demo_vocabulary()
    prompt = vocabulary_prompt(terms)
    results = []
    for language, text, names in SENTENCES:
        audio = phone_line(asyncio.run(speak(voices[language], text, language)))
        without = whisper.transcribe_sync(audio, language, vocabulary="").text
        with_vocabulary = whisper.transcribe_sync(audio, language, vocabulary=prompt).text
        results.append(Recognised(language, text, names, without, with_vocabulary))
    report: dict[str, object] = {"vocabulary": terms, "prompt": prompt}
    for language in ("fr", "en", "all"):
        chosen = [r for r in results if language in ("all", r.language)]
        total = sum(len(r.names) for r in chosen)
        report[language] = {
            "sentences": len(chosen),
            "names": total,
            "right_without": sum(r.right(r.without) for r in chosen) / total,
            "right_with": sum(r.right(r.with_vocabulary) for r in chosen) / total,
        }
    report["heard"] = [
        {"text": r.text, "without": r.without, "with": r.with_vocabulary, "names": r.names} for r in results
    ]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write every transcript here")
    args = parser.parse_args(argv)
    report = run()
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print("| language | sentences | names | right without vocabulary | right with it |")
    print("|---|---|---|---|---|")
    for language in ("fr", "en", "all"):
        row = report[language]
        assert isinstance(row, dict)
        counts = f"| {language} | {row['sentences']} | {row['names']} "
        print(f"{counts}| {row['right_without']:.0%} | {row['right_with']:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
