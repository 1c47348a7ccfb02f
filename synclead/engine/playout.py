"""Paces the agent's audio out to the carrier, one 20 ms frame at a time, on the media clock.

Every inbound frame advances the clock; the playout then sends whatever keeps it `lead_ms` ahead of the caller.
Tying output to input means no timer per call and a simulation at any speed paces exactly as a real call does.
The small lead absorbs network jitter while keeping a barge-in's `clear` from discarding much unplayed audio.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from synclead.engine.ports import FRAME_MS, FRAME_SAMPLES, Pcm


@dataclass(slots=True)
class Outgoing:
    audio: Pcm | None = None
    mark: str | None = None


class Playout:
    def __init__(self, lead_ms: int = 80) -> None:
        self.lead_ms = lead_ms
        self._queue: deque[tuple[Pcm | None, str | None]] = deque()
        self._current: Pcm | None = None
        self._offset = 0
        # Media time up to which audio has been sent; it trails the clock while the agent is quiet.
        self.sent_until_ms = 0
        # Media time at which the last audio sent ends: the carrier has played everything by then.
        self.audio_until_ms = 0
        self.frames_sent = 0

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._queue)

    def enqueue(self, audio: Pcm | None, mark: str | None = None) -> None:
        if audio is not None and len(audio) == 0:
            audio = None
        self._queue.append((audio, mark))

    def clear(self) -> None:
        self._queue.clear()
        self._current = None
        self._offset = 0

    def tick(self, now_ms: int) -> list[Outgoing]:
        out: list[Outgoing] = []
        if self.sent_until_ms < now_ms:
            self.sent_until_ms = now_ms
        while self.sent_until_ms < now_ms + max(self.lead_ms, FRAME_MS):
            if self._current is None:
                if not self._queue:
                    break
                audio, mark = self._queue.popleft()
                if audio is None:
                    out.append(Outgoing(mark=mark))
                    continue
                self._current, self._offset = audio, 0
                if mark is not None:
                    # A segment's mark goes after its audio: re-queue it at the front.
                    self._queue.appendleft((None, mark))
            frame = self._current[self._offset : self._offset + FRAME_SAMPLES]
            self._offset += FRAME_SAMPLES
            if len(frame) < FRAME_SAMPLES:
                # Carriers expect whole frames; pad the tail with silence rather than send a short one.
                frame = np.concatenate([frame, np.zeros(FRAME_SAMPLES - len(frame), dtype=np.int16)])
            if self._offset >= len(self._current):
                self._current = None
            out.append(Outgoing(audio=frame))
            self.sent_until_ms += FRAME_MS
            self.audio_until_ms = self.sent_until_ms
            self.frames_sent += 1
        # Marks queued right behind finished audio go out at once, not one tick later.
        while self._current is None and self._queue and self._queue[0][0] is None:
            out.append(Outgoing(mark=self._queue.popleft()[1]))
        return out
