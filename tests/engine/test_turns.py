"""Turn detection from VAD probabilities, in media time."""

from __future__ import annotations

from synclead.engine.turns import TurnConfig, TurnDetector, TurnEvent


def feed(detector: TurnDetector, probs: list[float], start_ms: int = 0):
    events = []
    for i, p in enumerate(probs):
        turn = detector.push(p, start_ms + (i + 1) * detector.window_ms)
        if turn is not None:
            events.append(turn)
    return events


def test_start_needs_min_speech_and_end_waits_for_quiet():
    detector = TurnDetector(TurnConfig(min_speech_ms=64, end_of_turn_ms=600), window_ms=32)
    events = feed(detector, [0.0] * 10 + [0.9] * 30 + [0.1] * 25)
    assert [e.event for e in events] == [TurnEvent.SPEECH_STARTED, TurnEvent.SPEECH_ENDED]
    started, ended = events
    assert started.started_ms == 320 and started.at_ms == 384  # two windows of speech
    assert ended.at_ms == 40 * 32  # the last voiced window's end, not when the wait ran out


def test_a_click_does_not_open_a_turn():
    detector = TurnDetector(TurnConfig(min_speech_ms=64), window_ms=32)
    assert feed(detector, [0.0, 0.95, 0.0, 0.0, 0.95, 0.1]) == []


def test_hysteresis_keeps_a_turn_open_through_weak_syllables():
    detector = TurnDetector(TurnConfig(end_of_turn_ms=300), window_ms=32)
    events = feed(detector, [0.9] * 5 + [0.4] * 20 + [0.9] * 5 + [0.0] * 12)
    assert [e.event for e in events] == [TurnEvent.SPEECH_STARTED, TurnEvent.SPEECH_ENDED]


def test_caller_who_never_stops_is_cut_every_max_turn_without_new_starts():
    detector = TurnDetector(TurnConfig(max_turn_ms=1000), window_ms=20)
    events = feed(detector, [0.9] * 160)
    kinds = [e.event for e in events]
    assert kinds.count(TurnEvent.SPEECH_STARTED) == 1
    ends = [e for e in events if e.event is TurnEvent.SPEECH_ENDED]
    assert len(ends) == 3 and all(e.forced for e in ends)
    assert all(e.at_ms - e.started_ms <= 1000 for e in ends)
