"""One agent utterance on its way to the caller, and how much of it the caller actually heard."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Segment:
    text: str
    offset_ms: int
    duration_ms: int


@dataclass(slots=True)
class AgentSpeech:
    speech_id: int
    text: str
    hang_up: bool = False
    caller_end_ms: int | None = None
    transfer_to: str = ""
    segments: list[Segment] = field(default_factory=list)
    synthesized_ms: int = 0
    synthesis_done: bool = False
    first_sent_ms: int | None = None
    first_sent_wall: float | None = None
    confirmed_ms: int = 0

    def mark_name(self, index: int | None) -> str:
        return f"s{self.speech_id}.{'end' if index is None else index}"

    def add_segment(self, text: str, duration_ms: int) -> int:
        self.segments.append(Segment(text, self.synthesized_ms, duration_ms))
        self.synthesized_ms += duration_ms
        return len(self.segments) - 1

    def confirm(self, index: int) -> None:
        """The carrier echoed this segment's mark: everything up to its end was played."""
        if 0 <= index < len(self.segments):
            seg = self.segments[index]
            self.confirmed_ms = max(self.confirmed_ms, seg.offset_ms + seg.duration_ms)

    def heard_ms(self, now_ms: int) -> int:
        """How much has played by `now_ms`: confirmed by marks, or estimated from when sending began.

        Marks alone are not proof (a `clear` echoes them all), so they only ever confirm audio played before
        the barge-in; the estimate covers the segment in progress.
        """
        if self.first_sent_ms is None:
            return 0
        estimate = min(max(now_ms - self.first_sent_ms, 0), self.synthesized_ms)
        return max(self.confirmed_ms, estimate)

    def heard_text(self, now_ms: int) -> str:
        heard = self.heard_ms(now_ms)
        words: list[str] = []
        for seg in self.segments:
            if seg.offset_ms + seg.duration_ms <= heard:
                words.extend(seg.text.split())
            elif seg.offset_ms < heard:
                seg_words = seg.text.split()
                fraction = (heard - seg.offset_ms) / max(seg.duration_ms, 1)
                words.extend(seg_words[: int(len(seg_words) * fraction)])
                break
            else:
                break
        return " ".join(words)
