"""Voices behind `synclead.engine.ports.TextToSpeech`: offline (Piper, espeak-ng) and a cloud voice in front of them."""

from __future__ import annotations

from synclead.config import Settings
from synclead.engine.ports import TextToSpeech
from synclead.providers.tts.voices import LanguageVoices

__all__ = ["voices_for"]


def voices_for(settings: Settings, offline: LanguageVoices) -> TextToSpeech:
    """The deployment's voice: `offline` itself, or the cloud voice with `offline` as its fallback and phrase cache.

    Build it once per process: the breaker and the disabled state are about the provider, not one call.
    """
    if settings.tts != "openai":
        return offline
    # Imported here so that an offline deployment never loads the SDK.
    from synclead.providers.tts.cloud import OpenAISpeech
    from synclead.providers.tts.fallback import FallbackVoice

    cloud = OpenAISpeech(
        settings.tts_api_key,
        base_url=settings.tts_base_url,
        model=settings.tts_model,
        voices={"en": settings.tts_voice_en, "fr": settings.tts_voice_fr},
    )
    return FallbackVoice(cloud, offline, name=f"cloud voice ({settings.tts_model})")
