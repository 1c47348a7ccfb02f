"""Twilio's webhooks through Django's test client, signed with Twilio's own RequestValidator."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client

from synclead.telephony.twilio.signatures import sign
from synclead.telephony.twilio.stream_auth import claim_stream
from synclead.web.calls.models import Call, Role, Utterance
from synclead.web.leads.models import Lead, Source
from synclead.web.organizations.models import Organization

pytestmark = pytest.mark.django_db

CALL_SID = "CA" + "a" * 32
Post = Callable[..., HttpResponse]
Form = Callable[..., dict[str, str]]


def xml(response: HttpResponse) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def stream_params(root: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in root.iter("Parameter")}


# --- signatures -----------------------------------------------------------------------------------------------


def test_missing_signature_is_forbidden(twilio_post: Post, voice_form: Form, organization: Organization) -> None:
    assert twilio_post("/twilio/voice", voice_form(), signature="").status_code == 403
    assert not Call.objects.exists()


def test_forged_signature_is_forbidden(twilio_post: Post, voice_form: Form, organization: Organization) -> None:
    forged = sign("https://synclead.test/twilio/voice", voice_form(), "not-the-token")
    assert twilio_post("/twilio/voice", voice_form(), signature=forged).status_code == 403


def test_signature_over_another_form_is_forbidden(
    twilio_post: Post, voice_form: Form, organization: Organization
) -> None:
    signature = sign("https://synclead.test/twilio/voice", voice_form(), "test-auth-token")
    response = twilio_post("/twilio/voice", voice_form(From="+33699999999"), signature=signature)
    assert response.status_code == 403


def test_forwarded_host_is_not_trusted(twilio_post: Post, voice_form: Form, organization: Organization) -> None:
    # Signed for the attacker's own host, which they also claim through the proxy headers.
    signature = sign("https://evil.test/twilio/voice", voice_form(), "test-auth-token")
    response = twilio_post(
        "/twilio/voice", voice_form(), signature=signature, x_forwarded_host="evil.test", host="evil.test"
    )
    assert response.status_code == 403


@pytest.mark.usefixtures("no_auth_token")
def test_no_auth_token_configured_refuses_everything(
    twilio_post: Post, voice_form: Form, organization: Organization
) -> None:
    signature = sign("https://synclead.test/twilio/voice", voice_form(), "test-auth-token")
    assert twilio_post("/twilio/voice", voice_form(), signature=signature).status_code == 403


def test_csrf_does_not_block_twilio(voice_form: Form, organization: Organization) -> None:
    # Twilio has no CSRF cookie; the default test client skips CSRF checks, this one enforces them.
    strict = Client(enforce_csrf_checks=True)
    signature = sign("https://synclead.test/twilio/voice", voice_form(), "test-auth-token")
    response = strict.post("/twilio/voice", voice_form(), headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/status", "/twilio/recording", "/twilio/voicemail-done"])
def test_post_only(client, path: str) -> None:
    assert client.get(path).status_code == 405


# --- voice ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["CallSid", "From", "To"])
def test_required_fields(twilio_post: Post, voice_form: Form, organization: Organization, missing: str) -> None:
    form = voice_form()
    del form[missing]
    response = twilio_post("/twilio/voice", form)
    assert response.status_code == 400
    assert missing in response.content.decode()


def test_unknown_number_is_refused_politely(twilio_post: Post, voice_form: Form, organization: Organization) -> None:
    root = xml(twilio_post("/twilio/voice", voice_form(To="+33100000000")))
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert not Call.objects.exists()


def test_known_number_connects_the_stream_then_voicemail(
    twilio_post: Post, voice_form: Form, organization: Organization
) -> None:
    root = xml(twilio_post("/twilio/voice", voice_form()))
    assert [child.tag for child in root] == ["Connect", "Say", "Record", "Hangup"]
    stream = root.find("Connect/Stream")
    assert stream is not None
    url = urlsplit(stream.get("url", ""))
    assert (url.scheme, url.netloc, url.path, url.query) == ("wss", "synclead.test", "/twilio/media", "")

    call = Call.objects.get(call_sid=CALL_SID)
    assert call.organization == organization
    assert (call.from_number, call.to_number, call.language, call.status) == (
        "+33612345678",
        "+33142685300",
        "fr",
        "ringing",
    )
    params = stream_params(root)
    assert len(call.stream_token) >= 40
    assert params == {
        "token": call.stream_token,
        "organization": "agence-lumiere",
        "language": "fr",
        "from": "+33612345678",
        "to": "+33142685300",
    }
    assert root.find("Say").get("language") == "fr-FR"  # type: ignore[union-attr]
    record = root.find("Record")
    assert record is not None
    assert record.get("recordingStatusCallback") == "https://synclead.test/twilio/recording"
    assert record.get("action") == "https://synclead.test/twilio/voicemail-done"


def test_dialled_number_is_normalised(twilio_post: Post, voice_form: Form, organization: Organization) -> None:
    root = xml(twilio_post("/twilio/voice", voice_form(To="+33 1 42 68 53 00")))
    assert root.find("Connect/Stream") is not None
    assert Call.objects.get().to_number == "+33142685300"


def test_replay_gives_the_same_call_and_token(twilio_post: Post, voice_form: Form, organization: Organization) -> None:
    first = stream_params(xml(twilio_post("/twilio/voice", voice_form())))
    second = stream_params(xml(twilio_post("/twilio/voice", voice_form())))
    assert Call.objects.count() == 1
    assert first["token"] == second["token"] == Call.objects.get().stream_token


def test_replay_after_stream_started_issues_no_token(
    twilio_post: Post, voice_form: Form, organization: Organization
) -> None:
    token = stream_params(xml(twilio_post("/twilio/voice", voice_form())))["token"]
    assert claim_stream(CALL_SID, token) is not None

    root = xml(twilio_post("/twilio/voice", voice_form()))
    assert root.find("Connect") is None
    assert stream_params(root) == {}
    assert [child.tag for child in root] == ["Say", "Record", "Hangup"]
    assert Call.objects.get().stream_token == ""
    assert Call.objects.count() == 1


# --- status ---------------------------------------------------------------------------------------------------


@pytest.fixture
def call(twilio_post: Post, voice_form: Form, organization: Organization) -> Call:
    xml(twilio_post("/twilio/voice", voice_form()))
    return Call.objects.get(call_sid=CALL_SID)


def test_status_updates_and_is_idempotent(twilio_post: Post, call: Call) -> None:
    assert twilio_post("/twilio/status", {"CallSid": CALL_SID, "CallStatus": "in-progress"}).status_code == 204
    call.refresh_from_db()
    assert (call.status, call.ended_at) == ("in-progress", None)

    final = {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "42"}
    assert twilio_post("/twilio/status", final).status_code == 204
    call.refresh_from_db()
    ended_at = call.ended_at
    assert (call.status, call.duration_s) == ("completed", 42.0)
    assert ended_at is not None

    assert twilio_post("/twilio/status", final).status_code == 204
    # A late, out-of-order callback never moves a finished call back.
    assert twilio_post("/twilio/status", {"CallSid": CALL_SID, "CallStatus": "in-progress"}).status_code == 204
    call.refresh_from_db()
    assert (call.status, call.duration_s, call.ended_at) == ("completed", 42.0, ended_at)


@pytest.mark.parametrize(
    "form",
    [
        {"CallSid": CALL_SID, "CallStatus": "exploded"},
        {"CallSid": CALL_SID},
        {"CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "forty"},
    ],
)
def test_status_rejects_bad_fields(twilio_post: Post, call: Call, form: dict[str, str]) -> None:
    assert twilio_post("/twilio/status", form).status_code == 400
    call.refresh_from_db()
    assert call.status == "ringing"


def test_status_for_unknown_call_is_ignored(twilio_post: Post, db) -> None:
    assert twilio_post("/twilio/status", {"CallSid": "CA" + "f" * 32, "CallStatus": "completed"}).status_code == 204


def test_status_signature_checked(twilio_post: Post, call: Call) -> None:
    form = {"CallSid": CALL_SID, "CallStatus": "completed"}
    assert twilio_post("/twilio/status", form, signature="bogus").status_code == 403
    call.refresh_from_db()
    assert call.status == "ringing"


# --- recording and voicemail ------------------------------------------------------------------------------------

RECORDING = {
    "CallSid": CALL_SID,
    "RecordingSid": "RE" + "1" * 32,
    "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
    "RecordingStatus": "completed",
    "RecordingDuration": "17",
}


def test_voicemail_makes_exactly_one_lead(twilio_post: Post, call: Call) -> None:
    for _ in range(3):  # Twilio retries
        assert twilio_post("/twilio/recording", RECORDING).status_code == 204
    call.refresh_from_db()
    assert (call.recording_url, call.recording_duration_s) == (RECORDING["RecordingUrl"], 17.0)
    lead = Lead.objects.get()
    assert (lead.call, lead.organization, lead.source, lead.phone) == (
        call,
        call.organization,
        Source.VOICEMAIL,
        "+33612345678",
    )


def test_recording_after_a_conversation_makes_no_voicemail_lead(twilio_post: Post, call: Call) -> None:
    Utterance.objects.create(call=call, role=Role.CALLER, text="Bonjour", start_ms=0, end_ms=800)
    assert twilio_post("/twilio/recording", RECORDING).status_code == 204
    assert not Lead.objects.exists()
    call.refresh_from_db()
    assert call.recording_url == RECORDING["RecordingUrl"]


def test_recording_keeps_an_existing_lead(twilio_post: Post, call: Call) -> None:
    Lead.objects.create(call=call, organization=call.organization, source=Source.CALL, name="Marie")
    assert twilio_post("/twilio/recording", RECORDING).status_code == 204
    assert list(Lead.objects.values_list("source", "name")) == [("call", "Marie")]


def test_recording_in_progress_is_ignored(twilio_post: Post, call: Call) -> None:
    assert twilio_post("/twilio/recording", RECORDING | {"RecordingStatus": "in-progress"}).status_code == 204
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "bad", [{"RecordingUrl": ""}, {"RecordingUrl": "javascript:alert(1)"}, {"RecordingDuration": "-3"}]
)
def test_recording_rejects_bad_fields(twilio_post: Post, call: Call, bad: dict[str, str]) -> None:
    assert twilio_post("/twilio/recording", RECORDING | bad).status_code == 400
    assert not Lead.objects.exists()


def test_voicemail_done_hangs_up(twilio_post: Post, db) -> None:
    root = xml(twilio_post("/twilio/voicemail-done", {"CallSid": CALL_SID, "RecordingUrl": "https://x.test/r"}))
    assert [child.tag for child in root] == ["Hangup"]
    assert twilio_post("/twilio/voicemail-done", {"CallSid": CALL_SID}, signature="bogus").status_code == 403
