"""`synclead serve` killed in the middle of a call and started again: the call it lost is closed at start-up from what
was persisted — its end, its lead with the caller's number, its report with the sentences said — and nothing is left
"in progress".

The embedded default, as a user runs it: one `synclead serve` process with the offline models and SQLite in its data
directory (PostgreSQL in the suite's second pass), a caller placed with `synclead call --url`, SIGKILL ten seconds
into the call, and the same command started again.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

from tests.databases import own_database
from tests.faults.harness import Rows, base_env
from tests.processes import free_port, spawn, wait_for, wait_ready

ORG_NUMBER = "+33142685300"
CALLER = "+33612345678"
SCRIPT = {
    "language": "en",
    "from": CALLER,
    "turns": [
        "Hello, I am looking for a two bedroom apartment to rent in the ninth district.",
        "My name is John Smith.",
        "Yes, that number is fine.",
    ],
}
KILLED_AFTER_S = 10
STALE_S = 3  # SYNCLEAD_CALL_STALE_S's least: the restarted process takes the call as lost at once
DROPPED = 3


def synclead(*args: str, env: dict[str, str], cwd: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "synclead.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
async def test_a_call_lost_with_its_process_is_closed_when_the_process_starts_again(tmp_path: Path) -> None:
    with own_database() as database_url:
        data = tmp_path / "data"
        env = base_env(data, database_url, SYNCLEAD_CALL_STALE_S=str(STALE_S))
        await asyncio.to_thread(synclead, "migrate", env=env, cwd=tmp_path)
        await asyncio.to_thread(
            synclead, "org", "add", "dupont", "--name", "Agence Dupont", "--number", ORG_NUMBER, env=env, cwd=tmp_path
        )
        port = free_port()
        serve = [sys.executable, "-m", "synclead.cli", "serve", "--port", str(port), "--workers", "1"]
        first = spawn("serve-1", serve, env, tmp_path, port)
        second = None
        rows = Rows(data, database_url)
        try:
            await asyncio.to_thread(wait_ready, first)
            script = tmp_path / "call.json"
            script.write_text(json.dumps(SCRIPT))
            simulator = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "synclead.cli", "call", "--url", first.url, "--org", "dupont",
                "--script", str(script), "--report", str(tmp_path / "report.json"),
                env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            call_sid = await wait_for(lambda: _streaming_call(rows), 60, "the call's stream to start")
            started = time.monotonic()
            # Ten seconds into the call, with something the caller said already written.
            await wait_for(lambda: _caller_spoke(rows, call_sid), 30, "the caller's first sentence written")
            await asyncio.sleep(max(0.0, started + KILLED_AFTER_S - time.monotonic()))
            first.kill()
            _, stderr = await asyncio.wait_for(simulator.communicate(), 60)
            assert rows.call(call_sid)["end_reason"] == "", "nobody closed the call while no process ran"

            second = spawn("serve-2", serve, env, tmp_path, port)
            await asyncio.to_thread(wait_ready, second)
            call = await wait_for(
                lambda: (row := rows.call(call_sid))["report_ready_at"] and row, 60, "the lost call's report"
            )
            said = rows.utterances(call_sid)
            lead_phone = rows.lead_phone(call["id"])
            in_progress = rows.query("SELECT call_sid FROM calls_call WHERE end_reason = '' OR status = 'in-progress'")
            summary = rows.query("SELECT summary FROM calls_call WHERE call_sid = ?", call_sid)[0][0]
            log = second.text()
        finally:
            first.kill()
            if second is not None:
                second.stop()

    # The simulator saw the server vanish, tried Twilio's fallback, and said so in one line.
    assert simulator.returncode == DROPPED
    [line] = [line for line in stderr.decode().splitlines() if line.strip()]
    assert "code 1006" in line and "no server answered" in line and line.endswith("no report")

    # At start-up, before taking calls, the new process closed the call from what the old one had written.
    swept = log.index(f"call {call_sid}: its gateway stopped during the call; closed from what was persisted")
    assert swept < log.index("ready:")
    assert call["end_reason"] == "gateway_lost" and call["status"] == "completed"
    assert lead_phone == CALLER
    caller_said = " ".join(text for role, text in said if role == "caller").lower()
    assert "apartment" in caller_said or "bedroom" in caller_said, said
    assert said[0][0] == "agent", "the greeting"
    assert summary
    assert in_progress == []


def _streaming_call(rows: Rows) -> str | None:
    found = rows.query("SELECT call_sid FROM calls_call WHERE stream_started_at IS NOT NULL")
    return found[0][0] if found else None


def _caller_spoke(rows: Rows, call_sid: str) -> bool:
    return any(role == "caller" for role, _ in rows.utterances(call_sid))
