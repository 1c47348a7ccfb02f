"""A gateway serving the dashboard and a call placed on it as Twilio does, in a thread of their own, for the browser
tests of the live pages (Playwright's sync API keeps the test's own thread).

The gateway is the product's (`create_app`: Django under ASGI, the media stream, the post-call worker) with the
answering-machine agent; only the recogniser is scripted, and it hands each turn's words over when the test says
so, so that the test sees the call at each step before it moves on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Sequence

from synclead.audio import mulaw
from synclead.audio.vad import VadStream, get_model
from synclead.bench.audio import render_caller_speech
from synclead.bench.providers import FixedVoice
from synclead.engine.ports import Pcm, Transcript
from synclead.gateway import database
from synclead.gateway.providers import Providers, answering_agent
from synclead.simulator.caller import Pacing, frames_of
from synclead.simulator.dialer import Dial
from synclead.simulator.simulate import SimulatedCall, local_gateway, simulate_call
from synclead.simulator.twilio_rest import TwilioRestEmulator

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "live-call-auth-token"
# Only a guard against a gateway that never answers.
STUCK_S = 60


class GatedRecognizer:
    """Hears the caller's n-th turn as `texts[n]`, once the test has released turn n (`release`)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self.gates = [threading.Event() for _ in texts]
        self.turns = 0

    def release(self, turn: int) -> None:
        self.gates[turn].set()

    async def transcribe(self, audio: Pcm, language: str) -> Transcript:
        turn = self.turns
        self.turns += 1
        if turn >= len(self.texts):
            return Transcript("", language)
        await asyncio.to_thread(self.gates[turn].wait, STUCK_S)
        return Transcript(self.texts[turn], language)


class LiveGateway:
    def __init__(self, texts: Sequence[str]) -> None:
        self.recognizer = GatedRecognizer(texts)
        self.url = ""
        self.rest: TwilioRestEmulator | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), name="live-gateway", daemon=True)
        self._failure: BaseException | None = None

    def start(self) -> LiveGateway:
        self._thread.start()
        if not self._ready.wait(STUCK_S) or self._failure is not None:
            raise RuntimeError("the gateway did not start") from self._failure
        return self

    def call(self, dial: Dial, speed: float = 2.0) -> concurrent.futures.Future[SimulatedCall]:
        """Place the call (the caller says the same sentence each turn; the recogniser decides the words)."""
        assert self._loop is not None

        async def place() -> SimulatedCall:
            speech = frames_of(mulaw.encode(await render_caller_speech()))
            turns = [speech] * len(self.recognizer.texts)
            # The test holds each turn as long as it looks: the caller waits for the answer however long it takes.
            pacing = Pacing(speed=speed, reply_timeout_ms=300_000, hangup_wait_ms=60_000)
            return await simulate_call(self.url, dial, AUTH_TOKEN, turns, pacing, self.rest)

        return asyncio.run_coroutine_threadsafe(place(), self._loop)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STUCK_S)

    async def _serve(self) -> None:

        try:
            get_model()
            providers = Providers(
                stt=self.recognizer, tts=FixedVoice(0.01), vad_factory=VadStream, agent_factory=answering_agent
            )
            async with local_gateway(ACCOUNT_SID, AUTH_TOKEN, providers) as gateway:
                self.url, self.rest = gateway.url, gateway.rest
                self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
                self._ready.set()
                await self._stop.wait()
            # What the call queued on its way out is written before the test's database is emptied.
            await asyncio.to_thread(database.drain)
        except BaseException as exc:
            self._failure = exc
            self._ready.set()
            raise
