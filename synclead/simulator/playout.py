"""Twilio's buffer for the agent's audio, as seen from the carrier side of a call.

Twilio queues whatever the server sends, plays it at 8 kHz, echoes each mark once the audio queued before it has
played, and on `clear` drops the queue and echoes every pending mark at once. Only positions are kept (samples
queued, samples played): the simulator needs to know *when* audio plays, not what it sounds like.
"""

from __future__ import annotations

from collections import deque


class PlayoutBuffer:
    def __init__(self) -> None:
        self.queued = 0
        self.played = 0
        self.dropped = 0
        self._marks: deque[tuple[int, str]] = deque()

    @property
    def pending(self) -> int:
        """Samples queued and not yet played."""
        return self.queued - self.played

    @property
    def pending_marks(self) -> int:
        return len(self._marks)

    def add_audio(self, samples: int) -> None:
        self.queued += samples

    def add_mark(self, name: str) -> None:
        # A mark sits at the end of what is queued now: it is reached once all of that has played.
        self._marks.append((self.queued, name))

    def advance(self, samples: int) -> tuple[int, list[str]]:
        """Play up to `samples`; return how many played and the marks that playout reached, in order."""
        played = min(samples, self.pending)
        self.played += played
        reached: list[str] = []
        while self._marks and self._marks[0][0] <= self.played:
            reached.append(self._marks.popleft()[1])
        return played, reached

    def clear(self) -> list[str]:
        """Drop the unplayed audio; every pending mark is echoed even though its audio was never heard."""
        self.dropped += self.pending
        self.played = self.queued
        names = [name for _, name in self._marks]
        self._marks.clear()
        return names
