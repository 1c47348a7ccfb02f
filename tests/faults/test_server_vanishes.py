"""The server vanishes under `synclead call`: the simulator does what Twilio does — the fallback after </Connect>,
the voicemail and its callbacks to whichever server now answers — and says so in one line, with its own exit status.

Run as a user runs it, in its own process: `synclead call --url` through a balancer in front of two gateway
processes. The gateway carrying the call is SIGKILLed once the conversation is going; the balancer, which takes a
dead gateway out of its pool as HAProxy's health check does (told here at the moment of the kill rather than a
check later), sends the voicemail's webhooks to the other, which closes the lost call from what was persisted and
writes its report.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

from tests.databases import own_database
from tests.faults.gateway import NUMBER
from tests.faults.harness import Balancer, Rows, base_env, start_gateway
from tests.processes import free_port, wait_for

DROPPED = 3  # `synclead call`'s exit status for a stream the server dropped (see its --help)
CALLER = "+33612345678"
SCRIPT = {
    "language": "en",
    "from": CALLER,
    "turns": ["I would like to book a visit please.", "My name is Anna Martin.", "Thank you, goodbye."],
}


async def test_the_simulator_plays_twilios_fallback_when_the_server_dies_mid_call(tmp_path: Path) -> None:
    with own_database() as database_url:
        data = tmp_path / "data"
        ports = [free_port(), free_port()]
        async with Balancer(ports) as balancer:
            # Both behind the balancer's address, which Twilio (and the signatures) know them by; the sweep is quick.
            env = base_env(data, database_url, SYNCLEAD_PUBLIC_URL=balancer.url, SYNCLEAD_CALL_STALE_S="3")
            doomed = await asyncio.to_thread(start_gateway, "gateway-a", tmp_path, env, ports[0])
            survivor = await asyncio.to_thread(start_gateway, "gateway-b", tmp_path, env, ports[1])
            rows = Rows(data, database_url)
            try:
                script = tmp_path / "call.json"
                script.write_text(json.dumps(SCRIPT))
                report = tmp_path / "report.json"
                simulator = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "synclead.cli", "call", "--url", balancer.url, "--org", "faults",
                    "--to", NUMBER, "--script", str(script), "--report", str(report), "--report-timeout", "60",
                    env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                )  # fmt: skip
                # The conversation is going: the caller's first sentence is written and answered.
                call_sid = await wait_for(lambda: _answered_call(rows), 60, "a first turn answered")
                balancer.down(doomed.port)
                doomed.popen.send_signal(signal.SIGKILL)
                stdout, stderr = await asyncio.wait_for(simulator.communicate(), 120)
                call = rows.call(call_sid)
                lead_phone = rows.lead_phone(call["id"])
                said = rows.utterances(call_sid)
            finally:
                doomed.kill()
                survivor.stop()

    out, err = stdout.decode(), stderr.decode()
    assert simulator.returncode == DROPPED, out + err
    # One line, not a traceback: the close, what Twilio did instead, and that a server took the voicemail.
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    [line] = lines
    assert "Traceback" not in out + err
    assert "the server closed the media stream (code 1006, no close frame" in line
    assert "Twilio played the fallback: Say, Record" in line
    assert "recording callback" in line and "answered 204" in line
    assert f"report written to {report}" in line

    # The caller was not lost: its voicemail reached the surviving gateway, the lost call was closed from what was
    # persisted, and its report and lead were written.
    assert call["recording_url"].startswith("https://api.twilio.com/")
    assert call["end_reason"] == "gateway_lost" and call["report_ready_at"] is not None
    assert ("caller", "Sentence 1.") in said
    assert lead_phone == CALLER
    written = json.loads(report.read_text())
    assert written["call_sid"] == call_sid and written["lead"]["phone"] == CALLER
    assert ("caller", "Sentence 1.") in [(line["role"], line["text"]) for line in written["transcript"]]


def _answered_call(rows: Rows) -> str | None:
    for (call_sid,) in rows.query("SELECT call_sid FROM calls_call"):
        if ("agent", "Answer 1.") in rows.utterances(call_sid):
            return call_sid
    return None


def test_the_exit_statuses_are_in_the_help() -> None:
    import subprocess

    shown = subprocess.run(
        [sys.executable, "-m", "synclead.cli", "call", "--help"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "Exit status: 0 the call ran and was reported; 1 the call failed; 2 bad input; 3 the server dropped" in text
