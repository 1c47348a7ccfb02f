"""A natural cloud voice: any server that speaks OpenAI's `POST /v1/audio/speech`, streamed as raw PCM.

Why this API rather than Mistral's:
- Streaming is plain: with `response_format="pcm"` the body *is* the audio (24 kHz, 16-bit little-endian, mono),
  sent as it is generated, so the first 100 ms reach the caller before the sentence is finished. Mistral's
  `/v1/audio/speech` (SDK `speech.complete`) streams base64 deltas in server-sent events, and its French coverage
  is still to be checked; it could sit behind the same `TextToSpeech` later.
- French and English: OpenAI's voices speak both (the language follows the text); self-hosted engines usually
  have one voice per language (Kokoro: `ff_siwis` for French, `af_heart` for English), hence a voice per language.
- Well kept and self-hostable: the `openai` SDK is already a dependency (the LLM path uses it), and `base_url`
  reaches OpenAI itself or an OpenAI-compatible server on the user's own machine (Kokoro-FastAPI, LocalAI,
  openedai-speech), so no audio has to leave the building.

Errors are raised as `SpeechError` with `permanent` set for those that retrying cannot fix (bad key, unknown model
or voice, rejected request); `FallbackVoice` decides what the caller hears instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping

import numpy as np
import openai

from synclead.audio.resample import StreamResampler
from synclead.engine.ports import SAMPLE_RATE, Pcm
from synclead.providers.tts.voices import primary_language

log = logging.getLogger(__name__)

SOURCE_RATE = 24_000  # what `response_format="pcm"` is documented to be
OPENAI_URL = "https://api.openai.com/v1"


class SpeechError(Exception):
    """The cloud voice failed. `permanent` errors (a bad key, say) will fail again the same way."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def classify(exc: Exception) -> SpeechError:
    """Map SDK and transport errors to permanent (configuration) or transient (network, server) failures."""
    if isinstance(exc, SpeechError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        status = exc.response.status_code
        # 408/409/429 and 5xx are the server's momentary state; other 4xx mean our request or key is wrong.
        permanent = 400 <= status < 500 and status not in (408, 409, 429)
        return SpeechError(exc.message, permanent=permanent)
    if isinstance(exc, openai.APITimeoutError):
        return SpeechError("timed out", permanent=False)
    if isinstance(exc, openai.APIConnectionError):
        return SpeechError(f"connection failed: {exc}", permanent=False)
    # A body cut off midway surfaces as the SDK's transport error (its own httpx fork), not an APIError.
    return SpeechError(f"stream broken: {exc!r}", permanent=False)


class OpenAISpeech:
    """`TextToSpeech` over an OpenAI-compatible speech endpoint; yields 8 kHz pieces of about `piece_ms`."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "",
        model: str = "gpt-4o-mini-tts",
        voices: Mapping[str, str] | None = None,
        piece_ms: int = 120,
        timeout_s: float = 10.0,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        # An explicit URL, so that OPENAI_BASE_URL (perhaps pointing at a local LLM) does not move the voice too.
        # No SDK retries: a retry would be silence on the line; FallbackVoice answers a failure at once instead.
        self.client = client or openai.AsyncOpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url or OPENAI_URL,
            max_retries=0,
            timeout=openai.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
        )
        self.model = model
        self.voices = {primary_language(code): voice for code, voice in (voices or {"en": "coral"}).items()}
        self.piece_samples = SAMPLE_RATE * piece_ms // 1000

    def voice_for(self, language: str) -> str:
        return self.voices.get(primary_language(language)) or self.voices.get("en") or next(iter(self.voices.values()))

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        if not text.strip():
            return
        resampler = StreamResampler(SOURCE_RATE, SAMPLE_RATE, np.int16)
        pending = b""  # an odd byte left when the network splits a sample
        out: list[Pcm] = []
        held = 0
        try:
            async with self.client.audio.speech.with_streaming_response.create(
                model=self.model, voice=self.voice_for(language), input=text, response_format="pcm"
            ) as response:
                async for data in response.iter_bytes():
                    pending += data
                    usable = len(pending) - len(pending) % 2
                    if not usable:
                        continue
                    samples = np.frombuffer(pending[:usable], dtype="<i2").astype(np.int16)
                    pending = pending[usable:]
                    piece = resampler.process(samples)
                    out.append(piece)
                    held += piece.size
                    if held >= self.piece_samples:
                        yield np.concatenate(out)
                        out, held = [], 0
        except Exception as exc:
            raise classify(exc) from exc
        out.append(resampler.flush())
        tail = np.concatenate(out)
        if tail.size:
            yield tail
