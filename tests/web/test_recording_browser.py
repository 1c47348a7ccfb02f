"""A call's recording plays in a real Chromium, from the call page."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from synclead.config import get_settings
from tests.web.browser import BROWSER_TESTS

pytestmark = BROWSER_TESTS


def stereo_wav(seconds: float) -> bytes:
    """What the gateway writes: 8 kHz, 16-bit, caller left and agent right."""
    samples = int(8000 * seconds)
    tone = (np.sin(np.arange(samples) * 2 * np.pi * 440 / 8000) * 8000).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(np.column_stack([tone, tone // 2]).tobytes())
    return buffer.getvalue()


def test_the_recording_plays_on_the_call_page(live_server, page, user_a, password, org_a, make_call):
    call = make_call(org_a)
    path = get_settings().recordings_dir / org_a.slug / f"{call.call_sid}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stereo_wav(2.5))
    call.recording_file = str(path)
    call.save()

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user_a.username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/calls/{call.call_sid}/")
    audio = page.locator("audio")
    assert audio.count() == 1
    # The browser fetched and decoded it: it knows the length, and it plays.
    duration = page.evaluate(
        """async () => {
            const a = document.querySelector('audio');
            a.muted = true;
            a.load();
            await new Promise((ok, fail) => { a.onloadedmetadata = ok; a.onerror = () => fail(a.error); });
            await a.play();
            return a.duration;
        }"""
    )
    assert duration == pytest.approx(2.5, abs=0.05)
    assert page.evaluate("() => !document.querySelector('audio').paused")
