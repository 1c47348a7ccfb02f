"""Outbound pacing: whole frames, in order, never more than the lead ahead of the caller's clock."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from synclead.engine.playout import Playout
from synclead.engine.ports import FRAME_MS, FRAME_SAMPLES


@given(
    lengths=st.lists(st.integers(min_value=1, max_value=4000), min_size=1, max_size=6),
    lead=st.sampled_from([0, 20, 60, 100]),
)
def test_paces_whole_frames_in_order_within_the_lead(lengths, lead):
    playout = Playout(lead_ms=lead)
    for i, n in enumerate(lengths):
        playout.enqueue(np.full(n, i + 1, dtype=np.int16), f"m{i}")
    sent_frames, marks = [], []
    now = 0
    while playout.busy or now == 0:
        for item in playout.tick(now):
            if item.audio is not None:
                assert len(item.audio) == FRAME_SAMPLES
                sent_frames.append(item.audio)
            else:
                marks.append(item.mark)
        # The carrier never has more than `lead` ms (rounded up to a frame) queued beyond the present.
        assert playout.sent_until_ms - now <= max(lead, 0) + FRAME_MS
        now += FRAME_MS
    assert marks == [f"m{i}" for i in range(len(lengths))]
    assert len(sent_frames) == sum(-(-n // FRAME_SAMPLES) for n in lengths)
    # Each segment's samples come out in order, padded with silence only at its end.
    values = np.concatenate(sent_frames)
    nonzero = values[values != 0]
    assert list(dict.fromkeys(nonzero.tolist())) == list(range(1, len(lengths) + 1))


def test_first_frames_go_out_at_once_then_one_per_tick():
    playout = Playout(lead_ms=80)
    playout.enqueue(np.ones(FRAME_SAMPLES * 20, dtype=np.int16))
    assert len(playout.tick(0)) == 4
    assert len(playout.tick(20)) == 1
    assert len(playout.tick(40)) == 1


def test_clear_drops_everything_queued():
    playout = Playout(lead_ms=40)
    playout.enqueue(np.ones(FRAME_SAMPLES * 10, dtype=np.int16), "a")
    playout.enqueue(np.ones(FRAME_SAMPLES * 10, dtype=np.int16), "b")
    playout.tick(0)
    playout.clear()
    assert not playout.busy
    assert playout.tick(20) == []


def test_after_silence_audio_starts_from_now_not_from_the_past():
    playout = Playout(lead_ms=40)
    playout.tick(10_000)
    playout.enqueue(np.ones(FRAME_SAMPLES * 10, dtype=np.int16))
    assert len(playout.tick(10_000)) == 2
