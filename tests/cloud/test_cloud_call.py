"""The production profile end to end: Twilio's protocol, AssemblyAI streaming and Mistral, against local emulators.

`synclead call` runs as a user would run it (its own process, its own in-process gateway) with SYNCLEAD_STT=assemblyai
and SYNCLEAD_LLM=mistral pointed at emulators speaking the vendors' documented wire protocols; the callers' audio is
real speech, the recogniser's words and the model's answers are scripted. Then the recogniser is killed mid-call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest

from tests.llm.emulator import ChatEmulator, Completion, ScriptedToolCall
from tests.stt.assemblyai_emulator import AssemblyAIEmulator, Behaviour
from tests.tts.emulator import SpeechEmulator

pytestmark = [pytest.mark.slow]

TURNS = ["What are your opening hours?", "Please have an advisor call me back. My name is John Smith."]
HEARD = ["What are your opening hours?", "Please have an advisor call me back. My name is John Smith."]


@pytest.fixture
def emulators():
    stt = AssemblyAIEmulator().start()
    llm = ChatEmulator(dialect="mistral").start()
    tts = SpeechEmulator().start()
    yield stt, llm, tts
    stt.stop()
    llm.stop()
    tts.stop()


def call(
    tmp_path: Path, stt: AssemblyAIEmulator, llm: ChatEmulator, tts: SpeechEmulator
) -> tuple[subprocess.CompletedProcess, dict]:
    env = {
        **os.environ,
        "SYNCLEAD_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "synclead.web.settings",
        "SYNCLEAD_STT": "assemblyai",
        "ASSEMBLYAI_API_KEY": stt.api_key,
        "ASSEMBLYAI_STREAMING_HOST": stt.host,
        "SYNCLEAD_LLM": "mistral",
        "MISTRAL_API_KEY": llm.api_key,
        "MISTRAL_SERVER_URL": llm.server_url,
        "SYNCLEAD_TTS": "openai",
        "SYNCLEAD_TTS_BASE_URL": tts.base_url,
        "SYNCLEAD_TTS_API_KEY": tts.api_key,
    }
    for var in ("SYNCLEAD_PUBLIC_URL", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"):
        env.pop(var, None)
    run = [sys.executable, "-m", "synclead.cli"]
    setup = subprocess.run([*run, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stderr
    script = tmp_path / "call.json"
    script.write_text(json.dumps({"language": "en", "from": "+33612345678", "turns": TURNS}))
    report = tmp_path / "report.json"
    done = subprocess.run(
        [*run, "call", "--org", "demo", "--script", str(script), "--report", str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    return done, json.loads(report.read_text()) if report.exists() else {}


def conversation(llm: ChatEmulator) -> None:
    llm.reset(
        Completion(text=["We are open Monday to Friday, ", "from 9 am to 7 pm. ", "Can I help with anything else?"]),
        Completion(
            tool_calls=[
                ScriptedToolCall("take_message", json.dumps({"name": "John Smith", "reason": "wants a callback"})),
                ScriptedToolCall("end_call", "{}"),
            ]
        ),
        Completion(text=["Thank you, John Smith. ", "An advisor will call you back today. Goodbye!"]),
    )


def test_a_call_through_assemblyai_and_mistral(tmp_path, emulators):
    stt, llm, tts = emulators
    stt.reset(Behaviour(transcripts=deque(HEARD)))
    conversation(llm)
    done, report = call(tmp_path, stt, llm, tts)
    assert done.returncode == 0, done.stdout + done.stderr
    caller = [u["text"] for u in report["transcript"] if u["role"] == "caller"]
    agent = [u["text"] for u in report["transcript"] if u["role"] == "agent"]
    assert caller == HEARD, "the recogniser's turns, not Whisper's"
    assert any("9 am to 7 pm" in text for text in agent)
    assert agent[-1].endswith("Goodbye!")
    assert report["lead"]["name"] == "John Smith" and report["lead"]["phone"] == "+33612345678"
    # The model saw the agency's own passages, and the audio reached AssemblyAI as μ-law in ≥ 50 ms batches.
    assert "open" in json.dumps(llm.requests[0]["messages"]).lower()
    assert stt.sessions and min(stt.sessions[0].batch_ms) >= 50
    assert stt.sessions[0].query.get("encoding") == "pcm_mulaw"
    # The demo agency's names, found when its documents were ingested, went to AssemblyAI as key terms.
    keyterms = json.loads(stt.sessions[0].query["keyterms_prompt"])
    assert {"rue des Martyrs", "Saint-Georges", "Batignolles"} <= set(keyterms) and len(keyterms) <= 100
    # The model's sentences were spoken by the cloud voice (cached greetings stay offline).
    assert any("9 am to 7 pm" in r.body.get("input", "") for r in tts.requests)


def test_the_recogniser_dies_mid_call_and_the_caller_is_still_heard(tmp_path, emulators):
    stt, llm, tts = emulators
    # The socket drops early in the caller's first question: Whisper takes over, nothing is lost.
    stt.reset(Behaviour(transcripts=deque(HEARD), drop_after_ms=9_000))
    conversation(llm)
    done, report = call(tmp_path, stt, llm, tts)
    assert done.returncode == 0, done.stdout + done.stderr
    caller = [u["text"].lower() for u in report["transcript"] if u["role"] == "caller"]
    assert len(caller) == 2
    assert "opening hours" in caller[0] and "john smith" in caller[1]
    assert report["lead"]["name"] == "John Smith"
    assert report["status"] == "completed"


def test_the_language_model_dies_mid_call_and_the_offline_agent_takes_the_message(tmp_path, emulators):
    stt, llm, tts = emulators
    stt.reset(Behaviour(transcripts=deque(HEARD)))
    # The first answer breaks off mid-stream; the model is then unreachable for the rest of the call.
    llm.reset(Completion(text=["We are open Monday ", "to Friday, from 9 am ", "to 7 pm."], break_after=2))
    done, report = call(tmp_path, stt, llm, tts)
    assert done.returncode == 0, done.stdout + done.stderr
    agent = [u["text"] for u in report["transcript"] if u["role"] == "agent"]
    # Half a sentence is never spoken: the caller hears an apology instead, then the message is taken.
    assert any("sorry" in text.lower() for text in agent), agent
    assert report["lead"]["name"] == "John Smith", "the offline agent took the message"
    assert report["lead"]["phone"] == "+33612345678"


def test_the_cloud_voice_dies_and_the_offline_voice_speaks(tmp_path, emulators):
    from tests.tts.emulator import Behaviour as SpeechBehaviour

    stt, llm, tts = emulators
    stt.reset(Behaviour(transcripts=deque(HEARD)))
    conversation(llm)
    tts.reset(SpeechBehaviour(status=500))
    done, report = call(tmp_path, stt, llm, tts)
    assert done.returncode == 0, done.stdout + done.stderr
    agent = [u["text"] for u in report["transcript"] if u["role"] == "agent"]
    assert any("9 am to 7 pm" in text for text in agent), "heard, in the offline voice"
    assert agent[-1].endswith("Goodbye!")
    assert tts.requests, "the cloud voice was tried"
