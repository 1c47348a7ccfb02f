"""What Whisper understands of each offline French voice after a phone line, and what Kokoro costs.

    python -m synclead.bench.french_voice [--repeats 3] [--json out.json]

For every sentence (what the agent and its callers say), Kokoro (the agent's and the caller's speakers) and
espeak-ng speak it, the audio crosses 8 kHz μ-law, and Whisper base transcribes it in French; then the time to first
audio of each sentence, as the engine asks for it, and Kokoro's cost per second of speech. Runs on the CPU only;
the figures depend on what else the machine is doing (docs/PERFORMANCE.md says what they were measured beside).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from synclead.bench.phone_speech import hear, percentile, time_voice

AGENT = [
    "Bonjour, vous êtes bien à l'Agence Lumière, l'immobilier à Paris.",
    "Je suis l'assistant automatique de l'agence, et cet appel est enregistré.",
    "Que puis-je faire pour vous ?",
    "Pouvez-vous me donner votre nom, s'il vous plaît ?",
    "Merci. À quel numéro un conseiller peut-il vous rappeler ?",
    "Nous sommes ouverts du lundi au vendredi, de neuf heures à dix-neuf heures.",
    "Le samedi, l'agence est ouverte de dix heures à dix-sept heures.",
    "Nous avons un deux-pièces de quarante-deux mètres carrés, à louer tout de suite.",
    "Le loyer est de mille trois cent quatre-vingt-dix euros par mois, charges en plus.",
    "Un conseiller vous rappelle dans la journée.",
    "Je n'ai pas cette information, mais je peux prendre un message.",
    "Bonne journée, et merci de votre appel.",
]
CALLER = [
    "Bonjour, je voudrais faire estimer mon appartement.",
    "Je m'appelle Marie Dubois.",
    "Oui, c'est le bon numéro.",
    "Je cherche un appartement de trois pièces à louer.",
    "Est-ce que l'agence est ouverte le samedi matin ?",
    "Il y a une fuite d'eau dans ma cuisine depuis ce matin.",
    "Mon budget est de deux mille euros par mois.",
    "Je voudrais visiter l'appartement que j'ai vu sur votre site.",
    "Pouvez-vous me rappeler demain après-midi ?",
    "Quels sont vos honoraires pour une location ?",
    "J'aimerais vendre ma maison avant l'été.",
    "Merci beaucoup, au revoir.",
]
SENTENCES = AGENT + CALLER


def _voices() -> dict[str, object]:
    from synclead.providers.tts.espeak import EspeakTTS
    from synclead.providers.tts.kokoro import KokoroTTS

    return {
        "kokoro jf_gongitsune (agent)": KokoroTTS("jf_gongitsune"),
        "kokoro jm_kumo (caller)": KokoroTTS("jm_kumo"),
        "espeak-ng fr": EspeakTTS(),
    }


def first_piece_cpu_ms(voice: object, sentences: list[str]) -> list[float]:
    """CPU time of each sentence's first piece on one thread: its time to first audio on an idle core, whatever
    else the machine is doing (wall times on a shared machine measure the neighbours too)."""
    from synclead.providers.tts.kokoro import KokoroTTS, pieces

    if not isinstance(voice, KokoroTTS):
        return []
    spent = []
    for text in sentences:
        started = time.thread_time()
        voice.render_piece(pieces(text)[0], "fr")
        spent.append((time.thread_time() - started) * 1000)
    return spent


def run(repeats: int, only: str = "") -> dict[str, object]:
    from synclead.providers.stt.whisper import WhisperSTT

    whisper = WhisperSTT("base")
    whisper.warm_up()
    report: dict[str, object] = {"sentences": len(SENTENCES)}
    for name, voice in _voices().items():
        if only and only not in name:
            continue
        warm_up = getattr(voice, "warm_up", None)
        if warm_up is not None:
            warm_up()
        heard = hear(voice, whisper, SENTENCES, "fr")  # type: ignore[arg-type]
        timing = time_voice(voice, SENTENCES, "fr", repeats)  # type: ignore[arg-type]
        cpu_firsts = first_piece_cpu_ms(voice, SENTENCES)
        report[name] = {
            "first_piece_cpu_p50_ms": percentile(cpu_firsts, 0.5) if cpu_firsts else None,
            "first_piece_cpu_p95_ms": percentile(cpu_firsts, 0.95) if cpu_firsts else None,
            "wer_mean": statistics.fmean(h.wer for h in heard),
            "wer_agent": statistics.fmean(h.wer for h in heard[: len(AGENT)]),
            "wer_caller": statistics.fmean(h.wer for h in heard[len(AGENT) :]),
            "first_audio_p50_ms": percentile(timing.first_audio_ms, 0.5),
            "first_audio_p95_ms": percentile(timing.first_audio_ms, 0.95),
            "rtf": timing.rtf,
            "cpu_per_audio_s": timing.cpu_per_audio,
            "heard": [{"text": h.text, "heard": h.heard, "wer": round(h.wer, 3)} for h in heard],
        }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timing passes over the sentences")
    parser.add_argument("--json", type=Path, help="write the full report (every transcript) here")
    parser.add_argument("--voice", default="", help="only the voices whose name contains this (kokoro, jm_kumo…)")
    args = parser.parse_args(argv)
    report = run(args.repeats, args.voice)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"{report['sentences']} French sentences, Whisper base after 8 kHz μ-law")
    print(
        "| voice | WER (agent / caller lines) | first audio p50 / p95 | first piece, CPU p50 / p95 | RTF (wall) "
        "| CPU s per s of speech |"
    )
    print("|---|---|---|---|---|---|")
    for name, row in report.items():
        if isinstance(row, dict):
            print(
                f"| {name} | {row['wer_mean']:.1%} ({row['wer_agent']:.1%} / {row['wer_caller']:.1%}) | "
                f"{row['first_audio_p50_ms']:.0f} / {row['first_audio_p95_ms']:.0f} ms | "
                f"{row['first_piece_cpu_p50_ms'] or 0:.0f} / {row['first_piece_cpu_p95_ms'] or 0:.0f} ms | "
                f"{row['rtf']:.2f} | "
                f"{row['cpu_per_audio_s']:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
