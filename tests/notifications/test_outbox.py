"""The deliveries are an outbox: they commit with the post-call report, so a process that stops between that commit
and the sending loses nothing, and the next process sends each message exactly once.

Real processes over one database: `synclead serve` takes a voicemail as Twilio delivers it, a `synclead db_worker`
writes the report and stops right after its commit (as a worker killed there would), then `synclead notifications
retry` and a second worker run, each in a fresh process, against the local mail server, CRM and Twilio.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synclead.simulator.stream import new_sid
from tests.databases import own_database

from .deployment import (
    ACCOUNT_SID,
    ADVISOR_EMAIL,
    add_agency,
    deliveries,
    dial,
    environment,
    gateway,
    jobs,
    run,
    twilio_post,
    vendors,
)

pytestmark = [pytest.mark.slow]

CALLER = "+33612345678"
# A worker that runs one job and exits: the report's, whose commit enqueues the sending as a second job.
ONE_JOB = ("db_worker", "--queue-name", "*", "--batch", "--max-tasks", "1", "--no-startup-delay")
ALL_JOBS = ("db_worker", "--queue-name", "*", "--batch", "--no-startup-delay")


def test_deliveries_left_by_a_stopped_worker_are_sent_once_by_the_next_process(tmp_path: Path) -> None:
    with vendors() as stand_ins, own_database() as database_url:
        # Jobs run only in the worker processes this test starts, never inside the gateway.
        env = environment(tmp_path / "data", stand_ins, SYNCLEAD_WORKER="external", SYNCLEAD_DATABASE_URL=database_url)
        add_agency(env, stand_ins.crm_url)

        call = dial(new_sid("CA"), CALLER)
        recording_sid = new_sid("RE")
        recording = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": call.call_sid,
            "RecordingSid": recording_sid,
            "RecordingUrl": f"{stand_ins.twilio_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}",
            "RecordingStatus": "completed",
            "RecordingDuration": "14",
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
        }
        with gateway(env, tmp_path / "serve.log") as url:  # a caller who leaves a voicemail
            assert twilio_post(url, "/twilio/voice", call.form("ringing")).status_code == 200
            assert twilio_post(url, "/twilio/recording", recording).status_code == 204
            assert twilio_post(url, "/twilio/status", call.form("completed")).status_code == 204

        run(env, *ONE_JOB)
        assert jobs(env) == ["process_call SUCCESSFUL", "send_deliveries READY"]
        assert stand_ins.counts() == (0, 0, 0)  # the worker stopped after the commit, before sending
        pending = deliveries(env)
        assert [(channel, status) for _, channel, status, _ in pending] == [
            ("email", "pending"),
            ("sms", "pending"),
            ("webhook", "pending"),
        ]

        assert "3 deliveries attempted" in run(env, "notifications", "retry")
        assert stand_ins.counts() == (1, 1, 1)
        assert "0 deliveries attempted" in run(env, "notifications", "retry")
        run(env, *ALL_JOBS)  # the sending job left queued runs at last, and finds everything sent
        assert jobs(env) == ["process_call SUCCESSFUL", "send_deliveries SUCCESSFUL"]
        assert stand_ins.counts() == (1, 1, 1)

        assert [(status, attempts) for _, _, status, attempts in deliveries(env)] == [("sent", "1")] * 3
        [request] = stand_ins.crm.received
        webhook_id = next(pk for pk, channel, _, _ in pending if channel == "webhook")
        assert request.headers["x-synclead-delivery"] == webhook_id
        assert json.loads(request.body)["lead"]["source"] == "voicemail"
        assert stand_ins.mailbox.recipients == [[ADVISOR_EMAIL]]
        assert stand_ins.twilio.sent[0]["Body"].startswith(f"New lead: Unknown caller {CALLER}")
