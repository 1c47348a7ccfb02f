"""The report of a call is built from what the server stored, and its API only answers signed, scoped requests."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from synclead.simulator.report_client import report_url
from synclead.telephony.twilio.signatures import sign
from synclead.web.calls.models import Call, CallStatus, Utterance
from synclead.web.calls.report import build_report, is_final
from synclead.web.leads.models import Lead
from synclead.web.organizations.models import Organization, PhoneNumber

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://synclead.test"  # tests/conftest.py
AUTH_TOKEN = "test-auth-token"
SID = "CA" + "b" * 32


@pytest.fixture
def call() -> Call:
    org = Organization.objects.create(slug="dupont", name="Agence Dupont")
    PhoneNumber.objects.create(number="+33142685300", organization=org)
    call = Call.objects.create(
        call_sid=SID,
        organization=org,
        from_number="+33612345678",
        to_number="+33142685300",
        status=CallStatus.COMPLETED,
        end_reason="agent_hangup",
        ended_at=timezone.now(),
        duration_s=21.5,
        summary="Anna Martin wants to rent a flat.",
        stream_started_at=timezone.now() - timedelta(seconds=22),
        report_ready_at=timezone.now(),
        metrics={
            "greeting_ms": 42,
            "turns": [{"caller_end_ms": 5200, "agent_start_ms": 6100, "latency_ms": 900, "extra": 1}],
            "barge_ins": [],
        },
    )
    Utterance.objects.create(call=call, role="caller", text="I want to rent a flat.", start_ms=3000, end_ms=5200)
    Utterance.objects.create(call=call, role="agent", text="Hello, Agence Dupont.", start_ms=0, end_ms=2500)
    return call


def test_the_report_is_what_the_server_recorded(call: Call) -> None:
    Lead.objects.create(
        call=call, organization=call.organization, name="Anna Martin", phone="+33612345678", intent="rent"
    )
    report = build_report(call)
    assert report == {
        "call_sid": SID,
        "org": "dupont",
        "from": "+33612345678",
        "to": "+33142685300",
        "language": "en",
        "status": "completed",
        "duration_s": 21.5,
        "transcript": [
            {"role": "agent", "text": "Hello, Agence Dupont.", "start_ms": 0, "end_ms": 2500},
            {"role": "caller", "text": "I want to rent a flat.", "start_ms": 3000, "end_ms": 5200},
        ],
        "summary": "Anna Martin wants to rent a flat.",
        "lead": {
            "name": "Anna Martin",
            "phone": "+33612345678",
            "email": "",
            "intent": "rent",
            "urgency": "normal",
            "details": "",
        },
        "metrics": {"greeting_ms": 42, "turns": [{"caller_end_ms": 5200, "agent_start_ms": 6100, "latency_ms": 900}]},
    }


def test_a_call_without_lead_or_metrics_keeps_the_same_shape(call: Call) -> None:
    call.metrics = {}
    call.save()
    report = build_report(call)
    assert report["lead"] == dict.fromkeys(("name", "phone", "email", "intent", "urgency", "details"), "")
    assert report["metrics"] == {"greeting_ms": None, "turns": []}


def test_final_means_the_engine_has_finished_or_no_stream_ever_ran(call: Call) -> None:
    assert is_final(call)
    call.end_reason = ""
    assert not is_final(call)  # the stream ran; its engine has not written the end yet
    call.stream_started_at = None
    assert is_final(call)  # completed without a stream: the status callback was the last word
    call.status = CallStatus.IN_PROGRESS
    assert not is_final(call)


# --- the API ---------------------------------------------------------------------------------------------------


def get(client: Client, org: str = "dupont", token: str = AUTH_TOKEN, now: float | None = None, sid: str = SID):
    url = report_url(PUBLIC_URL, sid, org, now)
    headers = {"X-Twilio-Signature": sign(url, {}, token)} if token else {}
    return client.get(url.removeprefix(PUBLIC_URL), headers=headers)


def test_a_signed_request_gets_the_report(client: Client, call: Call) -> None:
    response = get(client)
    assert response.status_code == 200
    assert response.json() == build_report(call)
    assert "no-cache" in response["Cache-Control"]


def test_unsigned_or_wrongly_signed_requests_are_refused(client: Client, call: Call) -> None:
    assert get(client, token="").status_code == 403
    assert get(client, token="not-the-token").status_code == 403
    # A signature for another URL (here: another organization) does not carry over.
    url = report_url(PUBLIC_URL, SID, "dupont")
    signature = sign(url.replace("org=dupont", "org=other"), {}, AUTH_TOKEN)
    assert client.get(url.removeprefix(PUBLIC_URL), headers={"X-Twilio-Signature": signature}).status_code == 403


def test_stale_requests_are_refused(client: Client, call: Call) -> None:
    assert get(client, now=time.time() - 3600).status_code == 403


def test_another_organizations_call_is_not_found(client: Client, call: Call) -> None:
    Organization.objects.create(slug="martin", name="Martin Immobilier")
    assert get(client, org="martin").status_code == 404
    assert get(client, org="nobody").status_code == 404
    assert get(client, org="").status_code == 404
    assert get(client, sid="CA" + "c" * 32).status_code == 404


def test_a_call_still_running_answers_202(client: Client, call: Call) -> None:
    Call.objects.filter(pk=call.pk).update(end_reason="", status=CallStatus.IN_PROGRESS, report_ready_at=None)
    response = get(client)
    assert response.status_code == 202
    assert response.json() == {"call_sid": SID, "status": "in-progress", "final": False}
    assert response["Retry-After"] == "1"


def test_only_get(client: Client, call: Call) -> None:
    url = report_url(PUBLIC_URL, SID, "dupont")
    response = client.post(url.removeprefix(PUBLIC_URL), headers={"X-Twilio-Signature": sign(url, {}, AUTH_TOKEN)})
    assert response.status_code == 405
