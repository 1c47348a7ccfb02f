"""One simulated call, from the phone ringing to Twilio's final status callback.

`simulate_call` talks to a gateway over HTTP and WebSocket only, exactly as Twilio does, so the same code drives
a server in this process (`local_gateway`) or one anywhere else (`synclead call --url`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from synclead.config import reload_settings
from synclead.engine.ports import TextToSpeech
from synclead.simulator.caller import CallerResult, Conversation, Pacing, converse, frames_of
from synclead.simulator.dialer import Dial, DialError, StreamTwiml, report_completed, ring, stream_headers
from synclead.simulator.fallback import FallbackRun, run_fallback
from synclead.simulator.script import CallScript
from synclead.simulator.servers import bind_free_port, serving
from synclead.simulator.stream import TwilioStream
from synclead.simulator.twilio_rest import TwilioRestEmulator

# Twilio's media WebSocket client, as it introduces itself on the upgrade request.
STREAM_USER_AGENT = "Twilio.TmeWs/1.0"


# The only close that means "the server ended this call on purpose": it hangs up through the REST API first.
NORMAL_CLOSURE = 1000


@dataclass(slots=True)
class SimulatedCall:
    dial: Dial
    twiml: StreamTwiml
    caller: CallerResult
    # The status callback's HTTP status; None when no server answered it (`status_error` says why).
    status_callback: int | None
    status_error: str = ""
    # Set when the stream dropped under the call: what Twilio then did (the voicemail after </Connect>).
    fallback: FallbackRun | None = None

    @property
    def dropped(self) -> bool:
        """The server's side of the stream went away without ending the call: a lost process (1006, no close
        frame), a server error (1011), a restart (1012). Twilio then runs the verbs after </Connect>."""
        return self.caller.ended_by == "server-closed" and self.caller.close_code != NORMAL_CLOSURE


def new_account_sid() -> str:
    return "AC" + secrets.token_hex(16)


async def render_turns(script: CallScript) -> list[list[str]]:
    """Each turn spoken by the offline voices, as base64 μ-law frames ready to send."""
    from synclead.audio import mulaw
    from synclead.providers.tts.espeak import EspeakTTS
    from synclead.providers.tts.piper import PiperTTS
    from synclead.providers.tts.voices import KOKORO_SPEAKERS, LanguageVoices

    # Without Piper's sampling noise the caller says each line the same way every time, so a simulated call
    # (and a test built on one) is repeatable. French callers speak with Kokoro's male speaker, the agent's default
    # being the female one, so that the two sides of a recording are told apart by ear too. The lines are rendered
    # before the call, so Kokoro is used without the agent's fallback: however busy the machine, the caller's voice
    # stays the same (espeak-ng only where Kokoro is not installed).
    espeak = EspeakTTS()
    voices = LanguageVoices(
        {
            "en": PiperTTS(noise_scale=0.0, noise_w_scale=0.0),
            "fr": _french_caller(KOKORO_SPEAKERS["kokoro_male"], espeak),
        },
        fallback=espeak,
        choices={},
    )
    turns = []
    for text in script.turns:
        audio = await voices.render(text, script.language, remember=False)
        if len(audio) == 0:
            raise ValueError(f"the {script.language} voice rendered nothing for {text!r}")
        turns.append(frames_of(mulaw.encode(audio)))
    return turns


def _french_caller(speaker: str, espeak: TextToSpeech) -> TextToSpeech:
    from synclead.providers.tts.kokoro import KokoroTTS

    try:
        import kokoro_onnx  # noqa: F401
    except ModuleNotFoundError:
        return espeak
    return KokoroTTS(speaker)


async def simulate_call(
    base_url: str,
    dial: Dial,
    auth_token: str,
    turns: Sequence[Sequence[str]],
    pacing: Pacing,
    rest: TwilioRestEmulator | None = None,
) -> SimulatedCall:
    async with httpx.AsyncClient(timeout=15) as client:
        twiml = await ring(client, base_url, dial, auth_token)
    hung_up = rest.register(dial.call_sid, dial.from_number, dial.to_number).hung_up if rest else None
    try:
        ws = await connect(
            twiml.url,
            additional_headers=stream_headers(twiml.url, auth_token),
            user_agent_header=STREAM_USER_AGENT,
            # Twilio negotiates no compression; 160-byte frames gain nothing from it.
            compression=None,
            open_timeout=15,
        )
    except InvalidStatus as exc:
        raise DialError(f"the media stream {twiml.url} was refused: HTTP {exc.response.status_code}") from None
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        raise DialError(f"cannot open the media stream {twiml.url}: {exc}") from None
    result = await converse(
        ws, TwilioStream(dial.account_sid, dial.call_sid, twiml.parameters), Conversation(turns, pacing), hung_up
    )
    call = SimulatedCall(dial, twiml, result, None)
    # New connections for what comes after the call, as Twilio's separate webhook requests are: one kept alive since
    # the ring may lead to the server that has just died, not to the one a balancer now sends new requests to.
    async with httpx.AsyncClient(timeout=15) as client:
        if call.dropped:
            call.fallback = await run_fallback(client, f"{base_url}/twilio/voice", dial, twiml.fallback, auth_token)
        if rest is not None:
            rest.finish(dial.call_sid)
        # CallDuration in media time: at --speed 4 a 60 s conversation is still a 60 s call.
        duration_s = result.media_ms / 1000 + (call.fallback.seconds if call.fallback else 0)
        try:
            call.status_callback = await report_completed(client, base_url, dial, auth_token, duration_s)
        except httpx.HTTPError as exc:
            call.status_error = f"the status callback reached no server ({exc or type(exc).__name__})"
    return call


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables (and the settings read from them) for the block, then put them back."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    reload_settings()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reload_settings()


@dataclass(frozen=True, slots=True)
class LocalGateway:
    url: str
    rest: TwilioRestEmulator


@contextlib.asynccontextmanager
async def local_gateway(account_sid: str, auth_token: str, providers: Any = None) -> AsyncIterator[LocalGateway]:
    """The product's gateway (`create_app()`, offline providers unless `providers` are given) on a free loopback
    port, in this process, with the Twilio REST emulator beside it for the hang-up."""
    rest = TwilioRestEmulator(account_sid, auth_token)
    async with serving(rest.app) as rest_url:
        sock = bind_free_port()
        host, port = sock.getsockname()[:2]
        env = {
            # The gateway builds its TwiML stream URL and checks every signature against its public URL.
            "SYNCLEAD_PUBLIC_URL": f"http://{host}:{port}",
            "TWILIO_API_URL": rest_url,
            "TWILIO_ACCOUNT_SID": account_sid,
            "TWILIO_AUTH_TOKEN": auth_token,
        }
        with environment(env):
            from synclead.config import get_settings
            from synclead.gateway.app import create_app

            app = create_app(providers, settings=get_settings())
            async with serving(app, sock) as url:
                yield LocalGateway(url, rest)
