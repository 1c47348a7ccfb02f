"""Turn-taking from voice activity, counted in media time.

The detector sees one speech probability per VAD window and says when the caller starts and stops talking.
Hysteresis (a higher threshold to start than to keep going) stops a cough from opening a turn and a breath from
closing one; the end of a turn waits for `end_of_turn_ms` of quiet, long enough for the pauses people leave
between the groups of a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TurnEvent(Enum):
    SPEECH_STARTED = "speech_started"
    SPEECH_ENDED = "speech_ended"


@dataclass(frozen=True, slots=True)
class TurnConfig:
    start_threshold: float = 0.6
    keep_threshold: float = 0.35
    # Speech must last this long before it counts: short enough for a 150 ms barge-in, long enough for a click.
    min_speech_ms: int = 64
    end_of_turn_ms: int = 600
    max_turn_ms: int = 30_000


@dataclass(frozen=True, slots=True)
class Turn:
    event: TurnEvent
    # For SPEECH_STARTED: when the voice began. For SPEECH_ENDED: when it last was heard.
    at_ms: int
    started_ms: int
    forced: bool = False


class TurnDetector:
    def __init__(self, config: TurnConfig, window_ms: int = 32) -> None:
        self.config = config
        self.window_ms = window_ms
        self.speaking = False
        self._voiced_run_ms = 0
        self._run_start_ms = 0
        self._last_voice_ms = 0
        self._turn_start_ms = 0

    def push(self, probability: float, window_end_ms: int) -> Turn | None:
        cfg = self.config
        window_start_ms = window_end_ms - self.window_ms
        if not self.speaking:
            if probability >= cfg.start_threshold:
                if self._voiced_run_ms == 0:
                    self._run_start_ms = window_start_ms
                self._voiced_run_ms += self.window_ms
                if self._voiced_run_ms >= cfg.min_speech_ms:
                    self.speaking = True
                    self._turn_start_ms = self._run_start_ms
                    self._last_voice_ms = window_end_ms
                    return Turn(TurnEvent.SPEECH_STARTED, window_end_ms, self._turn_start_ms)
            else:
                self._voiced_run_ms = 0
            return None

        if probability >= cfg.keep_threshold:
            self._last_voice_ms = window_end_ms
            if window_end_ms - self._turn_start_ms >= cfg.max_turn_ms:
                return self._end(window_end_ms, forced=True)
            return None
        if window_end_ms - self._last_voice_ms >= cfg.end_of_turn_ms:
            return self._end(self._last_voice_ms, forced=False)
        return None

    def _end(self, at_ms: int, forced: bool) -> Turn:
        turn = Turn(TurnEvent.SPEECH_ENDED, at_ms, self._turn_start_ms, forced=forced)
        if forced:
            # A caller who never stops: cut here and carry on with a new turn, without announcing a new start
            # (that would count as a barge-in over the agent's answer to the part just cut).
            self._turn_start_ms = at_ms
        else:
            self.speaking = False
            self._voiced_run_ms = 0
        return turn
