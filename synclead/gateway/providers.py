"""The set of models and services a gateway process runs calls with, built once and shared by all calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from synclead.agent.answering import AgencyProfile, AnsweringAgent
from synclead.config import Settings
from synclead.engine.ports import Agent, CallInfo, SpeechToText, TextToSpeech, VoiceActivity

log = logging.getLogger(__name__)


@dataclass
class Providers:
    stt: SpeechToText
    tts: TextToSpeech
    vad_factory: Callable[[], VoiceActivity]
    agent_factory: Callable[[CallInfo, AgencyProfile], Agent]
    # Fixed phrases (greetings) to synthesise before the first call, so callers hear them at once.
    prewarm: Callable[[Iterable[tuple[str, str]]], None] = lambda phrases: None


def answering_agent(info: CallInfo, profile: AgencyProfile) -> Agent:
    return AnsweringAgent(profile, caller_number=info.from_number)


def offline_providers(settings: Settings) -> Providers:
    """Models that ship inside PyPI packages: Whisper, Silero VAD, Piper and espeak-ng. No network, no key."""
    from synclead.audio.vad import VadStream, get_model
    from synclead.providers.stt.whisper import WhisperSTT
    from synclead.providers.tts.voices import LanguageVoices

    get_model()
    voices = LanguageVoices()
    stt = WhisperSTT(settings.stt_model, models_dir=settings.models_dir, cpu_threads=settings.stt_threads)
    stt.warm_up()
    return Providers(
        stt=stt,
        tts=voices,
        vad_factory=VadStream,
        agent_factory=answering_agent,
        prewarm=voices.prewarm,
    )
