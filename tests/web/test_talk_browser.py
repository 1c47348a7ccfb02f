"""Talk to your agent: a member calls their agent from the dashboard in a real Chromium, whose fake microphone
speaks a caller's sentence; the agent hears it, answers aloud in the page, and the test call gets its report.

Everything is the product in its own process (`synclead serve` with the offline models: Whisper, Silero, Piper, the
offline agent, the in-process report worker); the browser is Debian's Chromium with Chromium's fake capture device.
"""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np
import pytest

from synclead.bench.audio import render_caller_speech
from tests.notifications.deployment import eventually, gateway, python, run
from tests.simulator.e2e import offline_env
from tests.web.browser import BROWSER_TESTS, CHROMIUM, CHROMIUM_ARGS, snapshot

pytestmark = [*BROWSER_TESTS, pytest.mark.slow]

SENTENCE = "Hello, I would like to visit the apartment on rue de la République. My name is Paul Martin."
PASSWORD = "a-long-passphrase-for-alice"
# Generous: the whole call runs on the offline models on a shared 2-core machine.
CALL_S = 120
REPORT_READY = """
from synclead.web.calls.models import Call
print(Call.objects.filter(is_test=True, report_ready_at__isnull=False).exists())
"""


def caller_wav(path: Path) -> Path:
    """The caller's sentence in the offline voice, after two seconds of quiet and followed by a minute of it (Chromium
    loops the file; the test is over long before it comes round again)."""
    speech = asyncio.run(render_caller_speech(text=SENTENCE))
    quiet = np.zeros(2 * 8000, dtype=np.int16)
    audio = np.concatenate([quiet, speech, np.zeros(60 * 8000, dtype=np.int16)])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(audio.astype("<i2").tobytes())
    return path


def test_a_member_talks_to_the_agent_from_the_dashboard(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    wav = caller_wav(tmp_path / "caller.wav")
    env = offline_env(tmp_path / "data", SYNCLEAD_WORKERS="1")
    run(env, "migrate")
    run(env, "org", "add", "lumiere", "--name", "Agence Lumière", "--number", "+33142685300", "--language", "en")
    python(
        env,
        f"""
from django.contrib.auth import get_user_model
from synclead.web.organizations.models import Organization
user = get_user_model().objects.create_user("alice", "alice@lumiere.example", {PASSWORD!r})
Organization.objects.get(slug="lumiere").members.add(user)
""",
    )
    fake_microphone = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with gateway(env, tmp_path / "serve.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *fake_microphone])
        page = browser.new_page()
        page.goto(f"{url}/login/")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.click("[data-talk-link]")
        expect(page.locator("h1")).to_have_text("Talk to your agent")

        page.click("[data-talk-start]")
        talk = page.locator("[data-talk]")
        expect(talk).to_have_attribute("data-state", "live", timeout=30_000)
        caller = page.locator("[data-talk-transcript] li[data-role=caller]")
        expect(caller.first).to_contain_text("Paul Martin", timeout=CALL_S * 1000)
        heard = caller.first.inner_text()
        played_before = int(talk.get_attribute("data-played-samples") or 0)
        # The agent answers the sentence: its words in the page, and its voice played (a second of it at least).
        answer = page.locator("[data-talk-transcript] li[data-role=caller] ~ li[data-role=agent]")
        expect(answer.first).to_be_visible(timeout=CALL_S * 1000)
        page.wait_for_function(
            f"() => Number(document.querySelector('[data-talk]').dataset.playedSamples) > {played_before} + 8000",
            timeout=CALL_S * 1000,
        )
        snapshot(page, "talk-live")
        talk_clears = int(talk.get_attribute("data-clears") or 0)

        page.click("[data-talk-hangup]")
        expect(talk).to_have_attribute("data-state", "ended", timeout=30_000)
        # The report is written after the call, by the post-call worker.
        assert eventually(lambda: python(env, REPORT_READY).strip() == "True", CALL_S), "the report was written"
        page.click("[data-talk-report-link]")
        expect(page.locator(".call-header .badge--test")).to_be_visible()
        expect(page.locator(".transcript")).to_contain_text("Paul Martin")
        expect(page.locator("#lead-heading + dl")).to_contain_text("Paul Martin")
        snapshot(page, "talk-report")
        clears = talk_clears
        browser.close()

    report = python(
        env,
        """
from synclead.web.calls.models import Call
call = Call.objects.get(is_test=True)
print(call.tested_by.username, call.end_reason, bool(call.report_ready_at), bool(call.recording_file))
print(call.lead.name)
print(call.summary)
""",
    )
    assert "Paul Martin" in heard
    # For whoever reads the run: the caller's sentence usually starts while the greeting plays (a barge-in).
    print(f"heard {heard!r}; the agent was interrupted {clears} time(s)")
    who, lead_name, summary = report.splitlines()[0], report.splitlines()[1], "\n".join(report.splitlines()[2:])
    assert who == "alice caller_hangup True True"
    assert lead_name == "Paul Martin"
    assert summary.strip()
