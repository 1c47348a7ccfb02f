"""A call to a running `synclead serve`, placed as Twilio places it (`synclead call --url`), tells the agency of its
lead once on every channel switched on: a signed webhook to its CRM, an email to its advisor, an SMS through
Twilio. Twilio's replays of the call's callbacks, and the post-call job enqueued again, tell it nothing more.

Everything is the product in its own processes; only the vendors are local stand-ins speaking their protocols.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from tests.databases import own_database

from .deployment import (
    ADVISOR_EMAIL,
    ADVISOR_MOBILE,
    AGENCY,
    AGENCY_NUMBER,
    WEBHOOK_SECRET,
    add_agency,
    deliveries,
    dial,
    environment,
    eventually,
    gateway,
    jobs,
    python,
    run,
    twilio_post,
    vendors,
)

pytestmark = [pytest.mark.slow]

CALLER = "+33612345678"
SCRIPT = {
    "language": "en",
    "from": CALLER,
    "turns": ["Hi, I would like to rent a flat in Paris.", "My name is Anna Martin.", "Yes, that is my number."],
}
ENQUEUE_AGAIN = """
import time
from synclead.postcall.tasks import process_call
from synclead.web.calls.models import Call

result = process_call.enqueue(Call.objects.get(call_sid={sid!r}).pk)
deadline = time.monotonic() + 60
while not result.is_finished and time.monotonic() < deadline:
    time.sleep(0.2)
    result.refresh()
print(result.status, result.return_value if result.is_finished else None)
"""


def test_a_call_notifies_the_agency_once_on_every_channel(tmp_path: Path) -> None:
    with vendors() as stand_ins, own_database() as database_url:
        env = environment(tmp_path / "data", stand_ins, SYNCLEAD_DATABASE_URL=database_url)
        add_agency(env, stand_ins.crm_url)
        with gateway(env, tmp_path / "serve.log") as url:
            script = tmp_path / "call.json"
            script.write_text(json.dumps(SCRIPT))
            report_path = tmp_path / "report.json"
            args = ["--script", str(script), "--report", str(report_path), "--speed", "3"]
            run(env, "call", "--url", url, "--org", AGENCY, *args, timeout=400)
            report = json.loads(report_path.read_text())
            assert report["lead"]["phone"] == CALLER, report["transcript"]

            # (webhook, email, SMS): the sending job runs on the gateway's worker just after the report.
            assert eventually(lambda: stand_ins.counts() == (1, 1, 1), timeout_s=60), stand_ins.counts()
            [request] = stand_ins.crm.received
            expected = hmac.new(WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
            assert request.headers["x-synclead-signature"] == f"sha256={expected}"
            assert request.headers["x-synclead-delivery"].isdigit()
            payload = json.loads(request.body)
            assert payload["lead"]["phone"] == CALLER
            assert payload["call"]["sid"] == report["call_sid"]
            assert stand_ins.mailbox.recipients == [[ADVISOR_EMAIL]]
            who = report["lead"]["name"] or "Unknown caller"
            assert stand_ins.mailbox.messages[0]["Subject"].startswith(f"New lead: {who} (")
            [sms] = stand_ins.twilio.sent
            assert (sms["To"], sms["From"]) == (ADVISOR_MOBILE, AGENCY_NUMBER)
            assert CALLER in sms["Body"]

            # Twilio retries its callbacks: the final status again, the voice webhook again; and the job again.
            call = dial(report["call_sid"], CALLER)
            completed = call.form("completed") | {"CallDuration": str(round(report["duration_s"] or 0))}
            assert twilio_post(url, "/twilio/status", completed).status_code == 204
            assert twilio_post(url, "/twilio/voice", call.form("ringing")).status_code == 200
            again = python(env, ENQUEUE_AGAIN.format(sid=report["call_sid"]))
            assert again.split() == ["SUCCESSFUL", "False"], again  # the report was already written

            # Every job has run, nothing is left to send, and nothing more arrived.
            assert jobs(env) == ["process_call SUCCESSFUL", "send_deliveries SUCCESSFUL", "process_call SUCCESSFUL"]
            assert [(channel, status) for _, channel, status, _ in deliveries(env)] == [
                ("email", "sent"),
                ("sms", "sent"),
                ("webhook", "sent"),
            ]
            assert "0 deliveries attempted" in run(env, "notifications", "retry")
            assert stand_ins.counts() == (1, 1, 1)
