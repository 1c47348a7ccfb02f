"""Twilio's outbound buffer: audio plays in order on the media clock; marks echo when reached or cleared."""

from __future__ import annotations

from synclead.simulator.playout import PlayoutBuffer


def test_marks_echo_when_playout_reaches_them() -> None:
    buffer = PlayoutBuffer()
    buffer.add_audio(400)
    buffer.add_mark("a")
    buffer.add_audio(160)
    buffer.add_mark("b")
    assert buffer.advance(160) == (160, [])
    assert buffer.advance(160) == (160, [])
    assert buffer.advance(160) == (160, ["a"])  # 400 reached during the third frame
    assert buffer.advance(160) == (80, ["b"])
    assert buffer.pending == 0
    assert buffer.advance(160) == (0, [])


def test_a_mark_behind_nothing_echoes_on_the_next_tick() -> None:
    buffer = PlayoutBuffer()
    buffer.add_mark("now")
    assert buffer.advance(160) == (0, ["now"])


def test_clear_drops_audio_and_echoes_every_pending_mark() -> None:
    buffer = PlayoutBuffer()
    buffer.add_audio(1600)
    buffer.add_mark("s1.0")
    buffer.add_audio(1600)
    buffer.add_mark("s1.end")
    buffer.advance(320)
    assert buffer.clear() == ["s1.0", "s1.end"]
    assert (buffer.pending, buffer.dropped, buffer.pending_marks) == (0, 2880, 0)
    # Audio after a clear plays from where the clear left it.
    buffer.add_audio(160)
    buffer.add_mark("s2.end")
    assert buffer.advance(160) == (160, ["s2.end"])
