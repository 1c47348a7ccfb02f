"""Running scenarios as real simulated calls: the caller's voice rendered to μ-law, the product's gateway in this
process (offline models, the organization's own agent and knowledge), several calls at once, then each call's
report once the post-call job has written it.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from synclead.simulator.caller import GREETING, CallerResult, Pacing, frames_of
from synclead.simulator.dialer import Dial, DialError
from synclead.simulator.report_client import ReportError, wait_for_report
from synclead.simulator.script import CallScript
from synclead.simulator.simulate import local_gateway, render_turns, simulate_call
from synclead.simulator.stream import FRAME_MS, SILENCE_FRAME, b64
from synclead.web.evals.scenario import Scenario, Turn
from synclead.web.evals.scoring import scenario_result

# "default" is the simulator's own choice for the language (what `synclead call` speaks with).
DEFAULT_VOICE: Final = "default"
SILENCE_B64: Final = b64(SILENCE_FRAME)


class VoiceError(ValueError):
    """A caller voice that does not exist here, or cannot speak the language asked of it."""


def _piper() -> Any:
    from synclead.providers.tts.piper import PiperTTS

    # Without sampling noise the caller says each line the same way on every run, so scores are repeatable.
    return PiperTTS(noise_scale=0.0, noise_w_scale=0.0)


def _espeak() -> Any:
    from synclead.providers.tts.espeak import EspeakTTS

    return EspeakTTS()


def _kokoro() -> Any:
    try:
        module = importlib.import_module("synclead.providers.tts.kokoro")
        return module.KokoroTTS()
    except (ImportError, AttributeError) as exc:
        raise VoiceError(f"the kokoro voice is not available in this installation ({exc})") from None


# name → (factory, languages it speaks)
VOICES: Final[dict[str, tuple[Callable[[], Any], frozenset[str]]]] = {
    "piper": (_piper, frozenset({"en"})),
    "espeak": (_espeak, frozenset({"en", "fr"})),
    "kokoro": (_kokoro, frozenset({"en", "fr"})),
}


def parse_voices(values: Sequence[str]) -> dict[str, str]:
    """`LANG=VOICE` options (`fr=kokoro`) into {language: voice}; unknown names are refused here, not mid-run."""
    chosen: dict[str, str] = {}
    for value in values:
        language, sep, voice = value.partition("=")
        if not sep or not language or not voice:
            raise VoiceError(f"--caller-voice takes LANG=VOICE (e.g. fr=kokoro), got {value!r}")
        if voice != DEFAULT_VOICE and voice not in VOICES:
            raise VoiceError(f"unknown caller voice {voice!r}; known: {', '.join([DEFAULT_VOICE, *VOICES])}")
        if voice in VOICES and language not in VOICES[voice][1]:
            raise VoiceError(f"the {voice} voice does not speak {language!r}")
        chosen[language] = voice
    return chosen


class CallerVoices:
    """Renders what each scenario's caller says, with the voice chosen for its language."""

    def __init__(self, chosen: Mapping[str, str]) -> None:
        self.chosen = dict(chosen)
        self._voices: dict[str, Any] = {}

    def name_for(self, language: str) -> str:
        return self.chosen.get(language, DEFAULT_VOICE)

    async def _render(self, language: str, texts: Sequence[str]) -> list[list[str]]:
        name = self.name_for(language)
        if name == DEFAULT_VOICE:
            # The caller's number plays no part in rendering.
            return await render_turns(CallScript(language, "+10000000000", tuple(texts)))
        if name not in self._voices:
            self._voices[name] = VOICES[name][0]()
        voice = self._voices[name]
        from synclead.audio import mulaw

        # One line per core at a time: the voices render on worker threads (Kokoro's two take a second each).
        limit = asyncio.Semaphore(max(1, os.cpu_count() or 1))

        async def one(text: str) -> list[str]:
            async with limit:
                try:
                    pieces = [piece async for piece in voice.synthesize(text, language)]
                except Exception as exc:  # a voice's models missing or broken: the run cannot start, say which
                    raise VoiceError(f"the {name} voice failed on {text!r}: {exc}") from exc
            if not pieces:
                raise VoiceError(f"the {name} voice rendered nothing for {text!r}")
            return frames_of(mulaw.encode(np.concatenate(pieces)))

        return list(await asyncio.gather(*(one(text) for text in texts)))

    async def render(self, scenarios: Sequence[Scenario]) -> list[list[list[str]]]:
        """Each scenario's turns as base64 μ-law frames: their parts with the pauses between them, cut where the
        caller hangs up. Each distinct line is rendered once, with one voice per language."""
        texts: dict[str, list[str]] = {}
        for scenario in scenarios:
            lines = texts.setdefault(scenario.language, [])
            for part in (part for turn in scenario.turns for part in turn.parts):
                if part not in lines:
                    lines.append(part)
        frames: dict[tuple[str, str], list[str]] = {}
        for language, lines in texts.items():
            for text, rendered in zip(lines, await self._render(language, lines), strict=True):
                frames[(language, text)] = rendered
        return [[_assemble(turn, [frames[(s.language, p)] for p in turn.parts]) for turn in s.turns] for s in scenarios]


def _assemble(turn: Turn, parts: list[list[str]]) -> list[str]:
    pause = [SILENCE_B64] * (turn.pause_ms // FRAME_MS)
    frames: list[str] = []
    for index, part in enumerate(parts):
        frames.extend(part if index == 0 else pause + part)
    if turn.hang_up_after is not None:
        frames = frames[: max(1, math.ceil(len(frames) * turn.hang_up_after))]
    return frames


@dataclass(frozen=True, slots=True)
class RunOptions:
    speed: float = 1.0
    parallel: int = 4
    max_call_s: int = 300
    report_timeout_s: float = 120.0
    # Media seconds a caller waits for the agent's reply before saying the next line. Longer than a real caller's
    # patience on purpose: the evaluation judges what the agent says; latency is the benchmark's to measure, and a
    # busy machine must not turn slow replies into talked-over ones.
    reply_timeout_s: float = 30.0
    voices: Mapping[str, str] = field(default_factory=dict)


def _call_summary(result: CallerResult, hung_up_mid_turn: bool) -> dict[str, Any]:
    return {
        "ended_by": "caller-hung-up" if hung_up_mid_turn and result.ended_by == "no-hangup" else result.ended_by,
        "media_s": round(result.media_ms / 1000, 1),
        "turns_spoken": result.turns_spoken,
        "unanswered": ["greeting" if i == GREETING else f"turn {i + 1}" for i in result.unanswered],
        "barge_ins": result.clears,
    }


async def run_scenarios(
    org: str,
    to_number: str,
    scenarios: Sequence[Scenario],
    options: RunOptions,
    account_sid: str,
    auth_token: str,
    on_result: Callable[[dict[str, Any]], Awaitable[None] | None] | None = None,
) -> list[dict[str, Any]]:
    """Every scenario's result (in the scenarios' order), `options.parallel` calls at a time."""
    voices = CallerVoices(options.voices)
    # Rendered before the gateway starts, so the caller's voice does not compete with the calls for the CPU.
    audio = await voices.render(scenarios)
    semaphore = asyncio.Semaphore(options.parallel)
    async with local_gateway(account_sid, auth_token) as gateway:

        async def one(scenario: Scenario, turns: list[list[str]]) -> dict[str, Any]:
            hangs_up = scenario.turns[-1].hang_up_after is not None
            wait_ms = round(options.reply_timeout_s * 1000)
            pacing = Pacing(
                speed=options.speed,
                reply_timeout_ms=wait_ms,
                # Hanging up mid-sentence: the stream stops on the very frame the caller's audio was cut at.
                hangup_wait_ms=FRAME_MS if hangs_up else max(wait_ms, Pacing().hangup_wait_ms),
                max_call_ms=options.max_call_s * 1000,
            )
            dial = Dial(account_sid, scenario.script.from_number, to_number)
            async with semaphore:
                try:
                    call = await simulate_call(gateway.url, dial, auth_token, turns, pacing, gateway.rest)
                    report = await wait_for_report(dial.call_sid, options.report_timeout_s)
                except (DialError, ReportError) as exc:
                    result = scenario_result(scenario, None, str(exc))
                except Exception as exc:  # one call's failure is its scenario's, not the whole run's
                    result = scenario_result(scenario, None, f"{type(exc).__name__}: {exc}")
                else:
                    error = "" if report.get("org") == org else f"answered for {report.get('org')!r}, not {org!r}"
                    result = scenario_result(
                        scenario, None if error else report, error, _call_summary(call.caller, hangs_up)
                    )
            if on_result is not None:
                outcome = on_result(result)
                if outcome is not None:
                    await outcome
            return result

        return list(await asyncio.gather(*(one(s, t) for s, t in zip(scenarios, audio, strict=True))))
